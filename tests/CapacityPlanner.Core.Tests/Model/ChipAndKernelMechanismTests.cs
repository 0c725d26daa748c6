using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Search;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Core.Tests.Model;

/// <summary>
/// Mechanisms read from hardware and stack sources (docs/model.md): a power limit below the base part's TDP lowers its
/// peaks, and FlashAttention-2 (PyTorch SDPA's default kernel) is slower than the native fused kernel on Hopper and later.
/// </summary>
public sealed class ChipAndKernelMechanismTests
{
    private static string Scenario(string chip, string stack = "megatron-core", int gpus = 8, int sequence = 8192) => $$"""
        { "schemaVersion": 1, "model": { "preset": "llama3-8b", "sequenceLength": {{sequence}} },
          "training": { "globalBatchSequences": {{gpus}}, "precision": "bf16", "stack": "{{stack}}" },
          "system": { "chip": {{chip}}, "gpus": {{gpus}} },
          "parallelism": { "tensor": 1, "pipeline": 1, "data": {{gpus}}, "microBatchSize": 1, "zeroStage": 0 } }
        """;

    [Fact]
    public void A_part_run_below_its_base_tdp_has_every_peak_scaled_by_the_catalog_power_law()
    {
        var catalog = HardwareCatalog.Default;
        var baseChip = TestScenarios.Resolve(Scenario("\"h100-sxm\"")).System.Chip;
        var capped = TestScenarios.Resolve(Scenario("""{ "id": "h100-500w", "baseOn": "h100-sxm", "tdpWatts": 500 }""")).System.Chip;

        var expected = Math.Pow(500.0 / 700.0, catalog.PowerLimitClockExponent.Value);
        Assert.InRange(expected, 0.9, 0.95);
        foreach (var (precision, peak) in baseChip.PeakFlopsPerSecond)
        {
            Assert.Equal(peak * expected, capped.PeakFlopsPerSecond[precision], 6);
        }
        Assert.Equal(500, capped.TdpWatts);
        Assert.Equal(baseChip.HbmBandwidthBytesPerSecond, capped.HbmBandwidthBytesPerSecond);
    }

    [Theory]
    [InlineData("""{ "id": "stated", "baseOn": "h100-sxm", "tdpWatts": 500, "peakTflops": { "bf16": 900 } }""", 900e12)]
    [InlineData("""{ "id": "higher", "baseOn": "h100-sxm", "tdpWatts": 800 }""", 989e12)]
    [InlineData("""{ "id": "same", "baseOn": "h100-sxm" }""", 989e12)]
    public void Stated_peaks_and_limits_at_or_above_the_tdp_are_left_alone(string chip, double bf16)
    {
        var resolved = TestScenarios.Resolve(Scenario(chip)).System.Chip;
        Assert.Equal(bf16, resolved.PeakFlopsPerSecond[Precision.Bf16], 6);
    }

    [Fact]
    public void A_power_limited_chip_computes_more_slowly_by_about_the_peak_factor()
    {
        var full = TestScenarios.Estimate(Scenario("""{ "id": "h100-copy", "baseOn": "h100-sxm" }"""));
        var capped = TestScenarios.Estimate(Scenario("""{ "id": "h100-500w", "baseOn": "h100-sxm", "tdpWatts": 500 }"""));
        var factor = HardwareCatalog.Default.PowerLimitPeakFactor(500, 700);
        Assert.Equal(full.Breakdown!.ComputeSeconds / factor, capped.Breakdown!.ComputeSeconds, full.Breakdown.ComputeSeconds * 0.01);
    }

