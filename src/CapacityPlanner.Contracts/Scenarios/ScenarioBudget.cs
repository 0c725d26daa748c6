using CapacityPlanner.Core.Budget;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Contracts.Scenarios;

/// <summary>
/// The budget planner on a scenario document: the document's <c>budget</c> section and the plan fields its
/// <c>parallelism</c> section fixes, handed to the model's <see cref="BudgetPlanner"/>.
/// </summary>
public static class ScenarioBudget
{
    /// <summary>Parses, resolves and plans a scenario document's text.</summary>
    public static BudgetOutcome Plan(string json)
    {
        var loaded = ScenarioLoader.Load(json);
        return loaded.Success ? Plan(loaded.Document!, loaded.Scenario!) : new BudgetOutcome(null, loaded.Errors);
    }

    /// <summary>
    /// Plans the document's budget section (absent: the scenario's cluster for the default duration) with the shipped
    /// defaults; <paramref name="cancellationToken"/> stops the plan searches inside.
    /// </summary>
    public static BudgetOutcome Plan(ScenarioDocument document, ResolvedScenario scenario, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        return BudgetPlanner.Plan(scenario, document.Budget, ScenarioResolver.Constraints(document.Parallelism), cancellationToken);
    }
}
