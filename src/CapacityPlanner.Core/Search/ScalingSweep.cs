using System.Diagnostics;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using MathNet.Numerics;
using MathNet.Numerics.RootFinding;

namespace CapacityPlanner.Core.Search;

/// <summary>Strong scaling keeps the global batch; weak scaling grows it with the cluster.</summary>
public enum ScalingMode
{
    /// <summary>Same global batch at every size.</summary>
    Strong,
    /// <summary>Global batch proportional to the GPU count: the scenario's batch per GPU at every size.</summary>
    Weak,
}

/// <summary>Compute ÷ link time of each parallel dimension (null where the dimension does not communicate).</summary>
/// <param name="Tensor">TP/SP.</param>
/// <param name="Pipeline">PP.</param>
/// <param name="Data">DP and ZeRO.</param>
/// <param name="Context">CP.</param>
/// <param name="Expert">EP.</param>
public sealed record PerDimensionRatio(double? Tensor, double? Pipeline, double? Data, double? Context, double? Expert);

/// <summary>One cluster size of a sweep.</summary>
public sealed record SweepPoint
{
    /// <summary>GPUs.</summary>
    public required long Gpus { get; init; }
    /// <summary>Global batch used at this size.</summary>
    public required int GlobalBatchSequences { get; init; }
    /// <summary>Best plan, or null when nothing fits.</summary>
    public ParallelismPlan? Parallelism { get; init; }
    /// <summary>Its estimate.</summary>
    public Estimate? Estimate { get; init; }
    /// <summary>Step time.</summary>
    public double? StepTimeSeconds { get; init; }
    /// <summary>Tokens per second.</summary>
    public double? TokensPerSecond { get; init; }
    /// <summary>MFU.</summary>
    public double? Mfu { get; init; }
    /// <summary>Per-GPU throughput relative to the smallest feasible size.</summary>
    public double? ScalingEfficiency { get; init; }
    /// <summary>Goodput at this size (failures, checkpoints, restarts; docs/reliability.md).</summary>
    public double? EffectiveTrainingTimeRatio { get; init; }
    /// <summary>Expected interruptions per day at this size.</summary>
    public double? InterruptionsPerDay { get; init; }
    /// <summary>Per-GPU goodput throughput relative to the smallest feasible size: does a 10× cluster give 10× training?</summary>
    public double? ScalingEfficiencyWithFailures { get; init; }
    /// <summary>Compute ÷ all communication link time.</summary>
    public double? ComputeToCommunicationRatio { get; init; }
    /// <summary>Compute ÷ exposed communication time (null when nothing is exposed).</summary>
    public double? ComputeToExposedCommunicationRatio { get; init; }
    /// <summary>Compute ÷ link time per dimension.</summary>
    public PerDimensionRatio? PerDimensionRatio { get; init; }
    /// <summary>The dimension with the most exposed time.</summary>
    public string? DominantDimension { get; init; }
    /// <summary>Why no plan fits, when none does.</summary>
    public string? Infeasible { get; init; }
}

/// <summary>A whole sweep.</summary>
public sealed record SweepResult
{
    /// <summary>Points in increasing GPU count.</summary>
    public required IReadOnlyList<SweepPoint> Points { get; init; }
    /// <summary>Cluster size where exposed communication equals compute (ratio 1), by root finding over log₂ GPUs.</summary>
    public double? BreakEvenGpus { get; init; }
    /// <summary>The dimension that dominates exposed communication there.</summary>
    public string? BreakEvenDimension { get; init; }
    /// <summary>Cluster size where scaling efficiency falls to 50%.</summary>
    public double? HalfEfficiencyGpus { get; init; }
    /// <summary>Scaling mode.</summary>
    public required ScalingMode Mode { get; init; }
    /// <summary>Wall time.</summary>
    public required double ElapsedMilliseconds { get; init; }
    /// <summary>Plans evaluated over all sizes.</summary>
    public required long Evaluated { get; init; }
}

