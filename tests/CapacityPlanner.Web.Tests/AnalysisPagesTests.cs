using Bunit.TestDoubles;
using CapacityPlanner.Web.Components.Pages;
using Microsoft.Extensions.DependencyInjection;

namespace CapacityPlanner.Web.Tests;

/// <summary>The roofline and scaling pages.</summary>
public sealed class AnalysisPagesTests : PlannerTestContext
{
    [Fact]
    public void Roofline_lists_ridge_points_and_the_smallest_compute_bound_micro_batch()
    {
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo("/roofline?chips=h100-sxm&rp=bf16&preset=llama3-70b");
        var cut = Render<Roofline>();

        var row = Assert.Single(cut.FindAll("[data-testid=ridge-row]"));
        Assert.Equal("295", row.QuerySelector("[data-testid=ridge]")!.TextContent.Trim());
        Assert.Contains("every GEMM is compute-bound from", cut.Find("[data-testid=batch-verdict]").TextContent, StringComparison.Ordinal);
        Assert.Contains(cut.FindAll("[data-testid=operation-row]"), r => r.TextContent.Contains("Attention core (flash)", StringComparison.Ordinal));
        Assert.NotNull(cut.Find("[data-testid=roofline-chart]"));
        Assert.NotNull(cut.Find("[data-testid=batch-chart]"));
    }

    [Fact]
    public void Roofline_explains_a_tensor_split_that_does_not_divide_the_heads()
    {
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo("/roofline?tp=7");
        var cut = Render<Roofline>();

        Assert.Contains(cut.FindAll("[data-testid=error]"), e => e.GetAttribute("data-path") == "$.parallelism.tensor");
        Assert.Empty(cut.FindAll("[data-testid=operation-row]"));
    }

    [Fact]
    public void Scaling_sweeps_in_the_background_and_fills_charts_and_tables()
    {
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo("/scaling?preset=llama3-8b&chips=h100-sxm,a100-sxm-80gb&min=8&max=64&batch=512");
        var cut = Render<Scaling>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=scaling-summary-row]").Count), TimeSpan.FromSeconds(60));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=sweep-progress]")), TimeSpan.FromSeconds(60));
        Assert.Equal(4, cut.Find("[data-testid=sweep-table] tbody").Children.Length);
        Assert.Contains("H100", cut.Find("[data-testid=throughput-chart-summary]").TextContent, StringComparison.Ordinal);
        Assert.NotEqual("1", cut.Find("[data-testid=throughput-chart]").GetAttribute("data-revision"));
    }
}
