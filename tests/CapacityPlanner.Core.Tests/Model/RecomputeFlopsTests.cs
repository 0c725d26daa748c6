using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Estimation;

namespace CapacityPlanner.Core.Tests.Model;

/// <summary>
/// Hardware FLOPs count what the step reruns, so HFU and time agree: selective recompute of a fused attention kernel's
/// "core" is no extra work (its backward re-derives the scores anyway), so it neither slows the step nor raises HFU.
/// </summary>
public sealed class RecomputeFlopsTests
{
    // ZeRO-3 (FSDP), which every stack here runs; 8B on 8 H100.
    private static Estimate Estimate(string stack, string recompute) =>
        Estimator.Estimate(ScenarioResolver.ParseAndResolve($$"""
            { "schemaVersion": 1, "model": { "preset": "llama3-8b" }, "training": { "globalBatchSequences": 64, "stack": "{{stack}}" },
              "system": { "chip": "h100-sxm", "gpus": 8 },
              "parallelism": { "tensor": 1, "pipeline": 1, "data": 8, "microBatchSize": 1, "zeroStage": 3, "recompute": "{{recompute}}" } }
            """).Scenario!);

    [Fact]
    public void Selective_recompute_of_a_fused_attention_core_adds_neither_time_nor_hardware_flops()
    {
        var none = Estimate("megatron-core", "none");
        var selective = Estimate("megatron-core", "selective");
        Assert.Equal(none.StepTimeSeconds!.Value, selective.StepTimeSeconds!.Value, 9);
        Assert.Equal(none.Hfu!.Value, selective.Hfu!.Value, 9);
        Assert.Equal(none.Mfu!.Value, none.Hfu!.Value, 9);
    }

    [Fact]
    public void Recompute_that_costs_time_raises_hardware_flops_in_proportion()
    {
        // TorchTitan's per-op policy reruns half the linear GEMMs; full recompute the whole forward: HFU rises over MFU
        // in that order, and the step takes longer in the same order.
        var titanNone = Estimate("torchtitan", "none");
        var titanSelective = Estimate("torchtitan", "selective");
        var full = Estimate("torchtitan", "full");
        Assert.True(titanSelective.Hfu > titanSelective.Mfu);
        Assert.True(full.Hfu / full.Mfu > titanSelective.Hfu / titanSelective.Mfu);
        Assert.True(titanSelective.StepTimeSeconds > titanNone.StepTimeSeconds);
        Assert.True(full.StepTimeSeconds > titanSelective.StepTimeSeconds);
    }
}
