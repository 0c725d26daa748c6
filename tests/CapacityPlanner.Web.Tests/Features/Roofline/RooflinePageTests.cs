using Bunit.TestDoubles;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using RooflinePage = CapacityPlanner.Web.Features.Roofline.Roofline;

namespace CapacityPlanner.Web.Tests.Features.Roofline;

/// <summary>The roofline page.</summary>
public sealed class RooflinePageTests : PlannerTestContext
{
    [Fact]
    public void Roofline_lists_ridge_points_and_the_smallest_compute_bound_micro_batch()
    {
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo("/roofline?chips=h100-sxm&rp=bf16&preset=llama3-70b");
        var cut = Render<RooflinePage>();

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
        var cut = Render<RooflinePage>();

        Assert.Contains(cut.FindAll("[data-testid=error]"), e => e.GetAttribute("data-path") == "$.parallelism.tensor");
        Assert.Empty(cut.FindAll("[data-testid=operation-row]"));
    }
}