    [Fact]
    public void Hopper_and_Blackwell_gemms_run_at_the_sustained_power_capped_rate_and_a100_at_its_fitted_one()
    {
        // capplan bench on an H200 (docs/measurements/h200-2026-12-04): BF16 8192³ 690.5 TFLOP/s sustained against 793.9
        // isolated, 4096³ 667.0 against 784.5, power-capped at 690 W.
        var catalog = HardwareCatalog.Default;
        Assert.Equal(0.86, catalog.Chips.Single(c => c.Id == "h200").Efficiency.SustainedGemmFraction, 3);
        foreach (var id in new[] { "h100-sxm", "h800-sxm", "b200", "gb200", "b300" })
        {
            Assert.Equal(catalog.Chips.Single(c => c.Id == "h200").Efficiency.SustainedGemmFraction, catalog.Chips.Single(c => c.Id == id).Efficiency.SustainedGemmFraction, 9);
        }
        // GB300 has GB200's dense peaks at 1,400 W instead of 1,200 W: the sustained clock follows the catalog's power law.
        var gb200 = catalog.Chips.Single(c => c.Id == "gb200");
        var gb300 = catalog.Chips.Single(c => c.Id == "gb300");
        Assert.Equal(gb200.PeakFlopsPerSecond[Precision.Fp8], gb300.PeakFlopsPerSecond[Precision.Fp8]);
        Assert.Equal(
            gb200.Efficiency.SustainedGemmFraction * Math.Pow(gb300.TdpWatts / gb200.TdpWatts, catalog.PowerLimitClockExponent.Value),
            gb300.Efficiency.SustainedGemmFraction, 2);
        Assert.Equal(1.0, catalog.Chips.Single(c => c.Id == "a100-sxm-80gb").Efficiency.SustainedGemmFraction);

        // The same chip with the sustained fraction lifted computes its GEMM-bound step faster by about that factor.
        var capped = TestScenarios.Resolve(Scenario("\"h100-sxm\""));
        var uncapped = capped with { System = capped.System with { Chip = capped.System.Chip with { Efficiency = capped.System.Chip.Efficiency with { SustainedGemmFraction = 1.0 } } } };
        var ratio = Estimator.Estimate(capped).Breakdown!.ComputeSeconds / Estimator.Estimate(uncapped).Breakdown!.ComputeSeconds;
        Assert.InRange(ratio, 1.05, 1 / 0.86 + 1e-9);
    }

    [Fact]
    public void Fused_attention_runs_at_its_kernels_own_rate_not_at_the_in_model_gemm_fraction()
    {
        // Halving the in-model GEMM fraction (fitted on GEMM-bound runs with unfused attention) doubles the GEMMs' time
        // but not a fused attention kernel's, whose rate comes from kernel benchmarks on training shapes: the longer the
        // sequence, the more of the step is attention and the less the compute time grows.
        var half = ModelDefaults.Standard with { GemmInModelFraction = ModelDefaults.Standard.GemmInModelFraction / 2 };
        double Growth(int sequence)
        {
            var s = TestScenarios.Resolve(Scenario("\"h100-sxm\"", sequence: sequence));
            return Estimator.Estimate(s, half).Breakdown!.ComputeSeconds / Estimator.Estimate(s).Breakdown!.ComputeSeconds;
        }
        var shortSequence = Growth(2048);
        var longSequence = Growth(32768);
        Assert.InRange(shortSequence, 1.8, 2.0);
        Assert.InRange(longSequence, 1.2, shortSequence - 0.2);
    }

    [Fact]
    public void FlashAttention2_slows_attention_on_hopper_but_not_on_ampere()
    {
        var fastKernel = ModelDefaults.Standard with { FlashAttention2RelativeEfficiency = 1.0 };
        Assert.True(ModelDefaults.Standard.FlashAttention2RelativeEfficiency < 0.75);

        var hopper = TestScenarios.Resolve(Scenario("\"h100-sxm\"", "torchtitan"));
        var slow = Estimator.Estimate(hopper).Breakdown!.ComputeSeconds;
        var native = Estimator.Estimate(hopper, fastKernel).Breakdown!.ComputeSeconds;
        // Llama 3 8B at 8K tokens spends a sizeable share of its math in attention: the slower kernel shows.
        Assert.True(slow > native * 1.1, $"{slow} vs {native}");

        var ampere = TestScenarios.Resolve(Scenario("\"a100-sxm-80gb\"", "torchtitan"));
        Assert.Equal(Estimator.Estimate(ampere, fastKernel).Breakdown!.ComputeSeconds, Estimator.Estimate(ampere).Breakdown!.ComputeSeconds, 12);

        var megatron = TestScenarios.Resolve(Scenario("\"h100-sxm\"", "megatron-core"));
        Assert.Equal(Estimator.Estimate(megatron, fastKernel).Breakdown!.ComputeSeconds, Estimator.Estimate(megatron).Breakdown!.ComputeSeconds, 12);
    }
}

/// <summary>Expert-parallel all-to-all exposure follows the stack (software-stacks.json expertParallelOverlap).</summary>
public sealed class ExpertParallelOverlapTests
{
    private static string Scenario(string overlap) => $$"""
        { "schemaVersion": 1, "model": { "preset": "mixtral-8x7b" },
          "training": { "globalBatchSequences": 1024, "precision": "bf16", "stack": "megatron-core"{{overlap}} },
          "system": { "chip": "h100-sxm", "gpus": 256 },
          "parallelism": { "tensor": 2, "pipeline": 4, "data": 32, "expert": 8, "sequenceParallel": true, "virtualStages": 2,
                           "microBatchSize": 1, "zeroStage": 1, "recompute": "none" } }
        """;

