using CapacityPlanner.Core.Estimation;

namespace CapacityPlanner.Web.Features.Planner;

/// <summary>What a term of the step is: useful math, other work on the GPU, idle time, or communication.</summary>
public enum StepTermKind
{
    /// <summary>Forward and backward math of the model: the useful work.</summary>
    Compute,
    /// <summary>Work on the GPU that is not the model's math (recompute, element-wise kernels, the optimizer step).</summary>
    Overhead,
    /// <summary>Time the GPU waits for the pipeline (fill and drain).</summary>
    Idle,
    /// <summary>A parallelism axis's collectives; <see cref="StepTerm.Seconds"/> is the exposed part.</summary>
    Communication,
}

/// <summary>
/// One term of the step-time breakdown. The Planner's verdict, its chart and its table all read
/// <see cref="StepTerms.From"/>, so a figure is the same wherever it appears.
/// </summary>
/// <param name="Key">Stable key (the Core/JSON name: compute, recompute, memoryBound, bubble, optimizer, tensorParallel, …).</param>
/// <param name="Label">Row label ("Pipeline bubble").</param>
/// <param name="ShortLabel">Chart label ("TP" for tensor parallel).</param>
/// <param name="Color">Chart colour.</param>
/// <param name="Kind">What kind of time it is.</param>
/// <param name="Seconds">What the term adds to the step (the exposed part for communication).</param>
/// <param name="LinkSeconds">Total link time for communication; null for the other kinds.</param>
/// <param name="Note">Short explanation.</param>
public sealed record StepTerm(string Key, string Label, string ShortLabel, string Color, StepTermKind Kind, double Seconds, double? LinkSeconds, string Note)
{
    /// <summary>The part of the link time hidden behind compute (0 for non-communication terms).</summary>
    public double HiddenSeconds => LinkSeconds is { } link ? Math.Max(0, link - Seconds) : 0;

    /// <summary>True for every term except the model's own math: what the step loses.</summary>
    public bool IsLoss => Kind != StepTermKind.Compute;
}

/// <summary>The one source of truth for the step-time breakdown shown on the Planner.</summary>
public static class StepTerms
{
    /// <summary>
    /// Terms in display order: compute-side terms, then communication per parallel axis. The host-launch term appears
    /// only where the step has one (MoE layers on a stack whose host launches every local expert's kernels).
    /// </summary>
    public static IReadOnlyList<StepTerm> From(StepBreakdown b)
    {
        ArgumentNullException.ThrowIfNull(b);
        var c = b.Communication;
        StepTerm[] host = b.HostSeconds > 0
            ? [new("host", "Host launch waits", "Host", "#bdbdbd", StepTermKind.Idle, b.HostSeconds, null, "GPU waits for the CPU to launch MoE expert kernels")]
            : [];
        StepTerm[] offload = b.OffloadSeconds > 0
            ? [new("offload", "Offload copy waits", "Offload", "#a1887f", StepTermKind.Idle, b.OffloadSeconds, null, "GPU waits for activation copies to and from host memory")]
            : [];
        return
        [
            new("compute", "Compute", "Compute", "#3f51b5", StepTermKind.Compute, b.ComputeSeconds, null, "forward + backward math"),
            new("recompute", "Recompute", "Recompute", "#7986cb", StepTermKind.Overhead, b.RecomputeSeconds, null, "activation recomputation"),
            new("memoryBound", "Memory-bound", "Memory-bound", "#9fa8da", StepTermKind.Overhead, b.MemoryBoundSeconds, null, "element-wise kernels"),
            new("bubble", "Pipeline bubble", "Pipeline bubble", "#90a4ae", StepTermKind.Idle, b.BubbleSeconds, null, "fill and drain"),
            new("optimizer", "Optimizer", "Optimizer", "#8d6e63", StepTermKind.Overhead, b.OptimizerSeconds, null, "parameter update"),
            .. host,
            .. offload,
            Comm("tensorParallel", "Tensor parallel", "TP", "#00897b", c.TensorParallel, "TP/SP collectives"),
            Comm("contextParallel", "Context parallel", "CP", "#26c6da", c.ContextParallel, "ring K/V exchange"),
            Comm("expertParallel", "Expert parallel", "EP", "#ab47bc", c.ExpertParallel, "token all-to-all"),
            Comm("pipelineParallel", "Pipeline parallel", "PP", "#fb8c00", c.PipelineParallel, "stage send/receive"),
            Comm("dataParallel", "Data parallel", "DP", "#e53935", c.DataParallel, "gradient reduction, ZeRO gathers"),
        ];
    }

    /// <summary>The compute term's seconds (the model's forward and backward math).</summary>
    public static double ComputeSeconds(IReadOnlyList<StepTerm> terms) => terms.First(t => t.Kind == StepTermKind.Compute).Seconds;

    /// <summary>Exposed communication: the sum of the communication terms.</summary>
    public static double ExposedCommunicationSeconds(IReadOnlyList<StepTerm> terms) =>
        terms.Where(t => t.Kind == StepTermKind.Communication).Sum(t => t.Seconds);

    /// <summary>Link time of every communication term.</summary>
    public static double LinkSeconds(IReadOnlyList<StepTerm> terms) =>
        terms.Where(t => t.Kind == StepTermKind.Communication).Sum(t => t.LinkSeconds ?? 0);

    /// <summary>The largest term that is not the model's own math, or null when every loss is zero.</summary>
    public static StepTerm? LargestLoss(IReadOnlyList<StepTerm> terms) =>
        terms.Where(t => t.IsLoss && t.Seconds > 0).MaxBy(t => t.Seconds);

    private static StepTerm Comm(string key, string label, string shortLabel, string color, CommunicationTime t, string note) =>
        new(key, label, shortLabel, color, StepTermKind.Communication, t.ExposedSeconds, t.LinkSeconds, note);
}
