namespace CapacityPlanner.Core.Budget;

/// <summary>
/// Built-in budget examples (from <c>Data/budget-defaults.json</c>) so that a page can open them with one click; the
/// CLI ships the same documents under <c>Examples/budget-*.json</c>.
/// </summary>
public static class BudgetExamples
{
    /// <summary>Id of the "$30B half-year run" example.</summary>
    public const string ThirtyBillionHalfYearId = "30b-half-year";

    /// <summary>All examples.</summary>
    public static IReadOnlyList<BudgetExample> All => BudgetDefaults.Standard.Examples;

    /// <summary>The "$30B half-year run": $30B, 182 days, H100s bought outright, 10% kept for hyperparameter search.</summary>
    public static BudgetExample ThirtyBillionHalfYear => Get(ThirtyBillionHalfYearId);

    /// <summary>An example by id.</summary>
    public static BudgetExample Get(string id) =>
        All.FirstOrDefault(e => string.Equals(e.Id, id, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException($"unknown budget example '{id}'; known: {string.Join(", ", All.Select(e => e.Id))}");
}
