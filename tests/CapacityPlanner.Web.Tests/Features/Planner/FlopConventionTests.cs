using System.Globalization;
using CapacityPlanner.Core.Workload;
using CapacityPlanner.Web.Features.Planner;
using CapacityPlanner.Web.Options;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PlannerPage = CapacityPlanner.Web.Features.Planner.Planner;
using CapacityPlanner.Web.Shared.Scenario;

namespace CapacityPlanner.Web.Tests.Features.Planner;

/// <summary>The Planner shows MFU under the FLOP convention the user picks (issue 11: conventions selectable where MFU is shown).</summary>
public sealed class FlopConventionTests : PlannerTestContext
{
    [Fact]
    public void Choosing_a_flop_convention_shows_the_mfu_counted_that_way_and_names_it()
    {
        var input = PlannerDefaults;
        var estimate = Services.GetRequiredService<EstimateService>().Estimate(input).Estimate!;
        var cut = Render<PlannerPage>();
        string Shown() => cut.Find("[data-testid=mfu]").TextContent;
        var megatron = (estimate.MfuByConvention[FlopConvention.Megatron] * 100).ToString("F1", CultureInfo.InvariantCulture);
        Assert.Contains(megatron, Shown(), StringComparison.Ordinal);

        cut.InvokeAsync(() => cut.FindComponent<MudBlazor.MudSelect<FlopConvention>>().Instance.ValueChanged.InvokeAsync(FlopConvention.Causal));
        var causal = (estimate.MfuByConvention[FlopConvention.Causal] * 100).ToString("F1", CultureInfo.InvariantCulture);
        Assert.NotEqual(megatron, causal);
        cut.WaitForAssertion(() => Assert.Contains(causal, Shown(), StringComparison.Ordinal));
        Assert.Contains(FlopConvention.Causal.Describe(), cut.Markup, StringComparison.Ordinal);
    }
}
