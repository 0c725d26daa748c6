using CapacityPlanner.Core.Validation;
using CapacityPlanner.Web.Api;

namespace CapacityPlanner.Web.Features.Validation;

/// <summary>One run on the Validation page: a shipped published run or a user-measured one, with the model's result.</summary>
/// <param name="Id">Case id (shipped) or the stored run's id (user).</param>
/// <param name="Name">Display name: the case id, or the user's name for the run.</param>
/// <param name="Family">Family.</param>
/// <param name="Chip">Chip id ("?" when the scenario does not resolve).</param>
/// <param name="Gpus">GPU count.</param>
/// <param name="Stack">Software stack the estimate used.</param>
/// <param name="Metric">What was measured.</param>
/// <param name="Published">The published (or measured) value.</param>
/// <param name="Predicted">The model's value of the same metric; null when there is none.</param>
/// <param name="Error">Throughput error (predicted / published throughput − 1); null without a prediction.</param>
/// <param name="Tolerance">Accepted |error|.</param>
/// <param name="WithinTolerance">|error| within the tolerance.</param>
/// <param name="Feasible">False when the model calls the run infeasible.</param>
/// <param name="Soft">True where an important part of the configuration was assumed.</param>
/// <param name="Source">Citation (or "measured by a user").</param>
/// <param name="Note">How the figure was read, or the user's notes.</param>
/// <param name="Problem">Why there is no prediction or why the run is infeasible, if so.</param>
/// <param name="PlannerLink">Relative <c>/?s=v1.…</c> link that opens the scenario in the Planner; null when it does not fit in a link.</param>
/// <param name="IsUser">True for a user-measured run.</param>
/// <param name="HeldOut">True for a shipped run no calibrated constant is fitted on (calibration.json: the dgxc family and heldOutRuns).</param>
public sealed record ValidationRow(
    string Id, string Name, string Family, string Chip, long Gpus, string Stack, ValidationMetric Metric, double Published, double? Predicted,
    double? Error, double Tolerance, bool WithinTolerance, bool Feasible, bool Soft, string Source, string Note, string? Problem, string? PlannerLink, bool IsUser,
    bool HeldOut = false)
{
    /// <summary>A row from a validation result; <paramref name="name"/> defaults to the case id.</summary>
    public static ValidationRow From(ValidationResult r, bool isUser = false, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(r);
        var c = r.Case;
        return new ValidationRow(c.Id, name ?? c.Id, c.Family, r.Chip, r.Gpus, r.Stack, c.Metric, c.Measured, r.Predicted, r.Error, c.Tolerance,
            r.WithinTolerance, r.Feasible, c.Soft, c.Source, c.Note, r.Problem, Shared.Sharing.PlannerShareState.LinkFor(c.ScenarioJson, isUser ? null : c.Id), isUser, !isUser && ModelCalibration.IsHeldOut(c));
    }


    /// <summary>Short label of a metric ("step time (s)", "tokens/s/GPU", "TFLOP/s/GPU (HFU)").</summary>
    public static string MetricLabel(ValidationMetric metric) => metric switch
    {
        ValidationMetric.StepTimeSeconds => "step time (s)",
        ValidationMetric.TokensPerSecondPerGpu => "tokens/s/GPU",
        _ => "TFLOP/s/GPU (HFU)",
    };
}
