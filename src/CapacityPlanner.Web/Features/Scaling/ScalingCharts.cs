using System.Globalization;
using CapacityPlanner.Contracts.Results;
using CapacityPlanner.Core.Search;
using CapacityPlanner.Web.Shared.Charts;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using static CapacityPlanner.Web.Shared.Charts.ChartTheme;

namespace CapacityPlanner.Web.Features.Scaling;

/// <summary>The scaling page's charts, all on a log₂ GPU axis.</summary>
public static class ScalingCharts
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>Tokens per second against GPUs, one line per chip (log–log). Gaps where nothing fits.</summary>
    public static ChartFigure Throughput(IReadOnlyList<SweepOutcome> sweeps, ChartTheme theme)
    {
        ArgumentNullException.ThrowIfNull(sweeps);
        ArgumentNullException.ThrowIfNull(theme);
        var data = new List<ITrace>();
        var i = 0;
        foreach (var sweep in sweeps)
        {
            var color = SeriesColor(i++);
            if (sweep.Result is not { } r) continue;
            data.Add(Line(sweep.ChipName, color, r.Points.Select(p => (double)p.Gpus), r.Points.Select(p => p.TokensPerSecond), Hover(r), null));
        }
        var layout = Base(theme, "tokens per second", logY: true);
        var best = sweeps.Where(s => s.Result is not null)
            .Select(s => (s.ChipName, Max: s.Result!.Points.Max(p => p.TokensPerSecond ?? 0)))
            .ToList();
        var summary = best.Count == 0
            ? "No sweep finished yet."
            : "Peak throughput: " + string.Join("; ", best.Select(b => $"{b.ChipName} {b.Max.ToString("N0", s_inv)} tokens/s")) + ".";
        return new ChartFigure(data, layout, summary);
    }

    /// <summary>
    /// Scaling efficiency (tokens/s per GPU relative to the <paramref name="baseline"/> size, see
    /// <see cref="ScalingBaseline"/>) against GPUs, with the 100 % baseline and the 50 % line marked. When a size beats
    /// the baseline the y axis extends above 100 % with ticks every 25 %.
    /// </summary>
    public static ChartFigure Efficiency(IReadOnlyList<SweepOutcome> sweeps, ChartTheme theme, string? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(sweeps);
        ArgumentNullException.ThrowIfNull(theme);
        var data = new List<ITrace>();
        var i = 0;
        var top = 1.0;
        foreach (var sweep in sweeps)
        {
            var color = SeriesColor(i++);
            if (sweep.Result is not { } r) continue;
            var efficiency = ScalingBaseline.Efficiencies(r, baseline);
            top = Math.Max(top, efficiency.Max() ?? 0);
            data.Add(Line(sweep.ChipName, color, r.Points.Select(p => (double)p.Gpus), efficiency, Hover(r, efficiency), null));
        }
        var layout = Base(theme, "scaling efficiency", logY: false, yFormat: ".0%");
        var y = layout.YAxis![0];
        y.Range = [0, Math.Ceiling((top + 0.05) / 0.25) * 0.25];
        y.DTick = 0.25m;
        layout.Shapes = [HorizontalLine(1, theme.TextSecondary, "dash"), HorizontalLine(0.5, theme.Limit, "dot")];
        layout.Annotations = [Label(1, "100 % = baseline", theme.TextSecondary), Label(0.5, "50 %", theme.Limit)];
        var halves = sweeps.Where(s => s.Result is not null)
            .Select(s => (s.ChipName, Half: HalfEfficiency(s.Result!, baseline)))
            .Where(h => h.Half is not null)
            .Select(h => $"{h.ChipName} at ≈ {h.Half!.Value.ToString("N0", s_inv)} GPUs").ToList();
        // Before any sweep has finished there is nothing to summarise (not "stays above 50 %").
        var comparable = sweeps.Count(s => s.Result is { } r && r.Points.Count(p => p.Estimate is not null) >= 2);
        var summary = data.Count == 0 ? "No sweep finished yet."
            : halves.Count > 0 ? "Efficiency falls below 50 %: " + string.Join("; ", halves) + "."
            : comparable == 0 ? "Fewer than two sizes have a feasible plan, so there is no scaling efficiency to compare."
            : "Scaling efficiency stays above 50 % over this range.";
        if (top > 1.005) summary += string.Create(s_inv, $" Highest: {top:P0} of the baseline.");
        return new ChartFigure(data, layout, summary);
    }

    // The first size whose efficiency falls below 50 % (after a size at or above it), interpolated in log GPUs.
    private static double? HalfEfficiency(SweepResult r, string? baseline)
    {
        var e = ScalingBaseline.Efficiencies(r, baseline);
        for (var k = 1; k < r.Points.Count; k++)
        {
            if (e[k - 1] is not { } a || e[k] is not { } b || a < 0.5 || b >= 0.5) continue;
            var (x0, x1) = (Math.Log2(r.Points[k - 1].Gpus), Math.Log2(r.Points[k].Gpus));
            return Math.Pow(2, x0 + (a - 0.5) / (a - b) * (x1 - x0));
        }
        return null;
    }

    /// <summary>
    /// Compute ÷ link time per parallel dimension (and compute ÷ all exposed communication) against GPUs for one
    /// sweep, with ratio 1 and the break-even size marked and labelled.
    /// </summary>
    public static ChartFigure DimensionRatios(SweepOutcome sweep, ChartTheme theme)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        ArgumentNullException.ThrowIfNull(theme);
        var data = new List<ITrace>();
        var layout = Base(theme, "compute ÷ communication", logY: true);
        if (sweep.Result is not { } r) return new ChartFigure(data, layout, "No sweep finished yet.");
        var x = r.Points.Select(p => (double)p.Gpus).ToList();
        var dims = new (string Name, Func<PerDimensionRatio, double?> Get, string Color)[]
        {
            ("TP (tensor)", d => d.Tensor, "#00897b"),
            ("PP (pipeline)", d => d.Pipeline, "#fb8c00"),
            ("DP (data)", d => d.Data, "#e53935"),
            ("CP (context)", d => d.Context, "#26c6da"),
            ("EP (expert)", d => d.Expert, "#ab47bc"),
        };
        foreach (var (name, get, color) in dims)
        {
            var y = r.Points.Select(p => p.PerDimensionRatio is { } d ? get(d) : null).ToList();
            if (y.All(v => v is null)) continue;
            data.Add(Line($"{name}: compute ÷ link", color, x, y, null, "dot"));
        }
        data.Add(Line("all exposed: compute ÷ exposed", theme.Dark ? "#ffffff" : "#212121",
            x, r.Points.Select(p => p.ComputeToExposedCommunicationRatio), null, null));
        var shapes = new List<Shape> { HorizontalLine(1, theme.Limit, "dash") };
        var annotations = new List<Annotation> { Label(0, "compute = communication", theme.Limit) };
        string summary;
        if (r.BreakEvenGpus is { } be)
        {
            shapes.Add(new Shape
            {
                Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Line,
                XRef = "x",
                YRef = "paper",
                X0 = be,
                X1 = be,
                Y0 = 0,
                Y1 = 1,
                Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Color = theme.Limit, Width = 2 },
            });
            var text = $"break-even ≈ {be.ToString("N0", s_inv)} GPUs{(r.BreakEvenDimension is { } dim ? $" ({dim})" : "")}";
            annotations.Add(new Annotation
            {
                X = Math.Log10(be),
                Y = 1,
                XRef = "x",
                YRef = "paper",
                Text = text,
                ShowArrow = false,
                XAnchor = Plotly.Blazor.LayoutLib.AnnotationLib.XAnchorEnum.Right,
                YAnchor = Plotly.Blazor.LayoutLib.AnnotationLib.YAnchorEnum.Top,
                XShift = -4,
                BgColor = theme.Dark ? "rgba(30,30,45,0.85)" : "rgba(255,255,255,0.85)",
                Font = new Plotly.Blazor.LayoutLib.AnnotationLib.Font { Color = theme.Limit, Family = FontFamily, Size = 12 },
            });
            summary = $"{sweep.ChipName}: exposed communication equals compute at ≈ {be.ToString("N0", s_inv)} GPUs, dominated by {r.BreakEvenDimension ?? "—"} traffic.";
        }
        else if (r.Points.Count(p => p.Estimate is not null) < 2)
        {
            summary = $"{sweep.ChipName}: fewer than two sizes have a feasible plan, so there is no break-even to find.";
        }
        else
        {
            summary = $"{sweep.ChipName}: compute stays ahead of exposed communication over this range (no break-even).";
        }
        layout.Shapes = shapes;
        layout.Annotations = annotations;
        return new ChartFigure(data, layout, summary);
    }

    /// <summary>Strong against weak scaling of one chip: scaling efficiency of both modes (tokens/s in the hover).</summary>
    public static ChartFigure StrongVsWeak(SweepOutcome? strong, SweepOutcome? weak, ChartTheme theme)
    {
        ArgumentNullException.ThrowIfNull(theme);
        var data = new List<ITrace>();
        if (strong?.Result is { } s)
        {
            data.Add(Line("strong: fixed global batch", "#5c6bc0", s.Points.Select(p => (double)p.Gpus), s.Points.Select(p => p.ScalingEfficiency), Hover(s), null));
        }
        if (weak?.Result is { } w)
        {
            data.Add(Line("weak: batch grows with GPUs", "#26a69a", w.Points.Select(p => (double)p.Gpus), w.Points.Select(p => p.ScalingEfficiency), Hover(w), null));
        }
        var layout = Base(theme, "scaling efficiency", logY: false, yFormat: ".0%");
        layout.Shapes = [HorizontalLine(0.5, theme.Limit, "dot")];
        var name = strong?.ChipName ?? weak?.ChipName ?? "";
        string Last(SweepOutcome? o) => o?.Result?.Points.LastOrDefault(p => p.ScalingEfficiency is not null)?.ScalingEfficiency is { } e
            ? e.ToString("P0", s_inv) : "—";
        var summary = strong?.Result is null && weak?.Result is null
            ? "No sweep finished yet."
            : $"{name}: at the largest feasible size strong scaling keeps {Last(strong)} efficiency, weak scaling {Last(weak)}.";
        return new ChartFigure(data, layout, summary);
    }

    private static Layout Base(ChartTheme theme, string yTitle, bool logY, string? yFormat = null)
    {
        var layout = theme.BaseLayout(340);
        var x = theme.XAxis("GPUs (log scale)", log: true);
        x.DTick = Math.Log10(2) * 2; // a tick every 4×
        x.TickFormat = ",d";
        layout.XAxis = [x];
        layout.YAxis = [theme.YAxis(yTitle, log: logY, tickFormat: yFormat ?? (logY ? "~s" : null))];
        layout.HoverMode = HoverModeEnum.Closest;
        return layout;
    }

    // The only way a series reaches the figure: its name is user text (a chip's name), escaped here.
    private static Scatter Line(string rawName, string color, IEnumerable<double> x, IEnumerable<double?> y, IList<string>? hover, string? dash)
    {
        var name = ChartText.Escape(rawName);
        return new()
        {
            Name = name,
            Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines | Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers,
            X = Values(x),
            Y = Values(y),
            ConnectGaps = false,
            Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = color, Width = 2, Dash = dash },
            Marker = new Plotly.Blazor.Traces.ScatterLib.Marker { Color = color, Size = 6 },
            HoverTextArray = hover,
            HoverTemplate = hover is null
                ? $"<b>{name}</b><br>%{{x:,d}} GPUs: %{{y:.3~g}}<extra></extra>"
                : $"<b>{name}</b><br>%{{hovertext}}<extra></extra>",
        };
    }

    private static List<string> Hover(SweepResult r, IReadOnlyList<double?>? efficiency = null) => r.Points.Select((p, k) => p.Estimate is null
        ? $"{p.Gpus:N0} GPUs: {ChartText.Escape(p.Infeasible ?? "no feasible plan")}"
        : string.Create(s_inv,
            $"{p.Gpus:N0} GPUs, batch {p.GlobalBatchSequences:N0}<br>{p.TokensPerSecond:N0} tokens/s · MFU {p.Mfu:P1} · efficiency {(efficiency is null ? p.ScalingEfficiency : efficiency[k]):P0}<br>{PlanJson.Describe(p.Parallelism!)}"))
        .ToList();

    private static Shape HorizontalLine(double y, string color, string dash) => new()
    {
        Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Line,
        XRef = "paper",
        YRef = "y",
        X0 = 0,
        X1 = 1,
        Y0 = y,
        Y1 = y,
        Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Color = color, Width = 1.5m, Dash = dash },
    };

    // Annotations on a log axis take log10 of the value; shapes take the value itself.
    private static Annotation Label(double y, string text, string color) => new()
    {
        X = 1,
        Y = y,
        XRef = "paper",
        YRef = "y",
        Text = text,
        ShowArrow = false,
        XAnchor = Plotly.Blazor.LayoutLib.AnnotationLib.XAnchorEnum.Right,
        YAnchor = Plotly.Blazor.LayoutLib.AnnotationLib.YAnchorEnum.Bottom,
        Font = new Plotly.Blazor.LayoutLib.AnnotationLib.Font { Color = color, Family = FontFamily, Size = 11 },
    };
}
