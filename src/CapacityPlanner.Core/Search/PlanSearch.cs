using System.Diagnostics;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Scenarios;

namespace CapacityPlanner.Core.Search;

/// <summary>What the search ranks by.</summary>
public enum SearchObjective
{
    /// <summary>Shortest step time.</summary>
    Time,
    /// <summary>Fewest GPU-seconds per token (equals time at a fixed cluster size; differs across a sweep).</summary>
    Cost,
    /// <summary>Least memory per GPU (ties broken by time).</summary>
    Memory,
}

/// <summary>Why a candidate plan was rejected.</summary>
public enum RejectReason
{
    /// <summary>TP does not divide the attention heads.</summary>
    TensorDoesNotDivideHeads,
    /// <summary>TP neither divides nor is a multiple of the KV heads.</summary>
    TensorDoesNotFitKvHeads,
    /// <summary>TP does not divide the FFN width.</summary>
    TensorDoesNotDivideFfn,
    /// <summary>CP does not divide the sequence.</summary>
    ContextDoesNotDivideSequence,
    /// <summary>More pipeline stages (or chunks) than layers.</summary>
    PipelineExceedsLayers,
    /// <summary>Global batch not divisible by micro-batch × DP.</summary>
    BatchNotDivisible,
    /// <summary>EP does not divide experts or DP × CP.</summary>
    ExpertDoesNotDivide,
    /// <summary>Model states alone exceed HBM.</summary>
    OutOfMemoryStates,
    /// <summary>States plus activations exceed HBM.</summary>
    OutOfMemory,
}

/// <summary>Search settings.</summary>
/// <param name="Top">How many plans to return.</param>
/// <param name="Objective">Ranking objective.</param>
/// <param name="Exhaustive">Evaluate every candidate fully (no pruning); for cross-checks.</param>
public sealed record SearchOptions(int Top = 5, SearchObjective Objective = SearchObjective.Time, bool Exhaustive = false)
{
    /// <summary>
    /// Stops the search (with <see cref="OperationCanceledException"/>) when cancelled: the API abandons a search that
    /// runs past its time limit, and the work must stop rather than hold a core until it finishes.
    /// </summary>
    public CancellationToken Cancellation { get; init; }
}

/// <summary>A plan with its full estimate.</summary>
/// <param name="Plan">The plan.</param>
/// <param name="Estimate">Its estimate.</param>
public sealed record RankedPlan(ParallelismPlan Plan, Estimate Estimate);

/// <summary>The closest infeasible plan and what would make it fit.</summary>
/// <param name="Plan">The plan that came closest.</param>
/// <param name="MemoryGiB">Its memory per GPU.</param>
/// <param name="HbmCapacityGiB">HBM per GPU.</param>
/// <param name="Suggestions">What would make it fit.</param>
public sealed record NearMiss(ParallelismPlan Plan, double MemoryGiB, double HbmCapacityGiB, IReadOnlyList<string> Suggestions);

/// <summary>Search outcome.</summary>
public sealed record SearchResult
{
    /// <summary>Candidate plans evaluated (fully or up to the point of rejection).</summary>
    public required long Evaluated { get; init; }
    /// <summary>Valid plans that fit in memory.</summary>
    public required long Feasible { get; init; }
    /// <summary>Wall time of the search.</summary>
    public required double ElapsedMilliseconds { get; init; }
    /// <summary>The best plans, best first.</summary>
    public required IReadOnlyList<RankedPlan> Best { get; init; }
    /// <summary>Rejected candidates by reason (a sentence a person understands → count).</summary>
    public required IReadOnlyDictionary<string, long> Rejected { get; init; }
    /// <summary>Observations such as awkward cluster sizes.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }
    /// <summary>Why nothing was feasible, when nothing was.</summary>
    public string? EmptyReason { get; init; }
    /// <summary>Closest infeasible plan, when nothing was feasible.</summary>
    public NearMiss? Closest { get; init; }
}

