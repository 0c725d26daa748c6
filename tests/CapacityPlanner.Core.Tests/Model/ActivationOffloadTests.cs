using CapacityPlanner.Core.Estimation;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Core.Tests.Model;

/// <summary>
/// Activation offloading (docs/model.md §Schedule and memory; Megatron-Core <c>cpu_offloading_num_layers</c>): the chosen
/// layers' saved activations wait in host memory between forward and backward, one layer's copy in flight at a time, and
/// the GPU waits only where a layer's copy outlasts the layer it hides behind.
/// </summary>
public sealed class ActivationOffloadTests
{
    // Megatron-Bridge's Llama 3 70B recipe on 64 GB200: Megatron-FSDP, micro-batch 2, no recompute, 40 layers offloaded.
    private static string Scenario(int offload, string chip = "gb200", int pipeline = 1, string recompute = "none", string stack = "megatron-core") => $$"""
        { "schemaVersion": 1,
          "model": { "name": "Llama 3 70B", "layers": 80, "hiddenSize": 8192, "attentionHeads": 64, "kvHeads": 8, "ffnHiddenSize": 28672,
                     "gatedMlp": true, "vocabSize": 128256, "sequenceLength": 8192, "tiedEmbeddings": false },
          "training": { "globalBatchSequences": 256, "precision": "fp8", "stack": "{{stack}}" },
          "system": { "chip": "{{chip}}", "gpus": 64, "gpusPerNode": 4 },
          "parallelism": { "tensor": 1, "pipeline": {{pipeline}}, "data": {{64 / pipeline}}, "microBatchSize": 2, "zeroStage": {{(pipeline > 1 ? 1 : 3)}},
                           "recompute": "{{recompute}}", "activationOffloadLayers": {{offload}} } }
        """;

    [Fact]
    public void Each_offloaded_layer_but_the_one_in_flight_leaves_the_gpu_and_the_published_plan_fits()
    {
        var none = TestScenarios.Estimate(Scenario(0));
        var forty = TestScenarios.Estimate(Scenario(40));
        // Without offloading 80 layers × 16,384 tokens do not fit in 186 GiB; NVIDIA's recipe offloads 40 and runs.
        Assert.False(none.Feasible);
        Assert.True(forty.Feasible, string.Join("; ", forty.Errors.Select(x => x.Message)));
        var perLayer = (none.Memory!.ActivationsGiB - TestScenarios.Estimate(Scenario(2)).Memory!.ActivationsGiB);
        Assert.True(perLayer > 0);
        // Offloading two layers frees one layer's activations (the other's copy is in flight); forty free thirty-nine.
        Assert.Equal(none.Memory.ActivationsGiB - 39 * perLayer, forty.Memory!.ActivationsGiB, 6);
        Assert.Equal(none.Memory.WeightsGiB, forty.Memory.WeightsGiB);
    }

    [Fact]
    public void The_gpu_waits_only_where_a_copy_outlasts_its_layer_so_a_slow_host_link_costs_more()
    {
        // GB200's NVLink-C2C moves a layer's activations faster than the layer computes; an H100 over PCIe 5.0 does not.
        var c2c = TestScenarios.Estimate(Scenario(40));
        var pcie = TestScenarios.Estimate(Scenario(40, chip: "h100-sxm"));
        var pcieNone = TestScenarios.Estimate(Scenario(0, chip: "h100-sxm"));
        Assert.True(c2c.Breakdown!.OffloadSeconds < 0.05 * c2c.StepTimeSeconds!.Value, $"{c2c.Breakdown.OffloadSeconds} of {c2c.StepTimeSeconds}");
        Assert.True(pcie.Breakdown!.OffloadSeconds > 0.05 * pcie.StepTimeSeconds!.Value, $"{pcie.Breakdown.OffloadSeconds} of {pcie.StepTimeSeconds}");
        // The wait is part of the step and nothing else moves.
        Assert.Equal(pcieNone.StepTimeSeconds!.Value + pcie.Breakdown.OffloadSeconds, pcie.StepTimeSeconds.Value, 9);
        Assert.Equal(0, pcieNone.Breakdown!.OffloadSeconds);
    }

    [Theory]
    [InlineData(80, 1, "none", "megatron-core", "fewer than 80")]
    [InlineData(10, 2, "none", "megatron-core", "pipeline = 1 and recompute = none")]
    [InlineData(10, 1, "full", "megatron-core", "pipeline = 1 and recompute = none")]
    [InlineData(10, 1, "none", "torchtitan", "does not offload activations")]
    public void Plans_megatron_core_refuses_are_results_with_the_reason(int offload, int pipeline, string recompute, string stack, string reason)
    {
        var e = TestScenarios.Estimate(Scenario(offload, pipeline: pipeline, recompute: recompute, stack: stack));
        Assert.False(e.Feasible);
        var error = Assert.Single(e.Errors, x => x.Path == "$.parallelism.activationOffloadLayers");
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
