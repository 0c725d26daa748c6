using System.Text.Json;

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

    /// <summary>Runs the shipped set (optionally one family).</summary>
    public static ValidationReport RunShipped(string? family = null) =>
        new(ValidationRunner.RunAll(ValidationSet.Shipped.Where(c => family is null || string.Equals(c.Family, family, StringComparison.OrdinalIgnoreCase))));

    /// <summary>Writes <c>{ "cases": [...], "families": {...}, "summary": {...} }</c>.</summary>
    public void WriteJson(Utf8JsonWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        w.WriteStartObject();
        w.WriteStartArray("cases");
        foreach (var r in Results)
        {
            w.WriteStartObject();
            w.WriteString("id", r.Case.Id);
            w.WriteString("family", r.Case.Family);
            w.WriteString("chip", r.Chip);
            w.WriteNumber("gpus", r.Gpus);
            w.WriteString("stack", r.Stack);
            w.WriteString("metric", ValidationCase.MetricId(r.Case.Metric));
            w.WriteNumber("published", r.Case.Measured);
            if (r.Predicted is { } p) w.WriteNumber("predicted", p); else w.WriteNull("predicted");
            if (r.Error is { } e) w.WriteNumber("error", e); else w.WriteNull("error");
            w.WriteNumber("tolerance", r.Case.Tolerance);
            w.WriteBoolean("withinTolerance", r.WithinTolerance);
            w.WriteBoolean("feasible", r.Feasible);
            w.WriteBoolean("soft", r.Case.Soft);
            if (r.Case.MeasuredMemoryGiB is { } mem)
            {
                w.WriteNumber("publishedMemoryGiB", mem);
                if (r.PredictedMemoryGiB is { } pm) w.WriteNumber("predictedMemoryGiB", pm); else w.WriteNull("predictedMemoryGiB");
                if (r.MemoryError is { } me) w.WriteNumber("memoryError", me); else w.WriteNull("memoryError");
                w.WriteString("memorySource", r.Case.MemorySource);
            }
            if (r.Problem is not null) w.WriteString("problem", r.Problem);
            w.WriteString("source", r.Case.Source);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("families");
        foreach (var (name, s) in Families) { w.WritePropertyName(name); WriteSummary(w, s); }
        w.WriteEndObject();
        w.WritePropertyName("summary");
        w.WriteStartObject();
        w.WritePropertyName("firm");
        WriteSummary(w, Firm());
        w.WritePropertyName("all");
        WriteSummary(w, All());
        var memory = MemoryRuns;
        w.WriteStartObject("memory");
        w.WriteNumber("cases", memory.Count);
        w.WriteNumber("withinTolerance", memory.Count == 0 ? 0 : memory.Count(r => Math.Abs(r.MemoryError!.Value) <= ValidationCase.MemoryTolerance) / (double)memory.Count);
        w.WriteNumber("tolerance", ValidationCase.MemoryTolerance);
        w.WriteNumber("maxAbsError", memory.Count == 0 ? 0 : memory.Max(r => Math.Abs(r.MemoryError!.Value)));
        w.WriteEndObject();
        w.WriteString("errorConvention", "error = predicted / published throughput - 1 (for step times published / predicted - 1); positive: the model is faster than the run");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteSummary(Utf8JsonWriter w, ValidationSummary s)
    {
        w.WriteStartObject();
        w.WriteNumber("cases", s.Cases);
        w.WriteNumber("medianAbsError", s.MedianAbsError);
        w.WriteNumber("meanAbsError", s.MeanAbsError);
        w.WriteNumber("maxAbsError", s.MaxAbsError);
        w.WriteNumber("withinTolerance", s.WithinTolerance);
        w.WriteNumber("infeasible", s.Infeasible);
        w.WriteNumber("bias", s.Bias);
        w.WriteEndObject();
    }
}
