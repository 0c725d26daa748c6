using System.Text;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Web.Options;
using CapacityPlanner.Web.Shared;
using CapacityPlanner.Web.Shared.Chips;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Shared.Scenario;

/// <summary>
/// Runs estimates for the web app through the same path as <c>capplan estimate</c>: a scenario JSON document,
/// <see cref="ScenarioResolver.ParseAndResolve"/>, then <see cref="Estimator.Estimate(Core.Planning.ResolvedScenario)"/>.
/// Invalid input always comes back as errors, never as an exception.
/// </summary>
/// <param name="options">Planner settings (document size limit).</param>
/// <param name="logger">Logs model failures.</param>
/// <param name="chips">Resolves custom chip ids to their inline definitions; null knows only the catalog.</param>
public sealed partial class EstimateService(IOptions<PlannerOptions> options, ILogger<EstimateService> logger, ChipDirectory? chips = null)
{
    private readonly PlannerOptions _options = options.Value;

    /// <summary>The scenario document of a form (which must have passed <see cref="PlannerInputValidator"/>).</summary>
    public string BuildDocument(PlannerInput input, bool includeParallelism = true)
    {
        ArgumentNullException.ThrowIfNull(input);
        return ScenarioDocumentBuilder.Build(input, chips?.CustomDefinition(input.ChipId), includeParallelism);
    }

    /// <summary>Checks the form, builds its scenario document and estimates it.</summary>
    public EstimateOutcome Estimate(PlannerInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var formErrors = PlannerInputValidator.Validate(input);
        if (formErrors.Count > 0) return EstimateOutcome.Invalid(null, formErrors);
        return Estimate(BuildDocument(input));
    }

    /// <summary>Estimates a scenario document (JSON text).</summary>
    public EstimateOutcome Estimate(string scenarioJson)
    {
        ArgumentNullException.ThrowIfNull(scenarioJson);
        var bytes = Encoding.UTF8.GetByteCount(scenarioJson);
        if (bytes > _options.MaxScenarioBytes)
        {
            return EstimateOutcome.Invalid(null,
                [new ScenarioError("$", $"The scenario is {bytes:N0} bytes; the limit is {_options.MaxScenarioBytes:N0} bytes.")]);
        }
        try
        {
            var resolved = ScenarioResolver.ParseAndResolve(scenarioJson);
            if (!resolved.Success) return EstimateOutcome.Invalid(scenarioJson, resolved.Errors);
            var estimate = Core.Reliability.ScenarioAnalysis.EstimateWithGoodput(resolved.Scenario!);
            return new EstimateOutcome(scenarioJson, estimate.Errors, resolved.Scenario, estimate);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or ArithmeticException or KeyNotFoundException)
        {
            // Core reports invalid plans as errors; reaching this is a model bug. Keep the page alive and say so.
            LogEstimateFailed(logger, ex, scenarioJson);
            return EstimateOutcome.Invalid(scenarioJson,
                [new ScenarioError("$", $"The model could not evaluate this scenario ({ex.GetType().Name}: {ex.Message}). Please report it with the scenario JSON.")]);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Estimating a scenario failed. Scenario: {ScenarioJson}")]
    private static partial void LogEstimateFailed(ILogger logger, Exception exception, string scenarioJson);
}
