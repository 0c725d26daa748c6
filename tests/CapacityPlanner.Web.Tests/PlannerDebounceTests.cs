using CapacityPlanner.Web.Components.Pages;

namespace CapacityPlanner.Web.Tests;

/// <summary>
/// With a debounce, an edit is estimated once the form has been quiet for a moment. The delay is longer than the
/// shipped 250 ms so that the "still updating" state can be observed reliably on a busy machine.
/// </summary>
public sealed class PlannerDebounceTests() : PlannerTestContext(new Dictionary<string, string?>
{
    ["Planner:EstimateDebounceMilliseconds"] = "1500",
})
{
    [Fact]
    public void An_edit_is_estimated_after_the_quiet_period()
    {
        var cut = Render<Planner>();
        var before = cut.Find("[data-testid=step-time]").TextContent;

        cut.Find("input[data-testid=global-batch]").Input("3072");

        // Right after the edit the previous estimate is still shown, marked as updating.
        Assert.Equal(before, cut.Find("[data-testid=step-time]").TextContent);
        Assert.NotEmpty(cut.FindAll("[data-testid=pending]"));

        cut.WaitForAssertion(() => Assert.NotEqual(before, cut.Find("[data-testid=step-time]").TextContent), TimeSpan.FromSeconds(15));
        Assert.Empty(cut.FindAll("[data-testid=pending]"));
    }

    [Fact]
    public void A_debounced_model_error_shows_inline_on_the_field_and_survives_leaving_it()
    {
        var cut = Render<Planner>();

        cut.Find("input[data-testid=tensor]").Input("64");
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=step-time]")), TimeSpan.FromSeconds(15));

        // The field revalidates right after the estimate arrives.
        cut.WaitForAssertion(() => Assert.Contains("TP=64 does not divide 96 attention heads", TensorFieldText(cut), StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.Equal("true", cut.Find("input[data-testid=tensor]").GetAttribute("aria-invalid"));

        cut.Find("input[data-testid=tensor]").Blur();

        // MudNumericField validates again on blur; the message must survive that.
        Assert.Contains("TP=64 does not divide 96 attention heads", TensorFieldText(cut), StringComparison.Ordinal);
    }

    private static string TensorFieldText(IRenderedComponent<Planner> cut) =>
        cut.Find("input[data-testid=tensor]").Closest(".mud-input-control")!.TextContent;
}
