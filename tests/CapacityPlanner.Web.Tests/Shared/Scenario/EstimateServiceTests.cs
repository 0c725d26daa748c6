using System.Text.Json;
using CapacityPlanner.Web.Options;
using Microsoft.Extensions.Logging.Abstractions;
using CapacityPlanner.Web.Shared.Scenario;

namespace CapacityPlanner.Web.Tests.Shared.Scenario;

/// <summary>The service the page uses: same scenario contract as the CLI, errors instead of exceptions.</summary>
public sealed class EstimateServiceTests
{
    private static EstimateService Service(PlannerOptions? options = null) =>
        new(Microsoft.Extensions.Options.Options.Create(options ?? new PlannerOptions()), NullLogger<EstimateService>.Instance);

    [Fact]
    public void Default_input_gives_a_feasible_estimate_from_a_v1_scenario_document()
    {
        var outcome = Service().Estimate(new PlannerInput());

        Assert.True(outcome.Feasible);
        Assert.Empty(outcome.Errors);
        Assert.NotNull(outcome.Estimate?.StepTimeSeconds);
        Assert.Equal(16, outcome.Scenario!.Plan.Data);

        using var doc = JsonDocument.Parse(outcome.ScenarioJson!);
        var root = doc.RootElement;
        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("gpt3-175b", root.GetProperty("model").GetProperty("preset").GetString());
        Assert.Equal("a100-sxm-80gb", root.GetProperty("system").GetProperty("chip").GetString());
        Assert.Equal(1024, root.GetProperty("system").GetProperty("gpus").GetInt32());
        Assert.Equal("selective", root.GetProperty("parallelism").GetProperty("recompute").GetString());
        Assert.False(root.GetProperty("parallelism").TryGetProperty("data", out _));
    }

    [Fact]
    public void A_precision_the_chip_lacks_is_reported_by_the_model()
    {
        var outcome = Service().Estimate(new PlannerInput { Precision = "fp8" });

        var error = Assert.Single(outcome.Errors);
        Assert.Equal("$.training.precision", error.Path);
        Assert.Contains("has no fp8 peak", error.Message, StringComparison.Ordinal);
        Assert.False(outcome.Feasible);
    }

    [Fact]
    public void Gpus_not_divisible_by_the_model_parallel_degrees_is_reported_at_the_data_field()
    {
        // 1,000 GPUs do not split into tensor 8 × pipeline 8 × data d.
        var outcome = Service().Estimate(new PlannerInput { Gpus = 1000 });

        Assert.Contains(outcome.Errors, e => e.Path == "$.parallelism.data" && e.Message.Contains("1000", StringComparison.Ordinal));
        Assert.False(outcome.Feasible);
        Assert.Null(outcome.Estimate?.StepTimeSeconds);
    }

    [Fact]
    public void Incomplete_form_is_reported_without_building_a_document()
    {
        var outcome = Service().Estimate(new PlannerInput { Tensor = null, MicroBatchSize = 0 });

        Assert.Null(outcome.ScenarioJson);
        Assert.Equal(["$.parallelism.tensor", "$.parallelism.microBatchSize"], outcome.Errors.Select(e => e.Path));
    }

    [Fact]
    public void Documents_over_the_size_limit_are_refused()
    {
        var outcome = Service(new PlannerOptions { MaxScenarioBytes = 1024 }).Estimate(new string(' ', 2000) + "{}");

        var error = Assert.Single(outcome.Errors);
        Assert.Contains("limit is 1,024 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_json_is_an_error_not_an_exception()
    {
        var outcome = Service().Estimate("{ \"schemaVersion\": 1, ");

        Assert.Contains(outcome.Errors, e => e.Message.StartsWith("Malformed JSON", StringComparison.Ordinal));
    }
}
