namespace CapacityPlanner.Core.Planning;

// The inputs a scenario states for the goodput, sites and budget models, as written: every field optional (null takes
// the model's cited default). A scenario document's reliability, sites and budget sections read into them, and the
// resolved scenario carries them as they are (ResolvedScenario.Reliability, .Sites, .Power).

/// <summary>
/// Reliability inputs of the goodput model (docs/reliability.md). Every field is optional; omitted fields take the
/// cited defaults of <c>Data/reliability.json</c>. A scenario document's <c>reliability</c> section reads into it.
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

/// <summary>Power caps and sites (docs/reliability.md §Sites); a scenario document's <c>sites</c> section reads into it.</summary>
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

/// <summary>
/// Budget planner inputs. Every field is optional; omitted fields take the cited defaults of
/// <c>Data/budget-defaults.json</c>. With <see cref="BudgetUsd"/> the planner answers what a budget buys; with
/// <see cref="TargetFlop"/> what a FLOP target costs; with neither, what the scenario's cluster costs and delivers.
/// A scenario document's <c>budget</c> section reads into it.
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
