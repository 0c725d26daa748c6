using System.Globalization;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Web.Features.Planner;

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
/// The plain-language reading of an estimate: whether the step is compute-bound or communication-bound, which
/// collective over which fabric costs the most when communication shows, and the largest loss of the step whatever it
/// is (pipeline bubble, recompute, memory-bound kernels, optimizer or a parallelism axis's exposed communication).
/// Every figure comes from <see cref="StepTerms.From"/>, the same terms the chart and the table show.
/// </summary>
/// <param name="Level">Hidden, partly exposed or bound (communication).</param>
/// <param name="Headline">"Compute-bound: compute is 61.2 % of the step; communication hides behind compute" or
/// "Communication-bound by DP all-reduce over the scale-out network".</param>
/// <param name="Detail">The numbers behind it.</param>
/// <param name="DominantKey">Breakdown key of the largest exposed communication kind (e.g. dataParallel), or null.</param>
/// <param name="Limiter">What bounds the step: "compute", "communication" or the key of the loss that exceeds compute.</param>
/// <param name="LargestLossKey">Key of the largest term that is not the model's own math, or null when nothing is lost.</param>
/// <param name="LargestLoss">"Largest loss: pipeline bubble, 1.234 s (23.7 % of the step)", or null.</param>
public sealed record CommunicationVerdict(
    VerdictLevel Level, string Headline, string Detail, string? DominantKey, string Limiter, string? LargestLossKey, string? LargestLoss)
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
        var terms = StepTerms.From(b);
        var compute = StepTerms.ComputeSeconds(terms);
        var link = StepTerms.LinkSeconds(terms);
        var exposed = StepTerms.ExposedCommunicationSeconds(terms);
        var share = exposed / step;
        var inv = CultureInfo.InvariantCulture;
        var largest = StepTerms.LargestLoss(terms);
        var dominant = terms.Where(t => t.Kind == StepTermKind.Communication).MaxBy(t => t.Seconds)!;
        string What(StepTerm t) => $"{Collective(t.Key, plan)} over {Fabric(t.Key, plan, scenario)}";
        string? lossText = largest is null
            ? null
            : string.Create(inv, $"Largest loss: {(largest.Kind == StepTermKind.Communication ? "exposed " + What(largest) : largest.Label.ToLowerInvariant() + " (" + largest.Note + ")")}, {largest.Seconds:F3} s ({largest.Seconds / step * 100:F1} % of the step).");
        var detail = link > 0
            ? string.Create(inv, $"Compute {compute:F3} s ({compute / step * 100:F1} % of the step); {link:F3} s of link time per step, {exposed:F3} s of it exposed ({share * 100:F1} % of the step).")
            : string.Create(inv, $"Compute {compute:F3} s ({compute / step * 100:F1} % of the step); nothing crosses a link.");
        var computeShare = string.Create(inv, $"compute is {compute / step * 100:F1} % of the step");

        if (link > 0 && dominant.Seconds > 0 && exposed >= compute)
        {
            return new CommunicationVerdict(VerdictLevel.Bound, $"Communication-bound by {What(dominant)}", detail, dominant.Key,
                "communication", largest?.Key, lossText);
        }
        var level = link <= 0 || share < HiddenShare || dominant.Seconds <= 0 ? VerdictLevel.Hidden : VerdictLevel.PartlyExposed;
        var dominantKey = level == VerdictLevel.PartlyExposed ? dominant.Key : null;
        if (largest is not null && largest.Kind != StepTermKind.Communication && largest.Seconds > compute)
        {
            var headline = string.Create(inv, $"Bound by the {largest.Label.ToLowerInvariant()} ({largest.Seconds / step * 100:F1} % of the step), not by compute");
            return new CommunicationVerdict(level, headline, detail, dominantKey, largest.Key, largest.Key, lossText);
        }
        var comm = link <= 0
            ? "no communication: the plan runs on one GPU"
            : level == VerdictLevel.Hidden ? "communication hides behind compute" : $"communication partly exposed, mostly {What(dominant)}";
        return new CommunicationVerdict(level, $"Compute-bound: {computeShare}; {comm}", detail, dominantKey, "compute", largest?.Key, lossText);
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

    // Which fabric a group crosses, from the model's one rank placement (RankPlacement / PlanLayout).
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
        return RankPlacement.StaysInScaleUpDomain(plan, axis, scenario.System.ScaleUpDomainGpus)
            ? $"the scale-up fabric ({scenario.System.Chip.ScaleUp.Fabric})"
            : "the scale-out network";
    }
}
