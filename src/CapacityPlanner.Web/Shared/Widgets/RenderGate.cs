using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace CapacityPlanner.Web.Shared.Widgets;

/// <summary>
/// Renders its content again only when <see cref="State"/> changes (by <see cref="object.Equals(object?, object?)"/>: a
/// tuple of the values the content shows). A page that re-renders on every edit (the Planner, once per estimate) wraps
/// the parts that rarely change in one, so that their components (a select and its items, a tooltip) are not rendered
/// and diffed again for nothing. The content's own components still update themselves (a select opening, a panel
/// expanding), and its callbacks read the page's current state, so old ones stay valid.
/// </summary>
/// <remarks>
/// Everything the content shows that can change must be in <see cref="State"/>; what is not stays as first rendered.
/// </remarks>
public sealed class RenderGate : ComponentBase
{
    private object? _renderedState;
    private bool _rendered;

    /// <summary>What the content shows; a change renders it again. Null (the default) renders it once.</summary>
    [Parameter] public object? State { get; set; }

    /// <summary>The content.</summary>
    [Parameter] public RenderFragment? ChildContent { get; set; }

    /// <inheritdoc />
    protected override bool ShouldRender() => !_rendered || !Equals(State, _renderedState);

    /// <inheritdoc />
    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        _rendered = true;
        _renderedState = State;
        builder.AddContent(0, ChildContent);
    }
}
