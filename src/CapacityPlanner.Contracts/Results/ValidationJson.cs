using System.Text.Json;
using CapacityPlanner.Core.Validation;

namespace CapacityPlanner.Contracts.Results;

/// <summary>The JSON of <c>capplan validate --json</c>: every run with its error, then per family and overall.</summary>
public static class ValidationJson
{
    /// <summary>Writes <c>{ "cases": [...], "families": {...}, "scales": {...}, "summary": {...} }</c>.</summary>
    public static void Write(Utf8JsonWriter w, ValidationReport report)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(report);
        w.WriteStartObject();
        w.WriteStartArray("cases");
        foreach (var r in report.Results) WriteCase(w, r);
        w.WriteEndArray();
        w.WriteStartObject("families");
        foreach (var (name, s) in report.Families) { w.WritePropertyName(name); WriteSummary(w, s); }
        w.WriteEndObject();
        w.WriteStartObject("scales");
        foreach (var band in report.Scales)
        {
            w.WriteStartObject(band.Key);
            w.WriteNumber("fromGpus", band.FromGpus);
            if (band.ToGpus is { } to) w.WriteNumber("toGpus", to); else w.WriteNull("toGpus");
            w.WritePropertyName("firm");
            WriteSummary(w, band.Firm);
            w.WritePropertyName("all");
            WriteSummary(w, band.All);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WritePropertyName("summary");
        w.WriteStartObject();
        w.WritePropertyName("firm");
        WriteSummary(w, report.Firm());
        w.WritePropertyName("all");
        WriteSummary(w, report.All());
        var memory = report.MemoryRuns;
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

    /// <summary>Writes <c>capplan validate --lofo --json</c>: per family held out, the constants fitted without it and its
    /// firm runs' accuracy under them (<c>heldOut</c>) and under the shipped constants (<c>shipped</c>).</summary>
    public static void WriteLeaveOneFamilyOut(Utf8JsonWriter w, IReadOnlyList<LeaveOneOutRow> rows)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(rows);
        w.WriteStartObject();
        w.WriteStartArray("families");
        foreach (var row in rows)
        {
            w.WriteStartObject();
            w.WriteString("family", row.Family);
            w.WriteNumber("runs", row.Runs);
            w.WritePropertyName("fittedWithout");
            WriteConstants(w, row.Fitted);
            w.WritePropertyName("heldOut");
            WriteSummary(w, row.HeldOut);
            w.WritePropertyName("shipped");
            WriteSummary(w, row.Shipped);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Writes the calibrated constants by name.</summary>
    public static void WriteConstants(Utf8JsonWriter w, CalibratedConstants constants)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(constants);
        w.WriteStartObject();
        for (var i = 0; i < CalibratedConstants.Names.Count; i++) w.WriteNumber(CalibratedConstants.Names[i], constants[i]);
        w.WriteEndObject();
    }

    /// <summary>Writes one track-record check (<c>capplan validate --track-record --json</c>).</summary>
    public static void WriteTrackRecordCheck(Utf8JsonWriter w, TrackRecordCheck check)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(check);
        w.WriteStartObject();
        w.WriteNumber("runs", check.Runs);
        w.WriteNumber("withinRecordRange", check.Covered);
        w.WriteNumber("nearestOtherRunFar", check.Far);
        w.WriteNumber("medianMiss", check.MedianMiss);
        w.WriteNumber("meanMiss", check.MeanMiss);
        w.WriteNumber("baselineMedianMiss", check.BaselineMedianMiss);
        w.WriteNumber("baselineMeanMiss", check.BaselineMeanMiss);
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

    /// <summary>
    /// Writes one run's result as an object: id, family, chip, gpus, stack, metric, published, predicted, error, tolerance,
    /// withinTolerance, feasible, soft, the memory figures where the source states memory, problem and source.
    /// </summary>
    public static void WriteCase(Utf8JsonWriter w, ValidationResult r)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(r);
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
}
