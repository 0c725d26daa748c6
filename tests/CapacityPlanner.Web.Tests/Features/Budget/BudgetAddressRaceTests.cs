using CapacityPlanner.Web.Hosting;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using BudgetPage = CapacityPlanner.Web.Features.Budget.Budget;

namespace CapacityPlanner.Web.Tests.Features.Budget;

/// <summary>
/// The Budget page against a navigation manager that reports addresses late, as Blazor Server's does: the browser
/// reports an address the page wrote a round trip later, after the page may have handled more clicks. A late report of
/// the page's own earlier address is not Back: it must not undo what the user did since. (In CI the layout test's
/// "Duplicate" right after "Open the example" was lost.)
/// </summary>
public sealed class BudgetAddressRaceTests : PlannerTestContext
{
    private static readonly TimeSpan s_planTimeout = TimeSpan.FromSeconds(60);
    private readonly DeferredNavigationManager _navigation = new("budget");

    public BudgetAddressRaceTests()
        : base(new Dictionary<string, string?> { ["Planner:HistoryCoalesceMilliseconds"] = "0" })
    {
        Services.AddBudgetPage();
        Services.AddSingleton<NavigationManager>(_navigation);
    }

    private IRenderedComponent<ContainerFragment> RenderPage() => Render<ContainerFragment>(p => p.AddChildContent(b =>
    {
        b.OpenComponent<MudPopoverProvider>(0);
        b.CloseComponent();
        b.OpenComponent<BudgetPage>(1);
        b.CloseComponent();
    }));

    private static int Columns(IRenderedComponent<ContainerFragment> cut) => cut.FindAll("[data-testid^=budget-column-]").Count;

    private static void WaitForGpus(IRenderedComponent<ContainerFragment> cut, int column) =>
        cut.WaitForAssertion(() => Assert.Matches(@"^\d[\d,]*$", cut.Find($"[data-testid=budget-gpus-{column}]").TextContent.Trim()), s_planTimeout);

    private static string Value(IRenderedComponent<ContainerFragment> cut, string testId) =>
        cut.Find($"input[data-testid={testId}]").GetAttribute("value") ?? "";

    // Find and click in one renderer turn: the click's handler runs before the call returns (bUnit's Click does not
    // wait for a renderer busy with a plan that just landed).
    private static void Click(IRenderedComponent<ContainerFragment> cut, string testId) =>
        cut.InvokeAsync(() => cut.Find($"button[data-testid={testId}]").Click()).GetAwaiter().GetResult();

    private static MudIconButton DuplicateButton(IRenderedComponent<ContainerFragment> cut, int column) =>
        cut.FindComponents<MudIconButton>().Single(b => b.Instance.UserAttributes.TryGetValue("data-testid", out var id) && Equals(id, $"duplicate-{column}")).Instance;

    // Find and type in one renderer turn (a plan landing in between re-renders the page).
    private static void TypeInto(IRenderedComponent<ContainerFragment> cut, string testId, string value) =>
        cut.InvokeAsync(() => cut.Find($"input[data-testid={testId}]").Input(value)).GetAwaiter().GetResult();

    private void DeliverNext(IRenderedComponent<ContainerFragment> cut) => cut.InvokeAsync(_navigation.DeliverNext).GetAwaiter().GetResult();

    private void DeliverAll(IRenderedComponent<ContainerFragment> cut) => cut.InvokeAsync(_navigation.DeliverAll).GetAwaiter().GetResult();

    private void BrowserGoesTo(IRenderedComponent<ContainerFragment> cut, string uri) => cut.InvokeAsync(() => _navigation.BrowserGoesTo(uri)).GetAwaiter().GetResult();

    [Fact]
    public void A_late_report_of_the_examples_address_does_not_undo_the_duplicate_clicked_after_it()
    {
        var cut = RenderPage();
        WaitForGpus(cut, 0);

        Click(cut, "open-example");
        Click(cut, "duplicate-0");
        Assert.Equal(2, Columns(cut));
        Assert.Equal(2, _navigation.InFlight.Count);

        // The browser reports the example's address (written before the duplicate), then the duplicate's.
        DeliverNext(cut);
        Assert.Equal(2, Columns(cut));
        DeliverNext(cut);
        Assert.Equal(2, Columns(cut));
        WaitForGpus(cut, 1);
        Assert.Equal(_navigation.Requests[^1].Uri, _navigation.Uri);
    }

