using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Core.Tests.Model;

public sealed class EstimatorTests
{
    [Fact]
    public void Breakdown_parts_add_up_to_the_step_time()
    {
        var e = TestScenarios.Estimate(TestScenarios.Gpt3On1024);
        var b = e.Breakdown!;
        var sum = b.ComputeSeconds + b.RecomputeSeconds + b.MemoryBoundSeconds + b.BubbleSeconds + b.OptimizerSeconds + b.Communication.TotalExposedSeconds;
        Assert.Equal(e.StepTimeSeconds!.Value, sum, e.StepTimeSeconds.Value * 1e-9);
        Assert.True(b.Communication.DataParallel.LinkSeconds >= b.Communication.DataParallel.ExposedSeconds * 0.5);
        Assert.True(b.Communication.TensorParallel.LinkSeconds > 0);
        Assert.True(b.BubbleSeconds > 0);
    }

    [Fact]
    public void Headline_metrics_are_consistent()
    {
        var e = TestScenarios.Estimate(TestScenarios.Gpt3On1024);
        Assert.True(e.Feasible, string.Join("; ", e.Errors.Select(x => x.Message)));
        Assert.Equal(1536.0 * 2048 / e.StepTimeSeconds!.Value, e.TokensPerSecond!.Value, 1e-6);
        Assert.InRange(e.Mfu!.Value, 0.2, 0.7);
        Assert.True(e.Hfu >= e.Mfu);
        Assert.Equal(3e11 / (1536.0 * 2048) * e.StepTimeSeconds.Value / 86400, e.TimeToTrainDays!.Value, 1e-9);
        Assert.Equal(e.TimeToTrainDays.Value * 24 * 1024, e.GpuHours!.Value, 1e-6);
        Assert.True(e.ComputeToCommunicationRatio > 0);
    }

    [Fact]
    public void Gpt3_on_1024_a100_trains_300b_tokens_in_about_a_month()
    {
        // Narayanan et al. 2021 §5.1 estimate 34 days at 140 TFLOP/s; our plan differs (bf16, selective recompute).
        var e = TestScenarios.Estimate(TestScenarios.Gpt3On1024);
        Assert.InRange(e.TimeToTrainDays!.Value, 20, 40);
    }

    [Fact]
    public void More_recompute_uses_less_memory_and_more_time()
    {
        var s = TestScenarios.Resolve(TestScenarios.Gpt3On1024);
        var none = Estimator.Estimate(TestScenarios.WithPlan(s, p => p with { Recompute = RecomputeMode.None }));
        var full = Estimator.Estimate(TestScenarios.WithPlan(s, p => p with { Recompute = RecomputeMode.Full }));
        Assert.True(full.Memory!.ActivationsGiB < none.Memory!.ActivationsGiB);
        Assert.True(full.StepTimeSeconds > none.StepTimeSeconds);
        Assert.True(full.Breakdown!.RecomputeSeconds > 0);
        Assert.Equal(0, none.Breakdown!.RecomputeSeconds);
    }

    [Fact]
    public void Higher_zero_stages_shard_more_state()
    {
        // On Hopper (Megatron-Core, which runs ZeRO 0–3; the A100 default stack runs 0 and 1 only).
        var s = TestScenarios.Resolve(TestScenarios.Gpt3On1024.Replace("a100-sxm-80gb", "h100-sxm", StringComparison.Ordinal));
        double Mem(int z) => Estimator.Estimate(TestScenarios.WithPlan(s, p => p with { ZeroStage = z })).Memory!.TotalGiB;
        Assert.True(Mem(0) > Mem(1));
        Assert.True(Mem(1) > Mem(2));
        Assert.True(Mem(2) > Mem(3));
    }

