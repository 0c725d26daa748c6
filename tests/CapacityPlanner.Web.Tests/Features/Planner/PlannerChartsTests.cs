using System.Globalization;
using CapacityPlanner.Web.Features.Planner;
using CapacityPlanner.Web.Shared.Charts;
using CapacityPlanner.Web.Shared.Scenario;
using CapacityPlanner.Web.Tests.Support;
using Plotly.Blazor.Traces;
using PlannerPage = CapacityPlanner.Web.Features.Planner.Planner;

namespace CapacityPlanner.Web.Tests.Features.Planner;

/// <summary>The planner's stacked-bar charts: one plotly trace each, an HTML legend, and bars that add up.</summary>
public sealed class PlannerChartsTests
{
    private static Core.Estimation.Estimate Estimate(PlannerInput input) => PlannerEstimates.Of(input).Estimate!;

    // Each row's parts: (base, length) in drawing order.
    private static Dictionary<string, List<(double Base, double Length)>> Rows(Bar bar)
    {
        var rows = new Dictionary<string, List<(double, double)>>(StringComparer.Ordinal);
        for (var i = 0; i < bar.X.Count; i++)
        {
            var row = (string)bar.Y[i];
            if (!rows.TryGetValue(row, out var parts)) rows[row] = parts = [];
            parts.Add((Convert.ToDouble(bar.BaseArray[i], CultureInfo.InvariantCulture), Convert.ToDouble(bar.X[i], CultureInfo.InvariantCulture)));
        }
        return rows;
    }

    [Fact]
    public void The_step_chart_is_one_trace_whose_step_row_adds_up_to_the_step_and_whose_legend_names_every_term()
    {
        // Pipelined, tensor-parallel and data-parallel: compute, bubble and three kinds of communication, part of it hidden
        // behind compute.
        var e = Estimate(new PlannerInput { PresetId = "llama3-70b", ChipId = "h100-sxm", Gpus = 64, Tensor = 4, Pipeline = 4, GlobalBatchSequences = 256, MicroBatchSize = 1 });
        var b = e.Breakdown!;
        var step = e.StepTimeSeconds!.Value;
        var figure = PlannerCharts.StepBreakdown(b, step, ChartTheme.For(false));

        var bar = Assert.IsType<Bar>(Assert.Single(figure.Data));
        Assert.Equal(false, figure.Layout.ShowLegend);
        var rows = Rows(bar);
        foreach (var parts in rows.Values)
        {
            // Stacked: each part starts where the one before it ended.
            for (var i = 1; i < parts.Count; i++) Assert.Equal(parts[i - 1].Base + parts[i - 1].Length, parts[i].Base, 9);
        }
        var stepRow = rows["Step time"];
        Assert.Equal(step, stepRow[^1].Base + stepRow[^1].Length, 6);
        var terms = StepTerms.From(b);
        Assert.Contains(terms, t => t.HiddenSeconds > 0);
        Assert.Contains(terms, t => t.Key == "bubble" && t.Seconds > 0);
        var linkRow = rows["Link time"];
        Assert.Equal(StepTerms.LinkSeconds(terms), linkRow[^1].Base + linkRow[^1].Length, 6);

        // The legend: every non-zero term once, and the pale swatch that explains the hidden parts.
        var legend = figure.Legend!;
        foreach (var t in terms.Where(t => t.Seconds > 0 || t.HiddenSeconds > 0)) Assert.Single(legend, l => l.Label == t.ShortLabel && l.Color == t.Color);
        Assert.Contains(legend, l => l.Pale);
        // The hidden parts are drawn pale, the rest not.
        var opacity = bar.Marker!.OpacityArray!;
        Assert.Equal(bar.X.Count, opacity.Count);
        Assert.Equal(terms.Count(t => t.Kind == StepTermKind.Communication && t.HiddenSeconds > 0), opacity.Count(o => o < 1m));
    }

    [Fact]
    public void The_memory_chart_stacks_to_the_total_and_its_legend_lists_each_part()
    {
        var e = Estimate(new PlannerInput());
        var m = e.Memory!;
        var figure = PlannerCharts.Memory(m, e.HbmCapacityGiB, ChartTheme.For(false));

        var parts = Rows(Assert.IsType<Bar>(Assert.Single(figure.Data)))["per GPU"];
        Assert.Equal(m.TotalGiB, parts[^1].Base + parts[^1].Length, 6);
        Assert.Equal(parts.Count, figure.Legend!.Count);
        Assert.Contains(figure.Legend, l => l.Label == "Activations");
    }
    [Fact]
    public void Activation_offload_waits_are_a_term_of_their_own_and_the_step_row_still_adds_up()
    {
        // Llama 3 70B under FSDP on 64 H100 with 40 layers' activations offloaded over PCIe 5.0: the copies outlast the layers.
        var input = new PlannerInput
        {
            PresetId = "llama3-70b", ChipId = "h100-sxm", Gpus = 64, Tensor = 1, Pipeline = 1, GlobalBatchSequences = 64, MicroBatchSize = 1,
            ZeroStage = 3, Recompute = "none", Stack = "megatron-core", ActivationOffloadLayers = 40,
        };
        var e = Estimate(input);
        var b = e.Breakdown!;
        Assert.True(b.OffloadSeconds > 0);
        var terms = StepTerms.From(b);
        var offload = Assert.Single(terms, t => t.Key == "offload");
        Assert.Equal(b.OffloadSeconds, offload.Seconds);
        var figure = PlannerCharts.StepBreakdown(b, e.StepTimeSeconds!.Value, ChartTheme.For(false));
        var stepRow = Rows(Assert.IsType<Bar>(Assert.Single(figure.Data)))["Step time"];
        Assert.Equal(e.StepTimeSeconds.Value, stepRow[^1].Base + stepRow[^1].Length, 6);
        // The scenario the page writes carries the field, so the CLI reproduces the same estimate.
        Assert.Contains("\"activationOffloadLayers\": 40", ScenarioDocumentBuilder.Build(input), StringComparison.Ordinal);

        Assert.DoesNotContain(StepTerms.From(Estimate(new PlannerInput()).Breakdown!).Select(t => t.Key), k => k == "offload");
    }
}

/// <summary>The Planner page draws the charts' legends as HTML (they are not plotly's).</summary>
public sealed class PlannerChartLegendTests : PlannerTestContext
{
    [Fact]
    public void The_planner_draws_each_charts_legend_as_html()
    {
        var cut = Render<PlannerPage>();

        foreach (var id in new[] { "step-chart", "memory-chart", "goodput-chart" })
        {
            Assert.NotEmpty(cut.FindAll($"[data-testid={id}-legend] li"));
        }
        Assert.Contains(cut.FindAll("[data-testid=step-chart-legend] li"), li => li.TextContent == "Compute");
    }

}
