using System.Globalization;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Core.Reliability;

/// <summary>Where the wall time that does not train goes, as fractions of wall time.</summary>
/// <param name="CheckpointSaves">Time training is stopped for checkpoints (C/T).</param>
/// <param name="LostWork">Work redone after interruptions (half a period, plus the persist window for async).</param>
/// <param name="Restarts">Detection, rescheduling, start-up and checkpoint loading.</param>
public sealed record LostTimeBreakdown(double CheckpointSaves, double LostWork, double Restarts)
{
    /// <summary>Sum of the three.</summary>
    public double Total => CheckpointSaves + LostWork + Restarts;
}

/// <summary>Expected interruptions of one component class.</summary>
/// <param name="Id">Class id.</param>
/// <param name="Name">Display name.</param>
/// <param name="PerDay">Expected interruptions per day for the cluster.</param>
/// <param name="Source">Source key of the rate.</param>
public sealed record ClassInterruptions(string Id, string Name, double PerDay, string Source);

/// <summary>A default the goodput model used, with its source.</summary>
/// <param name="Name">Field.</param>
/// <param name="Value">Value as shown.</param>
/// <param name="Source">Source key or "scenario".</param>
/// <param name="Basis">Basis.</param>
public sealed record GoodputAssumption(string Name, string Value, string Source, string Basis);

/// <summary>Failures, checkpoints and goodput of one scenario (docs/reliability.md).</summary>
public sealed record GoodputReport
{
    /// <summary>GPUs.</summary>
    public required long Gpus { get; init; }
    /// <summary>Expected interruptions per day (all counted classes).</summary>
    public required double InterruptionsPerDay { get; init; }
    /// <summary>Unexpected interruptions per day.</summary>
    public required double UnexpectedPerDay { get; init; }
    /// <summary>Cluster mean time between interruptions, hours.</summary>
    public required double MtbiHours { get; init; }
    /// <summary>Per component class.</summary>
    public required IReadOnlyList<ClassInterruptions> ByClass { get; init; }
    /// <summary>Checkpoint bytes each GPU writes (its unique shard of weights and optimizer state).</summary>
    public required double CheckpointBytesPerGpu { get; init; }
    /// <summary>Whole checkpoint, bytes.</summary>
    public required double CheckpointTotalBytes { get; init; }
    /// <summary>sync or async.</summary>
    public required string Checkpointing { get; init; }
    /// <summary>Seconds training stops per checkpoint.</summary>
    public required double CheckpointBlockingSeconds { get; init; }
    /// <summary>Seconds to write the checkpoint to storage (the background part for async).</summary>
    public required double CheckpointWriteSeconds { get; init; }
    /// <summary>Seconds to read it back on restart.</summary>
    public required double CheckpointLoadSeconds { get; init; }
    /// <summary>Mean downtime per interruption: detection + rescheduling + start-up + load.</summary>
    public required double RestartSeconds { get; init; }
    /// <summary>Hot spare nodes (given or recommended).</summary>
    public required int HotSpareNodes { get; init; }
    /// <summary>True when <see cref="HotSpareNodes"/> is the model's recommendation.</summary>
    public required bool HotSparesRecommended { get; init; }
    /// <summary>Mean nodes out for repair (hardware interruptions × repair time).</summary>
    public required double NodesUnderRepair { get; init; }
    /// <summary>Probability that a hardware interruption finds no free spare.</summary>
    public required double SpareWaitProbability { get; init; }
    /// <summary>Young's interval √(2CM), seconds.</summary>
    public required double YoungIntervalSeconds { get; init; }
    /// <summary>Daly's higher-order interval, seconds.</summary>
    public required double DalyIntervalSeconds { get; init; }
    /// <summary>Availability-optimal period counting restart time, √(2C(M − D)), seconds.</summary>
    public required double OptimalIntervalSeconds { get; init; }
    /// <summary>The period used (given or optimal), seconds.</summary>
    public required double IntervalSeconds { get; init; }
    /// <summary>Effective training time ratio (goodput): 1 − lost.</summary>
    public required double EffectiveTrainingTimeRatio { get; init; }
    /// <summary>Where the rest goes.</summary>
    public required LostTimeBreakdown Lost { get; init; }
    /// <summary>Impossible inputs (checkpoint larger than storage, restarts slower than failures).</summary>
    public required IReadOnlyList<ScenarioError> Errors { get; init; }
    /// <summary>Defaults and inputs used, with sources.</summary>
    public required IReadOnlyList<GoodputAssumption> Assumptions { get; init; }
}

