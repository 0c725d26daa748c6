using CapacityPlanner.Core.Budget;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Search;

namespace CapacityPlanner.Core.Tests.Search;

/// <summary>Search, sweep and budget stop when their token is cancelled (the API abandons work past its time limit).</summary>
public sealed class CancellationTests
{
    private const string Open = """
        { "schemaVersion": 1, "model": { "preset": "gpt3-175b" }, "training": { "globalBatchSequences": 1536 },
          "system": { "chip": "a100-sxm-80gb", "gpus": 1024 } }
        """;

    private static (ScenarioDocument Doc, Core.Planning.ResolvedScenario Scenario) Load()
    {
        var parsed = ScenarioParser.Parse(Open);
        Assert.True(parsed.Success, string.Join("; ", parsed.Errors.Select(e => e.Message)));
        var resolved = ScenarioResolver.Resolve(parsed.Document!);
        Assert.True(resolved.Success, string.Join("; ", resolved.Errors.Select(e => e.Message)));
        return (parsed.Document!, resolved.Scenario!);
    }

    [Fact]
    public void A_cancelled_search_sweep_or_budget_throws_instead_of_running_to_the_end()
    {
        var (doc, scenario) = Load();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => PlanSearch.Search(scenario, ScenarioResolver.Constraints(doc.Parallelism), new SearchOptions(Top: 1) { Cancellation = cancelled.Token }));
        Assert.ThrowsAny<OperationCanceledException>(() => ScalingSweep.Run(scenario, ScenarioResolver.Constraints(doc.Parallelism), ScalingSweep.PowersOfTwo(8, 4096), ScalingMode.Strong, cancelled.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => BudgetPlanner.Plan(scenario, doc.Budget, ScenarioResolver.Constraints(doc.Parallelism), cancelled.Token));

        // PlanSearch checks its token only inside the plan loops (once per TP×CP×PP triple), never before them: the
        // throws above prove the check sits where a long search spends its time. Sweep and budget hand the token to
        // every search they run. Without cancellation the same call finishes (the throw is the token's doing).
        Assert.NotEmpty(PlanSearch.Search(scenario, ScenarioResolver.Constraints(doc.Parallelism), new SearchOptions(Top: 1) { Cancellation = CancellationToken.None }).Best);
    }
}
