using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Search;
using CapacityPlanner.Core.Validation;
using CapacityPlanner.Web.Shared.Scenario;

namespace CapacityPlanner.Web.Features.Planner;

/// <summary>What "Find best plan" produced: the search result, or the errors that kept it from running.</summary>
/// <param name="Result">The search, when the workload and system resolved.</param>
/// <param name="Errors">Form or scenario errors.</param>
public sealed record SearchOutcome(SearchResult? Result, IReadOnlyList<ScenarioError> Errors)
{
    /// <summary>The model's track record on the published runs most like each ranked plan (by instance).</summary>
    public IReadOnlyDictionary<RankedPlan, TrackRecord> Records { get; init; } = new Dictionary<RankedPlan, TrackRecord>(ReferenceEqualityComparer.Instance);

    /// <summary>The record of one ranked plan of <see cref="Result"/>, if it has one.</summary>
    public TrackRecord? RecordOf(RankedPlan plan) => Records.TryGetValue(plan, out var r) ? r : null;
}

/// <summary>
/// Runs <see cref="PlanSearch"/> for the planner's workload and system with every parallelism field free, off the
/// UI thread (10–200 ms). A cancelled search's result is dropped.
/// </summary>
public sealed class PlanSearchService(EstimateService estimates)
{
    /// <summary>Searches on the thread pool.</summary>
    public Task<SearchOutcome> SearchAsync(PlannerInput input, int top, CancellationToken cancellationToken) =>
        SearchAsync(input, top, SearchObjective.Time, cancellationToken);

    /// <summary>Searches on the thread pool, ranking by <paramref name="objective"/>.</summary>
    public Task<SearchOutcome> SearchAsync(PlannerInput input, int top, SearchObjective objective, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var copy = input.Clone();
        return Task.Run(() =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            var outcome = Search(copy, top, objective);
            cancellationToken.ThrowIfCancellationRequested();
            return outcome;
        }, cancellationToken);
    }

    /// <summary>Searches on the calling thread.</summary>
    public SearchOutcome Search(PlannerInput input, int top = 5, SearchObjective objective = SearchObjective.Time)
    {
        ArgumentNullException.ThrowIfNull(input);
        var formErrors = PlannerInputValidator.Validate(input)
            .Where(e => !e.Path.StartsWith("$.parallelism", StringComparison.Ordinal))
            .ToList();
        if (formErrors.Count > 0) return new SearchOutcome(null, formErrors);
        var resolved = ScenarioResolver.ParseAndResolve(estimates.BuildDocument(input, includeParallelism: false));
        if (!resolved.Success) return new SearchOutcome(null, resolved.Errors);
        var scenario = resolved.Scenario!;
        var result = PlanSearch.Search(scenario, SearchConstraints.None, new SearchOptions(Top: top, Objective: objective));
        // Each ranked plan's track record, here off the UI thread (the panel shows it under the plan).
        var records = new Dictionary<RankedPlan, TrackRecord>(ReferenceEqualityComparer.Instance);
        foreach (var ranked in result.Best)
        {
            if (Contracts.Validation.ValidationSet.TrackRecordFor(scenario, ranked.Estimate) is { } record) records[ranked] = record;
        }
        return new SearchOutcome(result, []) { Records = records };
    }

    /// <summary>Writes a plan into the form (every field the plan sets), as "apply" does.</summary>
    public static void Apply(ParallelismPlan plan, PlannerInput input)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(input);
        input.Tensor = plan.Tensor;
        input.Pipeline = plan.Pipeline;
        input.Data = plan.Data;
        input.Context = plan.Context;
        input.Expert = plan.Expert;
        input.VirtualStages = plan.VirtualStages;
        input.ActivationOffloadLayers = plan.ActivationOffloadLayers;
        input.MicroBatchSize = plan.MicroBatchSize;
        input.ZeroStage = plan.ZeroStage;
        input.Recompute = plan.Recompute.ToString().ToLowerInvariant();
        input.SequenceParallel = plan.SequenceParallel;
        input.Placement = plan.Placement.SequenceEqual(ParallelismPlan.DefaultPlacement) ? "default" : "pipeline-inside-data";
    }
}
