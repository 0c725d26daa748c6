using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Web.Shared;

/// <summary>
/// What one run of the planner produced: the scenario document it sent to Core (null when the form itself was
/// incomplete), every error, the resolved scenario and the estimate when there was one.
/// </summary>
/// <param name="ScenarioJson">The scenario document, or null when the form did not pass its own checks.</param>
/// <param name="Errors">Form, scenario and plan errors, each with the JSON path of the field it concerns.</param>
/// <param name="Scenario">The resolved scenario when the document resolved.</param>
/// <param name="Estimate">The estimate when the document resolved.</param>
public sealed record EstimateOutcome(string? ScenarioJson, IReadOnlyList<ScenarioError> Errors, ResolvedScenario? Scenario, Estimate? Estimate)
{
    /// <summary>True when the plan is valid and fits in memory.</summary>
    public bool Feasible => Estimate is { Feasible: true } && Errors.Count == 0;

    /// <summary>Non-fatal observations of the model.</summary>
    public IReadOnlyList<string> Warnings => Estimate?.Warnings ?? [];

    /// <summary>Errors that concern the field at <paramref name="path"/>.</summary>
    public IEnumerable<ScenarioError> ErrorsAt(string path) =>
        Errors.Where(e => string.Equals(e.Path, path, StringComparison.Ordinal));

    /// <summary>An outcome with errors and nothing to show.</summary>
    public static EstimateOutcome Invalid(string? scenarioJson, IReadOnlyList<ScenarioError> errors) => new(scenarioJson, errors, null, null);
}
