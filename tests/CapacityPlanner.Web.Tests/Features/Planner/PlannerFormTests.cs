using CapacityPlanner.Web.Features.Planner;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using PlannerPage = CapacityPlanner.Web.Features.Planner.Planner;
using CapacityPlanner.Web.Shared.Scenario;

namespace CapacityPlanner.Web.Tests.Features.Planner;

/// <summary>Form behaviour of the planner: inline messages, bounds, the optional data-parallel degree.</summary>
public sealed class PlannerFormTests : PlannerTestContext
{
    [Fact]
    public void Every_numeric_input_has_a_label_with_units_and_bounds()
    {
        var cut = Render<PlannerPage>();

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
            Assert.Equal(min, input.GetAttribute("aria-valuemin"));
            Assert.Equal(max, input.GetAttribute("aria-valuemax"));
            Assert.Contains(label, FieldText(cut, testId), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Clearing_a_required_field_shows_an_inline_message_and_no_estimate()
    {
        var cut = Render<PlannerPage>();

        cut.Find("input[data-testid=gpus]").Input("");

        cut.WaitForAssertion(() => Assert.Contains("GPU count is required", FieldText(cut, "gpus"), StringComparison.Ordinal));
        var error = Assert.Single(cut.FindAll("[data-testid=errors] [data-testid=error]"));
        Assert.Equal("$.system.gpus", error.GetAttribute("data-path"));
        Assert.Empty(cut.FindAll("[data-testid=step-time]"));
    }

    [Fact]
    public void An_out_of_range_value_is_kept_as_typed_and_the_field_says_why_it_is_refused()
    {
        var cut = Render<PlannerPage>();

        cut.Find("input[data-testid=global-batch]").Input("-5");

        // Not silently clamped to 1: the value stays, the field and the problem list name the field and the range.
        Assert.Equal("-5", cut.Find("input[data-testid=global-batch]").GetAttribute("value"));
        cut.WaitForAssertion(() => Assert.Contains("Global batch must be between 1 and 16,777,216 sequences; got -5.", FieldText(cut, "global-batch"), StringComparison.Ordinal));
        var error = Assert.Single(cut.FindAll("[data-testid=errors] [data-testid=error]"));
        Assert.Equal("Global batch (sequences)", error.QuerySelector("[data-testid=error-field]")!.TextContent.Trim());
        Assert.DoesNotContain("$.", error.TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=step-time]"));

        cut.Find("input[data-testid=tensor]").Input("5000");
        Assert.Equal("5000", cut.Find("input[data-testid=tensor]").GetAttribute("value"));
        cut.WaitForAssertion(() => Assert.Contains("got 5,000", FieldText(cut, "tensor"), StringComparison.Ordinal));
    }

    [Fact]
    public void The_models_errors_name_the_field_the_user_sees_not_a_json_path()
    {
        var cut = Render<PlannerPage>();

        cut.Find("input[data-testid=data]").Input("8");

        var error = Assert.Single(cut.FindAll("[data-testid=error][data-path='$.parallelism.data']"));
        Assert.Equal("Data parallel (replicas)", error.QuerySelector("[data-testid=error-field]")!.TextContent.Trim());
        Assert.DoesNotContain("$.", cut.Find("[data-testid=errors]").TextContent, StringComparison.Ordinal);
        cut.WaitForAssertion(() => Assert.DoesNotContain("$.", FieldText(cut, "data"), StringComparison.Ordinal));
    }

    [Fact]
    public void A_value_in_the_address_that_does_not_parse_is_reported_not_dropped_silently()
    {
        Services.GetRequiredService<Bunit.TestDoubles.BunitNavigationManager>().NavigateTo("/?gpus=lots&tp=4");
        var cut = Render<PlannerPage>();

        var message = cut.Find("[data-testid=link-message]").TextContent;
        Assert.Contains("GPU count (GPUs)", message, StringComparison.Ordinal);
        Assert.Contains("\u201clots\u201d", message, StringComparison.Ordinal);
        Assert.Contains("it stays 1024", message, StringComparison.Ordinal);
        Assert.Equal("4", cut.Find("input[data-testid=tensor]").GetAttribute("value"));
    }

    [Theory]
    [InlineData("$.parallelism.data", "Data parallel (replicas)")]
    [InlineData("$.system.network.tiers[0].oversubscription", "Oversubscription (: 1)")]
    [InlineData("$.parallelism.recompute", "Activation recompute")]
    [InlineData("$.parallelism", "Parallelism plan")]
    [InlineData("$.model.numExperts", "Model: num experts")]
    public void Json_paths_map_to_the_labels_on_the_form(string path, string label) =>
        Assert.Equal(label, PlannerFields.FieldLabel(path));

    [Fact]
    public void A_data_parallel_degree_that_does_not_match_the_gpus_shows_the_models_reason_on_the_field()
    {
        var cut = Render<PlannerPage>();

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
        var cut = Render<PlannerPage>();

        var json = cut.Find("[data-testid=scenario-json]").TextContent;

        Assert.DoesNotContain("\"data\"", json, StringComparison.Ordinal);
        Assert.Contains("96 micro-batches per step", cut.Find("[data-testid=step-time-detail]").TextContent, StringComparison.Ordinal);
    }

    private static string FieldText(IRenderedComponent<PlannerPage> cut, string testId) =>
        cut.Find($"input[data-testid={testId}]").Closest(".mud-input-control")!.TextContent;
}
