using System.Globalization;
using CapacityPlanner.Core.Budget;
using CapacityPlanner.Core.ScalingLaws;
using CapacityPlanner.Web.Shared.Charts;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using static CapacityPlanner.Web.Shared.Charts.ChartTheme;

namespace CapacityPlanner.Web.Features.Budget;

/// <summary>A scenario column as the charts see it.</summary>
/// <param name="Label">Unique label ("1. $30B half-year run").</param>
/// <param name="Result">Its result; null when its inputs are invalid or it is still being planned.</param>
public sealed record BudgetColumn(string Label, BudgetResult? Result);

/// <summary>The Budget page's charts: cost breakdown, total FLOP and the compute ladder.</summary>
public static class BudgetCharts
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>Cost components in stacking order, with colours.</summary>
    private static readonly (string Label, Func<BudgetCostBreakdown, double> Get, string Color)[] s_costs =
    [
        ("Servers", c => c.ServersUsd, "#5c6bc0"),
        ("Network", c => c.NetworkUsd, "#26a69a"),
        ("Facility", c => c.FacilityUsd, "#8d6e63"),
        ("Energy", c => c.EnergyUsd, "#ef6c00"),
        ("Rental", c => c.RentalUsd, "#ab47bc"),
        ("Hyperparameter search", c => c.HyperparameterSearchUsd, "#29b6f6"),
        ("Unallocated", c => c.UnallocatedUsd, "#b0bec5"),
    ];

    /// <summary>One stacked bar per scenario: where the money goes (US dollars).</summary>
    public static ChartFigure CostBreakdown(IReadOnlyList<BudgetColumn> columns, ChartTheme theme)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(theme);
        var shown = columns.Where(c => c.Result is not null).ToList();
        var data = new List<ITrace>();
        foreach (var (label, get, color) in s_costs)
        {
            var values = shown.Select(c => Finite(get(c.Result!.Costs))).ToList();
            if (values.All(v => v <= 0)) continue;
            data.Add(new Bar
            {
                Name = label,
                X = Labels(shown.Select(c => ChartText.Escape(c.Label))),
                Y = Values(values),
                Marker = new Plotly.Blazor.Traces.BarLib.Marker { Color = color, Line = new Plotly.Blazor.Traces.BarLib.MarkerLib.Line { Width = 0 } },
                HoverTemplate = $"<b>{label}</b><br>%{{x}}: $%{{y:,.0f}}<extra></extra>",
            });
        }
        var layout = theme.BaseLayout(340);
        layout.BarMode = BarModeEnum.Stack;
        layout.XAxis = [theme.XAxis("")];
        // Dollars in B (billions) as finance reads them, not d3's SI "G".
        var dollars = theme.YAxis("US dollars");
        dollars.TickPrefix = "$";
        dollars.ExponentFormat = Plotly.Blazor.LayoutLib.YAxisLib.ExponentFormatEnum.B;
        layout.YAxis = [dollars];
        layout.HoverMode = HoverModeEnum.Closest;
        var summary = shown.Count == 0
            ? "No scenario has a result yet."
            : "Run cost: " + string.Join("; ", shown.Select(c => $"{c.Label} {BudgetFormat.Usd(c.Result!.Costs.RunCostUsd)} of {BudgetFormat.Usd(c.Result.Costs.TotalUsd)}")) + ".";
        return new ChartFigure(data, layout, summary);
    }

    /// <summary>Largest ÷ smallest FLOP up to which the chart draws bars on a linear axis from zero.</summary>
    public const double LinearFlopSpan = 100;

    /// <summary>
    /// Total training FLOP per scenario. Bars start at zero on a linear axis in units of 10^k FLOP (k from the largest
    /// value), so a bar's length is its FLOP and every tick label differs. When the scenarios span more than
    /// <see cref="LinearFlopSpan"/>× a linear axis would flatten the small ones: then each is a point on a log axis
    /// with one tick per decade (no bars, whose length on a log axis depends on where the axis starts).
    /// </summary>
    public static ChartFigure Flop(IReadOnlyList<BudgetColumn> columns, ChartTheme theme)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(theme);
        var shown = columns.Where(c => c.Result is { TotalFlop: > 0 } r && double.IsFinite(r.TotalFlop)).ToList();
        var data = new List<ITrace>();
        var layout = theme.BaseLayout(340);
        layout.XAxis = [theme.XAxis("")];
        layout.HoverMode = HoverModeEnum.Closest;
        var colors = shown.Select((_, i) => (object)SeriesColor(columns.ToList().IndexOf(shown[i]))).ToList();
        var text = shown.Select(c => BudgetFormat.Scientific(c.Result!.TotalFlop) + " (10^" + c.Result!.Log10TotalFlop?.ToString("F1", s_inv) + ")").ToList();
        if (shown.Count == 0)
        {
            layout.YAxis = [theme.YAxis("training FLOP")];
        }
        else if (shown.Max(c => c.Result!.TotalFlop) / shown.Min(c => c.Result!.TotalFlop) <= LinearFlopSpan)
        {
            var max = shown.Max(c => c.Result!.TotalFlop);
            var k = (int)Math.Floor(Math.Log10(max));
            var unit = Math.Pow(10, k);
            data.Add(new Bar
            {
                Name = "training FLOP",
                X = Labels(shown.Select(c => ChartText.Escape(c.Label))),
                Y = Values(shown.Select(c => c.Result!.TotalFlop / unit)),
                Marker = new Plotly.Blazor.Traces.BarLib.Marker { ColorArray = colors },
                TextArray = text,
                TextPosition = Plotly.Blazor.Traces.BarLib.TextPositionEnum.Outside,
                HoverTemplate = $"<b>%{{x}}</b><br>%{{text}} FLOP<extra></extra>",
                ShowLegend = false,
            });
            var y = theme.YAxis(string.Create(s_inv, $"training FLOP (× 10^{k})"), tickFormat: "~g");
            y.Range = [0, max / unit * 1.18];
            y.RangeMode = Plotly.Blazor.LayoutLib.YAxisLib.RangeModeEnum.ToZero;
            layout.YAxis = [y];
        }
        else
        {
            data.Add(new Scatter
            {
                Name = "training FLOP",
                Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers | Plotly.Blazor.Traces.ScatterLib.ModeFlag.Text,
                X = Labels(shown.Select(c => c.Label)),
                Y = Values(shown.Select(c => c.Result!.TotalFlop)),
                Marker = new Plotly.Blazor.Traces.ScatterLib.Marker { ColorArray = colors, Size = 14 },
                TextArray = text,
                TextPosition = Plotly.Blazor.Traces.ScatterLib.TextPositionEnum.TopCenter,
                HoverTemplate = "<b>%{x}</b><br>%{text} FLOP<extra></extra>",
                ShowLegend = false,
            });
            var y = theme.YAxis("training FLOP (log scale, one tick per decade)", log: true, tickFormat: ".0e");
            y.DTick = 1m;
            layout.YAxis = [y];
        }
        var summary = shown.Count == 0
            ? "No scenario has a result yet."
            : "Training FLOP: " + string.Join("; ", shown.Select(c => $"{c.Label} {BudgetFormat.Scientific(c.Result!.TotalFlop)}")) + ".";
        return new ChartFigure(data, layout, summary);
    }

    /// <summary>
    /// The compute ladder: predicted loss on the compute-optimal frontier of every fit the scenarios use against
    /// training FLOP (log axis), each scenario as a marker at its FLOP and predicted loss, and the known limits as
    /// labelled vertical lines. The hover of the frontier gives the loss gained per 10× compute.
    /// </summary>
    public static ChartFigure Ladder(IReadOnlyList<BudgetColumn> columns, ChartTheme theme)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(theme);
        var results = columns.Where(c => c.Result is not null).ToList();
        var laws = results.Select(c => c.Result!.Assumptions.ScalingLaw.Id).Distinct(StringComparer.Ordinal).ToList();
        if (laws.Count == 0) laws.Add("epoch");
        var maxLog = results.Select(c => c.Result!.Log10TotalFlop ?? 0).Where(double.IsFinite).DefaultIfEmpty(0).Max();
        var top = Math.Clamp(Math.Ceiling(Math.Max(31, maxLog + 0.5)), 31, 40);
        var data = new List<ITrace>();
        ComputeLadder? first = null;
        var lawIndex = 0;
        foreach (var law in laws)
        {
            var ladder = ComputeLadder.Build(law, 20, top, 4);
            first ??= ladder;
            var color = lawIndex++ == 0 ? (theme.Dark ? "#e0e0e0" : "#424242") : "#9e9e9e";
            data.Add(new Scatter
            {
                Name = $"frontier: {ladder.LawName}",
                Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines,
                X = Values(ladder.Points.Select(p => p.Flop)),
                Y = Values(ladder.Points.Select(p => p.Loss)),
                Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = color, Width = 2, Dash = lawIndex == 1 ? null : "dash" },
                HoverTextArray = ladder.Points.Select(p => string.Create(s_inv,
                    $"10^{p.Log10Flop:F2} FLOP: loss {p.Loss:F4}<br>N {p.Parameters:0.00e+0}, D {p.Tokens:0.00e+0}<br>last 10× gained {p.LossGainPer10x:F4}")).ToList(),
                HoverTemplate = $"<b>{ladder.LawName}</b><br>%{{hovertext}}<extra></extra>",
            });
        }
        var i = 0;
        foreach (var column in columns)
        {
            var color = SeriesColor(i++);
            if (column.Result is not { } r || r.Scaling is not { } s || !(r.TotalFlop > 0) || !double.IsFinite(r.TotalFlop) || !double.IsFinite(s.PredictedLoss)) continue;
            data.Add(new Scatter
            {
                Name = ChartText.Escape(column.Label),
                Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers,
                X = Values([r.TotalFlop]),
                Y = Values([s.PredictedLoss]),
                Marker = new Plotly.Blazor.Traces.ScatterLib.Marker { Color = color, Size = 12, Line = new Plotly.Blazor.Traces.ScatterLib.MarkerLib.Line { Color = theme.Dark ? "#000" : "#fff", Width = 1.5m } },
                HoverTextArray = [string.Create(s_inv, $"{r.TotalFlop:0.00e+0} FLOP (10^{r.Log10TotalFlop:F2})<br>loss {s.PredictedLoss:F4}, last 10× gained {s.LossGainPer10x:F4}")],
                HoverTemplate = $"<b>{ChartText.Escape(column.Label)}</b><br>%{{hovertext}}<extra></extra>",
            });
        }
        var layout = theme.BaseLayout(380);
        var x = theme.XAxis("training FLOP (log scale)", log: true);
        x.TickFormat = ".0e";
        x.DTick = 1;
        layout.XAxis = [x];
        layout.YAxis = [theme.YAxis("predicted loss (nats/token)")];
        layout.HoverMode = HoverModeEnum.Closest;
        var shapes = new List<Shape>();
        var annotations = new List<Annotation>();
        var row = 0;
        foreach (var limit in first!.Limits)
        {
            shapes.Add(new Shape
            {
                Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Line,
                XRef = "x",
                YRef = "paper",
                X0 = ChartTheme.Number(limit.Flop),
                X1 = ChartTheme.Number(limit.Flop),
                Y0 = 0,
                Y1 = 1,
                Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Color = theme.Limit, Width = 1.5m, Dash = "dash" },
            });
            // Annotations on a log axis take log10 of the value.
            annotations.Add(new Annotation
            {
                X = Math.Log10(limit.Flop),
                Y = 1 - 0.08 * row++,
                XRef = "x",
                YRef = "paper",
                Text = string.Create(s_inv, $"{limit.Label} ({limit.Flop:0e+0})"),
                ShowArrow = false,
                XAnchor = Plotly.Blazor.LayoutLib.AnnotationLib.XAnchorEnum.Right,
                XShift = -4,
                YAnchor = Plotly.Blazor.LayoutLib.AnnotationLib.YAnchorEnum.Top,
                BgColor = theme.Dark ? "rgba(30,30,45,0.85)" : "rgba(255,255,255,0.85)",
                Font = new Plotly.Blazor.LayoutLib.AnnotationLib.Font { Color = theme.Limit, Family = FontFamily, Size = 11 },
            });
        }
        layout.Shapes = shapes;
        layout.Annotations = annotations;
        var placed = columns.Where(c => c.Result?.Scaling is not null && c.Result.TotalFlop > 0).ToList();
        var summary = placed.Count == 0
            ? $"Loss against training FLOP under {first.LawName}; no scenario placed yet."
            : "On the ladder: " + string.Join("; ", placed.Select(c => string.Create(s_inv,
                $"{c.Label} at 10^{c.Result!.Log10TotalFlop:F2} FLOP, loss {c.Result.Scaling!.PredictedLoss:F4}"))) + ".";
        return new ChartFigure(data, layout, summary);
    }

    /// <summary>"From 10^n to 10^(n+3)" for every whole n of the fit's ladder between 10^21 and 10^31.</summary>
    public static IReadOnlyList<LadderStep> ThousandfoldSteps(string law)
    {
        var ladder = ComputeLadder.Build(law, 21, 31, 1);
        return ladder.ThousandfoldSteps;
    }

    private static double Finite(double v) => double.IsFinite(v) ? v : 0;
}
