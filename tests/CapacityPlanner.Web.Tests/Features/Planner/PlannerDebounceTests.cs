using CapacityPlanner.Web.Tests.Support;
using PlannerPage = CapacityPlanner.Web.Features.Planner.Planner;

namespace CapacityPlanner.Web.Tests.Features.Planner;

/// <summary>
/// With a debounce, the first edit after a quiet period is estimated at once and edits that follow within the delay
/// are estimated once the form has been quiet for it. The delay is longer than the shipped 250 ms (the most the options allow) so that the
/// "still updating" state can be observed reliably on a busy machine.
/// </summary>
public sealed class PlannerDebounceTests() : PlannerTestContext(new Dictionary<string, string?>
{
    ["Planner:EstimateDebounceMilliseconds"] = "5000",
})
{
    [Fact]
    public void An_edit_right_after_an_estimate_waits_for_the_quiet_period()
    {
        var cut = Render<PlannerPage>();
        var initial = cut.Find("[data-testid=step-time]").TextContent;
        cut.Find("input[data-testid=global-batch]").Input("3072");
        cut.WaitForAssertion(() =>
        {
            Assert.NotEqual(initial, cut.Find("[data-testid=step-time]").TextContent);
            Assert.Empty(cut.FindAll("[data-testid=pending]"));
        }, TimeSpan.FromSeconds(30));
        var before = cut.Find("[data-testid=step-time]").TextContent;

        // An estimate has just run: this edit is coalesced until the form has been quiet for the delay.
        cut.Find("input[data-testid=global-batch]").Input("4608");

        // While the form is still settling, the previous estimate stays on screen, marked as updating. (The numeric
        // field handles its input asynchronously, so wait for the marker rather than assert at once.)
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=pending]")), TimeSpan.FromSeconds(4));
        Assert.Equal(before, cut.Find("[data-testid=step-time]").TextContent);

        cut.WaitForAssertion(() => Assert.NotEqual(before, cut.Find("[data-testid=step-time]").TextContent), TimeSpan.FromSeconds(30));
        Assert.Empty(cut.FindAll("[data-testid=pending]"));
    }

    [Fact]
    public void The_first_edit_after_a_quiet_period_is_estimated_at_once()
    {
        var cut = Render<PlannerPage>();
        var before = cut.Find("[data-testid=step-time]").TextContent;
        Thread.Sleep(5100);

        cut.Find("input[data-testid=global-batch]").Input("3072");

        // Well within the 5 s delay: only an immediate estimate can show the new number this soon.
        cut.WaitForAssertion(() => Assert.NotEqual(before, cut.Find("[data-testid=step-time]").TextContent), TimeSpan.FromSeconds(2));
        Assert.Empty(cut.FindAll("[data-testid=pending]"));
    }

    [Fact]
    public void A_debounced_model_error_shows_inline_on_the_field_and_survives_leaving_it()
    {
        var cut = Render<PlannerPage>();

        cut.Find("input[data-testid=tensor]").Input("64");
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=step-time]")), TimeSpan.FromSeconds(30));

        // The field revalidates right after the estimate arrives.
        cut.WaitForAssertion(() => Assert.Contains("TP=64 does not divide 96 attention heads", TensorFieldText(cut), StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.Equal("true", cut.Find("input[data-testid=tensor]").GetAttribute("aria-invalid"));

        cut.Find("input[data-testid=tensor]").Blur();

        // MudNumericField validates again on blur; the message must survive that.
        Assert.Contains("TP=64 does not divide 96 attention heads", TensorFieldText(cut), StringComparison.Ordinal);
    }

    private static string TensorFieldText(IRenderedComponent<PlannerPage> cut) =>
        cut.Find("input[data-testid=tensor]").Closest(".mud-input-control")!.TextContent;
}