    [Fact]
    public void Memory_that_does_not_fit_is_a_result_with_a_reason()
    {
        var e = TestScenarios.Estimate("""
            { "schemaVersion": 1, "model": { "preset": "gpt3-175b" }, "training": { "globalBatchSequences": 64 },
              "system": { "chip": "a100-sxm-80gb", "gpus": 8 }, "parallelism": { "tensor": 8, "zeroStage": 0 } }
            """);
        Assert.False(e.Feasible);
        var err = Assert.Single(e.Errors);
        Assert.Contains("Out of memory", err.Message);
        Assert.Contains("over by", err.Message);
        Assert.Contains("ZeRO", err.Message, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(e.StepTimeSeconds);
    }

    [Fact]
    public void Fp8_is_faster_than_bf16_but_not_twice_as_fast()
    {
        const string template = """
            { "schemaVersion": 1, "model": { "preset": "llama3-70b" }, "training": { "globalBatchSequences": 512, "precision": "PREC" },
              "system": { "chip": "h100-sxm", "gpus": 512 }, "parallelism": { "tensor": 8, "pipeline": 4 } }
            """;
        var bf16 = TestScenarios.Estimate(template.Replace("PREC", "bf16", StringComparison.Ordinal));
        var fp8 = TestScenarios.Estimate(template.Replace("PREC", "fp8", StringComparison.Ordinal));
        Assert.True(fp8.StepTimeSeconds < bf16.StepTimeSeconds);
        Assert.True(fp8.StepTimeSeconds > bf16.StepTimeSeconds / 2 * 1.15, $"fp8 {fp8.StepTimeSeconds} vs bf16 {bf16.StepTimeSeconds}: FP8 must not be priced at peak");
    }

    [Fact]
    public void Logits_make_the_last_pipeline_stage_the_slowest_for_large_vocabularies()
    {
        // Same model with a tiny and a huge vocabulary: the step time must grow by more than the FLOP share of the logits
        // averaged over stages, because the pipeline runs at the pace of its slowest (last) stage.
        const string template = """
            { "schemaVersion": 1, "model": { "layers": 32, "hiddenSize": 4096, "attentionHeads": 32, "vocabSize": VOCAB, "sequenceLength": 4096, "gatedMlp": true },
              "training": { "globalBatchSequences": 256 }, "system": { "chip": "h100-sxm", "gpus": 64 },
              "parallelism": { "tensor": 4, "pipeline": 8, "data": 2 } }
            """;
        var small = TestScenarios.Estimate(template.Replace("VOCAB", "1024", StringComparison.Ordinal));
        var large = TestScenarios.Estimate(template.Replace("VOCAB", "256000", StringComparison.Ordinal));
        var flopGrowth = large.ModelFlopsPerStep!.Value / small.ModelFlopsPerStep!.Value;
        var timeGrowth = large.StepTimeSeconds!.Value / small.StepTimeSeconds!.Value;
        Assert.True(timeGrowth > flopGrowth, $"time ×{timeGrowth:F3} vs FLOPs ×{flopGrowth:F3}");
    }

    [Fact]
    public void Data_parallel_traffic_grows_exposed_time_as_micro_batches_shrink()
    {
        // Same 1,024 GPUs and batch: more DP ranks → fewer micro-batches to hide the gradient reduce behind.
        var s = TestScenarios.Resolve(TestScenarios.Gpt3On1024);
        var dp16 = Estimator.Estimate(s);
        var exposedShare = dp16.Breakdown!.Communication.DataParallel.ExposedSeconds / dp16.StepTimeSeconds!.Value;
        Assert.InRange(exposedShare, 0, 0.2);
        var moe = TestScenarios.Estimate("""
            { "schemaVersion": 1, "model": { "preset": "mixtral-8x7b" }, "training": { "globalBatchSequences": 1024 },
              "system": { "chip": "h100-sxm", "gpus": 256 }, "parallelism": { "tensor": 2, "pipeline": 4, "expert": 8 } }
            """);
        Assert.True(moe.Feasible, string.Join("; ", moe.Errors.Select(x => x.Message)));
        Assert.True(moe.Breakdown!.Communication.ExpertParallel.LinkSeconds > 0);
    }

    [Fact]
    public void Context_parallel_adds_ring_traffic()
    {
        var e = TestScenarios.Estimate("""
            { "schemaVersion": 1, "model": { "preset": "llama3-8b", "sequenceLength": 131072 }, "training": { "globalBatchSequences": 16 },
              "system": { "chip": "h100-sxm", "gpus": 64 }, "parallelism": { "tensor": 8, "context": 8, "recompute": "full" } }
            """);
        Assert.True(e.Breakdown!.Communication.ContextParallel.LinkSeconds > 0);
        Assert.True(e.Feasible, string.Join("; ", e.Errors.Select(x => x.Message)));
    }

    [Fact]
    public void Zero3_across_tpu_pods_takes_the_faster_shard_scope_and_reproduces_palm()
    {
        // PaLM 540B on two TPU v4 pods (Chowdhery et al. 2022 §4, App. B: 46.2% MFU): sharding inside each pod and
        // replicating across the data-centre network is what makes it work.
        const string palm = """
            { "schemaVersion": 1, "model": { "layers": 118, "hiddenSize": 18432, "attentionHeads": 48, "kvHeads": 1, "ffnHiddenSize": 73728, "gatedMlp": true, "vocabSize": 256000, "sequenceLength": 2048, "tiedEmbeddings": true },
              "training": { "globalBatchSequences": 2048 }, "system": { "chip": "tpu-v4", "gpus": 6144 },
              "parallelism": { "tensor": 12, "data": 512, "microBatchSize": 4, "zeroStage": 3, "recompute": "full", "zeroShardScope": "SCOPE" } }
            """;
        var auto = TestScenarios.Estimate(palm.Replace("SCOPE", "auto", StringComparison.Ordinal));
        var all = TestScenarios.Estimate(palm.Replace("SCOPE", "all", StringComparison.Ordinal));
        var domain = TestScenarios.Estimate(palm.Replace("SCOPE", "domain", StringComparison.Ordinal));
        // With hierarchical collectives (XLA reduces inside each pod over ICI, then across pods on 1/local of the data),
        // full and per-pod sharding cost about the same; auto takes the faster one and PaLM's 46.2% MFU is reproduced
        // within 16% (the model gives 53.3%: docs/accuracy.md, known gaps; 52.3% before the NCCL overlap slowdown was
        // refitted, 0.371 → 0.327, with the measured FP8/BF16 ratio and sustained GEMM fraction), with its HFU/MFU ratio of
        // 1.25 (57.8/46.2; JAX remat does not recompute the down-projection, whose output the backward never needs).
        Assert.InRange(all.StepTimeSeconds!.Value / domain.StepTimeSeconds!.Value, 0.9, 1.5);
        Assert.Equal(Math.Min(all.StepTimeSeconds!.Value, domain.StepTimeSeconds!.Value), auto.StepTimeSeconds!.Value, 9);
        Assert.InRange(auto.Mfu!.Value, 0.462 * 0.85, 0.462 * 1.16);
        Assert.InRange(auto.Hfu!.Value / auto.Mfu!.Value, 1.22, 1.27);
        if (auto.ResolvedPlan!.ZeroShardScope == ZeroShardScope.Domain) Assert.Contains(auto.Warnings, w => w.Contains("hybrid sharding", StringComparison.Ordinal));
    }
}