    [Fact]
    public void Megatron_core_waits_for_each_all_to_all_unless_the_run_overlaps_it_with_another_micro_batch()
    {
        // overlap_moe_expert_parallel_comm defaults to False in Megatron-Core and is opt-in since August 2025.
        Assert.All(SoftwareStackCatalog.Standard.Stacks, s => Assert.False(s.ExpertParallelOverlap, s.Id));
        var waits = TestScenarios.Estimate(Scenario("")).Breakdown!.Communication.ExpertParallel;
        var overlapped = TestScenarios.Estimate(Scenario(""", "epCommOverlap": true""")).Breakdown!.Communication.ExpertParallel;

        Assert.True(waits.LinkSeconds > 0);
        Assert.Equal(waits.LinkSeconds, waits.ExposedSeconds, 12);
        Assert.Equal(waits.LinkSeconds, overlapped.LinkSeconds, 12);
        Assert.True(overlapped.ExposedSeconds < 0.5 * waits.ExposedSeconds, $"{overlapped.ExposedSeconds} vs {waits.ExposedSeconds}");
    }

    // MLPerf v5.1's NVFP4 Llama 3.1 405B plan on GB200 (TP4, sequence parallel), as its shared case file gives it: no
    // training.tpCommOverlap, so the stack's default at the run's precision applies.
    private static string Nvfp4Scenario(string precision, string extra = "") => $$"""
        { "schemaVersion": 1, "model": { "preset": "llama3-405b", "vocabSize": 32000 },
          "training": { "globalBatchSequences": 1152, "precision": "{{precision}}"{{extra}} },
          "system": { "chip": "gb200", "gpus": 512 },
          "parallelism": { "tensor": 4, "pipeline": 8, "data": 8, "context": 2, "sequenceParallel": true, "virtualStages": 8,
                           "microBatchSize": 1, "zeroStage": 1, "recompute": "none" } }
        """;

    [Fact]
    public void Transformer_engine_pipelines_tp_communication_under_fp8_but_not_under_nvfp4()
    {
        // TE's userbuffers all-gather takes FP8 and MXFP8 inputs only (software-stacks.json fp4TensorParallelOverlap).
        var stack = SoftwareStackCatalog.Standard.Default;
        Assert.True(stack.OverlapsTensorParallelAt(Precision.Fp8));
        Assert.True(stack.OverlapsTensorParallelAt(Precision.Bf16));
        Assert.False(stack.OverlapsTensorParallelAt(Precision.Fp4));
        Assert.True(SoftwareStackCatalog.Standard.Find("torchtitan")!.OverlapsTensorParallelAt(Precision.Fp4));

        Assert.False(TestScenarios.Resolve(Nvfp4Scenario("fp4")).Training.TensorParallelOverlap);
        Assert.True(TestScenarios.Resolve(Nvfp4Scenario("fp8")).Training.TensorParallelOverlap);
        var fp4 = TestScenarios.Estimate(Nvfp4Scenario("fp4")).Breakdown!.Communication.TensorParallel;
        Assert.True(fp4.LinkSeconds > 0);
        Assert.Equal(fp4.LinkSeconds, fp4.ExposedSeconds, 12);

        // A scenario that names the setting still decides.
        var forced = TestScenarios.Estimate(Nvfp4Scenario("fp4", """, "tpCommOverlap": true""")).Breakdown!.Communication.TensorParallel;
        Assert.True(forced.ExposedSeconds < 0.5 * fp4.ExposedSeconds, $"{forced.ExposedSeconds} vs {fp4.ExposedSeconds}");
    }
}

/// <summary>Uneven pipeline splits follow the stack (software-stacks.json unevenLayerSplit).</summary>
public sealed class UnevenPipelineSplitTests
{
    // Llama 3 405B's Table 4 plan (Llama 3 paper §3.3.2): 126 layers over 16 stages, TP8, no activation recompute.
    private static string Scenario(int layers, string stack) => $$"""
        { "schemaVersion": 1, "model": { "preset": "llama3-405b", "layers": {{layers}} },
          "training": { "globalBatchSequences": 2048, "precision": "bf16", "stack": "{{stack}}" },
          "system": { "chip": "h100-sxm", "gpus": 8192 },
          "parallelism": { "tensor": 8, "pipeline": 16, "data": 64, "microBatchSize": 1, "zeroStage": 1, "recompute": "none" } }
        """;

    private static double Activations(int layers, string stack) => TestScenarios.Estimate(Scenario(layers, stack)).Memory!.ActivationsGiB;

    [Fact]
    public void Balancing_stacks_put_the_extra_layers_on_middle_stages_and_the_peak_moves_there()
    {
        // 126 = 7 + 14×8 + 7: the second stage (8 layers, 15 micro-batches in flight) holds the most, 120 layer-micro-batches
        // against 128 for an even 128-layer split (8 layers × 16).
        Assert.Equal(120.0 / 128.0, Activations(126, "megatron-core") / Activations(128, "megatron-core"), 2);
        Assert.True(TestScenarios.Estimate(Scenario(126, "megatron-core")).Feasible);
    }

