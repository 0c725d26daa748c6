using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Workload;

namespace CapacityPlanner.Core.Planning;

/// <summary>Activation recomputation mode (Korthikanti et al. 2022 §5).</summary>
public enum RecomputeMode
{
    /// <summary>Store every activation.</summary>
    None,
    /// <summary>Recompute only the attention core (scores, softmax, context).</summary>
    Selective,
    /// <summary>Store each layer's input and recompute the whole layer in the backward pass.</summary>
    Full,
}

/// <summary>
/// What selective recompute runs again, as Megatron-Core's <c>recompute_modules</c> names it (transformer_config.py): each
/// module's saved activations are dropped and its forward rerun in the backward pass. Stacks with their own per-op policy
/// (TorchTitan, MaxText) are not described by these.
/// </summary>
[Flags]
public enum RecomputeModules
{
    /// <summary>Nothing (an empty list: selective recompute that recomputes no module).</summary>
    None = 0,
    /// <summary><c>core_attn</c>: the attention core (scores, softmax, context); Megatron-Core's default.</summary>
    CoreAttention = 1,
    /// <summary><c>layernorm</c>: the input and pre-MLP norms (their outputs are not kept).</summary>
    Layernorm = 2,
    /// <summary><c>mla_up_proj</c>: MLA's query and key/value up-projections and RoPE (queries, keys and values are not kept).</summary>
    MlaUpProjection = 4,
    /// <summary><c>mlp</c>: the dense MLP block (its intermediate activations are not kept).</summary>
    Mlp = 8,
    /// <summary><c>moe_act</c>: the routed experts' activation function (its output is not kept).</summary>
    MoeActivation = 16,
}

/// <summary>Megatron-Core's names of the <see cref="RecomputeModules"/> (transformer_config.py recompute_modules), in its order:
/// the one table the scenario parser, resolver and the printed estimate read.</summary>
public static class RecomputeModuleNames
{
    /// <summary>Every module capplan costs, by its Megatron-Core name.</summary>
    public static IReadOnlyList<(string Name, RecomputeModules Module)> All { get; } =
    [
        ("core_attn", RecomputeModules.CoreAttention),
        ("layernorm", RecomputeModules.Layernorm),
        ("mla_up_proj", RecomputeModules.MlaUpProjection),
        ("mlp", RecomputeModules.Mlp),
        ("moe_act", RecomputeModules.MoeActivation),
    ];

    /// <summary>The names alone.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(x => x.Name)];

