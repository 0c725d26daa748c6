using CapacityPlanner.Web.Components.Pages;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CapacityPlanner.Web.Tests;

/// <summary>The select fields (rendered with a popover provider, as in the layout).</summary>
public sealed class PlannerSelectTests : PlannerTestContext
{
    private IRenderedComponent<ContainerFragment> RenderPlannerWithPopovers() => Render<ContainerFragment>(p => p.AddChildContent(b =>
    {
        b.OpenComponent<MudPopoverProvider>(0);
        b.CloseComponent();
        b.OpenComponent<Planner>(1);
        b.CloseComponent();
    }));

    [Fact]
    public void Every_preset_and_chip_is_offered()
    {
        var cut = RenderPlannerWithPopovers();

        cut.Find("input[data-testid=preset]").ParentElement!.MouseDown();
        var presets = cut.FindAll(".mud-popover-open .mud-list-item").Select(e => e.TextContent.Trim()).ToList();

        Assert.Equal(Core.Workload.ModelPresets.All.Count, presets.Count);
        Assert.Contains("GPT-3 175B (gpt3-175b)", presets);
        Assert.Contains(presets, p => p.Contains("(llama3-70b)", StringComparison.Ordinal));
    }

    [Fact]
    public void Choosing_fp8_on_an_a100_shows_the_chips_reason_on_the_precision_field()
    {
        var cut = RenderPlannerWithPopovers();

        cut.Find("input[data-testid=precision]").ParentElement!.MouseDown();
        cut.FindAll(".mud-popover-open .mud-list-item").Single(e => e.TextContent.Contains("FP8", StringComparison.Ordinal)).Click();

        var error = Assert.Single(cut.FindAll("[data-testid=error]"));
        Assert.Equal("$.training.precision", error.GetAttribute("data-path"));
        Assert.Contains("has no fp8 peak", error.TextContent, StringComparison.Ordinal);
        var field = cut.Find("input[data-testid=precision]").Closest(".mud-input-control")!;
        Assert.Contains("has no fp8 peak", field.TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=step-time]"));
    }
}

/// <summary>Renders its child content; lets a test place the planner next to a popover provider.</summary>
public sealed class ContainerFragment : ComponentBase
{
    /// <summary>What to render.</summary>
    [Parameter] public RenderFragment? ChildContent { get; set; }

    /// <inheritdoc />
    protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder) =>
        builder.AddContent(0, ChildContent);
}