/// <summary>
/// Best plan at each cluster size, scaling efficiency and the compute/communication ratio overall and per
/// dimension; the break-even size where exposed communication equals compute.
/// </summary>
public static class ScalingSweep
{
    /// <summary>
    /// Reads a list of cluster sizes as the CLI's <c>--gpus</c> and the API's <c>gpus</c> take it: "8..131072" (powers of two)
    /// or "8,64,512"; null with a sentence in <paramref name="error"/> when it is not one.
    /// </summary>
    public static IReadOnlyList<long>? ParseCounts(string text, long maxGpus, int maxSizes, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        error = null;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        const System.Globalization.NumberStyles Digits = System.Globalization.NumberStyles.None;
        var range = text.Split("..");
        if (range.Length == 2)
        {
            if (long.TryParse(range[0], Digits, inv, out var lo) && long.TryParse(range[1], Digits, inv, out var hi)
                && lo >= 1 && hi >= lo && hi <= maxGpus)
            {
                return PowersOfTwo(lo, hi);
            }
            error = string.Create(inv, $"range \"{text}\" must be MIN..MAX with 1 ≤ MIN ≤ MAX ≤ {maxGpus:N0} (e.g. 8..131072).");
            return null;
        }
        var list = new List<long>();
        foreach (var part in text.Split(','))
        {
            if (!long.TryParse(part.Trim(), Digits, inv, out var n) || n < 1 || n > maxGpus)
            {
                error = string.Create(inv, $"expects MIN..MAX or a comma-separated list of GPU counts; \"{part}\" is not a count from 1 to {maxGpus:N0}.");
                return null;
            }
            list.Add(n);
        }
        if (list.Count > maxSizes)
        {
            error = string.Create(inv, $"lists at most {maxSizes} sizes.");
            return null;
        }
        return list;
    }

    /// <summary>Powers of two from <paramref name="min"/> to <paramref name="max"/> inclusive.</summary>
    public static IReadOnlyList<long> PowersOfTwo(long min, long max)
    {
        var list = new List<long>();
        long n = 1;
        while (n < min) n *= 2;
        for (; n <= max; n *= 2) list.Add(n);
        if (list.Count == 0 || list[0] != min) list.Insert(0, min);
        return list.Distinct().Order().ToList();
    }

