using System.Globalization;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Web.Shared.Charts;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using static CapacityPlanner.Web.Shared.Charts.ChartTheme;

namespace CapacityPlanner.Web.Features.Planner;

/// <summary>The planner's charts: the step-time breakdown and memory per GPU against HBM.</summary>
public static class PlannerCharts
{
    private const string StepRow = "Step time";
    private const string LinkRow = "Link time";

    /// <summary>
    /// Two stacked horizontal bars: "Step time" (compute, recompute, memory-bound, bubble, optimizer and the exposed
    /// part of each communication kind: the terms that add up to the step) and "Link time" (each kind's exposed part
    /// again, then the part hidden behind compute, hatched). Only non-zero terms appear. The terms are
    /// <see cref="StepTerms.From"/>'s, the same the verdict and the table read.
    /// </summary>
    public static ChartFigure StepBreakdown(StepBreakdown b, double stepSeconds, ChartTheme theme)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(theme);
        var terms = StepTerms.From(b);
        var data = new List<ITrace>();
        foreach (var t in terms.Where(t => t.Kind != StepTermKind.Communication))
        {
            if (t.Seconds <= 0) continue;
            data.Add(Bar(t.ShortLabel, t.Color, [t.Seconds, 0], stepSeconds, null));
        }
        var comm = terms.Where(t => t.Kind == StepTermKind.Communication).ToList();
        foreach (var t in comm)
        {
            if (t.Seconds <= 0) continue;
            var bar = Bar($"{t.ShortLabel} exposed", t.Color, [t.Seconds, t.Seconds], stepSeconds, null);
            bar.LegendGroup = t.Key;
            data.Add(bar);
        }
        foreach (var t in comm)
        {
            var hidden = t.HiddenSeconds;
            if (hidden <= 0) continue;
            // Hatched, in the colour of its kind; the legend lists each kind once (the caption explains the hatching).
            var bar = Bar($"{t.ShortLabel} hidden", t.Color, [0, hidden], stepSeconds, Plotly.Blazor.Traces.BarLib.MarkerLib.PatternLib.ShapeEnum.Slash);
            bar.LegendGroup = t.Key;
            bar.ShowLegend = t.Seconds <= 0;
            data.Add(bar);
        }
        var layout = theme.BaseLayout(260);
        layout.BarMode = BarModeEnum.Stack;
        layout.XAxis = [theme.XAxis("seconds per step")];
        var y = theme.YAxis("");
        y.CategoryOrder = Plotly.Blazor.LayoutLib.YAxisLib.CategoryOrderEnum.Array;
        y.CategoryArray = [LinkRow, StepRow];
        layout.YAxis = [y];
        layout.Margin!.L = 80;
        layout.HoverMode = HoverModeEnum.Closest;
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"Step {stepSeconds:F3} s: compute {StepTerms.ComputeSeconds(terms):F3} s, exposed communication {StepTerms.ExposedCommunicationSeconds(terms):F3} s of {StepTerms.LinkSeconds(terms):F3} s link time.");
        return new ChartFigure(data, layout, summary);
    }

    private static Bar Bar(string name, string color, double[] x, double stepSeconds, Plotly.Blazor.Traces.BarLib.MarkerLib.PatternLib.ShapeEnum? pattern) => new()
    {
        Name = name,
        Orientation = Plotly.Blazor.Traces.BarLib.OrientationEnum.H,
        X = Values(x),
        Y = Labels([StepRow, LinkRow]),
        Marker = new Plotly.Blazor.Traces.BarLib.Marker
        {
            Color = color,
            Opacity = pattern is null ? 1m : 0.55m,
            Pattern = pattern is { } p ? new Plotly.Blazor.Traces.BarLib.MarkerLib.Pattern { Shape = p, FgColor = color, Size = 6, Solidity = 0.35m } : null,
            Line = new Plotly.Blazor.Traces.BarLib.MarkerLib.Line { Width = 0 },
        },
        HoverTemplate = stepSeconds > 0
            ? $"<b>{name}</b><br>%{{x:.3f}} s (%{{customdata:.1%}} of the step)<extra></extra>"
            : $"<b>{name}</b><br>%{{x:.3f}} s<extra></extra>",
        CustomData = x.Select(v => (object)(stepSeconds > 0 ? v / stepSeconds : 0)).ToList(),
    };

    /// <summary>Memory per GPU as one stacked bar (weights, gradients, optimizer states, activations, workspace) against the HBM capacity line.</summary>
    public static ChartFigure Memory(MemoryBreakdown m, double hbmGiB, ChartTheme theme)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(theme);
        var parts = new (string Label, double GiB, string Color)[]
        {
            ("Weights", m.WeightsGiB, "#3f51b5"),
            ("Gradients", m.GradientsGiB, "#00897b"),
            ("Optimizer states", m.OptimizerStatesGiB, "#fb8c00"),
            ("Activations", m.ActivationsGiB, "#ab47bc"),
            ("Workspace", m.WorkspaceGiB, "#90a4ae"),
        };
        var data = new List<ITrace>();
        foreach (var (label, gib, color) in parts)
        {
            if (gib <= 0) continue;
            data.Add(new Bar
            {
                Name = label,
                Orientation = Plotly.Blazor.Traces.BarLib.OrientationEnum.H,
                X = Values([gib]),
                Y = Labels(["per GPU"]),
                Width = 0.5m,
                Marker = new Plotly.Blazor.Traces.BarLib.Marker { Color = color, Line = new Plotly.Blazor.Traces.BarLib.MarkerLib.Line { Width = 0 } },
                HoverTemplate = $"<b>{label}</b><br>%{{x:.1f}} GiB<extra></extra>",
            });
        }
        var total = m.TotalGiB;
        var layout = theme.BaseLayout(200);
        layout.BarMode = BarModeEnum.Stack;
        var x = theme.XAxis("GiB per GPU");
        x.Range = [0, Math.Max(total, hbmGiB) * 1.08];
        layout.XAxis = [x];
        layout.YAxis = [theme.YAxis("")];
        layout.Margin!.L = 64;
        layout.Shapes =
        [
            new Shape
            {
                Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Line,
                XRef = "x",
                YRef = "paper",
                X0 = hbmGiB,
                X1 = hbmGiB,
                Y0 = 0,
                Y1 = 1,
                Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Color = theme.Limit, Width = 2, Dash = "dash" },
            },
        ];
        layout.Annotations =
        [
            new Annotation
            {
                X = hbmGiB,
                Y = 1,
                XRef = "x",
                YRef = "paper",
                XShift = hbmGiB > total * 0.5 ? -4 : 4,
                Text = string.Create(CultureInfo.InvariantCulture, $"HBM {hbmGiB:F0} GiB"),
                ShowArrow = false,
                XAnchor = hbmGiB > total * 0.5 ? Plotly.Blazor.LayoutLib.AnnotationLib.XAnchorEnum.Right : Plotly.Blazor.LayoutLib.AnnotationLib.XAnchorEnum.Left,
                YAnchor = Plotly.Blazor.LayoutLib.AnnotationLib.YAnchorEnum.Top,
                Font = new Plotly.Blazor.LayoutLib.AnnotationLib.Font { Color = theme.Limit, Family = FontFamily, Size = 11 },
            },
        ];
        var summary = string.Create(CultureInfo.InvariantCulture, $"Memory {total:F1} GiB per GPU of {hbmGiB:F0} GiB HBM.");
        return new ChartFigure(data, layout, summary);
    }

    /// <summary>
    /// Where the wall time goes with failures (docs/reliability.md): training (the effective training time ratio),
    /// checkpoint saves, work lost to interruptions and restarts, as one stacked bar of percentages.
    /// </summary>
    public static ChartFigure LostTime(CapacityPlanner.Core.Reliability.GoodputReport g, ChartTheme theme)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(theme);
        var parts = new (string Label, double Fraction, string Color)[]
        {
            ("Training", g.EffectiveTrainingTimeRatio, "#43a047"),
            ("Checkpoint saves", g.Lost.CheckpointSaves, "#fb8c00"),
            ("Lost work", g.Lost.LostWork, "#e53935"),
            ("Restarts", g.Lost.Restarts, "#8e24aa"),
        };
        var data = new List<ITrace>();
        foreach (var (label, fraction, color) in parts)
        {
            if (fraction <= 0) continue;
            data.Add(new Bar
            {
                Name = label,
                Orientation = Plotly.Blazor.Traces.BarLib.OrientationEnum.H,
                X = Values([fraction * 100]),
                Y = Labels(["wall time"]),
                Width = 0.5m,
                Marker = new Plotly.Blazor.Traces.BarLib.Marker { Color = color, Line = new Plotly.Blazor.Traces.BarLib.MarkerLib.Line { Width = 0 } },
                HoverTemplate = $"<b>{label}</b><br>%{{x:.2f}} % of wall time<extra></extra>",
            });
        }
        var layout = theme.BaseLayout(200);
        layout.BarMode = BarModeEnum.Stack;
        var x = theme.XAxis("% of wall time");
        x.Range = [0, 100];
        layout.XAxis = [x];
        layout.YAxis = [theme.YAxis("")];
        layout.Margin!.L = 80;
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"Goodput {g.EffectiveTrainingTimeRatio:P1}: checkpoint saves {g.Lost.CheckpointSaves:P1}, lost work {g.Lost.LostWork:P1}, restarts {g.Lost.Restarts:P1} ({g.InterruptionsPerDay:F1} interruptions a day).");
        return new ChartFigure(data, layout, summary);
    }
}
