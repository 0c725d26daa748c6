using Bunit.TestDoubles;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using PlannerPage = CapacityPlanner.Web.Features.Planner.Planner;

namespace CapacityPlanner.Web.Tests.Features.Planner;

/// <summary>Undo: each edit of the Planner is a browser-history entry, so Back (and Ctrl+Z, which calls it) steps through edits.</summary>
public sealed class PlannerHistoryTests() : PlannerTestContext(new Dictionary<string, string?> { ["Planner:HistoryCoalesceMilliseconds"] = "0" })
{
    [Fact]
    public void Every_edit_adds_a_history_entry_and_going_back_restores_the_previous_form()
    {
        var navigation = Services.GetRequiredService<BunitNavigationManager>();
        var cut = Render<PlannerPage>();

        cut.Find("input[data-testid=gpus]").Input("2048");
        cut.WaitForAssertion(() => Assert.Contains("gpus=2048", navigation.Uri, StringComparison.Ordinal));
        var afterFirst = navigation.Uri;
        cut.Find("input[data-testid=tensor]").Input("4");
        cut.WaitForAssertion(() => Assert.Contains("tp=4", navigation.Uri, StringComparison.Ordinal));

        var edits = navigation.History.Where(h => h.Uri.Contains("gpus=2048", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, edits.Count);
        Assert.All(edits, h => Assert.False(h.Options.ReplaceHistoryEntry));

        // Back: the browser goes to the previous address and the form follows it.
        navigation.NavigateTo(afterFirst);
        cut.WaitForAssertion(() => Assert.Equal("8", cut.Find("input[data-testid=tensor]").GetAttribute("value")));
        Assert.Equal("2048", cut.Find("input[data-testid=gpus]").GetAttribute("value")!.Replace(",", "", StringComparison.Ordinal));
    }
}

/// <summary>With the default setting, quick successive edits (typing) share one history entry.</summary>
public sealed class PlannerHistoryCoalesceTests : PlannerTestContext
{
    [Fact]
    public void Edits_in_quick_succession_share_one_history_entry()
    {
        var navigation = Services.GetRequiredService<BunitNavigationManager>();
        var cut = Render<PlannerPage>();

        cut.Find("input[data-testid=gpus]").Input("20");
        cut.Find("input[data-testid=gpus]").Input("2048");
        cut.WaitForAssertion(() => Assert.Contains("gpus=2048", navigation.Uri, StringComparison.Ordinal));

        var edits = navigation.History.Where(h => h.Uri.Contains("gpus=", StringComparison.Ordinal)).ToList();
        // The second edit replaced the entry the first one added: one step back undoes the typing.
        var entry = Assert.Single(edits);
        Assert.True(entry.Options.ReplaceHistoryEntry);
    }
}

/// <summary>
/// The Planner against a navigation manager that reports addresses a round trip late, as Blazor Server's does: the late
/// report of the page's own earlier address is not Back and must not undo the edits made since (EditHistory, shared
/// with the Budget and Scaling pages).
/// </summary>
public sealed class PlannerLateAddressTests : PlannerTestContext
{
    private readonly DeferredNavigationManager _navigation = new("");

    public PlannerLateAddressTests()
        : base(new Dictionary<string, string?> { ["Planner:HistoryCoalesceMilliseconds"] = "0" }) =>
        Services.AddSingleton<Microsoft.AspNetCore.Components.NavigationManager>(_navigation);

    [Fact]
    public async Task A_late_report_of_the_first_edits_address_keeps_the_second_edit_and_Back_still_restores()
    {
        var cut = Render<PlannerPage>();

        cut.Find("input[data-testid=gpus]").Input("2048");
        cut.WaitForAssertion(() => Assert.Single(_navigation.InFlight));
        cut.Find("input[data-testid=tensor]").Input("4");
        cut.WaitForAssertion(() => Assert.Equal(2, _navigation.InFlight.Count));

        await cut.InvokeAsync(_navigation.DeliverNext);
        Assert.Equal("4", cut.Find("input[data-testid=tensor]").GetAttribute("value"));
        await cut.InvokeAsync(_navigation.DeliverNext);
        Assert.Equal("4", cut.Find("input[data-testid=tensor]").GetAttribute("value"));
        Assert.Contains("tp=4", _navigation.Uri, StringComparison.Ordinal);

        // Back to the first edit's address: the form follows it.
        var afterFirst = _navigation.Requests[0].Uri;
        await cut.InvokeAsync(() => _navigation.BrowserGoesTo(afterFirst));
        cut.WaitForAssertion(() => Assert.Equal("8", cut.Find("input[data-testid=tensor]").GetAttribute("value")));
        Assert.Equal("2048", cut.Find("input[data-testid=gpus]").GetAttribute("value")!.Replace(",", "", StringComparison.Ordinal));
    }
}
