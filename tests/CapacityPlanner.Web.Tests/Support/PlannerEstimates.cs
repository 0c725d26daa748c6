using CapacityPlanner.Web.Features.Planner;
using CapacityPlanner.Web.Options;
using CapacityPlanner.Web.Shared;
using CapacityPlanner.Web.Shared.Scenario;
using Microsoft.Extensions.Logging.Abstractions;

namespace CapacityPlanner.Web.Tests.Support;

/// <summary>The Planner's estimate of a form, as the page computes it (default options), asserted to have produced a step time.</summary>
internal static class PlannerEstimates
{
    public static EstimateOutcome Of(PlannerInput input)
    {
        var outcome = new EstimateService(Microsoft.Extensions.Options.Options.Create(new PlannerOptions()), NullLogger<EstimateService>.Instance).Estimate(input);
        Assert.True(outcome.Estimate?.StepTimeSeconds is not null, string.Join("; ", outcome.Errors.Select(e => e.Message)));
        return outcome;
    }
}
