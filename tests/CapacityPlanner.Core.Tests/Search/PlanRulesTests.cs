using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Search;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Core.Tests.Search;

/// <summary>One table of plan rules: the validator reports a plan's violations from it, the search prunes and counts by it.</summary>
public sealed class PlanRulesTests
{
    private static readonly ResolvedScenario s_gpt3 = TestScenarios.Resolve(TestScenarios.Gpt3On1024);

    public static TheoryData<string, Func<ParallelismPlan, ParallelismPlan>, PlanRule> Broken => new()
    {
        { "TP 7", p => p with { Tensor = 7, Data = 1024 / 7 / 8 }, PlanRule.TensorDividesHeads },
        { "CP 3", p => p with { Context = 3 }, PlanRule.ContextDividesSequence },
        { "PP 128", p => p with { Pipeline = 128, Data = 1 }, PlanRule.PipelineWithinLayers },
        { "96 layers in 8 × 16 chunks", p => p with { VirtualStages = 16 }, PlanRule.ChunksWithinLayers },
        { "virtual stages without PP", p => p with { Pipeline = 1, Data = 128, VirtualStages = 2 }, PlanRule.VirtualStagesNeedPipeline },
        { "micro-batch 5", p => p with { MicroBatchSize = 5 }, PlanRule.BatchDivides },
        { "2 virtual stages, 6 micro-batches on 8 stages", p => p with { VirtualStages = 2, MicroBatchSize = 16 }, PlanRule.InterleavedNeedsMicroBatches },
        { "EP on a dense model", p => p with { Expert = 2 }, PlanRule.ExpertNeedsMoe },
        { "ZeRO 4", p => p with { ZeroStage = 4 }, PlanRule.ZeroStageKnown },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void The_validator_reports_each_broken_rule_under_its_field_with_the_rule_sentence(string what, Func<ParallelismPlan, ParallelismPlan> change, PlanRule rule)
    {
        var scenario = TestScenarios.WithPlan(s_gpt3, change);
        var spec = PlanSpec.From(scenario.Plan);
        Assert.False(PlanRules.Holds(rule, scenario.Model, scenario.Training.GlobalBatchSequences, scenario.System.Gpus, scenario.Training.EffectiveStack, spec), what);
        var errors = PlanValidator.Validate(scenario);
        var expected = PlanRules.Explain(rule, scenario.Model, scenario.Training.GlobalBatchSequences, scenario.System.Gpus, scenario.Training.EffectiveStack, spec);
        Assert.Contains(errors, e => e.Path == "$.parallelism." + PlanRules.Field(rule) && e.Message == expected);
    }

    [Fact]
    public void The_search_never_proposes_an_interleaved_plan_with_fewer_micro_batches_than_stages()
    {
        // 96 sequences on 1,024 A100: with DP 16 and micro-batch 1 each replica runs 6 micro-batches, fewer than 8 stages.
        var scenario = TestScenarios.Resolve(TestScenarios.Gpt3On1024.Replace("\"globalBatchSequences\": 1536", "\"globalBatchSequences\": 96", StringComparison.Ordinal)
            .Replace("\"parallelism\": { \"tensor\": 8, \"pipeline\": 8, \"microBatchSize\": 1, \"zeroStage\": 1, \"recompute\": \"selective\" }", "\"parallelism\": {}", StringComparison.Ordinal));
        var result = PlanSearch.Search(scenario, SearchConstraints.None, new SearchOptions(Top: 20));
        Assert.NotEmpty(result.Best);
        Assert.All(result.Best, r => Assert.True(r.Plan.VirtualStages <= 1 || 96 / (r.Plan.MicroBatchSize * r.Plan.Data) >= r.Plan.Pipeline, r.Plan.ToString()));
        Assert.True(result.Rejected.ContainsKey(PlanRules.Summary(PlanRule.InterleavedNeedsMicroBatches, scenario.Model, 96)));
    }

    [Fact]
    public void A_valid_plan_breaks_no_rule()
    {
        Assert.Empty(PlanRules.Violations(s_gpt3.Model, s_gpt3.Training.GlobalBatchSequences, s_gpt3.System.Gpus, s_gpt3.Training.EffectiveStack, PlanSpec.From(s_gpt3.Plan)));
        Assert.Empty(PlanValidator.Validate(s_gpt3));
    }

    [Fact]
    public void Too_many_stages_is_reported_once_not_also_as_too_many_chunks()
    {
        var scenario = TestScenarios.WithPlan(s_gpt3, p => p with { Pipeline = 128, Data = 1, VirtualStages = 2 });
        var rules = PlanRules.Violations(scenario.Model, scenario.Training.GlobalBatchSequences, scenario.System.Gpus, scenario.Training.EffectiveStack, PlanSpec.From(scenario.Plan)).ToList();
        Assert.Contains(PlanRule.PipelineWithinLayers, rules);
        Assert.DoesNotContain(PlanRule.ChunksWithinLayers, rules);
    }

    [Fact]
    public void The_search_counts_rejections_under_the_rules_summaries()
    {
        // 12 heads: TP 8 does not divide them; a batch of 96 does not split over every micro-batch × DP.
        var scenario = TestScenarios.Resolve("""
            { "schemaVersion": 1, "name": "odd heads",
              "model": { "layers": 24, "hiddenSize": 3072, "attentionHeads": 12, "ffnHiddenSize": 12288, "vocabSize": 50257, "sequenceLength": 2048 },
              "training": { "globalBatchSequences": 96, "precision": "bf16" },
              "system": { "chip": "h100-sxm", "gpus": 64 } }
            """);
        var result = PlanSearch.Search(scenario, SearchConstraints.None, new SearchOptions(Top: 1));
        var heads = PlanRules.Summary(PlanRule.TensorDividesHeads, scenario.Model, 96);
        Assert.True(result.Rejected.TryGetValue(heads, out var n) && n > 0, string.Join("; ", result.Rejected.Keys));
        var batch = PlanRules.Summary(PlanRule.BatchDivides, scenario.Model, 96);
        Assert.True(result.Rejected.TryGetValue(batch, out var b) && b > 0, string.Join("; ", result.Rejected.Keys));
        // The best plan passes every rule.
        var best = result.Best[0].Plan;
        Assert.Empty(PlanRules.Violations(scenario.Model, 96, 64, scenario.Training.EffectiveStack, PlanSpec.From(best)));
    }

    [Fact]
    public void Virtual_stages_need_a_stack_with_an_interleaved_schedule()
    {
        // DeepSpeed's PipelineEngine runs plain 1F1B (software-stacks.json interleaving: false).
        var deepspeed = TestScenarios.Resolve(TestScenarios.Gpt3On1024.Replace("\"precision\": \"bf16\"", "\"precision\": \"bf16\", \"stack\": \"deepspeed\"", StringComparison.Ordinal));
        Assert.False(deepspeed.Training.EffectiveStack.Interleaving);
        var interleaved = TestScenarios.WithPlan(deepspeed, p => p with { VirtualStages = 2 });
        var errors = PlanValidator.Validate(interleaved);
        var error = Assert.Single(errors);
        Assert.Equal("$.parallelism.virtualStages", error.Path);
        Assert.Contains("has no interleaved pipeline schedule", error.Message, StringComparison.Ordinal);
        Assert.Contains("Set virtualStages to 1", error.Message, StringComparison.Ordinal);
        // The same plan on a stack that interleaves is valid.
        Assert.Empty(PlanValidator.Validate(TestScenarios.WithPlan(s_gpt3, p => p with { VirtualStages = 2 })));

        // The search never proposes virtual stages on that stack, and a fixed virtualStages = 2 is rejected by the rule.
        var free = PlanSearch.Search(deepspeed, SearchConstraints.None, new SearchOptions(Top: 20));
        Assert.NotEmpty(free.Best);
        Assert.All(free.Best, b => Assert.Equal(1, b.Plan.VirtualStages));
        var onMegatron = PlanSearch.Search(s_gpt3, SearchConstraints.None, new SearchOptions(Top: 20));
        Assert.Contains(onMegatron.Best, b => b.Plan.VirtualStages > 1);
        var fixedTwo = PlanSearch.Search(deepspeed, SearchConstraints.None with { VirtualStages = 2 }, new SearchOptions(Top: 1));
        Assert.Empty(fixedTwo.Best);
        Assert.True(fixedTwo.Rejected.ContainsKey(PlanRules.Summary(PlanRule.StackInterleaves, deepspeed.Model, 1536)), string.Join("; ", fixedTwo.Rejected.Keys));
    }

    [Fact]
    public void A_fixed_virtual_stage_count_the_layers_cannot_fill_is_rejected_by_the_search()
    {
        // 96 layers in 8 × 16 = 128 chunks: more chunks than layers + embedding + loss.
        var result = PlanSearch.Search(s_gpt3, SearchConstraints.None with { Pipeline = 8, VirtualStages = 16 }, new SearchOptions(Top: 1));
        Assert.Empty(result.Best);
        Assert.True(result.Rejected.ContainsKey(PlanRules.Summary(PlanRule.ChunksWithinLayers, s_gpt3.Model, 1536)), string.Join("; ", result.Rejected.Keys));
    }

    [Fact]
    public void A_stack_runs_only_its_own_ZeRO_stages()
    {
        // Megatron-LM 2021–23 had local DDP and its distributed optimizer (ZeRO-0, 1); ZeRO-3 then was DeepSpeed's.
        var legacy = TestScenarios.Resolve(TestScenarios.Gpt3On1024.Replace("\"precision\": \"bf16\"", "\"precision\": \"bf16\", \"stack\": \"megatron-lm-2022\"", StringComparison.Ordinal));
        Assert.Equal("megatron-lm-2022", legacy.Training.EffectiveStack.Id);
        var sharded = TestScenarios.WithPlan(legacy, p => p with { ZeroStage = 3 });
        var error = Assert.Single(PlanValidator.Validate(sharded));
        Assert.Equal("$.parallelism.zeroStage", error.Path);
        Assert.Contains("runs ZeRO stages 0, 1 only", error.Message, StringComparison.Ordinal);
        Assert.Empty(PlanValidator.Validate(TestScenarios.WithPlan(legacy, p => p with { ZeroStage = 1 })));

        // The search proposes only the stack's stages, and a stage the scenario fixes that the stack lacks is a rejection.
        var free = PlanSearch.Search(legacy, SearchConstraints.None, new SearchOptions(Top: 50));
        Assert.NotEmpty(free.Best);
        Assert.All(free.Best, b => Assert.InRange(b.Plan.ZeroStage, 0, 1));
        var fixedThree = PlanSearch.Search(legacy, SearchConstraints.None with { ZeroStage = 3 }, new SearchOptions(Top: 1));
        Assert.Empty(fixedThree.Best);
        Assert.True(fixedThree.Rejected.ContainsKey(PlanRules.Summary(PlanRule.StackRunsZeroStage, legacy.Model, 1536)), string.Join("; ", fixedThree.Rejected.Keys));
    }

    [Theory]
    [InlineData("a100-sxm-80gb", 1, 8, "megatron-lm-2022", true)]
    [InlineData("a100-sxm-80gb", 3, 1, "deepspeed", true)]
    [InlineData("a100-sxm-80gb", 2, 1, "deepspeed", true)]
    [InlineData("a100-sxm-80gb", 2, 8, "megascale", true)]         // ZeRO-2 with pipelining: MegaScale (DeepSpeed refuses it)
    [InlineData("a100-sxm-80gb", 3, 8, "megatron-lm-2022", false)] // no stack of that era ran ZeRO-3 with pipelining
    [InlineData("h100-sxm", 3, 8, "megatron-core", true)]
    [InlineData("h100-sxm", 1, 8, "megatron-core", true)]
    public void Auto_picks_a_stack_that_runs_the_plans_ZeRO_stage(string chip, int zeroStage, int pipeline, string expected, bool runs)
    {
        // software-stacks.json autoRule: the chip's stack, unless it lacks the plan's ZeRO stage (the first of
        // zeroStageStacks that runs it then).
        var scenario = TestScenarios.Resolve(TestScenarios.Gpt3On1024
            .Replace("a100-sxm-80gb", chip, StringComparison.Ordinal)
            .Replace("\"pipeline\": 8", $"\"pipeline\": {pipeline}", StringComparison.Ordinal)
            .Replace("\"zeroStage\": 1", $"\"zeroStage\": {zeroStage}", StringComparison.Ordinal));
        Assert.Equal(expected, scenario.Training.EffectiveStack.Id);
        Assert.Equal(runs, !PlanValidator.Validate(scenario).Any(e => e.Path == "$.parallelism.zeroStage"));
    }

    [Fact]
    public void DeepSpeed_shards_gradients_and_parameters_only_without_pipeline_parallelism()
    {
        // deepspeed/runtime/pipe/engine.py: "ZeRO-2 and ZeRO-3 are incompatible with pipeline parallelism".
        var deepspeed = TestScenarios.Resolve(TestScenarios.Gpt3On1024.Replace("\"precision\": \"bf16\"", "\"precision\": \"bf16\", \"stack\": \"deepspeed\"", StringComparison.Ordinal));
        var error = Assert.Single(PlanValidator.Validate(TestScenarios.WithPlan(deepspeed, p => p with { ZeroStage = 2 })));
        Assert.Contains("runs ZeRO stages 0, 1 only with pipeline parallelism", error.Message, StringComparison.Ordinal);
        Assert.Empty(PlanValidator.Validate(TestScenarios.WithPlan(deepspeed, p => p with { ZeroStage = 3, Pipeline = 1, Tensor = 8, Data = 128, VirtualStages = 1 })));

        var free = PlanSearch.Search(deepspeed, SearchConstraints.None, new SearchOptions(Top: 50));
        Assert.NotEmpty(free.Best);
        Assert.All(free.Best, b => Assert.True(b.Plan.Pipeline == 1 || b.Plan.ZeroStage <= 1, $"PP {b.Plan.Pipeline} with ZeRO-{b.Plan.ZeroStage}"));
    }

    [Fact]
    public void A_zero_stage_maxtext_lacks_stays_invalid_on_a_tpu()
    {
        // DeepSpeed and MegaScale (zeroStageStacks) are GPU stacks: auto keeps MaxText on a TPU and the plan says why.
        var tpu = TestScenarios.Resolve(TestScenarios.Gpt3On1024
            .Replace("a100-sxm-80gb", "tpu-v5p", StringComparison.Ordinal)
            .Replace("\"pipeline\": 8", "\"pipeline\": 1", StringComparison.Ordinal)
            .Replace("\"zeroStage\": 1", "\"zeroStage\": 2", StringComparison.Ordinal));
        Assert.Equal("maxtext", tpu.Training.EffectiveStack.Id);
        Assert.Contains(PlanValidator.Validate(tpu), e => e.Path == "$.parallelism.zeroStage");
    }

    [Fact]
    public void MegaScale_reduces_zero2_gradients_once_per_chunk_not_per_micro_batch()
    {
        // MegaScale §3.2: each model chunk reduce-scatters after its backward and gathers before its forward, once per step.
        var megascale = TestScenarios.Resolve(TestScenarios.Gpt3On1024.Replace("\"precision\": \"bf16\"", "\"precision\": \"bf16\", \"stack\": \"megascale\"", StringComparison.Ordinal));
        Assert.True(megascale.Training.EffectiveStack.Zero2ReducesOncePerChunk);
        var zero1 = Estimator.Estimate(TestScenarios.WithPlan(megascale, p => p with { ZeroStage = 1 }));
        var zero2 = Estimator.Estimate(TestScenarios.WithPlan(megascale, p => p with { ZeroStage = 2 }));
        Assert.True(zero2.Feasible, string.Join("; ", zero2.Errors.Select(e => e.Message)));
        Assert.Equal(zero1.Breakdown!.Communication.DataParallel.LinkSeconds, zero2.Breakdown!.Communication.DataParallel.LinkSeconds, 9);

        // A ZeRO-2 that reduce-scatters every micro-batch (Megatron-FSDP's optim_grads) moves m times as much.
        var perMicroBatch = TestScenarios.WithPlan(megascale, p => p with { ZeroStage = 2 });
        perMicroBatch = perMicroBatch with { Training = perMicroBatch.Training with { Stack = perMicroBatch.Training.EffectiveStack with { Zero2ReducesOncePerChunk = false } } };
        Assert.True(Estimator.Estimate(perMicroBatch).Breakdown!.Communication.DataParallel.LinkSeconds > 10 * zero2.Breakdown.Communication.DataParallel.LinkSeconds);
    }
}
