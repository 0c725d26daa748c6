using System.Globalization;
using CapacityPlanner.Contracts.Results;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Search;

namespace CapacityPlanner.Web.Features.Planner;

/// <summary>
/// A row of "Best plans": the best plan of a group and its near-duplicates, the plans with the same degrees,
/// micro-batch and ZeRO stage that differ only in recompute, sequence parallelism or rank placement.
/// </summary>
/// <param name="Best">The group's best plan by the search objective.</param>
/// <param name="Variants">The other plans of the group, in rank order.</param>
public sealed record PlanGroup(RankedPlan Best, IReadOnlyList<RankedPlan> Variants);

/// <summary>Groups the search's ranked plans and describes plans in words.</summary>
public static class PlanGroups
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>The first <paramref name="top"/> groups of a ranked list (rank order kept).</summary>
    public static IReadOnlyList<PlanGroup> Group(IReadOnlyList<RankedPlan> ranked, int top)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        var groups = new List<(string Key, RankedPlan Best, List<RankedPlan> Variants)>();
        foreach (var r in ranked)
        {
            var key = Key(r.Plan);
            var g = groups.FindIndex(x => x.Key == key);
            if (g >= 0) groups[g].Variants.Add(r);
            else groups.Add((key, r, []));
        }
        return groups.Take(top).Select(g => new PlanGroup(g.Best, g.Variants)).ToList();
    }

    /// <summary>The plan without its placement: "TP8+SP PP8×3 DP16 mb1 ZeRO-1 selective".</summary>
    public static string Shape(ParallelismPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var s = PlanJson.Describe(plan);
        var bracket = s.IndexOf(" [", StringComparison.Ordinal);
        return bracket < 0 ? s : s[..bracket];
    }

    /// <summary>Where the ranks of each group sit, in words.</summary>
    public static string Placement(ParallelismPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var pipelineOutermost = plan.Placement.Count == 0 || plan.Placement[^1] == ParallelAxis.Pipeline;
        var inner = plan.Tensor > 1 ? "tensor-parallel ranks are neighbours (same node)" : "no tensor parallelism";
        return pipelineOutermost
            ? $"Placement: {inner}; data-parallel replicas next; pipeline stages outermost, so stage-to-stage sends cross nodes (Megatron default)."
            : $"Placement: {inner}; pipeline stages next; data-parallel replicas outermost, so gradient reduction spans the whole cluster.";
    }

    /// <summary>How the variants differ from the best plan: "also full recompute (+2.1 %), pipeline inside data (+0.4 %)".</summary>
    public static string VariantsText(PlanGroup group, SearchObjective objective)
    {
        ArgumentNullException.ThrowIfNull(group);
        var b = group.Best.Plan;
        var parts = group.Variants.Select(v =>
        {
            var p = v.Plan;
            var diffs = new List<string>();
            if (p.Recompute != b.Recompute) diffs.Add(p.Recompute.ToString().ToLowerInvariant() + " recompute");
            if (p.SequenceParallel != b.SequenceParallel) diffs.Add(p.SequenceParallel ? "sequence parallel" : "no sequence parallel");
            if (!p.Placement.SequenceEqual(b.Placement)) diffs.Add(p.Placement.Count > 0 && p.Placement[^1] == ParallelAxis.Pipeline ? "pipeline outermost" : "pipeline inside data");
            if (p.ZeroShardScope != b.ZeroShardScope) diffs.Add("ZeRO shard scope " + p.ZeroShardScope.ToString().ToLowerInvariant());
            var what = diffs.Count > 0 ? string.Join(", ", diffs) : "same shape";
            return $"{what} ({Delta(group.Best, v, objective)})";
        });
        return "Near-duplicates: " + string.Join("; ", parts) + ".";
    }

    private static string Delta(RankedPlan best, RankedPlan other, SearchObjective objective)
    {
        var (a, b, unit) = objective == SearchObjective.Memory
            ? (best.Estimate.MemoryPerGpuGiB ?? 0, other.Estimate.MemoryPerGpuGiB ?? 0, "memory")
            : (best.Estimate.StepTimeSeconds ?? 0, other.Estimate.StepTimeSeconds ?? 0, "step");
        return a > 0 ? string.Create(s_inv, $"{(b / a - 1) * 100:+0.0;-0.0;0.0} % {unit}") : unit;
    }

    private static string Key(ParallelismPlan p) => string.Create(s_inv,
        $"{p.Tensor}/{p.Pipeline}/{p.VirtualStages}/{p.Data}/{p.Context}/{p.Expert}/{p.MicroBatchSize}/{p.ZeroStage}");
}
