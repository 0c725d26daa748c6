using System.Globalization;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Web.Estimates;

/// <summary>How much of the step communication costs.</summary>
public enum VerdictLevel
{
    /// <summary>Exposed communication is under 10 % of the step: it hides behind compute.</summary>
    Hidden,
    /// <summary>Exposed communication is noticeable but compute still dominates.</summary>
    PartlyExposed,
    /// <summary>Exposed communication exceeds compute: communication-bound.</summary>
    Bound,
}

/// <summary>
/// The plain-language reading of an estimate's compute/communication balance: whether communication hides behind
/// compute, and if not, which collective over which fabric costs the step.
/// </summary>
/// <param name="Level">Hidden, partly exposed or bound.</param>
/// <param name="Headline">"Communication hides behind compute" or "Communication-bound by DP all-reduce over the scale-out network".</param>
/// <param name="Detail">The numbers behind it.</param>
/// <param name="DominantKey">Breakdown key of the largest exposed kind (e.g. dataParallel), or null.</param>
public sealed record CommunicationVerdict(VerdictLevel Level, string Headline, string Detail, string? DominantKey)
{
    /// <summary>Exposed share of the step below which communication counts as hidden.</summary>
    public const double HiddenShare = 0.10;

    /// <summary>Reads an estimate.</summary>
    public static CommunicationVerdict? From(Estimate estimate, ResolvedScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        ArgumentNullException.ThrowIfNull(scenario);
        if (estimate is not { Breakdown: { } b, StepTimeSeconds: { } step } || step <= 0) return null;
        var plan = estimate.ResolvedPlan ?? scenario.Plan;
        var c = b.Communication;
        var compute = b.ComputeSeconds + b.RecomputeSeconds + b.MemoryBoundSeconds;
        var link = c.TotalLinkSeconds;
        var exposed = c.TotalExposedSeconds;
        var share = exposed / step;
        var inv = CultureInfo.InvariantCulture;
        var numbers = string.Create(inv,
            $"{link:F3} s of link time per step, {exposed:F3} s of it exposed ({share * 100:F1} % of the step); compute {compute:F3} s.");
        if (link <= 0)
        {
            return new CommunicationVerdict(VerdictLevel.Hidden, "No communication: the plan runs on one GPU",
                string.Create(inv, $"Compute {compute:F3} s per step; nothing crosses a link."), null);
        }
        var kinds = new (string Key, CommunicationTime Time)[]
        {
            ("tensorParallel", c.TensorParallel), ("contextParallel", c.ContextParallel), ("expertParallel", c.ExpertParallel),
            ("pipelineParallel", c.PipelineParallel), ("dataParallel", c.DataParallel),
        };
        var dominant = kinds.MaxBy(k => k.Time.ExposedSeconds);
        if (share < HiddenShare || dominant.Time.ExposedSeconds <= 0)
        {
            return new CommunicationVerdict(VerdictLevel.Hidden, "Communication hides behind compute", numbers, null);
        }
        var what = $"{Collective(dominant.Key, plan)} over {Fabric(dominant.Key, plan, scenario)}";
        return exposed >= compute
            ? new CommunicationVerdict(VerdictLevel.Bound, $"Communication-bound by {what}", numbers, dominant.Key)
            : new CommunicationVerdict(VerdictLevel.PartlyExposed, $"Communication partly exposed, mostly {what}", numbers, dominant.Key);
    }

    private static string Collective(string key, ParallelismPlan plan) => key switch
    {
        "tensorParallel" => plan.SequenceParallel ? "TP all-gather/reduce-scatter (sequence parallel)" : "TP all-reduce",
        "contextParallel" => "the CP ring K/V exchange",
        "expertParallel" => "the EP token all-to-all",
        "pipelineParallel" => "PP send/receive between stages",
        _ => plan.ZeroStage switch
        {
            0 => "DP all-reduce",
            1 or 2 => "DP reduce-scatter + all-gather (ZeRO-" + plan.ZeroStage.ToString(CultureInfo.InvariantCulture) + ")",
            _ => "ZeRO-3 parameter gathers and gradient reduce-scatter",
        },
    };

    // Which fabric a group crosses: ranks are placed innermost first; a group whose span (its stride × its size)
    // exceeds the scale-up domain leaves it and runs over the scale-out network.
    private static string Fabric(string key, ParallelismPlan plan, ResolvedScenario scenario)
    {
        var axis = key switch
        {
            "tensorParallel" => ParallelAxis.Tensor,
            "contextParallel" => ParallelAxis.Context,
            "expertParallel" => ParallelAxis.Expert,
            "pipelineParallel" => ParallelAxis.Pipeline,
            _ => ParallelAxis.Data,
        };
        long stride = 1;
        foreach (var a in plan.Placement)
        {
            if (a == axis) break;
            stride *= Size(a, plan);
        }
        var span = stride * (axis == ParallelAxis.Expert ? plan.Expert : Size(axis, plan));
        return span > scenario.System.ScaleUpDomainGpus
            ? "the scale-out network"
            : $"the scale-up fabric ({scenario.System.Chip.ScaleUp.Fabric})";
    }

    private static long Size(ParallelAxis axis, ParallelismPlan plan) => axis switch
    {
        ParallelAxis.Tensor => plan.Tensor,
        ParallelAxis.Context => plan.Context,
        ParallelAxis.Expert => 1, // expert groups are carved out of DP × CP and add no ranks of their own
        ParallelAxis.Data => plan.Data,
        _ => plan.Pipeline,
    };
}