    [Fact]
    public void DeepSpeed_puts_the_extra_layers_on_the_first_stages()
    {
        // partition_uniform: the first 14 stages hold 8 layers, so the first stage holds 8 × 16 as with 128 layers.
        Assert.Equal(1.0, Activations(126, "deepspeed") / Activations(128, "deepspeed"), 2);
    }
}

/// <summary>Micro-batches in flight per stage under Megatron's interleaved schedule (schedules.py warm-up count).</summary>
public sealed class InterleavedInFlightTests
{
    private static double Activations(int layers, int virtualStages, int batch) => TestScenarios.Estimate($$"""
        { "schemaVersion": 1, "model": { "preset": "llama3-405b", "layers": {{layers}} },
          "training": { "globalBatchSequences": {{batch}}, "precision": "bf16", "stack": "megatron-core" },
          "system": { "chip": "h200", "gpus": 8192 },
          "parallelism": { "tensor": 8, "pipeline": 16, "data": 64, "microBatchSize": 1, "virtualStages": {{virtualStages}},
                           "zeroStage": 1, "recompute": "none" } }
        """).Memory!.ActivationsGiB;

    [Fact]
    public void Interleaving_adds_p_minus_1_over_v_micro_batches_on_the_first_stage()
    {
        // 32 micro-batches on 16 stages: the first stage runs (p−1)·2 + (v−1)·p + 1 = 47 chunk forwards (v = 2) before its
        // first backward, 16 + 15/2 micro-batches' worth of its layers against 16 under 1F1B.
        Assert.Equal((16 + 15 / 2.0) / 16, Activations(128, 2, 2048) / Activations(128, 1, 2048), 2);
    }

    [Fact]
    public void No_stage_holds_more_micro_batches_than_the_step_has()
    {
        // 16 micro-batches on 16 stages: every forward runs before the first backward, so interleaving keeps 16, not 23.5.
        Assert.Equal(1.0, Activations(128, 2, 1024) / Activations(128, 1, 1024), 2);
    }

    [Fact]
    public void With_uneven_chunks_the_fuller_second_stage_sets_the_peak()
    {
        // Llama 3's 126 layers in 16 × 8 chunks: stage 1 holds 8 layers × (16 + 13/8) = 141 layer-micro-batches against
        // 7 × (16 + 15/8) = 125 on the first stage; an even 128-layer split holds 8 × 17.875 = 143.
        Assert.Equal(8 * (16 + 13 / 8.0) / (8 * (16 + 15 / 8.0)), Activations(126, 8, 2048) / Activations(128, 8, 2048), 2);
    }
}

/// <summary>
/// Megatron-Core's overlapped expert all-to-all runs one more chunk forward in the interleaved warm-up
/// (schedules.py get_pp_rank_microbatches, overlap_moe_expert_parallel_comm).
/// </summary>
public sealed class ExpertOverlapWarmupTests
{
    private static double Activations(bool overlap, int virtualStages) => TestScenarios.Estimate($$"""
        { "schemaVersion": 1, "model": { "preset": "mixtral-8x7b" },
          "training": { "globalBatchSequences": 64, "precision": "bf16", "stack": "megatron-core", "epCommOverlap": {{(overlap ? "true" : "false")}} },
          "system": { "chip": "h100-sxm", "gpus": 32 },
          "parallelism": { "tensor": 1, "pipeline": 4, "data": 8, "expert": 8, "microBatchSize": 1, "virtualStages": {{virtualStages}},
                           "zeroStage": 1, "recompute": "none" } }
        """).Memory!.ActivationsGiB;

    [Fact]
    public void Overlapped_all_to_all_holds_one_more_chunk_forward_under_interleaving()
    {
        // 8 micro-batches on 4 stages, 2 chunks each: stage 0 holds 4 + 3/2 micro-batches' worth of its layers, and one
        // more chunk forward (half a micro-batch's worth) with the overlap.
        Assert.Equal((4 + 3 / 2.0 + 1 / 2.0) / (4 + 3 / 2.0), Activations(true, 2) / Activations(false, 2), 3);
    }
}

