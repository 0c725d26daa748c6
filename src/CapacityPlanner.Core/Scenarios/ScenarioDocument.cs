using System.Text.Json.Serialization;

namespace CapacityPlanner.Core.Scenarios;

/// <summary>
/// The scenario document, version 1: the contract shared by the CLI, share links, the HTTP API and saved
/// scenarios. Fields left null take the documented defaults when resolved. The JSON Schema is
/// <c>wwwroot/schemas/scenario-v1.schema.json</c>.
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

/// <summary>
/// Reliability inputs of the goodput model (docs/reliability.md). Every field is optional; omitted fields take the
/// cited defaults of <c>Data/reliability.json</c>.
/// </summary>
public sealed record ReliabilitySection
{
    /// <summary>Multiplier on the per-GPU-hour interruption rates (default 1: Llama 3's).</summary>
    public double? InterruptionRateScale { get; init; }
    /// <summary>Count planned interruptions (default true).</summary>
    public bool? IncludePlanned { get; init; }
    /// <summary>sync (default) or async (in-memory snapshot, then persist in the background).</summary>
    public string? Checkpointing { get; init; }
    /// <summary>Checkpoint interval in minutes (default: the availability-optimal interval).</summary>
    public double? CheckpointIntervalMinutes { get; init; }
    /// <summary>Storage write/read bandwidth per node, GB/s.</summary>
    public double? StorageGBpsPerNode { get; init; }
    /// <summary>Total storage bandwidth of the cluster, TB/s (default: per-GPU share × GPUs).</summary>
    public double? StorageTotalTBps { get; init; }
    /// <summary>Storage capacity in TB (default: not checked).</summary>
    public double? StorageCapacityTB { get; init; }
    /// <summary>Device-to-host snapshot bandwidth per GPU for async checkpoints, GB/s.</summary>
    public double? AsyncSnapshotGBpsPerGpu { get; init; }
    /// <summary>Minutes to detect a failure.</summary>
    public double? DetectionMinutes { get; init; }
    /// <summary>Minutes to start the job again (launch, communicators, data loaders), before loading the checkpoint.</summary>
    public double? InitMinutes { get; init; }
    /// <summary>Minutes to reschedule onto a hot spare.</summary>
    public double? SpareSwapMinutes { get; init; }
    /// <summary>Minutes to reschedule when no spare is free.</summary>
    public double? WaitForRepairMinutes { get; init; }
    /// <summary>Hours a node with a hardware fault stays out of the pool.</summary>
    public double? RepairHours { get; init; }
    /// <summary>Hot spare nodes (default: the 99.9% quantile of nodes under repair).</summary>
    public int? HotSpareNodes { get; init; }
}

/// <summary>Power caps and sites (docs/reliability.md §Sites).</summary>
public sealed record SitesSection
{
    /// <summary>Sites the cluster spans (default: 1, or as many as <see cref="MaxSiteMw"/> requires).</summary>
    public int? Count { get; init; }
    /// <summary>What fits in this many MW of facility power: the cluster is sized to the cap.</summary>
    public double? PowerCapMw { get; init; }
    /// <summary>Largest site in MW of facility power: the cluster spans as many sites as it needs.</summary>
    public double? MaxSiteMw { get; init; }
    /// <summary>The link between each pair of sites.</summary>
    public InterSiteSection? InterSite { get; init; }
    /// <summary>Low-communication training across sites.</summary>
    public DilocoSection? Diloco { get; init; }
}

/// <summary>The long-haul link between two sites.</summary>
public sealed record InterSiteSection
{
    /// <summary>Bandwidth per site pair per direction, Gb/s.</summary>
    public double? Gbps { get; init; }
    /// <summary>One-way latency in ms (default: distance × 4.9 µs/km).</summary>
    public double? LatencyMs { get; init; }
    /// <summary>Fibre route length in km.</summary>
    public double? DistanceKm { get; init; }
}

