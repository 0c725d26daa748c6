using CapacityPlanner.Core.Budget;
using CapacityPlanner.Web.Options;

namespace CapacityPlanner.Web.Shared.Scenario;

/// <summary>
/// What the planner form edits: one workload on one system with one parallelism plan. Null numbers are fields the
/// user has cleared; optional ones (data-parallel degree, model-shape overrides, network figures) then take the
/// model's default (derived, the preset's, or the chip's).
/// </summary>
public sealed class PlannerInput
{
    /// <summary>Model preset id.</summary>
    public string PresetId { get; set; } = "gpt3-175b";

    /// <summary>Transformer layers; null: the preset's.</summary>
    public int? Layers { get; set; }

    /// <summary>Hidden size; null: the preset's.</summary>
    public int? HiddenSize { get; set; }

    /// <summary>Query heads; null: the preset's.</summary>
    public int? AttentionHeads { get; set; }

    /// <summary>Key/value heads; null: the preset's.</summary>
    public int? KvHeads { get; set; }

    /// <summary>Dense MLP width; null: the preset's.</summary>
    public int? FfnHiddenSize { get; set; }

    /// <summary>Vocabulary; null: the preset's.</summary>
    public int? VocabSize { get; set; }

    /// <summary>Sequence length; null: the preset's.</summary>
    public int? SequenceLength { get; set; }

    /// <summary>Width of one attention head where it is not hidden ÷ heads; null: the preset's.</summary>
    public int? HeadDim { get; set; }

    /// <summary>Gated (SwiGLU, three-matrix) MLP; null: the preset's.</summary>
    public bool? GatedMlp { get; set; }

    /// <summary>Input and output embeddings shared; null: the preset's.</summary>
    public bool? TiedEmbeddings { get; set; }

    /// <summary>Mixture-of-Experts shape as a scenario states it; null: the preset's. The form shows it and keeps it; a
    /// preset change or "back to the preset's shape" drops it with the other shape fields.</summary>
    public Contracts.Scenarios.MoeSection? Moe { get; set; }

    /// <summary>Multi-head latent attention shape as a scenario states it; null: the preset's. Shown and kept like the MoE shape.</summary>
    public Contracts.Scenarios.MlaSection? Mla { get; set; }

    /// <summary>Catalog or custom chip id.</summary>
    public string ChipId { get; set; } = "a100-sxm-80gb";

    /// <summary>GPUs in the cluster.</summary>
    public int? Gpus { get; set; } = 1024;

    /// <summary>Scale-out NIC per GPU [Gb/s]; null: the chip's.</summary>
    public double? ScaleOutGbpsPerGpu { get; set; }

    /// <summary>What fits in this many MW of facility power (<c>sites.powerCapMw</c>): the cluster is sized to it; null: no cap.</summary>
    public double? PowerCapMw { get; set; }

    /// <summary>GPUs per server (system.gpusPerNode); null: the chip's.</summary>
    public int? GpusPerNode { get; set; }

    /// <summary>GPUs per scale-up domain; null: the chip's.</summary>
    public int? ScaleUpDomainGpus { get; set; }

    /// <summary>Oversubscription of the tiers above the leaf; null or 1: non-blocking.</summary>
    public double? Oversubscription { get; set; }

    /// <summary>Sequences per optimizer step.</summary>
    public int? GlobalBatchSequences { get; set; } = 1536;

    /// <summary>Training precision id (bf16, fp16, fp8).</summary>
    public string Precision { get; set; } = "bf16";

    /// <summary>Software stack id (training.stack); "auto" lets the chip decide.</summary>
    public string Stack { get; set; } = "auto";

    /// <summary>Optimizer id (training.optimizer).</summary>
    public string Optimizer { get; set; } = "adam";

    /// <summary>TP communication pipelined with the GEMMs (training.tpCommOverlap); null: what the stack does.</summary>
    public bool? TpCommOverlap { get; set; }

    /// <summary>MoE all-to-all beside another micro-batch's compute (training.epCommOverlap); null: what the stack does.</summary>
    public bool? EpCommOverlap { get; set; }