/// <summary>
/// The reliability and checkpoint model (docs/reliability.md): interruption rates per component class per GPU-hour
/// (Llama 3), Young's and Daly's intervals and the first-order availability-optimal period with downtime
/// (Herault &amp; Robert 2015), and the effective training time ratio with its breakdown. Pure arithmetic: call it once
/// for a chosen plan, never inside the plan search.
/// </summary>
public static class GoodputModel
{
    /// <summary>Young (1974): τ = √(2·C·M).</summary>
    public static double YoungInterval(double checkpointSeconds, double mtbiSeconds) => Math.Sqrt(2 * checkpointSeconds * mtbiSeconds);

    /// <summary>Daly (2006): τ = √(2CM)·[1 + ⅓√(C/2M) + ⅑(C/2M)] − C for C &lt; 2M, else M.</summary>
    public static double DalyInterval(double checkpointSeconds, double mtbiSeconds)
    {
        var c = checkpointSeconds;
        var m = mtbiSeconds;
        if (c >= 2 * m) return m;
        var x = c / (2 * m);
        return Math.Sqrt(2 * c * m) * (1 + Math.Sqrt(x) / 3 + x / 9) - c;
    }

    /// <summary>
    /// First-order availability-optimal period counting downtime (Herault &amp; Robert 2015 ch. 1):
    /// T = √(2·C·(M − D)), at least C + <paramref name="minimumWork"/>.
    /// </summary>
    public static double AvailabilityOptimalPeriod(double checkpointSeconds, double mtbiSeconds, double downtimeSeconds, double minimumWork = 0)
    {
        var usable = Math.Max(0, mtbiSeconds - downtimeSeconds);
        return Math.Max(Math.Sqrt(2 * checkpointSeconds * usable), checkpointSeconds + minimumWork);
    }

    /// <summary>
    /// Waste of period <paramref name="period"/>: C/T + (1 − C/T)·(D + T/2 + P)/M, split into checkpoint saves,
    /// lost work (T/2 + P, P the async persist window) and restarts (D). Clamped so the total is at most 1.
    /// </summary>
    public static LostTimeBreakdown Waste(double period, double checkpointSeconds, double mtbiSeconds, double downtimeSeconds, double persistSeconds = 0)
    {
        var saves = period > 0 ? Math.Min(1, checkpointSeconds / period) : 1;
        var working = 1 - saves;
        var lost = working * (period / 2 + persistSeconds) / mtbiSeconds;
        var restarts = working * downtimeSeconds / mtbiSeconds;
        var total = saves + lost + restarts;
        if (total > 1)
        {
            lost /= total;
            restarts /= total;
            saves /= total;
        }
        return new LostTimeBreakdown(saves, lost, restarts);
    }

    /// <summary>Goodput of a scenario's estimated plan with the shipped data.</summary>
    public static GoodputReport Evaluate(ResolvedScenario scenario, Estimate estimate) => Evaluate(scenario, estimate, ReliabilityData.Standard);

    /// <summary>Goodput of a scenario's estimated plan.</summary>
    public static GoodputReport Evaluate(ResolvedScenario scenario, Estimate estimate, ReliabilityData data)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(estimate);
        ArgumentNullException.ThrowIfNull(data);
        var r = scenario.Reliability ?? new ReliabilitySection();
        var inv = CultureInfo.InvariantCulture;
        var used = new List<GoodputAssumption>();
        var errors = new List<ScenarioError>();
        double Pick(double? value, string name)
        {
            var f = data.Defaults[name];
            var v = value ?? f.Value;
            used.Add(new GoodputAssumption(name, v.ToString("G4", inv), value is null ? f.Source : "scenario", value is null ? f.Basis : "input"));
            return v;
        }
        var gpus = scenario.System.Gpus;
        var perNode = Math.Max(1, scenario.System.GpusPerNode);