/// <summary>Pipeline engines that keep a sent chunk output until its backward (software-stacks.json deallocatePipelineOutputs).</summary>
public sealed class PipelineOutputRetentionTests
{
    [Fact]
    public void Engines_that_keep_sent_outputs_hold_one_residual_tensor_per_chunk_forward_in_flight()
    {
        var freed = TestScenarios.Resolve("""
            { "schemaVersion": 1, "model": { "preset": "llama3-405b", "layers": 128 },
              "training": { "globalBatchSequences": 2048, "precision": "bf16", "stack": "megatron-core" },
              "system": { "chip": "h200", "gpus": 8192 },
              "parallelism": { "tensor": 8, "pipeline": 16, "data": 64, "microBatchSize": 1, "virtualStages": 2,
                               "zeroStage": 1, "recompute": "none" } }
            """);
        Assert.True(freed.Training.EffectiveStack.DeallocatePipelineOutputs);
        var kept = freed with { Training = freed.Training with { Stack = freed.Training.EffectiveStack with { DeallocatePipelineOutputs = false } } };
        var extra = Estimator.Estimate(kept).Memory!.ActivationsGiB - Estimator.Estimate(freed).Memory!.ActivationsGiB;
        // Stage 0 runs 47 chunk forwards before its first backward ((16 + 15/2) micro-batches × 2 chunks); each kept output is
        // 8,192 tokens × 16,384 × 2 bytes, split over TP 8 by sequence parallelism.
        Assert.Equal((16 + 15 / 2.0) * 2 * 8192.0 * 16384 * 2 / 8 / (1L << 30), extra, 3);
    }
}

/// <summary>
/// Stacks without gradient accumulation (software-stacks.json gradientAccumulation: MaxText) run a step as one pass over
/// each data-parallel replica's share of the global batch, whatever microBatchSize says; the others split it.
/// </summary>
public sealed class GradientAccumulationTests
{
    // MaxText's 512B v5p README row as its case file enters it: per_device_batch_size 2 in microBatchSize, TP 16, FSDP 32.
    private static string Scenario(string stack, int microBatch, string chip = "tpu-v5p") => $$"""
        { "schemaVersion": 1,
          "model": { "layers": 128, "hiddenSize": 20480, "attentionHeads": 160, "kvHeads": 80, "ffnHiddenSize": 65536, "gatedMlp": false,
                     "vocabSize": 32768, "sequenceLength": 2048, "tiedEmbeddings": true },
          "training": { "globalBatchSequences": 1024, "precision": "bf16", "stack": "{{stack}}" },
          "system": { "chip": "{{chip}}", "gpus": 512 },
          "parallelism": { "tensor": 16, "pipeline": 1, "data": 32, "sequenceParallel": true, "microBatchSize": {{microBatch}}, "zeroStage": 3, "recompute": "full" } }
        """;

    [Fact]
    public void MaxText_runs_each_replicas_share_in_one_pass_and_says_so()
    {
        var asEntered = TestScenarios.Estimate(Scenario("maxtext", 2));
        var whole = TestScenarios.Estimate(Scenario("maxtext", 32));

        Assert.Equal(1, asEntered.MicroBatches);
        Assert.Equal(32, asEntered.ResolvedPlan!.MicroBatchSize);
        Assert.Equal(whole.StepTimeSeconds!.Value, asEntered.StepTimeSeconds!.Value, 9);
        Assert.Equal(whole.MemoryPerGpuGiB!.Value, asEntered.MemoryPerGpuGiB!.Value, 9);
        var warning = Assert.Single(asEntered.Warnings, w => w.Contains("no gradient accumulation", StringComparison.Ordinal));
        Assert.Contains("1024 / 32 = 32 sequences, not microBatchSize 2", warning, StringComparison.Ordinal);
        Assert.Contains("2 per device × tensor 16", warning, StringComparison.Ordinal);
        // Given as the share itself, there is nothing to say.
        Assert.DoesNotContain(whole.Warnings, w => w.Contains("no gradient accumulation", StringComparison.Ordinal));
    }

    [Fact]
    public void Stacks_with_gradient_accumulation_split_the_share_into_micro_batches()
    {
        var split = TestScenarios.Estimate(Scenario("megatron-core", 2, "h100-sxm"));

        Assert.Equal(16, split.MicroBatches);
        Assert.Equal(2, split.ResolvedPlan!.MicroBatchSize);
        Assert.DoesNotContain(split.Warnings, w => w.Contains("no gradient accumulation", StringComparison.Ordinal));
    }

    [Fact]
    public void The_search_on_maxtext_proposes_only_one_pass_per_step()
    {
        var scenario = TestScenarios.Resolve(Scenario("maxtext", 2));
        var result = PlanSearch.Search(scenario, SearchConstraints.None, new SearchOptions(Top: 20));

        Assert.NotEmpty(result.Best);
        Assert.All(result.Best, r => Assert.Equal(1024L, (long)r.Plan.MicroBatchSize * r.Plan.Data));
    }

    [Fact]
    public void Only_maxtext_lacks_gradient_accumulation_in_the_shipped_stacks()
    {
        var without = SoftwareStackCatalog.Standard.Stacks.Where(s => !s.GradientAccumulation).Select(s => s.Id);
        Assert.Equal(["maxtext"], without);
    }
}

