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
        { "EP on a dense model", p => p with { Expert = 2 }, PlanRule.ExpertNeedsMoe },
        { "ZeRO 4", p => p with { ZeroStage = 4 }, PlanRule.ZeroStageKnown },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void The_validator_reports_each_broken_rule_under_its_field_with_the_rule_sentence(string what, Func<ParallelismPlan, ParallelismPlan> change, PlanRule rule)
    {
        var scenario = TestScenarios.WithPlan(s_gpt3, change);
        var spec = PlanSpec.From(scenario.Plan);
        Assert.False(PlanRules.Holds(rule, scenario.Model, scenario.Training.GlobalBatchSequences, scenario.System.Gpus, spec), what);
        var errors = PlanValidator.Validate(scenario);
        var expected = PlanRules.Explain(rule, scenario.Model, scenario.Training.GlobalBatchSequences, scenario.System.Gpus, spec);
        Assert.Contains(errors, e => e.Path == "$.parallelism." + PlanRules.Field(rule) && e.Message == expected);
    }

    [Fact]
    public void A_valid_plan_breaks_no_rule()
    {
        Assert.Empty(PlanRules.Violations(s_gpt3.Model, s_gpt3.Training.GlobalBatchSequences, s_gpt3.System.Gpus, PlanSpec.From(s_gpt3.Plan)));
        Assert.Empty(PlanValidator.Validate(s_gpt3));
    }

    [Fact]
    public void Too_many_stages_is_reported_once_not_also_as_too_many_chunks()
    {
        var scenario = TestScenarios.WithPlan(s_gpt3, p => p with { Pipeline = 128, Data = 1, VirtualStages = 2 });
        var rules = PlanRules.Violations(scenario.Model, scenario.Training.GlobalBatchSequences, scenario.System.Gpus, PlanSpec.From(scenario.Plan)).ToList();
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
        Assert.Empty(PlanRules.Violations(scenario.Model, 96, 64, PlanSpec.From(best)));
    }
}
