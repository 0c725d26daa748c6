using CapacityPlanner.Web.Shared.Charts;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;
using static CapacityPlanner.Web.Shared.Charts.ChartTheme;

namespace CapacityPlanner.Web.Features.Validation;

/// <summary>Predicted against published on log-log axes: the y = x line, a ±10% band, published runs and the user's runs.</summary>
public static class ValidationChart
{
    /// <summary>Half-width of the shaded band around y = x.</summary>
    public const double Band = 0.10;

    /// <summary>The scatter of the rows that have a prediction (both sets may be empty).</summary>
    public static ChartFigure Figure(IReadOnlyList<ValidationRow> published, IReadOnlyList<ValidationRow> user, ChartTheme theme)
    {
        ArgumentNullException.ThrowIfNull(published);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(theme);
        var shipped = published.Where(Plotted).ToList();
        var mine = user.Where(Plotted).ToList();
        var all = shipped.Concat(mine).ToList();
        var values = all.SelectMany(r => new[] { r.Published, r.Predicted!.Value }).ToList();
        var lo = values.Count > 0 ? values.Min() / 1.5 : 0.1;
        var hi = values.Count > 0 ? values.Max() * 1.5 : 1e4;
        var line = Sweep(lo, hi);

        var data = new List<ITrace>
        {
            new Scatter
            {
                Name = "−10 %", Mode = ModeFlag.Lines, ShowLegend = false, HoverInfo = HoverInfoFlag.Skip,
                X = Values(line), Y = Values(line.Select(x => x * (1 - Band))),
                Line = new Line { Width = 0, Color = "rgba(0,0,0,0)" },
            },
            new Scatter
            {
                Name = "±10 % band", Mode = ModeFlag.Lines, HoverInfo = HoverInfoFlag.Skip, Fill = FillEnum.ToNextY,
                FillColor = theme.Dark ? "rgba(38,166,154,0.18)" : "rgba(38,166,154,0.15)",
                X = Values(line), Y = Values(line.Select(x => x * (1 + Band))),
                Line = new Line { Width = 0, Color = "rgba(0,0,0,0)" },
            },
            new Scatter
            {
                Name = "y = x", Mode = ModeFlag.Lines, HoverInfo = HoverInfoFlag.Skip,
                X = Values(line), Y = Values(line),
                Line = new Line { Color = theme.AxisLine, Width = 1, Dash = "dash" },
            },
            Points("published runs", shipped, SeriesColor(0), Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.Circle),
            Points("your runs", mine, SeriesColor(2), Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.Diamond),
        };
        var layout = theme.BaseLayout(420);
        layout.XAxis = [theme.XAxis("published (step time s, tokens/s/GPU or TFLOP/s/GPU)", log: true, tickFormat: "~s")];
        layout.YAxis = [theme.YAxis("predicted (same unit)", log: true, tickFormat: "~s")];
        // Log ticks at 1, 2 and 5 per decade: over a narrow filtered range Plotly otherwise labels every digit and the
        // labels run into each other.
        layout.XAxis[0].DTick = "D2";
        layout.YAxis[0].DTick = "D2";
        layout.HoverMode = HoverModeEnum.Closest;
        var within = all.Count(r => Math.Abs(r.Error!.Value) <= Band);
        var summary = all.Count == 0
            ? "No runs with a prediction to plot."
            : $"{shipped.Count} published run{(shipped.Count == 1 ? "" : "s")} and {mine.Count} of yours plotted; {within} of {all.Count} within ±10 % of published.";
        return new ChartFigure(data, layout, summary);
    }

    private static bool Plotted(ValidationRow r) =>
        r.Predicted is { } p && double.IsFinite(p) && p > 0 && r.Published > 0 && r.Error is { } e && double.IsFinite(e);

    private static Scatter Points(string name, List<ValidationRow> rows, string color, Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum symbol) => new()
    {
        Name = name,
        Mode = ModeFlag.Markers,
        X = Values(rows.Select(r => r.Published)),
        Y = Values(rows.Select(r => r.Predicted!.Value)),
        Marker = new Marker { Color = color, Size = 9, Symbol = symbol, Opacity = 0.85m },
        HoverTextArray = rows.Select(Hover).ToList(),
        HoverTemplate = "%{hovertext}<extra></extra>",
    };

    private static string Hover(ValidationRow r) =>
        $"<b>{ChartText.Escape(r.Name)}</b><br>{ChartText.Escape(r.Family)} · {ChartText.Escape(r.Chip)} × {F(r.Gpus, "N0")}<br>{ChartText.Escape(ValidationRow.MetricLabel(r.Metric))}: " +
        $"published {F(r.Published, "G4")}, predicted {F(r.Predicted!.Value, "G4")}<br>error {F(r.Error!.Value * 100, "+0.0;-0.0;0.0")} %";

    private static List<double> Sweep(double lo, double hi)
    {
        // Log-spaced points so the band's fill follows the diagonal on log axes.
        const int n = 24;
        var a = Math.Log10(lo);
        var b = Math.Log10(hi);
        return [.. Enumerable.Range(0, n + 1).Select(i => Math.Pow(10, a + (b - a) * i / n))];
    }
}
