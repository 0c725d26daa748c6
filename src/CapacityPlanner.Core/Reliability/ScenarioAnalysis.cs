using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Sites;

namespace CapacityPlanner.Core.Reliability;

/// <summary>
/// Completes an estimate with goodput (failures, checkpoints, restarts) and sites (power, cross-site traffic, DiLoCo),
/// and the time-to-train and GPU-hours they imply. Runs once per chosen plan (never in the plan search's hot path).
/// </summary>
public static class ScenarioAnalysis
{
    /// <summary>Estimates a scenario and completes it.</summary>
    public static Estimate EstimateWithGoodput(ResolvedScenario scenario) => Complete(scenario, Estimator.Estimate(scenario));

    /// <summary>Adds goodput and sites to an estimate of <paramref name="scenario"/>; their errors make it infeasible.</summary>
    public static Estimate Complete(ResolvedScenario scenario, Estimate estimate)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(estimate);
        // Power and sites are reported for every plan, valid or not (an invalid plan is a result with its reasons).
        var sites = CrossSiteModel.Evaluate(scenario, estimate);
        var goodput = GoodputModel.Evaluate(scenario, estimate);
        double? days = null, gpuHours = null;
        if (scenario.Training.Tokens is { } tokens && tokens > 0 && sites.StepTimeSeconds is { } step && goodput.EffectiveTrainingTimeRatio > 0)
        {
            var tokensPerStep = (double)scenario.Training.GlobalBatchSequences * scenario.Model.SequenceLength;
            var seconds = tokens * sites.TokenMultiplier / tokensPerStep * step / goodput.EffectiveTrainingTimeRatio;
            days = seconds / Units.SecondsPerDay;
            gpuHours = seconds / Units.SecondsPerHour * scenario.System.Gpus;
        }
        // A scenario whose sites or reliability inputs cannot work (data parallelism that does not split over the sites, a
        // cluster that restarts more often than it trains) is not a plan that runs: its errors join the plan's.
        var errors = estimate.Errors;
        if (sites.Errors.Count > 0 || goodput.Errors.Count > 0) errors = [.. estimate.Errors, .. sites.Errors, .. goodput.Errors];
        return estimate with
        {
            Feasible = estimate.Feasible && errors.Count == estimate.Errors.Count,
            Errors = errors,
            Goodput = goodput,
            Sites = sites,
            EffectiveTimeToTrainDays = days,
            EffectiveGpuHours = gpuHours,
        };
    }
}
