using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Core.Estimation;

/// <summary>Link time (the collective's own duration) and exposed time (what it adds to the step) of one communication kind.</summary>
/// <param name="LinkSeconds">Total time the collectives of this kind occupy the links per step.</param>
/// <param name="ExposedSeconds">Part of the step time they add (not hidden behind compute).</param>
public sealed record CommunicationTime(double LinkSeconds, double ExposedSeconds)
{
    /// <summary>No communication.</summary>
    public static CommunicationTime None { get; } = new(0, 0);
}

/// <summary>Per-parallelism-axis communication.</summary>
/// <param name="TensorParallel">TP/SP all-reduce or all-gather + reduce-scatter.</param>
/// <param name="ContextParallel">CP ring K/V exchange.</param>
/// <param name="ExpertParallel">EP token dispatch/combine all-to-all.</param>
/// <param name="PipelineParallel">PP point-to-point activations.</param>
/// <param name="DataParallel">DP gradient reduction and ZeRO parameter gathers.</param>
public sealed record CommunicationBreakdown(
    CommunicationTime TensorParallel,
    CommunicationTime ContextParallel,
    CommunicationTime ExpertParallel,
    CommunicationTime PipelineParallel,
    CommunicationTime DataParallel)
{
    /// <summary>Sum of link times.</summary>
    public double TotalLinkSeconds => TensorParallel.LinkSeconds + ContextParallel.LinkSeconds + ExpertParallel.LinkSeconds
        + PipelineParallel.LinkSeconds + DataParallel.LinkSeconds;

    /// <summary>Sum of exposed times.</summary>
    public double TotalExposedSeconds => TensorParallel.ExposedSeconds + ContextParallel.ExposedSeconds + ExpertParallel.ExposedSeconds
        + PipelineParallel.ExposedSeconds + DataParallel.ExposedSeconds;
}

/// <summary>Where the step time goes. Compute + recompute + memory-bound + bubble + optimizer + exposed communication = step time.</summary>
/// <param name="ComputeSeconds">Forward and backward math (GEMMs, attention) of all micro-batches.</param>
/// <param name="RecomputeSeconds">Activation recomputation.</param>
/// <param name="MemoryBoundSeconds">Element-wise kernels limited by HBM bandwidth (norms, activations, casts).</param>
/// <param name="BubbleSeconds">Pipeline fill and drain.</param>
/// <param name="OptimizerSeconds">Optimizer update.</param>
/// <param name="Communication">Per-axis link and exposed time.</param>
public sealed record StepBreakdown(
    double ComputeSeconds,
    double RecomputeSeconds,
    double MemoryBoundSeconds,
    double BubbleSeconds,
    double OptimizerSeconds,
    CommunicationBreakdown Communication)
{
    /// <summary>GPU time spent waiting for the host to launch kernels (MoE experts after the layer's token-count sync).</summary>
    public double HostSeconds { get; init; }
    /// <summary>GPU waiting for activation copies to and from host memory (activation offloading).</summary>
    public double OffloadSeconds { get; init; }
}

/// <summary>Memory per GPU on the busiest pipeline stage.</summary>
/// <param name="WeightsGiB">Parameters.</param>
/// <param name="GradientsGiB">Gradients.</param>
/// <param name="OptimizerStatesGiB">Optimizer states (master weights, moments).</param>
/// <param name="ActivationsGiB">Stored activations of all in-flight micro-batches.</param>
/// <param name="WorkspaceGiB">Contexts, workspaces, buffers and fragmentation.</param>
public sealed record MemoryBreakdown(double WeightsGiB, double GradientsGiB, double OptimizerStatesGiB, double ActivationsGiB, double WorkspaceGiB)
{
    /// <summary>Total.</summary>
    public double TotalGiB => WeightsGiB + GradientsGiB + OptimizerStatesGiB + ActivationsGiB + WorkspaceGiB;
}

