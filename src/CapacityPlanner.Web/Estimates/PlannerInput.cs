using CapacityPlanner.Web.Options;

namespace CapacityPlanner.Web.Estimates;

/// <summary>
/// What the planner form edits: one workload on one system with one parallelism plan. Null numbers are fields the
/// user has cleared; <see cref="Data"/> is the only one that may stay empty (the model derives it).
/// </summary>
public sealed class PlannerInput
{
    /// <summary>Model preset id.</summary>
    public string PresetId { get; set; } = "gpt3-175b";

    /// <summary>Catalog chip id.</summary>
    public string ChipId { get; set; } = "a100-sxm-80gb";

    /// <summary>GPUs in the cluster.</summary>
    public int? Gpus { get; set; } = 1024;

    /// <summary>Sequences per optimizer step.</summary>
    public int? GlobalBatchSequences { get; set; } = 1536;

    /// <summary>Training precision id (bf16, fp16, fp8).</summary>
    public string Precision { get; set; } = "bf16";

    /// <summary>Tensor-parallel degree.</summary>
    public int? Tensor { get; set; } = 8;

    /// <summary>Pipeline-parallel degree.</summary>
    public int? Pipeline { get; set; } = 8;

    /// <summary>Data-parallel degree; null lets the model derive GPUs ÷ (tensor × pipeline).</summary>
    public int? Data { get; set; }

    /// <summary>Sequences per micro-batch.</summary>
    public int? MicroBatchSize { get; set; } = 1;

    /// <summary>ZeRO stage 0–3.</summary>
    public int ZeroStage { get; set; } = 1;

    /// <summary>Activation recompute mode (none, selective, full).</summary>
    public string Recompute { get; set; } = "selective";

    /// <summary>The form the planner opens with: the configured preset and chip with a Megatron-style 3-D plan.</summary>
    public static PlannerInput CreateDefault(PlannerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new PlannerInput { PresetId = options.DefaultPreset, ChipId = options.DefaultChip };
    }
}
