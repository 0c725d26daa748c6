using Bunit.TestDoubles;
using CapacityPlanner.Web.Shared.Scenario;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using PlannerPage = CapacityPlanner.Web.Features.Planner.Planner;

namespace CapacityPlanner.Web.Tests.Features.Planner;

/// <summary>
/// The Planner's "MoE expert kernels" field (training.fusedExpertKernels): the stack's choice by default (Megatron-Core's
/// 2024–25 releases launch each local expert's kernels from the host), fused or per expert when picked; the choice changes
/// the estimate the page shows and travels in the address.
/// </summary>
public sealed class ExpertKernelsFieldTests : PlannerTestContext
{
    private const string MoeAddress = "/?preset=qwen3-30b-a3b&chip=b200&gpus=8&precision=fp8&batch=64&ep=8&tp=1&pp=1&mb=1";

    [Fact]
    public void Picking_fused_experts_removes_the_host_launch_waits_from_the_shown_estimate_and_puts_it_in_the_address()
    {
        var input = NavigateToPlanner(MoeAddress);
        var navigation = Services.GetRequiredService<BunitNavigationManager>();
        var service = Services.GetRequiredService<EstimateService>();
        var perExpert = service.Estimate(input).Estimate!;
        input.FusedExpertKernels = true;
        var fused = service.Estimate(input).Estimate!;
        // The stack's default on this plan is per expert, and fusing changes the number the page shows.
        Assert.True(perExpert.Breakdown!.HostSeconds > 0);
        Assert.Equal(0, fused.Breakdown!.HostSeconds);
        Assert.True(fused.StepTimeSeconds < perExpert.StepTimeSeconds);

        var cut = Render<PlannerPage>();
        string Shown() => cut.Find("[data-testid=step-time]").TextContent;
        cut.WaitForAssertion(() => Assert.Contains(StepText(perExpert.StepTimeSeconds!.Value), Shown(), StringComparison.Ordinal));
        var control = cut.Find("[data-testid=expert-kernels]").Closest(".mud-input-control")!;
        Assert.Contains("The stack's", control.InnerHtml, StringComparison.Ordinal);
        Assert.Contains("one expert at a time", control.TextContent, StringComparison.Ordinal);

        var field = cut.FindComponents<MudBlazor.MudSelect<string>>().Single(s => s.Instance.UserAttributes.TryGetValue("data-testid", out var id) && (string?)id == "expert-kernels");
        cut.InvokeAsync(() => field.Instance.ValueChanged.InvokeAsync("yes"));

        cut.WaitForAssertion(() => Assert.Contains(StepText(fused.StepTimeSeconds!.Value), Shown(), StringComparison.Ordinal));
        cut.WaitForAssertion(() => Assert.Contains("fxk=", navigation.Uri, StringComparison.Ordinal));
        Assert.True(PlannerQuery.FromUri(navigation.Uri, PlannerDefaults).FusedExpertKernels);
    }

    private static string StepText(double seconds) => seconds.ToString("F3", System.Globalization.CultureInfo.InvariantCulture);
}
