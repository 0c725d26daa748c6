using CapacityPlanner.Core.Estimation;

namespace CapacityPlanner.Web.Components.Widgets;

/// <summary>One row of the step-time table.</summary>
/// <param name="Key">Stable key (the Core/JSON name: compute, recompute, memoryBound, bubble, optimizer, tensorParallel, …).</param>
/// <param name="Label">Row label.</param>
/// <param name="Seconds">What the row adds to the step (exposed time for communication).</param>
/// <param name="LinkSeconds">Total link time for communication rows; null for compute-side rows.</param>
/// <param name="Note">Short explanation.</param>
internal sealed record BreakdownRow(string Key, string Label, double Seconds, double? LinkSeconds, string? Note)
{
    /// <summary>Rows in display order: compute-side terms, then communication per parallel axis.</summary>
    public static IReadOnlyList<BreakdownRow> From(StepBreakdown b)
    {
        ArgumentNullException.ThrowIfNull(b);
        var c = b.Communication;
        return
        [
            new("compute", "Compute", b.ComputeSeconds, null, "forward + backward math"),
            new("recompute", "Recompute", b.RecomputeSeconds, null, "activation recomputation"),
            new("memoryBound", "Memory-bound", b.MemoryBoundSeconds, null, "element-wise kernels"),
            new("bubble", "Pipeline bubble", b.BubbleSeconds, null, "fill and drain"),
            new("optimizer", "Optimizer", b.OptimizerSeconds, null, "parameter update"),
            Comm("tensorParallel", "Tensor parallel", c.TensorParallel, "TP/SP collectives"),
            Comm("contextParallel", "Context parallel", c.ContextParallel, "ring K/V exchange"),
            Comm("expertParallel", "Expert parallel", c.ExpertParallel, "token all-to-all"),
            Comm("pipelineParallel", "Pipeline parallel", c.PipelineParallel, "stage send/receive"),
            Comm("dataParallel", "Data parallel", c.DataParallel, "gradient reduction, ZeRO gathers"),
        ];
    }

    private static BreakdownRow Comm(string key, string label, CommunicationTime t, string note) =>
        new(key, label, t.ExposedSeconds, t.LinkSeconds, note);
}
