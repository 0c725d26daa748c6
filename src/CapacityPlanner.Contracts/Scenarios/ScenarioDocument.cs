using System.Text.Json.Serialization;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Contracts.Scenarios;

/// <summary>
/// The scenario document, version 1: the contract shared by the CLI, share links, the HTTP API and saved
/// scenarios. Fields left null take the documented defaults when resolved. The JSON Schema is
/// <c>wwwroot/schemas/scenario-v1.schema.json</c>. The budget, reliability and sites sections are the model's own
/// input records (<see cref="BudgetSection"/>, <see cref="ReliabilitySection"/>, <see cref="SitesSection"/> in Core's
/// Planning), which the resolver hands to the model as they are.
/// </summary>
public sealed record ScenarioDocument
{
    /// <summary>Current schema version.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Schema version (1).</summary>
    public int SchemaVersion { get; init; } = CurrentVersion;
    /// <summary>Display name.</summary>
    public string? Name { get; init; }
    /// <summary>The workload.</summary>
    public ModelSection Model { get; init; } = new();
    /// <summary>Batch, precision, optimizer.</summary>
    public TrainingSection Training { get; init; } = new();
    /// <summary>The cluster.</summary>
    public SystemSection System { get; init; } = new();
    /// <summary>The plan; absent fields are derived (data) or defaulted.</summary>
    public ParallelismSection? Parallelism { get; init; }
    /// <summary>Budget planner inputs (<c>capplan budget</c>); ignored by estimate, search and sweep.</summary>
    public BudgetSection? Budget { get; init; }
    /// <summary>Failures, checkpoints and restarts (goodput); absent fields take <c>Data/reliability.json</c> defaults.</summary>
    public ReliabilitySection? Reliability { get; init; }
    /// <summary>Power caps, sites and the links between them.</summary>
    public SitesSection? Sites { get; init; }
}

/// <summary>Model shape: a preset id and/or explicit fields (explicit fields override the preset).</summary>
public sealed record ModelSection
{
    /// <summary>Preset id (see <c>ModelPresets</c>).</summary>
    public string? Preset { get; init; }
    /// <summary>Display name.</summary>
    public string? Name { get; init; }
    /// <summary>Transformer layers.</summary>
    public int? Layers { get; init; }
    /// <summary>Hidden size.</summary>
    public int? HiddenSize { get; init; }
    /// <summary>Query heads.</summary>
    public int? AttentionHeads { get; init; }
    /// <summary>Key/value heads (default: attentionHeads).</summary>
    public int? KvHeads { get; init; }
    /// <summary>Width of one attention head (default hiddenSize / attentionHeads); set it where heads × width is not the hidden size.</summary>
    public int? HeadDim { get; init; }
    /// <summary>Dense MLP width (default 4·h, or 8·h/3 rounded up to 256 for gated MLPs).</summary>
    public int? FfnHiddenSize { get; init; }
    /// <summary>SwiGLU-style gated MLP (default false).</summary>
    public bool? GatedMlp { get; init; }
    /// <summary>Vocabulary.</summary>
    public int? VocabSize { get; init; }
    /// <summary>Sequence length.</summary>
    public int? SequenceLength { get; init; }
    /// <summary>Tied input/output embeddings (default false).</summary>
    public bool? TiedEmbeddings { get; init; }
    /// <summary>MoE block, absent for dense models.</summary>
    public MoeSection? Moe { get; init; }
    /// <summary>Multi-head latent attention (DeepSeek-V2/V3), absent for multi-head or grouped-query attention.</summary>
    public MlaSection? Mla { get; init; }
}

/// <summary>Multi-head latent attention shape (HF config names in parentheses).</summary>
public sealed record MlaSection
{
    /// <summary>Query latent width (q_lora_rank); absent where queries are projected from the hidden state directly.</summary>
    public int? QLoraRank { get; init; }
    /// <summary>Key/value latent width (kv_lora_rank).</summary>
    public int? KvLoraRank { get; init; }
    /// <summary>Per-head query/key width without RoPE (qk_nope_head_dim).</summary>
    public int? QkNopeHeadDim { get; init; }
    /// <summary>Per-head query/key RoPE width (qk_rope_head_dim).</summary>
    public int? QkRopeHeadDim { get; init; }
    /// <summary>Per-head value width (v_head_dim).</summary>
    public int? VHeadDim { get; init; }
}

