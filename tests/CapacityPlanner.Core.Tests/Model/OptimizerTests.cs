using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Search;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Core.Tests.Model;

/// <summary>Optimizer state and update cost, Shampoo and SOAP included (they used to be priced as Adam).</summary>
public sealed class OptimizerTests
{
    private static string Scenario(string optimizer, string parallelism = """{ "tensor": 8, "pipeline": 8, "microBatchSize": 1, "zeroStage": 1, "recompute": "selective" }""") => $$"""
        { "schemaVersion": 1, "model": { "preset": "gpt3-175b" },
          "training": { "globalBatchSequences": 1536, "optimizer": "{{optimizer}}" },
          "system": { "chip": "a100-sxm-80gb", "gpus": 1024 }, "parallelism": {{parallelism}} }
        """;

    [Theory]
    [InlineData("shampoo", OptimizerKind.Shampoo)]
    [InlineData("soap", OptimizerKind.Soap)]
    [InlineData("adamw", OptimizerKind.Adam)]
    [InlineData("lamb", OptimizerKind.Lamb)]
    [InlineData("lion", OptimizerKind.Lion)]
    public void Every_optimizer_name_resolves(string name, OptimizerKind kind) =>
        Assert.Equal(kind, TestScenarios.Resolve(Scenario(name)).Training.Optimizer);

    [Fact]
    public void An_unknown_optimizer_is_an_error_listing_the_known_ones()
    {
        var r = ScenarioResolver.ParseAndResolve(Scenario("adam8bit"));
        Assert.False(r.Success);
        var e = Assert.Single(r.Errors);
        Assert.Equal("$.training.optimizer", e.Path);
        Assert.Contains("shampoo", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("shampoo")]
    [InlineData("soap")]
    public void Shampoo_and_soap_keep_28_bytes_of_state_per_parameter_and_pay_their_block_products(string name)
    {
        var adam = TestScenarios.Estimate(Scenario("adam"));
        var blocked = TestScenarios.Estimate(Scenario(name));
        // Same plan, same sharding: the state is 28/12 of Adam's (Shi et al. 2023; Vyas et al. 2024), nothing else moves.
        Assert.Equal(adam.Memory!.OptimizerStatesGiB * 28 / 12, blocked.Memory!.OptimizerStatesGiB, 6);
        Assert.Equal(adam.Memory.WeightsGiB, blocked.Memory.WeightsGiB, 9);
        Assert.Equal(adam.Memory.ActivationsGiB, blocked.Memory.ActivationsGiB, 9);
        Assert.True(blocked.Breakdown!.OptimizerSeconds > adam.Breakdown!.OptimizerSeconds);
        // The block products are small against the model's FLOPs (8·1024 FLOP/param vs 6·tokens per step per param).
        Assert.True(blocked.StepTimeSeconds < adam.StepTimeSeconds * 1.01);
    }

    [Fact]
    public void Lamb_keeps_adams_state_and_pays_a_second_pass_and_lion_keeps_one_moment()
    {
        // LAMB (MegaScale's optimizer): Adam's 12 B of state; its trust ratio needs the step before the weights change,
        // so the update moves 44 B instead of 36. Lion: one momentum and the fp32 master, 8 B, like SGD with momentum.
        var adam = TestScenarios.Estimate(Scenario("adam"));
        var lamb = TestScenarios.Estimate(Scenario("lamb"));
        var lion = TestScenarios.Estimate(Scenario("lion"));
        Assert.Equal(adam.Memory!.OptimizerStatesGiB, lamb.Memory!.OptimizerStatesGiB, 9);
        Assert.Equal(adam.Breakdown!.OptimizerSeconds * 44 / 36, lamb.Breakdown!.OptimizerSeconds, 9);
        Assert.Equal(adam.Memory.OptimizerStatesGiB * 8 / 12, lion.Memory!.OptimizerStatesGiB, 6);
        Assert.True(lion.Breakdown!.OptimizerSeconds < adam.Breakdown.OptimizerSeconds);
        Assert.Equal(adam.Memory.ActivationsGiB, lion.Memory.ActivationsGiB, 9);
    }

    [Fact]
    public void The_search_shards_more_when_the_optimizer_state_is_larger()
    {
        // Without ZeRO a 175B model's Shampoo state on TP8×PP8 (2.7B params per GPU × 28 B = 76 GB) does not fit 80 GB.
        var noZero = """{ "tensor": 8, "pipeline": 8, "microBatchSize": 1, "zeroStage": 0, "recompute": "selective" }""";
        Assert.True(TestScenarios.Estimate(Scenario("adam", noZero)).Feasible);
        Assert.False(TestScenarios.Estimate(Scenario("shampoo", noZero)).Feasible);

        var parsed = ScenarioParser.Parse(Scenario("shampoo", """{ "tensor": 8, "pipeline": 8 }"""));
        var resolved = ScenarioResolver.Resolve(parsed.Document!);
        var best = PlanSearch.Search(resolved.Scenario!, ScenarioResolver.Constraints(parsed.Document!.Parallelism), new SearchOptions(Top: 1)).Best.Single();
        Assert.True(best.Plan.ZeroStage >= 1, $"best plan {best.Plan}");
        Assert.True(best.Estimate.Feasible);
    }
}