        // Interruptions: per-GPU-hour rates of each class × GPUs × scale.
        var scale = Pick(r.InterruptionRateScale, "interruptionRateScale");
        var includePlanned = r.IncludePlanned ?? data.Value("includePlanned") > 0;
        used.Add(new GoodputAssumption("includePlanned", includePlanned ? "true" : "false", r.IncludePlanned is null ? data.Defaults["includePlanned"].Source : "scenario", "assumed"));
        var byClass = new List<ClassInterruptions>();
        double perHour = 0, unexpectedPerHour = 0, hardwarePerHour = 0;
        foreach (var c in data.Classes)
        {
            if (c.Planned && !includePlanned) continue;
            var rate = c.RatePerGpuHour * gpus * scale;
            byClass.Add(new ClassInterruptions(c.Id, c.Name, rate * 24, c.Source));
            perHour += rate;
            if (!c.Planned) unexpectedPerHour += rate;
            if (c.Hardware) hardwarePerHour += rate;
        }
        var mtbi = perHour > 0 ? 3600 / perHour : double.PositiveInfinity;

        // Checkpoint: each GPU's unique shard of weights and optimizer state (docs/reliability.md §Checkpoint size).
        var (perGpuBytes, totalBytes) = CheckpointBytes(scenario, estimate);
        var nodeGBps = Pick(r.StorageGBpsPerNode, "storageGBpsPerNode");
        double totalBps;
        if (r.StorageTotalTBps is { } tb)
        {
            totalBps = tb * 1e12;
            used.Add(new GoodputAssumption("storageTotalTBps", tb.ToString("G4", inv), "scenario", "input"));
        }
        else
        {
            totalBps = Pick(null, "storageTotalGBpsPerGpu") * 1e9 * gpus;
        }
        var write = Math.Max(perGpuBytes * perNode / (nodeGBps * 1e9), totalBytes / totalBps);
        var load = write;
        if (r.StorageCapacityTB is { } capTb && totalBytes > capTb * 1e12)
        {
            errors.Add(new ScenarioError("$.reliability.storageCapacityTB", string.Create(inv,
                $"the checkpoint ({totalBytes / 1e12:N1} TB: weights and optimizer state of {estimate.TotalParameters:0.###e+0} parameters) is larger than the storage ({capTb:N1} TB); add storage or shard fewer optimizer states.")));
        }
        var mode = r.Checkpointing ?? data.Defaults["checkpointing"].Text ?? "sync";
        used.Add(new GoodputAssumption("checkpointing", mode, r.Checkpointing is null ? data.Defaults["checkpointing"].Source : "scenario", "assumed"));
        double blocking, persist;
        if (mode == "async")
        {
            var snap = Pick(r.AsyncSnapshotGBpsPerGpu, "asyncSnapshotGBpsPerGpu");
            blocking = perGpuBytes / (snap * 1e9);
            persist = write;
        }
        else
        {
            blocking = write;
            persist = 0;
        }

        // Restart: detection + rescheduling (spare or wait) for hardware faults + start-up + load.
        var detection = Pick(r.DetectionMinutes, "detectionMinutes") * 60;
        var init = Pick(r.InitMinutes, "initMinutes") * 60;
        var swap = Pick(r.SpareSwapMinutes, "spareSwapMinutes") * 60;
        var wait = Pick(r.WaitForRepairMinutes, "waitForRepairMinutes") * 60;
        var repairHours = Pick(r.RepairHours, "repairHours");
        var quantile = Pick(null, "spareQuantile");
        var underRepair = hardwarePerHour * repairHours;
        var recommended = PoissonQuantile(underRepair, quantile);
        var spares = r.HotSpareNodes ?? recommended;
        var pWait = PoissonTailAtLeast(underRepair, spares);
        var hardwareShare = perHour > 0 ? hardwarePerHour / perHour : 0;
        var reschedule = hardwareShare * (pWait * wait + (1 - pWait) * swap);
        var downtime = detection + reschedule + init + load;