/// <summary>
/// A stack that keeps activations split over the tensor ranks (software-stacks.json tensorParallelShardsActivations: MaxText's
/// logical axis rules put activation_embed on the tensor axis) is costed with sequence parallelism whether or not the plan
/// asks for it; the Megatron stacks take the plan's word.
/// </summary>
public sealed class TensorShardedActivationTests
{
    // MaxText's 128B v5e README row (1x v5e-256: ici_fsdp 16, ici_tensor 16, per_device_batch_size 1, remat full).
    private static string Scenario(string stack, bool sequenceParallel, string chip = "tpu-v5e") => $$"""
        { "schemaVersion": 1,
          "model": { "layers": 64, "hiddenSize": 10240, "attentionHeads": 64, "kvHeads": 64, "headDim": 256, "ffnHiddenSize": 65536,
                     "gatedMlp": false, "vocabSize": 32768, "sequenceLength": 2048, "tiedEmbeddings": true },
          "training": { "globalBatchSequences": 256, "precision": "bf16", "stack": "{{stack}}" },
          "system": { "chip": "{{chip}}", "gpus": 256 },
          "parallelism": { "tensor": 16, "pipeline": 1, "data": 16, "sequenceParallel": {{(sequenceParallel ? "true" : "false")}},
                           "microBatchSize": 1, "zeroStage": 3, "recompute": "full" } }
        """;

    [Fact]
    public void MaxText_splits_activations_over_the_tensor_axis_and_says_so()
    {
        var asEntered = TestScenarios.Estimate(Scenario("maxtext", sequenceParallel: false));
        var split = TestScenarios.Estimate(Scenario("maxtext", sequenceParallel: true));

        // The row ran on 16 GiB chips; replicated over 16 tensor ranks its layer inputs alone would need 40 GiB.
        Assert.True(asEntered.Feasible, string.Join("; ", asEntered.Errors.Select(e => e.Message)));
        Assert.True(asEntered.ResolvedPlan!.SequenceParallel);
        Assert.Equal(split.StepTimeSeconds!.Value, asEntered.StepTimeSeconds!.Value, 9);
        Assert.Equal(split.MemoryPerGpuGiB!.Value, asEntered.MemoryPerGpuGiB!.Value, 9);
        Assert.Single(asEntered.Warnings, w => w.Contains("costed as sequence parallelism", StringComparison.Ordinal));
        Assert.DoesNotContain(split.Warnings, w => w.Contains("costed as sequence parallelism", StringComparison.Ordinal));
    }

    [Fact]
    public void Megatron_stacks_keep_the_plans_sequence_parallel_setting()
    {
        var without = TestScenarios.Estimate(Scenario("megatron-core", sequenceParallel: false, chip: "h100-sxm"));
        var with = TestScenarios.Estimate(Scenario("megatron-core", sequenceParallel: true, chip: "h100-sxm"));

        Assert.False(without.ResolvedPlan!.SequenceParallel);
        Assert.True(without.Memory!.ActivationsGiB > with.Memory!.ActivationsGiB);
        Assert.Equal(["maxtext"], SoftwareStackCatalog.Standard.Stacks.Where(s => s.TensorParallelShardsActivations).Select(s => s.Id));
    }
}

/// <summary>
/// Full recompute on a stack whose remat drops unused outputs (software-stacks.json recomputeDropsUnusedOutputs: JAX's
/// remat_partial_eval runs dce_jaxpr on the recomputed part) skips each layer's down-projection; torch.utils.checkpoint
/// stacks re-run the whole forward.
/// </summary>
public sealed class RecomputeDeadCodeTests
{
    private static ResolvedScenario Scenario(string stack, string recompute) => TestScenarios.Resolve($$"""
        { "schemaVersion": 1, "model": { "preset": "llama3-8b", "sequenceLength": 4096 },
          "training": { "globalBatchSequences": 64, "precision": "bf16", "stack": "{{stack}}" },
          "system": { "chip": "tpu-v5p", "gpus": 64 },
          "parallelism": { "tensor": 1, "pipeline": 1, "data": 64, "microBatchSize": 1, "zeroStage": 1, "recompute": "{{recompute}}" } }
        """);