    /// <summary>Runs the sweep; <paramref name="cancellationToken"/> stops it between and inside the searches.</summary>
    public static SweepResult Run(ResolvedScenario scenario, SearchConstraints constraints, IReadOnlyList<long> gpuCounts, ScalingMode mode,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(constraints);
        ArgumentNullException.ThrowIfNull(gpuCounts);
        var sw = Stopwatch.StartNew();
        var counts = gpuCounts.Where(g => g >= 1).Distinct().Order().ToList();
        // Weak scaling keeps the scenario's own batch per GPU: its global batch belongs to its own GPU count, whatever
        // sizes the sweep visits (a size gets the same batch however the range starts).
        var baseGpus = Math.Max(1, scenario.System.Gpus);
        var points = new List<SweepPoint>();
        long evaluated = 0;
        double? basePerGpu = null, baseGoodPerGpu = null;
        // A domain smaller than both the chip's and the cluster was set by the user (network.scaleUpDomainGpus): keep it.
        var chipDomain = scenario.System.Chip.ScaleUp.DomainSize;
        var domain = scenario.System.ScaleUpDomainGpus < Math.Min(chipDomain, scenario.System.Gpus) ? scenario.System.ScaleUpDomainGpus : chipDomain;
        foreach (var n in counts)
        {
            var batch = mode == ScalingMode.Strong
                ? scenario.Training.GlobalBatchSequences
                : (int)Math.Min(int.MaxValue, Math.Max(1, Math.Round((double)scenario.Training.GlobalBatchSequences * n / baseGpus)));
            var sized = scenario with
            {
                System = scenario.System with { Gpus = n, ScaleUpDomainGpus = (int)Math.Min(domain, n) },
                Training = scenario.Training with { GlobalBatchSequences = batch },
            };
            var result = PlanSearch.Search(sized, constraints, new SearchOptions(Top: 1) { Cancellation = cancellationToken });
            evaluated += result.Evaluated;
            if (result.Best.Count == 0)
            {
                points.Add(new SweepPoint { Gpus = n, GlobalBatchSequences = batch, Infeasible = result.EmptyReason ?? "no feasible plan" });
                continue;
            }
            var best = result.Best[0];
            var e = best.Estimate;
            var perGpu = e.TokensPerSecond!.Value / n;
            basePerGpu ??= perGpu;
            // Goodput once for the chosen plan (never inside the search).
            var goodput = Reliability.GoodputModel.Evaluate(sized with { Plan = best.Plan }, e);
            var goodPerGpu = perGpu * goodput.EffectiveTrainingTimeRatio;
            baseGoodPerGpu ??= goodPerGpu;
            var b = e.Breakdown!;
            var compute = b.ComputeSeconds + b.RecomputeSeconds + b.MemoryBoundSeconds;
            double? R(CommunicationTime c) => c.LinkSeconds > 0 ? compute / c.LinkSeconds : null;
            var comm = b.Communication;
            var dims = new (string Name, double Exposed)[]
            {
                ("tensor", comm.TensorParallel.ExposedSeconds), ("pipeline", comm.PipelineParallel.ExposedSeconds + b.BubbleSeconds),
                ("data", comm.DataParallel.ExposedSeconds), ("context", comm.ContextParallel.ExposedSeconds), ("expert", comm.ExpertParallel.ExposedSeconds),
            };
            var dominant = dims.MaxBy(d => d.Exposed);
            points.Add(new SweepPoint
            {
                Gpus = n,
                GlobalBatchSequences = batch,
                Parallelism = best.Plan,
                Estimate = e,
                StepTimeSeconds = e.StepTimeSeconds,
                TokensPerSecond = e.TokensPerSecond,
                Mfu = e.Mfu,
                ScalingEfficiency = perGpu / basePerGpu,
                EffectiveTrainingTimeRatio = goodput.EffectiveTrainingTimeRatio,
                InterruptionsPerDay = goodput.InterruptionsPerDay,
                ScalingEfficiencyWithFailures = baseGoodPerGpu > 0 ? goodPerGpu / baseGoodPerGpu : null,
                ComputeToCommunicationRatio = e.ComputeToCommunicationRatio,
                ComputeToExposedCommunicationRatio = e.ComputeToExposedCommunicationRatio,
                PerDimensionRatio = new PerDimensionRatio(R(comm.TensorParallel), R(comm.PipelineParallel), R(comm.DataParallel), R(comm.ContextParallel), R(comm.ExpertParallel)),
                DominantDimension = dominant.Exposed > 0 ? dominant.Name : null,
            });
        }

        var feasible = points.Where(p => p.Estimate is not null).ToList();
        var breakEven = Crossing(feasible, p => Math.Log(Math.Max(1e-9, p.ComputeToExposedCommunicationRatio ?? 1e9)), 0);
        var half = Crossing(feasible, p => p.ScalingEfficiency!.Value, 0.5);
        string? breakEvenDim = null;
        if (breakEven is { } be)
        {
            breakEvenDim = feasible.MinBy(p => Math.Abs(Math.Log2(p.Gpus) - Math.Log2(be)))?.DominantDimension;
        }
        return new SweepResult
        {
            Points = points,
            BreakEvenGpus = breakEven,
            BreakEvenDimension = breakEvenDim,
            HalfEfficiencyGpus = half,
            Mode = mode,
            ElapsedMilliseconds = sw.Elapsed.TotalMilliseconds,
            Evaluated = evaluated,
        };
    }

    /// <summary>
    /// First GPU count where <paramref name="value"/> crosses <paramref name="level"/> going down, found with Brent's
    /// method on the linear interpolant over log₂ GPUs (MathNet.Numerics).
    /// </summary>
    internal static double? Crossing(IReadOnlyList<SweepPoint> points, Func<SweepPoint, double> value, double level)
    {
        if (points.Count < 2) return null;
        var xs = points.Select(p => Math.Log2(p.Gpus)).ToArray();
        var ys = points.Select(p => value(p) - level).ToArray();
        if (ys[0] <= 0) return null; // already below the level at the smallest size
        var curve = Interpolate.Linear(xs, ys);
        for (var i = 1; i < xs.Length; i++)
        {
            if (ys[i] <= 0)
            {
                if (ys[i] == 0) return points[i].Gpus;
                var root = Brent.FindRoot(curve.Interpolate, xs[i - 1], xs[i], 1e-10, 200);
                return Math.Pow(2, root);
            }
        }
        return null;
    }
}