    [Fact]
    public void An_edit_between_late_reports_keeps_the_duplicate_and_the_edit()
    {
        var cut = RenderPage();
        WaitForGpus(cut, 0);

        Click(cut, "open-example");
        Click(cut, "duplicate-0");
        DeliverNext(cut);
        TypeInto(cut, "budget-usd-0", "20000000000");
        DeliverAll(cut);

        Assert.Equal(2, Columns(cut));
        Assert.Equal("20000000000", Value(cut, "budget-usd-0").Replace(",", "", StringComparison.Ordinal));
        WaitForGpus(cut, 1);
        Assert.Equal(_navigation.Requests[^1].Uri, _navigation.Uri);
    }

    [Fact]
    public void An_edit_taken_back_before_the_browser_reports_it_takes_the_address_back_too()
    {
        var cut = RenderPage();
        WaitForGpus(cut, 0);
        Click(cut, "open-example");
        DeliverAll(cut);
        var example = _navigation.Uri;
        var original = Value(cut, "budget-usd-0");

        TypeInto(cut, "budget-usd-0", "20000000000");
        TypeInto(cut, "budget-usd-0", original);
        DeliverAll(cut);

        Assert.Equal(original, Value(cut, "budget-usd-0"));
        Assert.Equal(example, _navigation.Uri);
    }

    [Fact]
    public void Back_and_forward_still_restore_the_columns_of_the_address()
    {
        var cut = RenderPage();
        WaitForGpus(cut, 0);
        Click(cut, "open-example");
        DeliverAll(cut);
        var oneColumn = _navigation.Uri;
        Click(cut, "duplicate-0");
        DeliverAll(cut);
        var twoColumns = _navigation.Uri;
        Assert.NotEqual(oneColumn, twoColumns);

        BrowserGoesTo(cut, oneColumn);
        cut.WaitForAssertion(() => Assert.Equal(1, Columns(cut)));
        BrowserGoesTo(cut, twoColumns);
        cut.WaitForAssertion(() => Assert.Equal(2, Columns(cut)));
        WaitForGpus(cut, 1);
    }

    [Fact]
    public void Back_arriving_while_an_own_address_is_on_its_way_leaves_the_page_on_the_address_the_browser_shows()
    {
        var cut = RenderPage();
        WaitForGpus(cut, 0);
        Click(cut, "open-example");
        DeliverAll(cut);
        var oneColumn = _navigation.Uri;
        Click(cut, "duplicate-0");
        DeliverAll(cut);

        // Remove the copy; Back reaches the server before the browser has reported the removal's address.
        Click(cut, "remove-1");
        BrowserGoesTo(cut, oneColumn);
        Assert.Equal(1, Columns(cut));
        // Then the browser reports the removal's address, where it now is: the page follows it.
        DeliverAll(cut);
        Assert.Equal(1, Columns(cut));
        Assert.Equal(_navigation.Requests[^1].Uri, _navigation.Uri);
    }

    // Blazor Server drops a browser event whose element was rendered by a component it has disposed since (the browser
    // had not yet received the render that removed the element). "Open the example" used to give every column a new
    // @key, so a Duplicate click sent right after it, from the button the browser still showed, was dropped.
    [Fact]
    public void Opening_the_example_or_going_back_keeps_the_columns_buttons_so_a_click_already_sent_to_them_lands()
    {
        var cut = RenderPage();
        WaitForGpus(cut, 0);
        var duplicate = DuplicateButton(cut, 0);

        Click(cut, "open-example");
        Assert.Same(duplicate, DuplicateButton(cut, 0));

        Click(cut, "duplicate-0");
        DeliverAll(cut);
        BrowserGoesTo(cut, _navigation.Requests[0].Uri);
        cut.WaitForAssertion(() => Assert.Equal(1, Columns(cut)));
        Assert.Same(duplicate, DuplicateButton(cut, 0));
        BrowserGoesTo(cut, _navigation.Requests[1].Uri);
        cut.WaitForAssertion(() => Assert.Equal(2, Columns(cut)));
        Assert.Same(duplicate, DuplicateButton(cut, 0));
    }
}