/// <summary>Mixture-of-Experts block.</summary>
public sealed record MoeSection
{
    /// <summary>Routed experts per MoE layer.</summary>
    public int? Experts { get; init; }
    /// <summary>Experts per token (top-k).</summary>
    public int? ExpertsPerToken { get; init; }
    /// <summary>Shared experts (default 0).</summary>
    public int? SharedExperts { get; init; }
    /// <summary>Expert FFN width.</summary>
    public int? ExpertFfnHiddenSize { get; init; }
    /// <summary>Leading dense layers (default 0).</summary>
    public int? DenseLayers { get; init; }
    /// <summary>Capacity factor (default 1.0).</summary>
    public double? CapacityFactor { get; init; }
    /// <summary>Group-limited routing: the experts split into this many groups (default 1: unrestricted).</summary>
    public int? RoutingGroups { get; init; }
    /// <summary>Groups a token's experts are chosen from (default: all of them).</summary>
    public int? GroupsPerToken { get; init; }
}

/// <summary>Training settings.</summary>
public sealed record TrainingSection
{
    /// <summary>Sequences per optimizer step.</summary>
    public int? GlobalBatchSequences { get; init; }
    /// <summary>bf16 (default), fp16, fp8, fp4, tf32, fp32, fp64.</summary>
    public string? Precision { get; init; }
    /// <summary>adam (default), adamw, sgd, adafactor, muon, shampoo, soap, lamb, lion (ScenarioParser.Optimizers).</summary>
    public string? Optimizer { get; init; }
    /// <summary>Training tokens, for time-to-train.</summary>
    public double? Tokens { get; init; }
    /// <summary>Attention kernel: flash, unfused, or auto (default): the kernel the software stack runs.</summary>
    public string? Attention { get; init; }
    /// <summary>
    /// Software stack (<c>software-stacks.json</c>): megatron-core, megatron-lm-2022, deepspeed, torchtitan, maxtext,
    /// or auto (default): MaxText on TPUs, the Megatron-LM paper stack on pre-Hopper NVIDIA parts, Megatron-Core with
    /// Transformer Engine elsewhere.
    /// </summary>
    public string? Stack { get; init; }
    /// <summary>TP communication pipelined with the GEMMs (TE userbuffers, async TP); default: what the stack does.</summary>
    public bool? TpCommOverlap { get; init; }
    /// <summary>
    /// Whether the MoE dispatch/combine all-to-all of one micro-batch runs beside another micro-batch's compute
    /// (Megatron-Core <c>overlap_moe_expert_parallel_comm</c>, DualPipe); absent: what the stack does.
    /// </summary>
    public bool? EpCommOverlap { get; init; }
    /// <summary>
    /// How MoE tokens cross scale-up domains: allToAll (one network copy per token and expert) or perDomain (one per token
    /// and destination domain, fanned out inside it: DeepEP, HybridEP); absent: what the stack's dispatcher does.
    /// </summary>
    public string? ExpertDispatch { get; init; }
    /// <summary>
    /// Whether the local experts run as fused grouped kernels that read the tokens per expert on the device (Transformer
    /// Engine's op fuser with the CuTe DSL grouped MLP), so nothing is launched per expert; absent: what the stack does.
    /// </summary>
    public bool? FusedExpertKernels { get; init; }
    /// <summary>What selective recompute reruns, Megatron-Core's recompute_modules names (core_attn, layernorm, mla_up_proj, mlp,
    /// moe_act); absent: the stack's selective policy.</summary>
    public IReadOnlyList<string>? RecomputeModules { get; init; }
}

/// <summary>The cluster.</summary>
public sealed record SystemSection
{
    /// <summary>Catalog id (<see cref="ChipId"/>) or an inline custom chip (<see cref="CustomChip"/>); exactly one.</summary>
    [JsonIgnore]
    public string? ChipId { get; init; }
    /// <summary>Inline custom chip.</summary>
    [JsonIgnore]
    public CustomChipSection? CustomChip { get; init; }
    /// <summary>Total GPUs.</summary>
    public long? Gpus { get; init; }
    /// <summary>GPUs per server (default: scale-up domain size, at most 8).</summary>
    public int? GpusPerNode { get; init; }
    /// <summary>Scale-out NIC Gb/s per GPU (default: the chip's).</summary>
    public double? ScaleOutGbpsPerGpu { get; init; }
    /// <summary>Network hierarchy.</summary>
    public NetworkSection? Network { get; init; }
}

/// <summary>Network hierarchy.</summary>
public sealed record NetworkSection
{
    /// <summary>GPUs per scale-up domain (default: the chip's, e.g. 8 for HGX, 72 for NVL72).</summary>
    public int? ScaleUpDomainGpus { get; init; }
    /// <summary>Rail-optimized leaves (default true).</summary>
    public bool? RailOptimized { get; init; }
    /// <summary>Scale-out tiers from the leaf up (default: non-blocking leaf/spine/core).</summary>
    public IReadOnlyList<TierSection>? Tiers { get; init; }
}