    /// <summary>The name as Megatron-Core spells it for a name given in any case, or null when capplan does not cost it.</summary>
    public static string? Canonical(string? name) => Names.FirstOrDefault(x => string.Equals(x, name?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The module a name stands for (case-insensitive), or null.</summary>
    public static RecomputeModules? Parse(string? name) =>
        Canonical(name) is { } canonical ? All.First(x => x.Name == canonical).Module : null;

    /// <summary>The names of the modules set, comma-separated ("nothing" for none).</summary>
    public static string Format(RecomputeModules modules) =>
        modules == RecomputeModules.None ? "nothing" : string.Join(", ", All.Where(x => modules.HasFlag(x.Module)).Select(x => x.Name));
}

/// <summary>Optimizers with their state size and cost.</summary>
public enum OptimizerKind
{
    /// <summary>Adam / AdamW: fp32 master weights plus two fp32 moments.</summary>
    Adam,
    /// <summary>SGD with momentum: fp32 master plus one moment.</summary>
    Sgd,
    /// <summary>Adafactor: factored second moment, no first moment.</summary>
    Adafactor,
    /// <summary>Muon: one momentum buffer, Newton–Schulz orthogonalisation of 2-D updates.</summary>
    Muon,
    /// <summary>Distributed (blocked) Shampoo with Adam grafting: Kronecker factors and their inverse roots per block.</summary>
    Shampoo,
    /// <summary>SOAP: Adam run in Shampoo's eigenbasis (factors, eigenvectors and Adam moments per block).</summary>
    Soap,
    /// <summary>LAMB: Adam's moments with a per-layer trust ratio (two norms per tensor).</summary>
    Lamb,
    /// <summary>Lion: one momentum buffer, sign updates.</summary>
    Lion,
}

/// <summary>Reads optimizer names of scenario documents and data files.</summary>
public static class OptimizerKinds
{
    /// <summary>Every name <see cref="TryParse"/> accepts, in the order messages list them (scenario validation uses it).</summary>
    public static readonly IReadOnlyList<string> Names = ["adam", "adamw", "sgd", "adafactor", "muon", "shampoo", "soap", "lamb", "lion"];

    /// <summary>"adam"/"adamw" → Adam, "sgd", "adafactor", "muon", "shampoo", "soap", "lamb", "lion"; false for anything else.</summary>
    public static bool TryParse(string? name, out OptimizerKind kind)
    {
        kind = (name ?? "").ToLowerInvariant() switch
        {
            "adam" or "adamw" => OptimizerKind.Adam,
            "sgd" => OptimizerKind.Sgd,
            "adafactor" => OptimizerKind.Adafactor,
            "muon" => OptimizerKind.Muon,
            "shampoo" => OptimizerKind.Shampoo,
            "soap" => OptimizerKind.Soap,
            "lamb" => OptimizerKind.Lamb,
            "lion" => OptimizerKind.Lion,
            _ => (OptimizerKind)(-1),
        };
        return Enum.IsDefined(kind);
    }

    /// <summary>Like <see cref="TryParse"/>, with Adam for a missing name; throws for an unknown one (data files are checked at load).</summary>
    public static OptimizerKind Parse(string? name) =>
        name is null ? OptimizerKind.Adam
        : TryParse(name, out var kind) ? kind
        : throw new FormatException($"unknown optimizer \"{name}\"; known: {string.Join(", ", Names)}.");
}

/// <summary>How the attention core is computed.</summary>
public enum AttentionKernel
{
    /// <summary>Fused (FlashAttention-style): no s×s tensor in HBM, causal work halved, scores recomputed in backward.</summary>
    Flash,
    /// <summary>Batched GEMMs around a fused softmax (Megatron-LM 2021–22): the s×s scores, probabilities and dropout live in HBM.</summary>
    Unfused,
}

/// <summary>How a training step is run: batch, precision, optimizer.</summary>
/// <param name="GlobalBatchSequences">Sequences per optimizer step (B_g).</param>
/// <param name="Precision">Math precision of the GEMMs.</param>
/// <param name="Optimizer">Optimizer.</param>
/// <param name="Tokens">Total training tokens, when known (for time-to-train).</param>
/// <param name="Attention">Attention kernel.</param>
/// <param name="Stack">Software stack (null: the default Megatron-Core / Transformer Engine stack).</param>
/// <param name="TpCommOverlap">Whether TP communication is pipelined with GEMMs (null: what the stack does).</param>
/// <param name="EpCommOverlap">Whether the MoE all-to-all of one micro-batch runs beside another's compute (null: what the stack does).</param>
/// <param name="EpDispatch">How MoE tokens cross scale-up domains (null: what the stack's dispatcher does).</param>
/// <param name="FusedExperts">Whether the local experts run as fused grouped kernels (null: what the stack does).</param>
/// <param name="RecomputeModules">What selective recompute runs again (Megatron-Core <c>recompute_modules</c>); null: the stack's
/// selective policy (<see cref="SoftwareStack.SelectiveRecompute"/>).</param>
public sealed record TrainingConfig(int GlobalBatchSequences, Precision Precision, OptimizerKind Optimizer, double? Tokens, AttentionKernel Attention = AttentionKernel.Flash, SoftwareStack? Stack = null, bool? TpCommOverlap = null, bool? EpCommOverlap = null, ExpertDispatch? EpDispatch = null, bool? FusedExperts = null, RecomputeModules? RecomputeModules = null)
{
    /// <summary>The stack in effect.</summary>
    public SoftwareStack EffectiveStack => Stack ?? SoftwareStackCatalog.Standard.Default;

    /// <summary>TP communication overlap in effect: the scenario's choice, else what the stack does at this precision.</summary>
    public bool TensorParallelOverlap => TpCommOverlap ?? EffectiveStack.OverlapsTensorParallelAt(Precision);

    /// <summary>Expert-parallel all-to-all overlap in effect: the scenario's choice, else the stack's.</summary>
    public bool ExpertParallelOverlap => EpCommOverlap ?? EffectiveStack.ExpertParallelOverlap;

    /// <summary>Expert dispatch in effect: the scenario's choice, else the stack's dispatcher.</summary>
    public ExpertDispatch ExpertDispatch => EpDispatch ?? EffectiveStack.ExpertDispatch;

    /// <summary>Fused expert kernels in effect on <paramref name="chip"/>: the scenario's choice, else what the stack runs there at this precision.</summary>
    public bool FusesExperts(ChipSpec chip) => FusedExperts ?? EffectiveStack.FusesExpertsOn(chip.Architecture, Precision);

    /// <summary>Whether the GPU waits for the host to launch each local expert's kernels in every MoE layer: on stacks that launch
    /// them per expert, unless the experts run as fused grouped kernels (docs/model.md, Compute).</summary>
    public bool MoeHostLaunchWaits(ChipSpec chip) => EffectiveStack.MoeHostLaunchesPerLocalExpert && !FusesExperts(chip);
}

/// <summary>
/// A parallelism plan. GPUs = TP × PP × CP × DP as in Megatron-Core; expert-parallel groups are carved
/// out of the DP × CP ranks (EP divides DP × CP).
/// </summary>
/// <param name="Tensor">Tensor-parallel degree (t).</param>
/// <param name="Pipeline">Pipeline-parallel degree (p).</param>
/// <param name="Data">Data-parallel degree (d).</param>
/// <param name="Context">Context-parallel degree (c, ring attention).</param>
/// <param name="Expert">Expert-parallel degree (e).</param>
/// <param name="SequenceParallel">Megatron sequence parallelism over the TP group.</param>
/// <param name="VirtualStages">Interleaved-schedule chunks per pipeline rank (v).</param>
/// <param name="MicroBatchSize">Sequences per micro-batch (b).</param>
/// <param name="ZeroStage">ZeRO stage 0–3 (3 = FSDP full shard).</param>
/// <param name="Recompute">Activation recompute mode.</param>
/// <param name="Placement">Rank placement, innermost first.</param>
/// <param name="ZeroShardScope">Where ZeRO-3 shards: across all data-parallel ranks, within each scale-up domain
/// (hybrid sharding, replicas across domains), or whichever is faster and fits (auto).</param>
/// <param name="ActivationOffloadLayers">Transformer layers whose saved activations are copied to host memory after their
/// forward and back before their backward (Megatron-Core <c>cpu_offloading_num_layers</c>); 0: none.</param>
public sealed record ParallelismPlan(
    int Tensor,
    int Pipeline,
    int Data,
    int Context,
    int Expert,
    bool SequenceParallel,
    int VirtualStages,
    int MicroBatchSize,
    int ZeroStage,
    RecomputeMode Recompute,
    IReadOnlyList<ParallelAxis> Placement,
    ZeroShardScope ZeroShardScope = ZeroShardScope.Auto,
    int ActivationOffloadLayers = 0)
{
    /// <summary>Default placement: TP innermost, then CP, EP, DP, PP.</summary>
    public static IReadOnlyList<ParallelAxis> DefaultPlacement { get; } =
        [ParallelAxis.Tensor, ParallelAxis.Context, ParallelAxis.Expert, ParallelAxis.Data, ParallelAxis.Pipeline];

    /// <summary>Total GPUs this plan occupies.</summary>
    public long Gpus => (long)Tensor * Pipeline * Data * Context;
}

/// <summary>Where ZeRO-3 (FSDP) shards model states.</summary>
public enum ZeroShardScope
{
    /// <summary>The faster of <see cref="All"/> and <see cref="Domain"/> among those that fit in memory.</summary>
    Auto,
    /// <summary>Across every data-parallel rank (FSDP FULL_SHARD, DeepSpeed ZeRO-3).</summary>
    All,
    /// <summary>Within each scale-up domain, replicated across domains (FSDP HYBRID_SHARD; PaLM's per-pod sharding).</summary>
    Domain,
}

/// <summary>Parallel dimensions.</summary>
public enum ParallelAxis
{
    /// <summary>Tensor parallel.</summary>
    Tensor,
    /// <summary>Context parallel.</summary>
    Context,
    /// <summary>Expert parallel.</summary>
    Expert,
    /// <summary>Data parallel.</summary>
    Data,
    /// <summary>Pipeline parallel.</summary>
    Pipeline,
}

/// <summary>One scale-out network tier (leaf, spine, core).</summary>
/// <param name="Name">Tier name.</param>
/// <param name="Gpus">Endpoints (GPUs) reachable without going above this tier.</param>
/// <param name="Oversubscription">Down:up bandwidth ratio at this tier (1 = non-blocking).</param>
/// <param name="LatencySeconds">Extra latency a step pays when it crosses this tier.</param>
public sealed record NetworkTier(string Name, long Gpus, double Oversubscription, double LatencySeconds);

/// <summary>The cluster: chip, size, scale-up domain and scale-out hierarchy.</summary>
/// <param name="Chip">Accelerator.</param>
/// <param name="Gpus">Total GPUs.</param>
/// <param name="GpusPerNode">GPUs per server (power, nodes).</param>
/// <param name="ScaleUpDomainGpus">GPUs in one scale-up domain (NVLink/NVSwitch, NVL72, ICI).</param>
/// <param name="ScaleOutBitsPerSecondPerGpu">Scale-out NIC line rate per GPU.</param>
/// <param name="Tiers">Scale-out tiers from the leaf up.</param>
/// <param name="RailOptimized">NIC i of every node lands on rail switch i (same-rank GPUs one hop apart).</param>
public sealed record ClusterSystem(
    ChipSpec Chip,
    long Gpus,
    int GpusPerNode,
    int ScaleUpDomainGpus,
    double ScaleOutBitsPerSecondPerGpu,
    IReadOnlyList<NetworkTier> Tiers,
    bool RailOptimized);

/// <summary>Everything an estimate needs: workload × execution plan × system.</summary>
/// <param name="Name">Scenario name.</param>
/// <param name="Model">Workload.</param>
/// <param name="Training">Batch, precision, optimizer.</param>
/// <param name="System">Cluster.</param>
/// <param name="Plan">Parallelism plan.</param>
public sealed record ResolvedScenario(string Name, TransformerModel Model, TrainingConfig Training, ClusterSystem System, ParallelismPlan Plan)
{
    /// <summary>Reliability inputs (goodput), null for all defaults.</summary>
    public ReliabilitySection? Reliability { get; init; }
    /// <summary>Sites and inter-site link, null for one site of any size.</summary>
    public SitesSection? Sites { get; init; }
    /// <summary>Budget inputs that set the power figures (server power factor, PUE), null for the defaults.</summary>
    public BudgetSection? Power { get; init; }

    /// <summary>The plan as the software stack runs it (<see cref="SoftwareStack.Runs"/>): what validation and costing read.</summary>
    public PlanSpec RunPlan => Training.EffectiveStack.Runs(PlanSpec.From(Plan), Training.GlobalBatchSequences);
}