    /// <summary>How MoE tokens cross scale-up domains (training.expertDispatch: allToAll, perDomain); null: what the stack's dispatcher does.</summary>
    public string? ExpertDispatch { get; set; }

    /// <summary>Whether the local experts run as fused grouped kernels (training.fusedExpertKernels); null: what the stack does.</summary>
    public bool? FusedExpertKernels { get; set; }

    /// <summary>What selective recompute reruns (training.recomputeModules, Megatron-Core names); null: the stack's policy. Shown
    /// and kept from a scenario, not edited in the form.</summary>
    public IReadOnlyList<string>? RecomputeModules { get; set; }

    /// <summary>Attention kernel (training.attention: flash, unfused); null: what the stack runs.</summary>
    public string? Attention { get; set; }

    /// <summary>Training tokens in billions, for time-to-train and GPU-hours; null: not given.</summary>
    public double? TokensBillions { get; set; } = 300;

    /// <summary>Tensor-parallel degree.</summary>
    public int? Tensor { get; set; } = 8;

    /// <summary>Pipeline-parallel degree.</summary>
    public int? Pipeline { get; set; } = 8;

    /// <summary>Data-parallel degree; null lets the model derive GPUs ÷ (tensor × pipeline × context).</summary>
    public int? Data { get; set; }

    /// <summary>Context-parallel degree.</summary>
    public int? Context { get; set; } = 1;

    /// <summary>Expert-parallel degree.</summary>
    public int? Expert { get; set; } = 1;

    /// <summary>Interleaved virtual stages per pipeline rank.</summary>
    public int? VirtualStages { get; set; } = 1;

    /// <summary>Sequences per micro-batch.</summary>
    public int? MicroBatchSize { get; set; } = 1;

    /// <summary>ZeRO stage 0–3.</summary>
    public int ZeroStage { get; set; } = 1;

    /// <summary>Layers whose saved activations go to host memory between forward and backward (0: none).</summary>
    public int? ActivationOffloadLayers { get; set; } = 0;

    /// <summary>Activation recompute mode (none, selective, full).</summary>
    public string Recompute { get; set; } = "selective";

    /// <summary>Megatron sequence parallelism over the tensor-parallel group.</summary>
    public bool SequenceParallel { get; set; } = true;

    /// <summary>Where ZeRO-3 shards (parallelism.zeroShardScope: auto, all, domain).</summary>
    public string ZeroShardScope { get; set; } = "auto";

    /// <summary>Rank placement id (see <see cref="PlannerFields.Placements"/>).</summary>
    public string Placement { get; set; } = "default";

    // The page's view of the plan: not part of the scenario document, but kept in the address and in share links.

    /// <summary>"Compare with": the chip the plan is evaluated on a second time; null for no comparison.</summary>
    public string? CompareChipId { get; set; }

    /// <summary>"Compare with": GPUs of the second system; null for the same count.</summary>
    public int? CompareGpus { get; set; }

    /// <summary>Rent or own the GPUs, for the plan's cost.</summary>
    public PlanCostBasis CostBasis { get; set; } = PlanCostBasis.Rent;

    /// <summary>True when any model-shape field overrides the preset.</summary>
    public bool HasShapeOverrides =>
        Layers is not null || HiddenSize is not null || AttentionHeads is not null || KvHeads is not null
        || FfnHiddenSize is not null || VocabSize is not null || SequenceLength is not null
        || HeadDim is not null || GatedMlp is not null || TiedEmbeddings is not null || Moe is not null || Mla is not null;

    /// <summary>Drops every model-shape override (the preset's shape again).</summary>
    public void ClearShapeOverrides()
    {
        Layers = HiddenSize = AttentionHeads = KvHeads = FfnHiddenSize = VocabSize = SequenceLength = HeadDim = null;
        GatedMlp = TiedEmbeddings = null;
        Moe = null;
        Mla = null;
    }

    /// <summary>A copy (background work keeps its own).</summary>
    public PlannerInput Clone() => (PlannerInput)MemberwiseClone();

    /// <summary>The form the planner opens with: the configured preset and chip with a Megatron-style 3-D plan.</summary>
    public static PlannerInput CreateDefault(PlannerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new PlannerInput { PresetId = options.DefaultPreset, ChipId = options.DefaultChip };
    }
}