/// <summary>One scale-out tier.</summary>
public sealed record TierSection
{
    /// <summary>Name.</summary>
    public string? Name { get; init; }
    /// <summary>GPUs reachable under this tier.</summary>
    public long? Gpus { get; init; }
    /// <summary>Oversubscription (≥ 1).</summary>
    public double? Oversubscription { get; init; }
    /// <summary>Latency added per step crossing this tier.</summary>
    public double? LatencyMicroseconds { get; init; }
}

/// <summary>A chip defined inline. With <see cref="BaseOn"/>, every omitted field comes from that catalog chip.</summary>
public sealed record CustomChipSection
{
    /// <summary>Id for display.</summary>
    public string? Id { get; init; }
    /// <summary>Display name.</summary>
    public string? Name { get; init; }
    /// <summary>Catalog chip to start from.</summary>
    public string? BaseOn { get; init; }
    /// <summary>Dense peak TFLOP/s by precision id.</summary>
    public IReadOnlyDictionary<string, double>? PeakTflops { get; init; }
    /// <summary>HBM GiB.</summary>
    public double? HbmCapacityGiB { get; init; }
    /// <summary>HBM TB/s.</summary>
    public double? HbmBandwidthTBps { get; init; }
    /// <summary>TDP watts.</summary>
    public double? TdpWatts { get; init; }
    /// <summary>Scale-up GB/s per direction per GPU.</summary>
    public double? ScaleUpBandwidthGBps { get; init; }
    /// <summary>Scale-up domain size.</summary>
    public int? ScaleUpDomainSize { get; init; }
    /// <summary>Scale-out Gb/s per GPU.</summary>
    public double? ScaleOutGbpsPerGpu { get; init; }
    /// <summary>Best achievable matmul fraction of peak.</summary>
    public double? GemmEfficiency { get; init; }
    /// <summary>Achievable HBM fraction.</summary>
    public double? HbmEfficiency { get; init; }
    /// <summary>
    /// What sustained load keeps of the isolated GEMM rate (the power cap): 1 where <see cref="GemmCurve"/> or
    /// <see cref="GemmEfficiency"/> were measured under sustained load already; absent, the base chip's.
    /// </summary>
    public double? SustainedGemmFraction { get; init; }
    /// <summary>
    /// Measured GEMM efficiency curve (FLOPs of one GEMM → fraction of the dense peak, FLOPs strictly increasing, at most
    /// <see cref="MaxGemmCurvePoints"/> points); replaces the default GEMM-size shape, as a calibrated chip's curve does.
    /// </summary>
    public IReadOnlyList<(double Flops, double Fraction)>? GemmCurve { get; init; }

    /// <summary>Most points a <see cref="GemmCurve"/> may have.</summary>
    public const int MaxGemmCurvePoints = 64;
}

/// <summary>Parallelism plan fields.</summary>
public sealed record ParallelismSection
{
    /// <summary>TP degree (default 1).</summary>
    public int? Tensor { get; init; }
    /// <summary>PP degree (default 1).</summary>
    public int? Pipeline { get; init; }
    /// <summary>DP degree (default gpus / (tensor·pipeline·context)).</summary>
    public int? Data { get; init; }
    /// <summary>CP degree (default 1).</summary>
    public int? Context { get; init; }
    /// <summary>EP degree (default 1).</summary>
    public int? Expert { get; init; }
    /// <summary>Sequence parallelism (default: on when tensor &gt; 1).</summary>
    public bool? SequenceParallel { get; init; }
    /// <summary>Interleaved virtual stages (default 1).</summary>
    public int? VirtualStages { get; init; }
    /// <summary>Micro-batch size (default 1).</summary>
    public int? MicroBatchSize { get; init; }
    /// <summary>ZeRO stage (default 1: distributed optimizer).</summary>
    public int? ZeroStage { get; init; }
    /// <summary>none (default), selective, full.</summary>
    public string? Recompute { get; init; }
    /// <summary>Where ZeRO-3 shards: auto (default: the faster that fits), all (every data-parallel rank), domain (hybrid).</summary>
    public string? ZeroShardScope { get; init; }
    /// <summary>Rank placement innermost first (default tensor, context, expert, data, pipeline).</summary>
    public IReadOnlyList<string>? Placement { get; init; }
    /// <summary>Layers whose saved activations go to host memory between forward and backward (default 0; Megatron-Core
    /// <c>cpu_offloading_num_layers</c>).</summary>
    public int? ActivationOffloadLayers { get; init; }
}
