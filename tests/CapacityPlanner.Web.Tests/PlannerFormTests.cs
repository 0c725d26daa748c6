using CapacityPlanner.Web.Components.Pages;

namespace CapacityPlanner.Web.Tests;

/// <summary>Form behaviour of the planner: inline messages, bounds, the optional data-parallel degree.</summary>
public sealed class PlannerFormTests : PlannerTestContext
{
    [Fact]
    public void Every_numeric_input_has_a_label_with_units_and_bounds()
    {
        var cut = Render<Planner>();

        foreach (var (testId, label, min, max) in new[]
        {
            ("gpus", "GPU count (GPUs)", "1", "1000000"),
            ("global-batch", "Global batch (sequences)", "1", "16777216"),
            ("tensor", "Tensor parallel (GPUs)", "1", "1024"),
            ("pipeline", "Pipeline parallel (stages)", "1", "1024"),
            ("data", "Data parallel (replicas)", "1", "1000000"),
            ("micro-batch", "Micro-batch (sequences)", "1", "65536"),
        })
        {
            var input = cut.Find($"input[data-testid={testId}]");
            Assert.Equal(min, input.GetAttribute("min"));
            Assert.Equal(max, input.GetAttribute("max"));
            Assert.Contains(label, FieldText(cut, testId), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Clearing_a_required_field_shows_an_inline_message_and_no_estimate()
    {
        var cut = Render<Planner>();

        cut.Find("input[data-testid=gpus]").Input("");

        cut.WaitForAssertion(() => Assert.Contains("GPU count is required", FieldText(cut, "gpus"), StringComparison.Ordinal));
        var error = Assert.Single(cut.FindAll("[data-testid=errors] [data-testid=error]"));
        Assert.Equal("$.system.gpus", error.GetAttribute("data-path"));
        Assert.Empty(cut.FindAll("[data-testid=step-time]"));
    }

    [Fact]
    public void Values_beyond_the_bounds_are_held_at_the_bound()
    {
        var cut = Render<Planner>();

        cut.Find("input[data-testid=tensor]").Input("5000");

        Assert.Equal("1024", cut.Find("input[data-testid=tensor]").GetAttribute("value"));
    }

    [Fact]
    public void A_data_parallel_degree_that_does_not_match_the_gpus_shows_the_models_reason_on_the_field()
    {
        var cut = Render<Planner>();

        // 8 × 8 × 1 × 8 = 512 GPUs, but the cluster has 1,024.
        cut.Find("input[data-testid=data]").Input("8");

        var error = Assert.Single(cut.FindAll("[data-testid=error][data-path='$.parallelism.data'] [data-testid=error-message]"));
        var message = error.TextContent.Trim();
        Assert.Contains("1024", message, StringComparison.Ordinal);
        cut.WaitForAssertion(() => Assert.Contains(message, FieldText(cut, "data"), StringComparison.Ordinal));
        Assert.Contains("\"data\": 8", cut.Find("[data-testid=scenario-json]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void The_derived_data_parallel_degree_is_left_to_the_model()
    {
        var cut = Render<Planner>();

        var json = cut.Find("[data-testid=scenario-json]").TextContent;

        Assert.DoesNotContain("\"data\"", json, StringComparison.Ordinal);
        Assert.Contains("96 micro-batches per step", cut.Find("[data-testid=step-time-detail]").TextContent, StringComparison.Ordinal);
    }

    private static string FieldText(IRenderedComponent<Planner> cut, string testId) =>
        cut.Find($"input[data-testid={testId}]").Closest(".mud-input-control")!.TextContent;
}
