using Bunit.TestDoubles;
using CapacityPlanner.Web.Shared.Scenario;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using PlannerPage = CapacityPlanner.Web.Features.Planner.Planner;

namespace CapacityPlanner.Web.Tests.Features.Planner;

/// <summary>
/// A scenario's latent attention shape (model.mla) and selective recompute modules (training.recomputeModules) are not
/// form fields: the Planner shows them with the scenario's other extras, keeps them in the address, costs them, and drops
/// the shape with "back to the preset's shape".
/// </summary>
public sealed class LatentAttentionExtrasTests : PlannerTestContext
{
    private const string Address = "/?preset=deepseek-v3&chip=b200&gpus=64&precision=bf16&batch=64&ep=8&tp=1&pp=8&mb=1&rc=selective"
        + "&mla=,512,128,64,128&rcm=layernorm,mla_up_proj";

    [Fact]
    public void The_page_shows_the_latent_attention_shape_and_recompute_modules_and_costs_them()
    {
        var input = NavigateToPlanner(Address);
        var navigation = Services.GetRequiredService<BunitNavigationManager>();
        var service = Services.GetRequiredService<EstimateService>();
        var shown = service.Estimate(input).Estimate!;
        // Without a query latent and with the up-projections recomputed the estimate is not the preset's.
        var preset = PlannerQuery.FromUri("http://localhost" + Address.Replace("&mla=,512,128,64,128&rcm=layernorm,mla_up_proj", "", StringComparison.Ordinal), PlannerDefaults);
        var presetEstimate = service.Estimate(preset).Estimate!;
        Assert.NotEqual(presetEstimate.StepTimeSeconds, shown.StepTimeSeconds);
        Assert.True(shown.Memory!.ActivationsGiB < presetEstimate.Memory!.ActivationsGiB);

        var cut = Render<PlannerPage>();
        cut.WaitForAssertion(() => Assert.Contains(shown.StepTimeSeconds!.Value.ToString("F3", System.Globalization.CultureInfo.InvariantCulture),
            cut.Find("[data-testid=step-time]").TextContent, StringComparison.Ordinal));
        var extras = cut.Find("[data-testid=scenario-extras]").TextContent;
        Assert.Contains("latent attention: query latent none, key/value latent 512, query/key heads 128 + 64 RoPE, value heads 128", extras, StringComparison.Ordinal);
        Assert.Contains("selective recompute of layernorm, mla_up_proj", extras, StringComparison.Ordinal);

        // Back to the preset's shape drops the latent shape (the preset's own MLA applies again); the modules stay.
        cut.Find("[data-testid=reset-shape]").Click();
        cut.WaitForAssertion(() => Assert.DoesNotContain("mla=", navigation.Uri, StringComparison.Ordinal));
        Assert.Contains("rcm=", navigation.Uri, StringComparison.Ordinal);
        Assert.DoesNotContain("latent attention:", cut.Find("[data-testid=scenario-extras]").TextContent, StringComparison.Ordinal);
    }
}
