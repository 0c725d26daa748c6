using Bunit;
using CapacityPlanner.Web.Shared.Chips;
using CapacityPlanner.Web.Shared.Widgets;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Extensions;

namespace CapacityPlanner.Web.Tests.Shared.Widgets;

/// <summary>
/// The chips-to-compare select keeps at most its limit: a pick beyond it (select-all, Ctrl+A) keeps the first ones picked,
/// the select shows those again, and its helper says what happened.
/// </summary>
public sealed class ChipMultiSelectTests : PlannerTestContext
{
    [Fact]
    public async Task Selecting_every_chip_keeps_the_first_four_and_says_so()
    {
        IReadOnlyList<string>? raised = null;
        var first = new[] { "h100-sxm", "b200", "a100-sxm-80gb", "gb200" };
        var cut = Render<ChipMultiSelect>(p => p
            .Add(c => c.Selected, first)
            .Add(c => c.SelectedChanged, (IReadOnlyList<string> ids) => raised = ids));
        var every = Services.GetRequiredService<ChipDirectory>().Chips.Select(c => c.Id).ToList();
        Assert.True(every.Count > 4);

        var select = cut.FindComponent<MudSelect<string>>();
        await cut.InvokeAsync(() => select.Instance.SelectedValuesChanged.InvokeAsync(every));

        Assert.NotNull(raised);
        Assert.Equal(first, raised);
        cut.WaitForAssertion(() => Assert.Contains("kept the first 4 picked", cut.Markup, StringComparison.Ordinal));
        // A fresh select (it showed every chip after select-all) holds the four that are kept.
        Assert.Equal(first.Order(StringComparer.Ordinal), cut.FindComponent<MudSelect<string>>().Instance.GetState(x => x.SelectedValues)!.Order(StringComparer.Ordinal));
    }
}
