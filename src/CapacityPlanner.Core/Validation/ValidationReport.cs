namespace CapacityPlanner.Core.Validation;

/// <summary>Results of a validation run with per-family and overall summaries (firm runs; soft runs are listed apart).</summary>
/// <param name="Results">Per-case results, in case order.</param>
public sealed record ValidationReport(IReadOnlyList<ValidationResult> Results)
{
    /// <summary>Per family: summary over its firm runs (all runs where a family has only soft ones).</summary>
    public IReadOnlyDictionary<string, ValidationSummary> Families =>
        Results.GroupBy(r => r.Case.Family, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => ValidationSummary.Of(Firm(g)), StringComparer.Ordinal);

    /// <summary>Lower GPU count of each scale band (<see cref="Scales"/>): 1–63, 64–511, 512–2,047 and 2,048 or more.</summary>
    public static IReadOnlyList<int> ScaleBandStarts { get; } = [1, 64, 512, 2048];

    /// <summary>
    /// Per scale band (GPU count, <see cref="ScaleBandStarts"/>): the firm runs' summary and every run's, so that a planner
    /// sees whether the error drifts with scale. Bands without runs are left out.
    /// </summary>
    public IReadOnlyList<ScaleBandSummary> Scales
    {
        get
        {
            var bands = new List<ScaleBandSummary>();
            for (var i = 0; i < ScaleBandStarts.Count; i++)
            {
                var from = ScaleBandStarts[i];
                int? to = i + 1 < ScaleBandStarts.Count ? ScaleBandStarts[i + 1] - 1 : null;
                var all = Results.Where(r => r.Gpus >= from && (to is null || r.Gpus <= to)).ToList();
                if (all.Count == 0) continue;
                bands.Add(new ScaleBandSummary(from, to, ValidationSummary.Of([.. all.Where(r => !r.Case.Soft)]), ValidationSummary.Of(all)));
            }
            return bands;
        }
    }

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

/// <summary>The summaries of one band of GPU counts.</summary>
/// <param name="FromGpus">Smallest GPU count in the band.</param>
/// <param name="ToGpus">Largest, or null for the open top band.</param>
/// <param name="Firm">Over its firm runs.</param>
/// <param name="All">Over all its runs, soft ones included.</param>
public sealed record ScaleBandSummary(int FromGpus, int? ToGpus, ValidationSummary Firm, ValidationSummary All)
{
    /// <summary>"64–511 GPUs" or "2,048+ GPUs".</summary>
    public string Label => ToGpus is { } to
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{FromGpus:N0}–{to:N0} GPUs")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{FromGpus:N0}+ GPUs");

    /// <summary>Key in the JSON ("64-511", "2048+").</summary>
    public string Key => ToGpus is { } to
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{FromGpus}-{to}")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{FromGpus}+");
}