        var young = YoungInterval(blocking, mtbi);
        var daly = DalyInterval(blocking, mtbi);
        // A checkpoint is taken between steps: the period is at least one step (and the async persist window).
        var optimal = AvailabilityOptimalPeriod(blocking, mtbi, downtime + persist, Math.Max(persist, estimate.StepTimeSeconds ?? 0));
        double period;
        if (r.CheckpointIntervalMinutes is { } minutes)
        {
            period = minutes * 60;
            used.Add(new GoodputAssumption("checkpointIntervalMinutes", minutes.ToString("G4", inv), "scenario", "input"));
        }
        else
        {
            period = optimal;
        }
        if (r.CheckpointIntervalMinutes is not null && period <= blocking)
        {
            errors.Add(new ScenarioError("$.reliability.checkpointIntervalMinutes", string.Create(inv,
                $"a checkpoint every {period:G3} s, but each save stops training for {blocking:N1} s: the cluster would only checkpoint. Give an interval longer than the save, or leave checkpointIntervalMinutes out for the availability-optimal one ({optimal / 60:N1} min).")));
        }
        if (mtbi <= downtime)
        {
            errors.Add(new ScenarioError("$.reliability", string.Create(inv,
                $"the cluster is interrupted every {mtbi / 60:N1} min on average but a restart takes {downtime / 60:N1} min: it never trains. Use fewer GPUs, hot spares, faster restarts or a lower interruptionRateScale.")));
        }
        var lost = double.IsPositiveInfinity(mtbi) ? new LostTimeBreakdown(period > 0 ? blocking / period : 0, 0, 0)
            : mtbi <= downtime ? new LostTimeBreakdown(0, 0, 1)
            : Waste(period, blocking, mtbi, downtime, persist);
        var ettr = Math.Clamp(1 - lost.Total, 0, 1);
        if (mtbi <= downtime) ettr = 0;
        return new GoodputReport
        {
            Gpus = gpus,
            InterruptionsPerDay = perHour * 24,
            UnexpectedPerDay = unexpectedPerHour * 24,
            MtbiHours = mtbi / 3600,
            ByClass = byClass,
            CheckpointBytesPerGpu = perGpuBytes,
            CheckpointTotalBytes = totalBytes,
            Checkpointing = mode,
            CheckpointBlockingSeconds = blocking,
            CheckpointWriteSeconds = write,
            CheckpointLoadSeconds = load,
            RestartSeconds = downtime,
            HotSpareNodes = spares,
            HotSparesRecommended = r.HotSpareNodes is null,
            NodesUnderRepair = underRepair,
            SpareWaitProbability = pWait,
            YoungIntervalSeconds = young,
            DalyIntervalSeconds = daly,
            OptimalIntervalSeconds = optimal,
            IntervalSeconds = period,
            EffectiveTrainingTimeRatio = ettr,
            Lost = lost,
            Errors = errors,
            Assumptions = used,
        };
    }

    /// <summary>
    /// Checkpoint bytes per GPU and in all: weights (replicated over data parallelism unless ZeRO-3 shards them) and
    /// optimizer state (sharded from ZeRO-1), each written once; from the estimate's per-GPU memory of the busiest stage.
    /// </summary>
    public static (double PerGpu, double Total) CheckpointBytes(ResolvedScenario scenario, Estimate estimate)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(estimate);
        var gpus = (double)scenario.System.Gpus;
        if (estimate.Memory is { } m)
        {
            var plan = estimate.ResolvedPlan ?? scenario.Plan;
            var d = Math.Max(1, plan.Data);
            var weights = m.WeightsGiB * Units.GiB / (plan.ZeroStage >= 3 ? 1 : d);
            var states = m.OptimizerStatesGiB * Units.GiB / (plan.ZeroStage >= 1 ? 1 : d);
            var perGpu = weights + states;
            return (perGpu, perGpu * gpus);
        }
        // No plan to read the shards from: 16-bit weights + 12 B/param of Adam state, spread evenly.
        var total = estimate.TotalParameters * 14;
        return (total / gpus, total);
    }

    /// <summary>Smallest k with P(K ≤ k) ≥ q for K ~ Poisson(λ).</summary>
    public static int PoissonQuantile(double lambda, double q)
    {
        if (lambda <= 0) return 0;
        var k = (int)Math.Max(0, Math.Floor(lambda - 10 * Math.Sqrt(lambda)));
        while (MathNet.Numerics.Distributions.Poisson.CDF(lambda, k) < q && k < 10_000_000) k++;
        return k;
    }

    /// <summary>P(K ≥ k) for K ~ Poisson(λ).</summary>
    public static double PoissonTailAtLeast(double lambda, int k)
    {
        if (k <= 0) return 1;
        if (lambda <= 0) return 0;
        return Math.Clamp(1 - MathNet.Numerics.Distributions.Poisson.CDF(lambda, k - 1), 0, 1);
    }
}
