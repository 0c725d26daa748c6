using Microsoft.AspNetCore.Components;

namespace CapacityPlanner.Web.Tests.Support;

/// <summary>Renders its child content; lets a test place a page next to a popover provider.</summary>
public sealed class ContainerFragment : ComponentBase
{
    /// <summary>What to render.</summary>
    [Parameter] public RenderFragment? ChildContent { get; set; }

    /// <inheritdoc />
    protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder) =>
        builder.AddContent(0, ChildContent);
}
