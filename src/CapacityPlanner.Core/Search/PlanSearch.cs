using System.Diagnostics;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;

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
/// Finds the fastest valid, memory-feasible parallelism plan. The fields the <see cref="SearchConstraints"/> fix (a
/// scenario's <c>parallelism</c> section, typed) are kept; the rest are searched: TP (with SP), CP, PP and virtual
/// stages, DP (derived), EP, micro-batch, ZeRO stage, recompute mode and rank placement. Model states are a cheap memory
/// lower bound that prunes before activations and time are costed; pruning never drops a feasible plan, so the best
/// plan equals the exhaustive one.
/// </summary>
public static class PlanSearch
{
    /// <summary>
    /// Searches plans for the scenario's model, training and system: candidates from <see cref="PlanCandidates"/>
    /// (structural rules applied), then a memory lower bound, the full memory, and the cost and rank of what fits.
    /// </summary>
    public static SearchResult Search(ResolvedScenario scenario, SearchConstraints constraints, SearchOptions options, ModelDefaults? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(constraints);
        ArgumentNullException.ThrowIfNull(options);
        var sw = Stopwatch.StartNew();
        var m = scenario.Model;
        var sys = scenario.System;
        var gpus = sys.Gpus;
        var batch = scenario.Training.GlobalBatchSequences;
        var hbm = sys.Chip.HbmCapacityBytes;
        var context = new CostContext(scenario, defaults ?? ModelDefaults.Standard);
        var ruleRejections = new long[PlanRules.Count];
        long statesOverflow = 0, memoryOverflow = 0;
        var top = new TopList(Math.Max(1, options.Top));
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
            return Empty(sw, warnings, $"{sys.Chip.Id} has no {scenario.Training.Precision.ToId()} peak; choose another precision or chip.");
        }
        if (FixedDegreesMismatch(constraints, gpus) is { } mismatch)
        {
            return Empty(sw, warnings, mismatch);
        }

        foreach (var candidate in PlanCandidates.Enumerate(m, batch, gpus, sys.ScaleUpDomainGpus, scenario.Training.EffectiveStack, constraints, options.Cancellation))
        {
            evaluated++;
            if (candidate.Rejected is { } rule)
            {
                ruleRejections[(int)rule]++;
                continue;
            }
            var plan = candidate.Plan;
            if (!options.Exhaustive && context.StateBytesLowerBound(plan) is var states && states > hbm)
            {
                statesOverflow++;
                Track(ref closest, plan, states);
                continue;
            }
            var mem = context.PeakMemory(plan).Total;
            if (mem > hbm)
            {
                // A plan without pipelining or recompute may fit by offloading its layers' activations to host memory, on a
                // stack that does (Megatron-Core's cpu_offloading_num_layers): the fewest layers that make it fit, where the
                // host has room for them.
                if (context.OffloadLayersToFit(plan, mem, hbm) is > 0 and var offload)
                {
                    plan = plan with { ActivationOffloadLayers = offload };
                    mem = context.PeakMemory(plan).Total;
                }
                else
                {
                    memoryOverflow++;
                    Track(ref closest, plan, mem);
                    continue;
                }
            }
            feasible++;
            var time = context.Evaluate(plan).StepSeconds;
            var (key, tie) = options.Objective == SearchObjective.Memory ? (mem, time) : (time, mem);
            top.Offer(plan, key, tie);
        }

        var best = top.Items.Select(i => Rank(scenario, i)).ToList();
        var reasons = new Dictionary<string, long>();
        for (var i = 0; i < ruleRejections.Length; i++)
        {
            if (ruleRejections[i] == 0) continue;
            var reason = PlanRules.Summary((PlanRule)i, m, batch);
            reasons[reason] = reasons.GetValueOrDefault(reason) + ruleRejections[i];
        }
        if (statesOverflow > 0) reasons["out of memory (model states alone)"] = statesOverflow;
        if (memoryOverflow > 0) reasons["out of memory"] = memoryOverflow;
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

    /// <summary>
    /// A sentence when the degrees the scenario fixes (tensor, pipeline, context, data) cannot multiply to the GPU count
    /// whatever the search picks for the rest, else null.
    /// </summary>
    internal static string? FixedDegreesMismatch(SearchConstraints constraints, long gpus)
    {
        var names = new List<string>();
        long product = 1;
        void Add(string name, int? degree)
        {
            if (degree is not > 0) return;
            names.Add($"{name} {degree}");
            product *= degree.Value;
        }
        Add("tensor", constraints.Tensor);
        Add("pipeline", constraints.Pipeline);
        Add("context", constraints.Context);
        Add("data", constraints.Data);
        if (names.Count == 0 || gpus % product == 0) return null;
        var fields = string.Join(" × ", names);
        return names.Count == 1
            ? $"The scenario fixes {fields}, which does not divide {gpus:N0} GPUs; choose a GPU count that is a multiple of {product:N0}, or leave that field to the search."
            : $"The scenario fixes {fields} = {product:N0}, which does not divide {gpus:N0} GPUs; choose a GPU count that is a multiple of {product:N0}, or leave those fields to the search.";
    }

    private static SearchResult Empty(Stopwatch sw, List<string> warnings, string reason) => new()
    {
        Evaluated = 0,
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
    private sealed class TopList(int capacity)
    {
        private readonly List<(PlanSpec Plan, double Key, double Tie)> _items = new(capacity + 1);

        public IEnumerable<PlanSpec> Items => _items.Select(i => i.Plan);

        public void Offer(PlanSpec plan, double key, double tie)
        {
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
