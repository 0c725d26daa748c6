using Bunit.TestDoubles;
using CapacityPlanner.Web.Features.Scaling;
using CapacityPlanner.Web.Hosting;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using BudgetPage = CapacityPlanner.Web.Features.Budget.Budget;

namespace CapacityPlanner.Web.Tests.Shared.Sharing;

/// <summary>
/// Undo on the Budget and Scaling pages: as on the Planner (one implementation, EditHistory), every edit is a history
/// entry, so Back and Ctrl+Z (app.js calls history.back()) step through edits and the page follows the address.
/// </summary>
public sealed class PageHistoryTests : PlannerTestContext
{
    public PageHistoryTests()
        : base(new Dictionary<string, string?> { ["Planner:HistoryCoalesceMilliseconds"] = "0" }) => Services.AddBudgetPage();

    [Fact]
    public void Budget_edits_are_history_entries_and_going_back_restores_the_earlier_columns()
    {
        var navigation = Services.GetRequiredService<BunitNavigationManager>();
        navigation.NavigateTo("/budget");
        var cut = Render<ContainerFragment>(p => p.AddChildContent(b =>
        {
            b.OpenComponent<MudPopoverProvider>(0);
            b.CloseComponent();
            b.OpenComponent<BudgetPage>(1);
            b.CloseComponent();
        }));
        var original = cut.Find("input[data-testid=budget-usd-0]").GetAttribute("value");

        cut.Find("input[data-testid=budget-usd-0]").Input("20000000000");
        cut.WaitForAssertion(() => Assert.Contains("s=", navigation.Uri, StringComparison.Ordinal));
        var afterFirst = navigation.Uri;
        var firstValue = cut.Find("input[data-testid=budget-usd-0]").GetAttribute("value");
        cut.Find("input[data-testid=budget-usd-0]").Input("40000000000");
        cut.WaitForAssertion(() => Assert.NotEqual(afterFirst, navigation.Uri));

        var edits = navigation.History.Where(h => h.Uri.Contains("/budget?s=", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, edits.Count);
        Assert.All(edits, h => Assert.False(h.Options.ReplaceHistoryEntry));

        // Back: the first edit's columns again.
        navigation.NavigateTo(afterFirst);
        cut.WaitForAssertion(() => Assert.Equal(firstValue, cut.Find("input[data-testid=budget-usd-0]").GetAttribute("value")));
        Assert.NotEqual(original, firstValue);

        // Back once more: the page as it opened (the example), still in the app.
        navigation.NavigateTo("/budget");
        cut.WaitForAssertion(() => Assert.Equal(original, cut.Find("input[data-testid=budget-usd-0]").GetAttribute("value")));
    }

    [Fact]
    public void Scaling_edits_are_history_entries_and_going_back_restores_the_earlier_range()
    {
        var navigation = Services.GetRequiredService<BunitNavigationManager>();
        navigation.NavigateTo("/scaling?preset=llama3-8b&chips=h100-sxm&min=8&max=16&batch=512");
        var cut = Render<Scaling>();

        cut.Find("input[data-testid=max-gpus]").Input("32");
        cut.WaitForAssertion(() => Assert.Contains("max=32", navigation.Uri, StringComparison.Ordinal));
        var afterFirst = navigation.Uri;
        cut.Find("input[data-testid=min-gpus]").Input("16");
        cut.WaitForAssertion(() => Assert.Contains("min=16", navigation.Uri, StringComparison.Ordinal));

        var edits = navigation.History.Where(h => h.Uri.Contains("max=32", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, edits.Count);
        Assert.All(edits, h => Assert.False(h.Options.ReplaceHistoryEntry));

        navigation.NavigateTo(afterFirst);
        cut.WaitForAssertion(() => Assert.Equal("8", cut.Find("input[data-testid=min-gpus]").GetAttribute("value")));
        Assert.Equal("32", cut.Find("input[data-testid=max-gpus]").GetAttribute("value"));
        // The sweep follows the restored range: 8, 16 and 32 GPUs.
        cut.WaitForAssertion(() => Assert.Equal(3, cut.Find("[data-testid=sweep-table] tbody").Children.Length), TimeSpan.FromSeconds(60));
    }
}