/// <summary>The result of estimating one scenario.</summary>
public sealed record Estimate
{
    /// <summary>True when the plan is valid and fits in memory.</summary>
    public required bool Feasible { get; init; }
    /// <summary>Every violated constraint.</summary>
    public required IReadOnlyList<ScenarioError> Errors { get; init; }
    /// <summary>Non-fatal observations.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }
    /// <summary>The software stack the estimate costed (<c>training.stack</c>, "auto" resolved), null when unknown.</summary>
    public string? Stack { get; init; }
    /// <summary>Seconds per optimizer step; null when the plan is structurally invalid.</summary>
    public double? StepTimeSeconds { get; init; }
    /// <summary>Training tokens per second for the whole cluster.</summary>
    public double? TokensPerSecond { get; init; }
    /// <summary>Training tokens per second per GPU (the cluster's tokens/s over its GPU count): the figure published runs
    /// report and the validation case files' <c>tokensPerSecondPerGpu</c> metric.</summary>
    public double? TokensPerSecondPerGpu { get; init; }
    /// <summary>Model FLOP/s per GPU (no recompute) in TFLOP/s.</summary>
    public double? ModelTflopsPerGpu { get; init; }
    /// <summary>Hardware FLOP/s per GPU (with recompute) in TFLOP/s.</summary>
    public double? HardwareTflopsPerGpu { get; init; }
    /// <summary>Model FLOPs utilisation against the dense peak of the training precision.</summary>
    public double? Mfu { get; init; }
    /// <summary>Hardware FLOPs utilisation.</summary>
    public double? Hfu { get; init; }
    /// <summary>MFU under each FLOP convention (Megatron is <see cref="Mfu"/>); empty when there is no step time.</summary>
    public IReadOnlyDictionary<Workload.FlopConvention, double> MfuByConvention { get; init; } = new Dictionary<Workload.FlopConvention, double>();
    /// <summary>Memory per GPU on the busiest stage.</summary>
    public double? MemoryPerGpuGiB { get; init; }
    /// <summary>HBM capacity per GPU.</summary>
    public required double HbmCapacityGiB { get; init; }
    /// <summary>Compute time ÷ all communication link time.</summary>
    public double? ComputeToCommunicationRatio { get; init; }
    /// <summary>Compute time ÷ exposed communication time; null when nothing is exposed.</summary>
    public double? ComputeToExposedCommunicationRatio { get; init; }
    /// <summary>Days to train <c>training.tokens</c>, when given.</summary>
    public double? TimeToTrainDays { get; init; }
    /// <summary>GPU-hours to train <c>training.tokens</c>, when given.</summary>
    public double? GpuHours { get; init; }
    /// <summary>Step-time breakdown.</summary>
    public StepBreakdown? Breakdown { get; init; }
    /// <summary>Memory breakdown.</summary>
    public MemoryBreakdown? Memory { get; init; }
    /// <summary>The plan as costed, with automatic choices (such as the ZeRO-3 shard scope) made explicit.</summary>
    public Planning.ParallelismPlan? ResolvedPlan { get; init; }
    /// <summary>Micro-batches per pipeline per step (gradient accumulation).</summary>
    public int? MicroBatches { get; init; }
    /// <summary>Math and memory-bound GPU seconds per layer and micro-batch on the busiest stage: the work measure below which the
    /// model has been too optimistic on published runs (docs/accuracy.md, Known gaps).</summary>
    public double? GpuSecondsPerLayerMicroBatch { get; init; }
    /// <summary>True when <see cref="GpuSecondsPerLayerMicroBatch"/> is below the range the model fits on published runs
    /// (model-defaults.json validatedRange); the estimate's warnings then say so, and its step time is a lower bound.</summary>
    public bool BelowFittedRange { get; init; }
    /// <summary>Total and active parameters of the model.</summary>
    public required double TotalParameters { get; init; }
    /// <summary>Active parameters per token.</summary>
    public required double ActiveParameters { get; init; }
    /// <summary>Model FLOPs per step.</summary>
    public double? ModelFlopsPerStep { get; init; }
    /// <summary>Failures, checkpoints and goodput (set by <see cref="Reliability.ScenarioAnalysis"/>, null from the bare estimator).</summary>
    public Reliability.GoodputReport? Goodput { get; init; }
    /// <summary>Power, sites and cross-site traffic (set by <see cref="Reliability.ScenarioAnalysis"/>).</summary>
    public Sites.CrossSiteReport? Sites { get; init; }
    /// <summary>Days to train <c>training.tokens</c> with cross-site time, the DiLoCo token multiplier and goodput.</summary>
    public double? EffectiveTimeToTrainDays { get; init; }
    /// <summary>GPU-hours to train <c>training.tokens</c> with goodput (wall time × GPUs).</summary>
    public double? EffectiveGpuHours { get; init; }
}
