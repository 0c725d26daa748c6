namespace CapacityPlanner.Web.Features.Planner;

/// <summary>What every headline number means and how it is computed (the metric tooltips).</summary>
internal static class Formulas
{
    public const string StepTime =
        "Seconds per optimizer step = compute + recompute + memory-bound kernels + pipeline bubble + optimizer + exposed communication. The breakdown table adds up to it.";

    public const string Throughput =
        "Tokens per second = global batch (sequences) × sequence length ÷ step time, for the whole cluster.";

    public const string Mfu =
        "Model FLOPs utilisation = model FLOP/s per GPU ÷ the chip's dense peak in the training precision. Model FLOPs count 6 × active parameters per token plus attention, without recompute.";

    public const string Hfu =
        "Hardware FLOPs utilisation = FLOP/s per GPU including the recomputed forward passes ÷ dense peak. HFU ≥ MFU; they differ by the recompute work.";

    public const string ModelTflops =
        "Model FLOPs per step (forward + backward, no recompute) ÷ step time ÷ GPUs.";

    public const string HardwareTflops =
        "FLOPs the GPUs actually execute per step (model FLOPs + recompute) ÷ step time ÷ GPUs.";

    public const string TimeToTrain =
        "Token budget ÷ tokens per second, in days of uninterrupted training (no failures, restarts or evaluation).";

    public const string GpuHours =
        "GPUs × time to train in hours: what the run costs in accelerator time.";

    public const string Memory =
        "Per GPU on the busiest pipeline stage: weights + gradients + optimizer states (divided by ZeRO) + activations of the in-flight micro-batches (per recompute mode) + workspace. It must fit in HBM.";

    public const string ComputeCommunication =
        "Compute time ÷ link time of every collective per step. Above 1, compute is long enough to hide communication; 'exposed only' divides by the part not hidden (∞ when everything is hidden).";
}
