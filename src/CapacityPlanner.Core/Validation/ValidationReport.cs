namespace CapacityPlanner.Core.Validation;

/// <summary>Results of a validation run with per-family and overall summaries (firm runs; soft runs are listed apart).</summary>
/// <param name="Results">Per-case results, in case order.</param>
public sealed record ValidationReport(IReadOnlyList<ValidationResult> Results)
{
    /// <summary>Per family: summary over its firm runs (all runs where a family has only soft ones).</summary>
    public IReadOnlyDictionary<string, ValidationSummary> Families =>
        Results.GroupBy(r => r.Case.Family, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => ValidationSummary.Of(Firm(g)), StringComparer.Ordinal);

    /// <summary>Over every firm (non-soft) run.</summary>
    public ValidationSummary Firm() => ValidationSummary.Of([.. Results.Where(r => !r.Case.Soft)]);

    /// <summary>Over every run, soft ones included.</summary>
    public ValidationSummary All() => ValidationSummary.Of(Results.ToList());

    private static List<ValidationResult> Firm(IEnumerable<ValidationResult> group)
    {
        var list = group.ToList();
        var firm = list.Where(r => !r.Case.Soft).ToList();
        return firm.Count > 0 ? firm : list;
    }

    /// <summary>Runs whose source states the memory per GPU, with the model's memory error.</summary>
    public IReadOnlyList<ValidationResult> MemoryRuns => [.. Results.Where(r => r.MemoryError is not null)];
}