/// <summary>DiLoCo-style outer synchronisation across sites (one replica per site).</summary>
public sealed record DilocoSection
{
    /// <summary>Inner steps H between outer synchronisations.</summary>
    public int? InnerSteps { get; init; }
    /// <summary>none (fp32 pseudo-gradients, default), bf16, int8 or int4.</summary>
    public string? Compression { get; init; }
    /// <summary>Overlap the outer all-reduce with the next H inner steps (streaming/eager variants; default false).</summary>
    public bool? Overlap { get; init; }
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
}

/// <summary>Training settings.</summary>
public sealed record TrainingSection
{
    /// <summary>Sequences per optimizer step.</summary>
    public int? GlobalBatchSequences { get; init; }
    /// <summary>bf16 (default), fp16, fp8, fp4, tf32, fp32, fp64.</summary>
    public string? Precision { get; init; }
    /// <summary>adam (default), adamw, sgd, adafactor, muon.</summary>
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
}

/// <summary>
/// Budget planner inputs. Every field is optional; omitted fields take the cited defaults of
/// <c>Data/budget-defaults.json</c>. With <see cref="BudgetUsd"/> the planner answers what a budget buys; with
/// <see cref="TargetFlop"/> what a FLOP target costs; with neither, what the scenario's cluster costs and delivers.
/// </summary>
public sealed record BudgetSection
{
    /// <summary>Total budget in US dollars (forward question: what does it buy).</summary>
    public double? BudgetUsd { get; init; }
    /// <summary>Training FLOP to reach (reverse question: what budget and time it needs).</summary>
    public double? TargetFlop { get; init; }
    /// <summary>Wall-clock duration of the run in days.</summary>
    public double? DurationDays { get; init; }
    /// <summary>buy or rent.</summary>
    public string? Acquisition { get; init; }
    /// <summary>For buy: purchase (the budget pays the whole cluster and facility) or depreciation (the run's straight-line share).</summary>
    public string? CapitalCost { get; init; }
    /// <summary>Rental price per GPU-hour (default: the chip's catalog price).</summary>
    public double? RentUsdPerGpuHour { get; init; }
    /// <summary>Purchase price per GPU (default: the chip's catalog price).</summary>
    public double? GpuPriceUsd { get; init; }
    /// <summary>Server cost ÷ GPU price.</summary>
    public double? ServerOverheadFactor { get; init; }
    /// <summary>Interconnect share of the total cluster cost.</summary>
    public double? NetworkShareOfClusterCost { get; init; }
    /// <summary>Facility build cost per MW of critical IT load.</summary>
    public double? FacilityUsdPerMegawatt { get; init; }
    /// <summary>Hardware depreciation period in years.</summary>
    public double? DepreciationYears { get; init; }
    /// <summary>Facility depreciation period in years.</summary>
    public double? FacilityLifeYears { get; init; }
    /// <summary>Server power ÷ GPU TDP.</summary>
    public double? ServerPowerFactor { get; init; }
    /// <summary>Average draw during training as a fraction of server power.</summary>
    public double? AverageLoad { get; init; }
    /// <summary>Power usage effectiveness (facility power ÷ IT power, ≥ 1).</summary>
    public double? Pue { get; init; }
    /// <summary>Electricity price per kWh.</summary>
    public double? ElectricityUsdPerKWh { get; init; }
    /// <summary>Fraction of wall time that trains (failures, restarts, checkpoints).</summary>
    public double? Goodput { get; init; }
    /// <summary>MFU override; default: the analytic model's best plan at the cluster size.</summary>
    public double? Mfu { get; init; }
    /// <summary>adamw, adafactor, shampoo, soap, muon or sgd (default: training.optimizer).</summary>
    public string? Optimizer { get; init; }
    /// <summary>Share of the budget reserved for hyperparameter search and ablations, in [0, 1).</summary>
    public double? HyperparameterSearchShare { get; init; }
    /// <summary>Unique training tokens available (data-constrained scaling when the optimum would repeat data).</summary>
    public double? UniqueTokens { get; init; }
    /// <summary>chinchilla or epoch.</summary>
    public string? ScalingLaw { get; init; }
}