/// <summary>
/// Finds the fastest valid, memory-feasible parallelism plan. Fields fixed in the scenario's <c>parallelism</c>
/// section are kept; the rest are searched: TP (with SP), CP, PP and virtual stages, DP (derived), EP,
/// micro-batch, ZeRO stage, recompute mode and rank placement. Model states are a cheap memory lower bound that
/// prunes before activations and time are costed; pruning never drops a feasible plan, so the best plan equals
/// the exhaustive one.
/// </summary>
public static class PlanSearch
{
    private static readonly RecomputeMode[] s_recompute = [RecomputeMode.None, RecomputeMode.Selective, RecomputeMode.Full];

    /// <summary>Searches with the shipped defaults.</summary>
    public static SearchResult Search(ResolvedScenario scenario, ParallelismSection? fixedFields, SearchOptions options) =>
        Search(scenario, fixedFields, options, ModelDefaults.Standard);

    /// <summary>Searches plans for the scenario's model, training and system.</summary>
    public static SearchResult Search(ResolvedScenario scenario, ParallelismSection? fixedFields, SearchOptions options, ModelDefaults defaults)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(defaults);
        var sw = Stopwatch.StartNew();
        var f = fixedFields ?? new ParallelismSection();
        var m = scenario.Model;
        var sys = scenario.System;
        var gpus = sys.Gpus;
        var batch = scenario.Training.GlobalBatchSequences;
        var hbm = sys.Chip.HbmCapacityBytes;
        var context = new CostContext(scenario, defaults);
        var rejected = new long[Enum.GetValues<RejectReason>().Length];
        var top = new TopList(Math.Max(1, options.Top), options.Objective);
        long evaluated = 0, feasible = 0;
        var closest = (Plan: default(PlanSpec), Bytes: double.MaxValue, Found: false);
        var warnings = new List<string>();
        var largestPrime = LargestPrimeFactor(gpus);
        if (largestPrime > 7)
        {
            warnings.Add($"{gpus:N0} GPUs has the prime factor {largestPrime}: tensor × pipeline × context × data must multiply to it, so one of them takes {largestPrime} or a multiple (awkward pipeline or data-parallel sizes). A nearby count such as {NiceNeighbour(gpus):N0} gives the search more room.");
        }
        if (sys.Chip.PeakFor(scenario.Training.Precision) is null)
        {
            return Empty(sw, evaluated, rejected, warnings, $"{sys.Chip.Id} has no {scenario.Training.Precision.ToId()} peak; choose another precision or chip.");
        }

        var placements = f.Placement is { Count: 5 }
            ? [PlanSpec.From(scenario.Plan).PackedPlacement]
            : new[] { PlanSpec.DefaultPlacement, PlanSpec.PipelineInsideData };
        var maxTensor = Math.Max(8, sys.ScaleUpDomainGpus);
        Span<int> zeroStages = stackalloc int[4];
        var zeroCount = 0;
        if (f.ZeroStage is { } z) zeroStages[zeroCount++] = z;
        else for (var i = 0; i <= 3; i++) zeroStages[zeroCount++] = i;