    [Fact]
    public void Jax_remat_recomputes_the_forward_without_the_down_projection()
    {
        var jax = Scenario("maxtext", "full");
        Assert.True(jax.Training.EffectiveStack.RecomputeDropsUnusedOutputs);
        var torch = jax with { Training = jax.Training with { Stack = jax.Training.EffectiveStack with { RecomputeDropsUnusedOutputs = false } } };

        var m = jax.Model;
        var skipped = Estimator.Estimate(torch).HardwareTflopsPerGpu!.Value - Estimator.Estimate(jax).HardwareTflopsPerGpu!.Value;
        Assert.True(skipped > 0);
        // Hardware FLOPs: the whole forward less the logits, less 2·h·F per layer where the remat drops unused outputs.
        Assert.Equal(m.Layers * 2.0 * m.HiddenSize * m.FfnHiddenSize, m.DownProjectionFlopsPerToken);
        var jaxStep = Estimator.Estimate(jax);
        var torchStep = Estimator.Estimate(torch);
        var recomputeShare = (torchStep.Breakdown!.RecomputeSeconds - jaxStep.Breakdown!.RecomputeSeconds) / torchStep.Breakdown.RecomputeSeconds;
        // Llama 3 8B: the down-projection is a third of the MLP, 27% of a layer's projection FLOPs; with the attention
        // core (4K tokens) in the forward too, a quarter of the recomputed time.
        Assert.InRange(recomputeShare, 0.20, 0.30);
        Assert.True(jaxStep.StepTimeSeconds < torchStep.StepTimeSeconds);
    }

    [Fact]
    public void Without_full_recompute_nothing_changes()
    {
        var jax = Scenario("maxtext", "none");
        var torch = jax with { Training = jax.Training with { Stack = jax.Training.EffectiveStack with { RecomputeDropsUnusedOutputs = false } } };
        Assert.Equal(Estimator.Estimate(torch).StepTimeSeconds!.Value, Estimator.Estimate(jax).StepTimeSeconds!.Value, 12);
    }

    [Fact]
    public void Only_maxtext_drops_unused_outputs_in_the_shipped_stacks()
    {
        var dropping = SoftwareStackCatalog.Standard.Stacks.Where(s => s.RecomputeDropsUnusedOutputs).Select(s => s.Id);
        Assert.Equal(["maxtext"], dropping);
    }
}

/// <summary>
/// MoE token permutation moves each routed token-expert pair through HBM (model-defaults.json
/// moePermuteElementsPerRoutedToken, moeChunkSortElementsPerRoutedToken: Megatron-Core's token dispatcher).
/// </summary>
public sealed class MoePermutationTrafficTests
{
    private static ResolvedScenario Scenario(int expert) => TestScenarios.Resolve($$"""
        { "schemaVersion": 1, "model": { "preset": "deepseek-v3", "layers": 8, "sequenceLength": 4096 },
          "training": { "globalBatchSequences": 64, "precision": "bf16", "stack": "megatron-core" },
          "system": { "chip": "gb200", "gpus": 64, "gpusPerNode": 4 },
          "parallelism": { "tensor": 1, "pipeline": 1, "data": 64, "expert": {{expert}}, "microBatchSize": 1, "zeroStage": 1, "recompute": "none" } }
        """);

    [Theory]
    [InlineData(1, 3)]   // no expert parallelism: permute and unpermute only
    [InlineData(8, 7)]   // EP 8 with 32 local experts: the received tokens are sorted by expert and back too
    public void Each_moe_layer_moves_its_routed_tokens_through_hbm_forward_and_backward(int expert, int elementsPerPair)
    {
        var scenario = Scenario(expert);
        var without = ModelDefaults.Standard with { MoePermuteElementsPerRoutedToken = 0, MoeChunkSortElementsPerRoutedToken = 0 };
        var added = Estimator.Estimate(scenario).Breakdown!.MemoryBoundSeconds - Estimator.Estimate(scenario, without).Breakdown!.MemoryBoundSeconds;

        var m = scenario.Model;
        var chip = scenario.System.Chip;
        var tokens = 4096.0; // one sequence per micro-batch, one micro-batch per step
        // The weighted sum's one h row per token stays when the per-pair figures are zeroed.
        var perLayer = 2 * tokens * (m.Moe!.ExpertsPerToken * m.Moe.CapacityFactor * elementsPerPair) * m.HiddenSize * 2
            / (chip.HbmBandwidthBytesPerSecond * chip.Efficiency.HbmFraction);
        Assert.Equal(m.MoeLayers * perLayer, added, 6);
    }
}

/// <summary>
/// The softmax's exponentials in a fused attention kernel (model-defaults.json attention.softmaxExponentials,
/// hardware-catalog.json attention.expPerSecondT): one per score on the special-function units, partly overlapped with the
/// matmuls; the kernel slows where a chip keeps up less well than H100 in BF16 at head width 128, the kernels its efficiency
/// was measured on.
/// </summary>
public sealed class SoftmaxExponentialTests
{
    private static readonly ModelDefaults s_noExponentialCost = ModelDefaults.Standard with { AttentionExponentialOverlap = 1 };

