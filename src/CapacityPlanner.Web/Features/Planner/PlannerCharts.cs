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
    /// again, then the part hidden behind compute, paler). Only non-zero terms appear. The terms are
    /// <see cref="StepTerms.From"/>'s, the same the verdict and the table read. One trace with an HTML legend
    /// (<see cref="StackedBars"/>): the chart is redrawn on every input change.
    /// </summary>
    public static ChartFigure StepBreakdown(StepBreakdown b, double stepSeconds, ChartTheme theme)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(theme);
        var terms = StepTerms.From(b);
        var segments = new List<BarSegment>();
        var legend = new List<LegendItem>();
        string Hover(string name, double seconds) => stepSeconds > 0
            ? string.Create(CultureInfo.InvariantCulture, $"<b>{name}</b><br>{seconds:F3} s ({seconds / stepSeconds:P1} of the step)")
            : string.Create(CultureInfo.InvariantCulture, $"<b>{name}</b><br>{seconds:F3} s");
        foreach (var t in terms.Where(t => t.Kind != StepTermKind.Communication && t.Seconds > 0))
        {
            segments.Add(new BarSegment(StepRow, t.Seconds, t.Color, Hover(t.ShortLabel, t.Seconds)));
            legend.Add(new LegendItem(t.ShortLabel, t.Color));
        }
        var comm = terms.Where(t => t.Kind == StepTermKind.Communication && (t.Seconds > 0 || t.HiddenSeconds > 0)).ToList();
        foreach (var t in comm.Where(t => t.Seconds > 0))
        {
            var hover = Hover($"{t.ShortLabel} exposed", t.Seconds);
            segments.Add(new BarSegment(StepRow, t.Seconds, t.Color, hover));
            segments.Add(new BarSegment(LinkRow, t.Seconds, t.Color, hover));
        }
        foreach (var t in comm.Where(t => t.HiddenSeconds > 0))
        {
            segments.Add(new BarSegment(LinkRow, t.HiddenSeconds, t.Color, Hover($"{t.ShortLabel} hidden", t.HiddenSeconds), Pale: true));
        }
        // Each communication kind once; the paler parts of its colour are the time hidden behind compute.
        legend.AddRange(comm.Select(t => new LegendItem(t.ShortLabel, t.Color)));
        if (comm.Any(t => t.HiddenSeconds > 0)) legend.Add(new LegendItem("paler: hidden behind compute", theme.TextSecondary, Pale: true));

        var layout = theme.BaseLayout(240);
        StackedBars.Prepare(layout);
        layout.XAxis = [theme.XAxis("seconds per step")];
        var y = theme.YAxis("");
        y.CategoryOrder = Plotly.Blazor.LayoutLib.YAxisLib.CategoryOrderEnum.Array;
        y.CategoryArray = [LinkRow, StepRow];
        layout.YAxis = [y];
        layout.Margin!.L = 80;
        layout.HoverMode = HoverModeEnum.Closest;
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"Step {stepSeconds:F3} s: compute {StepTerms.ComputeSeconds(terms):F3} s, exposed communication {StepTerms.ExposedCommunicationSeconds(terms):F3} s of {StepTerms.LinkSeconds(terms):F3} s link time.");
        return new ChartFigure([StackedBars.Trace(segments)], layout, summary, legend);
    }

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
        var shown = parts.Where(p => p.GiB > 0).ToList();
        var trace = StackedBars.Trace(
            shown.Select(p => new BarSegment("per GPU", p.GiB, p.Color, string.Create(CultureInfo.InvariantCulture, $"<b>{p.Label}</b><br>{p.GiB:F1} GiB"))),
            width: 0.5m);
        var legend = shown.Select(p => new LegendItem(p.Label, p.Color)).ToList();
        var total = m.TotalGiB;
        var layout = theme.BaseLayout(180);
        StackedBars.Prepare(layout);
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
        return new ChartFigure([trace], layout, summary, legend);
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
        var shown = parts.Where(p => p.Fraction > 0).ToList();
        var trace = StackedBars.Trace(
            shown.Select(p => new BarSegment("wall time", p.Fraction * 100, p.Color, string.Create(CultureInfo.InvariantCulture, $"<b>{p.Label}</b><br>{p.Fraction * 100:F2} % of wall time"))),
            width: 0.5m);
        var legend = shown.Select(p => new LegendItem(p.Label, p.Color)).ToList();
        var layout = theme.BaseLayout(180);
        StackedBars.Prepare(layout);
        var x = theme.XAxis("% of wall time");
        x.Range = [0, 100];
        layout.XAxis = [x];
        layout.YAxis = [theme.YAxis("")];
        layout.Margin!.L = 80;
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"Goodput {g.EffectiveTrainingTimeRatio:P1}: checkpoint saves {g.Lost.CheckpointSaves:P1}, lost work {g.Lost.LostWork:P1}, restarts {g.Lost.Restarts:P1} ({g.InterruptionsPerDay:F1} interruptions a day).");
        return new ChartFigure([trace], layout, summary, legend);
    }
}