        foreach (var t in Candidates(f.Tensor, gpus, maxTensor))
        {
            if (m.AttentionHeads % t != 0) { rejected[(int)RejectReason.TensorDoesNotDivideHeads]++; evaluated++; continue; }
            if (m.KvHeads != m.AttentionHeads && m.KvHeads % t != 0 && t % m.KvHeads != 0) { rejected[(int)RejectReason.TensorDoesNotFitKvHeads]++; evaluated++; continue; }
            if (m.FfnHiddenSize % t != 0) { rejected[(int)RejectReason.TensorDoesNotDivideFfn]++; evaluated++; continue; }
            foreach (var c in Candidates(f.Context, gpus / t, 64))
            {
                if (m.SequenceLength % c != 0) { rejected[(int)RejectReason.ContextDoesNotDivideSequence]++; evaluated++; continue; }
                foreach (var p in Candidates(f.Pipeline, gpus / t / c, int.MaxValue))
                {
                    // Checked once per (TP, CP, PP) triple: cheap against the thousands of plans costed inside.
                    options.Cancellation.ThrowIfCancellationRequested();
                    if (p > m.Layers) { rejected[(int)RejectReason.PipelineExceedsLayers]++; evaluated++; continue; }
                    var dLong = gpus / ((long)t * c * p);
                    if (dLong > int.MaxValue) continue;
                    var d = (int)dLong;
                    if (f.Data is { } fd && fd != d) continue;
                    foreach (var v in VirtualCandidates(f.VirtualStages, p, m.Layers))
                    {
                        foreach (var b in MicroBatchCandidates(f.MicroBatchSize, batch, d))
                        {
                            if (batch % ((long)b * d) != 0) { rejected[(int)RejectReason.BatchNotDivisible]++; evaluated++; continue; }
                            foreach (var e in ExpertCandidates(f.Expert, m.Moe?.Experts ?? 1, (long)d * c))
                            {
                                if (m.Moe is null ? e != 1 : m.Moe.Experts % e != 0 || ((long)d * c) % e != 0) { rejected[(int)RejectReason.ExpertDoesNotDivide]++; evaluated++; continue; }
                                var sp = f.SequenceParallel ?? t > 1;
                                foreach (var rc in RecomputeCandidates(f.Recompute))
                                {
                                    foreach (var placement in placements)
                                    {
                                        for (var zi = 0; zi < zeroCount; zi++)
                                        {
                                            var plan = new PlanSpec(t, p, d, c, e, sp, v, b, zeroStages[zi], rc, placement);
                                            for (var hybrid = 0; hybrid < 2; hybrid++)
                                            {
                                            if (hybrid == 0 && f.ZeroShardScope == "domain" && plan.ZeroStage == 3) continue;
                                            if (hybrid == 1)
                                            {
                                                if (f.ZeroShardScope == "all" || !context.HybridShardingApplies(plan)) break;
                                                plan = plan with { ShardWithinDomain = true };
                                            }
                                            evaluated++;
                                            if (!options.Exhaustive && context.StateBytesLowerBound(plan) > hbm)
                                            {
                                                rejected[(int)RejectReason.OutOfMemoryStates]++;
                                                Track(ref closest, plan, context.StateBytesLowerBound(plan));
                                                continue;
                                            }
                                            var mem = context.PeakMemory(plan).Total;
                                            if (mem > hbm)
                                            {
                                                rejected[(int)RejectReason.OutOfMemory]++;
                                                Track(ref closest, plan, mem);
                                                continue;
                                            }
                                            feasible++;
                                            var key = options.Objective == SearchObjective.Memory ? mem : context.Evaluate(plan).StepSeconds;
                                            var tie = options.Objective == SearchObjective.Memory ? context.Evaluate(plan).StepSeconds : mem;
                                            top.Offer(plan, key, tie);
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        var best = top.Items.Select(i => Rank(scenario, i)).ToList();
        var reasons = new Dictionary<string, long>();
        for (var i = 0; i < rejected.Length; i++)
        {
            if (rejected[i] > 0) reasons[Describe((RejectReason)i, m, scenario)] = rejected[i];
        }
        string? emptyReason = null;
        NearMiss? nearMiss = null;
        if (best.Count == 0)
        {
            if (closest.Found)
            {
                var memGiB = closest.Bytes / Units.GiB;
                nearMiss = new NearMiss(closest.Plan.ToPlan(), memGiB, sys.Chip.HbmCapacityGiB, Suggestions(scenario, closest.Plan, memGiB));
                emptyReason = $"No plan fits in {sys.Chip.HbmCapacityGiB:F0} GiB per GPU; the closest needs {memGiB:F1} GiB.";
            }
            else
            {
                emptyReason = evaluated == 0
                    ? "The fixed parallelism fields leave no candidate: check that they multiply to a divisor of the GPU count."
                    : "Every candidate violates a structural constraint: " + string.Join("; ", reasons.Keys) + ".";
            }
        }
        return new SearchResult
        {
            Evaluated = evaluated,
            Feasible = feasible,
            ElapsedMilliseconds = sw.Elapsed.TotalMilliseconds,
            Best = best,
            Rejected = reasons,
            Warnings = warnings,
            EmptyReason = emptyReason,
            Closest = nearMiss,
        };
    }

    private static RankedPlan Rank(ResolvedScenario scenario, PlanSpec spec)
    {
        var plan = spec.ToPlan();
        return new RankedPlan(plan, Estimator.Estimate(scenario with { Plan = plan }));
    }

    private static void Track(ref (PlanSpec Plan, double Bytes, bool Found) closest, PlanSpec plan, double bytes)
    {
        if (bytes < closest.Bytes) closest = (plan, bytes, true);
    }

    private static SearchResult Empty(Stopwatch sw, long evaluated, long[] rejected, List<string> warnings, string reason) => new()
    {
        Evaluated = evaluated,
        Feasible = 0,
        ElapsedMilliseconds = sw.Elapsed.TotalMilliseconds,
        Best = [],
        Rejected = new Dictionary<string, long>(),
        Warnings = warnings,
        EmptyReason = reason,
    };

    private static List<string> Suggestions(ResolvedScenario scenario, PlanSpec plan, double needGiB)
    {
        var s = new List<string>();
        var hbm = scenario.System.Chip.HbmCapacityGiB;
        var ratio = needGiB / hbm;
        s.Add($"more GPUs: about {Math.Ceiling(ratio * 2) / 2:F1}× the current {scenario.System.Gpus:N0} shards the model states proportionally");
        if (plan.Recompute != RecomputeMode.Full) s.Add("recompute=full keeps only each layer's input");
        if (plan.ZeroStage < 3) s.Add("zeroStage 3 (FSDP) shards weights, gradients and optimizer states over data parallelism");
        var larger = HardwareCatalog.Default.Chips.Where(c => c.HbmCapacityGiB >= needGiB && c.PeakFor(scenario.Training.Precision) is not null)
            .OrderBy(c => c.HbmCapacityGiB).Take(3).Select(c => $"{c.Id} ({c.HbmCapacityGiB:F0} GiB)").ToList();
        if (larger.Count > 0) s.Add("a larger-memory chip: " + string.Join(", ", larger));
        return s;
    }

    private static string Describe(RejectReason r, Workload.TransformerModel m, ResolvedScenario s) => r switch
    {
        RejectReason.TensorDoesNotDivideHeads => $"TP does not divide {m.AttentionHeads} attention heads",
        RejectReason.TensorDoesNotFitKvHeads => $"TP does not divide or replicate {m.KvHeads} KV heads",
        RejectReason.TensorDoesNotDivideFfn => $"TP does not divide the FFN width {m.FfnHiddenSize}",
        RejectReason.ContextDoesNotDivideSequence => $"CP does not divide the sequence length {m.SequenceLength}",
        RejectReason.PipelineExceedsLayers => $"PP exceeds {m.Layers} layers",
        RejectReason.BatchNotDivisible => $"global batch {s.Training.GlobalBatchSequences} not divisible by micro-batch × DP",
        RejectReason.ExpertDoesNotDivide => "EP does not divide the experts or data × context",
        RejectReason.OutOfMemoryStates => "out of memory (model states alone)",
        RejectReason.OutOfMemory => "out of memory",
        _ => r.ToString(),
    };

    private static IEnumerable<int> Candidates(int? fixedValue, long n, int max)
    {
        if (fixedValue is { } v)
        {
            if (n % v == 0) yield return v;
            yield break;
        }
        foreach (var d in Divisors(n))
        {
            if (d > max) yield break;
            yield return (int)d;
        }
    }

    /// <summary>Divisors of n in increasing order.</summary>
    internal static List<long> Divisors(long n)
    {
        var small = new List<long>();
        var large = new List<long>();
        for (long d = 1; d * d <= n; d++)
        {
            if (n % d != 0) continue;
            small.Add(d);
            if (d * d != n) large.Add(n / d);
        }
        large.Reverse();
        small.AddRange(large);
        return small;
    }

    private static IEnumerable<int> VirtualCandidates(int? fixedValue, int p, int layers)
    {
        if (fixedValue is { } v)
        {
            if (v == 1 || p > 1) yield return v;
            yield break;
        }
        yield return 1;
        if (p == 1) yield break;
        var perStage = layers / p;
        for (var k = 2; k <= Math.Min(8, perStage); k++)
        {
            if (perStage % k == 0 && layers % (p * k) == 0) yield return k;
        }
    }

    private static IEnumerable<int> MicroBatchCandidates(int? fixedValue, int batch, int d)
    {
        if (fixedValue is { } b)
        {
            yield return b;
            yield break;
        }
        var perReplica = batch / Math.Max(1, d);
        var any = false;
        for (var b2 = 1; b2 <= 16 && b2 <= Math.Max(1, perReplica); b2 *= 2)
        {
            any = true;
            yield return b2;
        }
        if (!any) yield return 1;
    }

    private static IEnumerable<int> ExpertCandidates(int? fixedValue, int experts, long dataTimesContext)
    {
        if (fixedValue is { } e)
        {
            yield return e;
            yield break;
        }
        if (experts <= 1)
        {
            yield return 1;
            yield break;
        }
        for (var k = 1; k <= experts && k <= dataTimesContext; k *= 2)
        {
            if (experts % k == 0 && dataTimesContext % k == 0) yield return k;
        }
    }

    private static IEnumerable<RecomputeMode> RecomputeCandidates(string? fixedValue)
    {
        if (fixedValue is not null)
        {
            yield return fixedValue switch { "full" => RecomputeMode.Full, "selective" => RecomputeMode.Selective, _ => RecomputeMode.None };
            yield break;
        }
        foreach (var r in s_recompute) yield return r;
    }

    internal static long LargestPrimeFactor(long n)
    {
        long largest = 1;
        for (long f = 2; f * f <= n; f++)
        {
            while (n % f == 0)
            {
                largest = f;
                n /= f;
            }
        }
        return n > 1 ? Math.Max(largest, n) : largest;
    }

    private static long NiceNeighbour(long n)
    {
        for (long delta = 1; delta < n; delta++)
        {
            if (LargestPrimeFactor(n - delta) <= 5) return n - delta;
            if (LargestPrimeFactor(n + delta) <= 5) return n + delta;
        }
        return n;
    }

    /// <summary>Keeps the N best plans by (key, tie) without allocating per offer.</summary>
    private sealed class TopList(int capacity, SearchObjective objective)
    {
        private readonly List<(PlanSpec Plan, double Key, double Tie)> _items = new(capacity + 1);

        public IEnumerable<PlanSpec> Items => _items.Select(i => i.Plan);

        public void Offer(PlanSpec plan, double key, double tie)
        {
            _ = objective;
            if (_items.Count == capacity && !Better(key, tie, _items[^1].Key, _items[^1].Tie)) return;
            var i = _items.Count;
            while (i > 0 && Better(key, tie, _items[i - 1].Key, _items[i - 1].Tie)) i--;
            _items.Insert(i, (plan, key, tie));
            if (_items.Count > capacity) _items.RemoveAt(_items.Count - 1);
        }

        private static bool Better(double key, double tie, double otherKey, double otherTie) =>
            key < otherKey || (key == otherKey && tie < otherTie);
    }
}