    private static string LlamaOn(string chip, string stack = "megatron-core") => $$"""
        { "schemaVersion": 1, "model": { "preset": "llama3-8b", "sequenceLength": 8192 },
          "training": { "globalBatchSequences": 8, "precision": "bf16", "stack": "{{stack}}" },
          "system": { "chip": {{chip}}, "gpus": 8 },
          "parallelism": { "tensor": 1, "pipeline": 1, "data": 8, "microBatchSize": 1, "zeroStage": 0 } }
        """;

    private static ChipSpec Chip(string id) => HardwareCatalog.Default.Chips.Single(c => c.Id == id);

    private static double Step(string json, ModelDefaults? defaults = null) =>
        Estimator.Estimate(TestScenarios.Resolve(json), defaults ?? ModelDefaults.Standard).StepTimeSeconds!.Value;

    [Fact]
    public void The_exponential_overlap_reproduces_flashattention3s_bf16_and_fp8_rates_and_nvidias_gb300_gain()
    {
        var d = ModelDefaults.Standard;
        var exposed = 1 - d.AttentionExponentialOverlap;
        double Factor(double peak, double exp, double flopsPerScore) => 1 + exposed * peak / exp / flopsPerScore;
        var h100 = Chip("h100-sxm");
        // FlashAttention-3 on H100 at head width 128: 740 TFLOP/s BF16 (0.75 of peak) and about 1.2 PFLOP/s FP8 (0.606).
        var bf16 = Factor(h100.PeakFor(Precision.Bf16)!.Value, h100.ExpPerSecond, 512);
        var fp8 = Factor(h100.PeakFor(Precision.Fp8)!.Value, h100.ExpPerSecond, 512);
        Assert.InRange(fp8 / bf16, 0.75 / 0.606 - 0.02, 0.75 / 0.606 + 0.02);
        Assert.Equal(h100.PeakFor(Precision.Bf16)!.Value / h100.ExpPerSecond, d.AttentionReferenceMatmulFlopsPerExp, 0);
        // Out of sample: NVIDIA measured about 35% more FP8 attention forward throughput for DeepSeek-V3's latent attention
        // (2 x (192 + 128) FLOPs per score) on GB300 than on GB200, whose exponential rate is half.
        var gb200 = Chip("gb200");
        var gb300 = Chip("gb300");
        Assert.InRange(gb300.ExpPerSecond / gb200.ExpPerSecond, 1.95, 2.1);
        var gain = Factor(gb200.PeakFor(Precision.Fp8)!.Value, gb200.ExpPerSecond, 640) / Factor(gb300.PeakFor(Precision.Fp8)!.Value, gb300.ExpPerSecond, 640);
        Assert.InRange(gain, 1.30, 1.40);
    }

    [Fact]
    public void Attention_slows_only_where_the_exponentials_keep_up_less_well_than_on_h100_in_bf16()
    {
        // H100 at head width 128 is the reference: no change. GB300 keeps up as well: no change. GB200, with GB300's BF16
        // peak and half its exponential rate, pays; so does head width 64 on H100 (twice the exponentials per FLOP).
        var h100 = LlamaOn("\"h100-sxm\"");
        Assert.Equal(Step(h100, s_noExponentialCost), Step(h100), 12);
        var gb300 = LlamaOn("\"gb300\"");
        Assert.Equal(Step(gb300, s_noExponentialCost), Step(gb300), 12);
        var gb200 = LlamaOn("\"gb200\"");
        Assert.True(Step(gb200) > Step(gb200, s_noExponentialCost) * 1.01);
        var narrowHeads = h100.Replace("\"sequenceLength\": 8192", "\"sequenceLength\": 8192, \"attentionHeads\": 64, \"headDim\": 64", StringComparison.Ordinal);
        Assert.True(Step(narrowHeads) > Step(narrowHeads, s_noExponentialCost) * 1.01);
        // A chip without a figure (TPU) is not bounded.
        var tpu = LlamaOn("\"tpu-v5p\"", stack: "maxtext");
        Assert.Equal(Step(tpu, s_noExponentialCost), Step(tpu), 12);
    }

    [Fact]
    public void Every_nvidia_gpu_from_a100_on_cites_its_exponential_rate()
    {
        foreach (var chip in HardwareCatalog.Default.Chips.Where(c => c.Vendor == "NVIDIA"))
        {
            Assert.True(chip.ExpPerSecond > 1e12, chip.Id);
            Assert.True(chip.Figures!.ContainsKey("attention.expPerSecondT"), chip.Id);
        }
        // A custom chip based on one keeps its base's rate.
        var custom = TestScenarios.Resolve(LlamaOn("""{ "id": "gb200-1000w", "baseOn": "gb200", "tdpWatts": 1000 }""")).System.Chip;
        Assert.Equal(Chip("gb200").ExpPerSecond, custom.ExpPerSecond);
    }
}
