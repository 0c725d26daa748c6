using System.Globalization;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Roofline;
using CapacityPlanner.Core.Workload;
using CapacityPlanner.Web.Shared.Charts;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using static CapacityPlanner.Web.Shared.Charts.ChartTheme;

namespace CapacityPlanner.Web.Features.Roofline;

/// <summary>One chip's rooflines to draw.</summary>
/// <param name="Name">Chip name.</param>
/// <param name="Rooflines">Its rooflines, one per precision shown.</param>
public sealed record ChipRooflines(string Name, IReadOnlyList<ChipRoofline> Rooflines);

/// <summary>The roofline page's charts.</summary>
public static class RooflineCharts
{
    private const double MinIntensity = 0.1;
    private const double MaxIntensity = 1e5;
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// Attainable TFLOP/s against arithmetic intensity (log–log): each chip's roofline per precision with its ridge
    /// point marked, and the model's operations placed on the primary chip's roofline for the training precision.
    /// </summary>
    public static ChartFigure Roofline(IReadOnlyList<ChipRooflines> chips, ChipRoofline? operationsRoofline, IReadOnlyList<RooflineOperation> operations, ChartTheme theme)
    {
        ArgumentNullException.ThrowIfNull(chips);
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(theme);
        var data = new List<ITrace>();
        var i = 0;
        foreach (var chip in chips)
        {
            var first = i == 0;
            var color = SeriesColor(i++);
            var dash = 0;
            foreach (var r in chip.Rooflines)
            {
                var name = $"{ChartText.Escape(chip.Name)} · {r.Precision.ToId()}";
                var dashes = new[] { "solid", "dash", "dot", "dashdot" };
                data.Add(new Scatter
                {
                    Name = name,
                    LegendGroup = ChartText.Escape(chip.Name),
                    Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines,
                    X = Values([MinIntensity, r.RidgeFlopsPerByte, MaxIntensity]),
                    Y = Values([MinIntensity * r.HbmBytesPerSecond / 1e12, r.PeakFlopsPerSecond / 1e12, r.PeakFlopsPerSecond / 1e12]),
                    Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = color, Width = 2, Dash = dashes[dash++ % dashes.Length] },
                    HoverTemplate = $"<b>{name}</b><br>AI %{{x:.3~g}} FLOP/B → %{{y:.4~g}} TFLOP/s<extra></extra>",
                });
                data.Add(new Scatter
                {
                    Name = $"{name} ridge",
                    LegendGroup = ChartText.Escape(chip.Name),
                    ShowLegend = false,
                    Mode = first ? Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers | Plotly.Blazor.Traces.ScatterLib.ModeFlag.Text : Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers,
                    X = Values([r.RidgeFlopsPerByte]),
                    Y = Values([r.PeakFlopsPerSecond / 1e12]),
                    Text = $"{r.RidgeFlopsPerByte.ToString("F0", s_inv)}",
                    TextPosition = Plotly.Blazor.Traces.ScatterLib.TextPositionEnum.TopLeft,
                    TextFont = new Plotly.Blazor.Traces.ScatterLib.TextFont { Color = color, Family = FontFamily, Size = 10 },
                    Marker = new Plotly.Blazor.Traces.ScatterLib.Marker { Color = color, Size = 8, Symbol = Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.Diamond },
                    HoverTemplate = string.Create(s_inv,
                        $"<b>{name} ridge point</b><br>{r.PeakFlopsPerSecond / 1e12:F0} TFLOP/s ÷ {r.HbmBytesPerSecond / 1e12:F2} TB/s = {r.RidgeFlopsPerByte:F0} FLOP/B<extra></extra>"),
                });
            }
        }
        if (operationsRoofline is not null && operations.Count > 0)
        {
            foreach (var group in operations.GroupBy(o => o.Kind))
            {
                var ops = group.ToList();
                var symbol = group.Key switch
                {
                    OperationKind.Gemm => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.Circle,
                    OperationKind.Attention => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.Star,
                    _ => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.Square,
                };
                var label = group.Key switch
                {
                    OperationKind.Gemm => "GEMMs",
                    OperationKind.Attention => "attention (flash)",
                    _ => "element-wise",
                };
                data.Add(new Scatter
                {
                    Name = $"model ops: {label}",
                    Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers,
                    X = Values(ops.Select(o => o.ArithmeticIntensity)),
                    Y = Values(ops.Select(o => operationsRoofline.AttainableFlopsPerSecond(o.ArithmeticIntensity) / 1e12)),
                    Marker = new Plotly.Blazor.Traces.ScatterLib.Marker
                    {
                        Symbol = symbol,
                        Size = 11,
                        Color = theme.Dark ? "#ffffff" : "#212121",
                        Line = new Plotly.Blazor.Traces.ScatterLib.MarkerLib.Line { Color = theme.Dark ? "#16161f" : "#ffffff", Width = 1 },
                    },
                    HoverTextArray = ops.Select(o => string.Create(s_inv,
                        $"<b>{o.Name}</b><br>{o.Description}<br>AI {o.ArithmeticIntensity:F1} FLOP/B · {(operationsRoofline.IsComputeBound(o.ArithmeticIntensity) ? "compute-bound" : "memory-bound")}")).ToList(),
                    HoverTemplate = "%{hovertext}<extra></extra>",
                });
            }
        }
        var layout = theme.BaseLayout(420);
        var x = theme.XAxis("arithmetic intensity (FLOP per byte of HBM traffic)", log: true);
        x.Range = [Math.Log10(MinIntensity), Math.Log10(MaxIntensity)];
        layout.XAxis = [x];
        layout.YAxis = [theme.YAxis("attainable TFLOP/s", log: true, tickFormat: "~s")];
        layout.HoverMode = HoverModeEnum.Closest;
        var ridges = chips.SelectMany(c => c.Rooflines.Select(r => $"{c.Name} {r.Precision.ToId()} {r.RidgeFlopsPerByte.ToString("F0", s_inv)}")).ToList();
        var summary = ridges.Count == 0 ? "No roofline." : "Ridge points (FLOP/B): " + string.Join("; ", ridges) + ".";
        return new ChartFigure(data, layout, summary);
    }

    /// <summary>
    /// "GPUs need large batches": the intensity of each layer GEMM against tokens per micro-batch, with each chip's
    /// ridge point as a horizontal line, the smallest compute-bound micro-batch and the current one marked.
    /// </summary>
    public static ChartFigure BatchIntensity(TransformerModel model, int tensor, int context, Precision precision,
        IReadOnlyList<(string Name, ChipRoofline Roofline)> ridges, ComputeBoundBatch? smallest, double currentTokens, ChartTheme theme)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(ridges);
        ArgumentNullException.ThrowIfNull(theme);
        var q = RooflineModel.GemmElementBytes(precision);
        var tokens = Enumerable.Range(0, 57).Select(k => Math.Pow(2, 2 + k * 0.25)).ToList(); // 4 … 65,536 tokens
        var gemms = RooflineModel.LayerOperations(model, 1, tensor, precision, context).Where(o => o.Kind == OperationKind.Gemm).ToList();
        var data = new List<ITrace>();
        var i = 0;
        foreach (var g in gemms)
        {
            var expertShare = g.Name.StartsWith("Expert", StringComparison.Ordinal) && model.Moe is { } moe ? (double)moe.ExpertsPerToken / moe.Experts : 1;
            var color = SeriesColor(i++);
            data.Add(new Scatter
            {
                Name = g.Name,
                Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines,
                X = Values(tokens),
                Y = Values(tokens.Select(t => RooflineModel.GemmIntensity(Math.Max(1e-9, t * expertShare), g.K, g.N, q))),
                Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = color, Width = 2 },
                HoverTemplate = $"<b>{g.Name}</b><br>%{{x:,.0f}} tokens per micro-batch → AI %{{y:.0f}} FLOP/B<extra></extra>",
            });
        }
        var shapes = new List<Shape>();
        var annotations = new List<Annotation>();
        var side = 0;
        foreach (var (name, r) in ridges)
        {
            var left = side++ % 2 == 0;
            shapes.Add(new Shape
            {
                Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Line,
                XRef = "paper",
                YRef = "y",
                X0 = 0,
                X1 = 1,
                Y0 = r.RidgeFlopsPerByte,
                Y1 = r.RidgeFlopsPerByte,
                Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Color = theme.Limit, Width = 1.5m, Dash = "dash" },
            });
            annotations.Add(new Annotation
            {
                X = left ? 0 : 1,
                Y = Math.Log10(r.RidgeFlopsPerByte),
                XRef = "paper",
                YRef = "y",
                Text = string.Create(s_inv, $"{ChartText.Escape(name)} ridge {r.RidgeFlopsPerByte:F0}"),
                ShowArrow = false,
                XAnchor = left ? Plotly.Blazor.LayoutLib.AnnotationLib.XAnchorEnum.Left : Plotly.Blazor.LayoutLib.AnnotationLib.XAnchorEnum.Right,
                YAnchor = Plotly.Blazor.LayoutLib.AnnotationLib.YAnchorEnum.Bottom,
                Font = new Plotly.Blazor.LayoutLib.AnnotationLib.Font { Color = theme.Limit, Family = FontFamily, Size = 11 },
            });
        }
        if (smallest?.Tokens is { } need)
        {
            shapes.Add(VerticalLine(need, theme.Limit, "solid"));
            annotations.Add(TopLabel(need, string.Create(s_inv, $"compute-bound from {need:N0} tokens"), theme.Limit, right: false));
        }
        if (currentTokens > 0)
        {
            var color = theme.Dark ? "#ffffff" : "#212121";
            shapes.Add(VerticalLine(currentTokens, color, "dot"));
            annotations.Add(TopLabel(currentTokens, string.Create(s_inv, $"your micro-batch: {currentTokens:N0}"), color, right: currentTokens < 2048, y: 0.9));
        }
        var layout = theme.BaseLayout(380);
        var x = theme.XAxis("tokens per micro-batch per GPU (log scale)", log: true);
        x.TickFormat = ",d";
        layout.XAxis = [x];
        layout.YAxis = [theme.YAxis("GEMM arithmetic intensity (FLOP/B)", log: true, tickFormat: "~s")];
        layout.Shapes = shapes;
        layout.Annotations = annotations;
        layout.HoverMode = HoverModeEnum.Closest;
        var summary = smallest?.Tokens is { } t
            ? string.Create(s_inv, $"Every GEMM is compute-bound from {t:N0} tokens per micro-batch ({smallest.Sequences} sequence{(smallest.Sequences == 1 ? "" : "s")}); {smallest.LimitingGemm} needs the most.")
            : $"{smallest?.LimitingGemm ?? "A GEMM"} stays below the ridge at any batch: its weight matrix is too thin after tensor parallelism.";
        return new ChartFigure(data, layout, summary);
    }

    private static Shape VerticalLine(double x, string color, string dash) => new()
    {
        Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Line,
        XRef = "x",
        YRef = "paper",
        X0 = x,
        X1 = x,
        Y0 = 0,
        Y1 = 1,
        Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Color = color, Width = 2, Dash = dash },
    };

    private static Annotation TopLabel(double x, string text, string color, bool right, double y = 1) => new()
    {
        X = Math.Log10(x),
        Y = y,
        XRef = "x",
        YRef = "paper",
        Text = text,
        ShowArrow = false,
        XAnchor = right ? Plotly.Blazor.LayoutLib.AnnotationLib.XAnchorEnum.Left : Plotly.Blazor.LayoutLib.AnnotationLib.XAnchorEnum.Right,
        XShift = right ? 4 : -4,
        YAnchor = Plotly.Blazor.LayoutLib.AnnotationLib.YAnchorEnum.Top,
        Font = new Plotly.Blazor.LayoutLib.AnnotationLib.Font { Color = color, Family = FontFamily, Size = 11 },
    };
}
