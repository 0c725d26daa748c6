using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Core.Tests.Model;

/// <summary>
/// Megatron-Core MoE parallel folding: expert groups are carved out of data × context, or, with
/// expert_tensor_parallel_size = 1, out of tensor × data × context with whole (unsplit) experts on every rank — the plan
/// of Megatron-Bridge's Qwen3 235B on 256 H100 (TP2 DP16 EP32). Same FLOPs, other shapes: whole experts per rank,
/// a larger expert data-parallel group, an expert group that starts inside the node.
/// </summary>
public sealed class MoeParallelFoldingTests
{
    private static string Scenario(int tensor, int data, int expert) => $$"""
        { "schemaVersion": 1,
          "model": { "name": "Qwen3-like MoE", "layers": 8, "hiddenSize": 4096, "attentionHeads": 64, "kvHeads": 4, "ffnHiddenSize": 12288,
                     "gatedMlp": true, "vocabSize": 151936, "sequenceLength": 4096, "tiedEmbeddings": false,
                     "moe": { "experts": 128, "expertsPerToken": 8, "sharedExperts": 0, "expertFfnHiddenSize": 1536, "denseLayers": 0, "capacityFactor": 1.0 } },
          "training": { "globalBatchSequences": {{data * 4}}, "precision": "bf16" },
          "system": { "chip": "h100-sxm", "gpus": {{tensor * data}} },
          "parallelism": { "tensor": {{tensor}}, "pipeline": 1, "data": {{data}}, "expert": {{expert}}, "sequenceParallel": true,
                           "microBatchSize": 1, "zeroStage": 1 } }
        """;

    [Fact]
    public void Expert_groups_larger_than_data_times_context_fold_over_the_tensor_ranks()
    {
        var folded = TestScenarios.Estimate(Scenario(tensor: 2, data: 16, expert: 32));
        Assert.True(folded.Feasible, string.Join("; ", folded.Errors.Select(e => e.Message)));
        var plan = PlanSpec.From(TestScenarios.Resolve(Scenario(2, 16, 32)).Plan);
        Assert.Equal(1, plan.ExpertTensor);
        Assert.True(plan.ExpertFoldsTensor);
        // Expert groups that fit in data × context keep the experts split over TP (Megatron-Core's default).
        var classic = PlanSpec.From(TestScenarios.Resolve(Scenario(2, 16, 16)).Plan);
        Assert.Equal(2, classic.ExpertTensor);
        Assert.False(classic.ExpertFoldsTensor);
    }

    [Fact]
    public void Expert_groups_that_fit_neither_way_are_refused_with_both_products()
    {
        var e = TestScenarios.Estimate(Scenario(tensor: 2, data: 16, expert: 64));
        Assert.False(e.Feasible);
        var error = Assert.Single(e.Errors, x => x.Path == "$.parallelism.expert");
        Assert.Contains("data × context = 16", error.Message, StringComparison.Ordinal);
        Assert.Contains("tensor × data × context = 32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Folded_ranks_hold_whole_experts_and_run_the_same_flops()
    {
        // TP2 EP16 (experts split over TP, 8 local experts of half width) against TP2 EP32 folded (4 local whole experts):
        // the same expert parameters per GPU, and the same expert FLOPs per GPU.
        var classic = TestScenarios.Estimate(Scenario(tensor: 2, data: 16, expert: 16));
        var folded = TestScenarios.Estimate(Scenario(tensor: 2, data: 16, expert: 32));
        Assert.Equal(classic.Memory!.WeightsGiB, folded.Memory!.WeightsGiB, 6);
        Assert.Equal(classic.ModelFlopsPerStep, folded.ModelFlopsPerStep);
        Assert.InRange(folded.Breakdown!.ComputeSeconds / classic.Breakdown!.ComputeSeconds, 0.9, 1.1);
        // Both expert groups leave the node (32 and 16 ranks over 8-GPU nodes): both pay a network all-to-all.
        Assert.True(folded.Breakdown.Communication.ExpertParallel.LinkSeconds > 0);
        Assert.True(classic.Breakdown.Communication.ExpertParallel.LinkSeconds > 0);
    }
}
