using System.Text;
using System.Text.Json;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Search;

namespace CapacityPlanner.Contracts.Results;

/// <summary>
/// JSON of search and sweep results: the one writer behind <c>capplan search --json</c>, <c>capplan sweep --json</c>
/// and the HTTP API's <c>/api/search</c> and <c>/api/sweep</c>.
/// </summary>
public static class ResultJson
{
    /// <summary>
    /// Serialises with a writer callback: the one place the result writers (search, sweep, estimate, budget, scaling)
    /// turn a <see cref="Utf8JsonWriter"/> into text. <paramref name="relaxedEscaping"/> leaves non-ASCII text (≥, ×, €)
    /// unescaped, as the budget and scaling documents print it.
    /// </summary>
    public static string Serialize(Action<Utf8JsonWriter> write, bool indented = false, bool relaxedEscaping = false)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var ms = new MemoryStream();
        var options = new JsonWriterOptions { Indented = indented };
        if (relaxedEscaping) options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        using (var w = new Utf8JsonWriter(ms, options))
        {
            write(w);
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>
    /// A search result, as <c>capplan search --json</c>; with the searched scenario, each plan's estimate carries the
    /// model's track record on the published runs most like it.
    /// </summary>
    public static void WriteSearch(Utf8JsonWriter w, SearchResult r, ResolvedScenario? scenario = null)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(r);
        w.WriteStartObject();
        w.WriteNumber("evaluated", r.Evaluated);
        w.WriteNumber("feasible", r.Feasible);
        w.WriteNumber("elapsedMilliseconds", Math.Round(r.ElapsedMilliseconds, 3));
        w.WriteStartArray("best");
        foreach (var p in r.Best)
        {
            w.WriteStartObject();
            w.WritePropertyName("parallelism");
            PlanJson.Write(w, p.Plan);
            w.WritePropertyName("estimate");
            EstimateJson.Write(w, p.Estimate, scenario is null ? null : Validation.ValidationSet.TrackRecordFor(scenario, p.Estimate));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("rejected");
        foreach (var (k, v) in r.Rejected) w.WriteNumber(k, v);
        w.WriteEndObject();
        w.WriteStartArray("warnings");
        foreach (var s in r.Warnings) w.WriteStringValue(s);
        w.WriteEndArray();
        if (r.EmptyReason is null) w.WriteNull("emptyReason"); else w.WriteString("emptyReason", r.EmptyReason);
        if (r.Closest is { } c)
        {
            w.WriteStartObject("closest");
            w.WritePropertyName("parallelism");
            PlanJson.Write(w, c.Plan);
            w.WriteNumber("memoryPerGpuGiB", c.MemoryGiB);
            w.WriteNumber("hbmCapacityGiB", c.HbmCapacityGiB);
            w.WriteStartArray("suggestions");
            foreach (var s in c.Suggestions) w.WriteStringValue(s);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("closest");
        }
        w.WriteEndObject();
    }

    /// <summary>A sweep result, as <c>capplan sweep --json</c>.</summary>
    public static void WriteSweep(Utf8JsonWriter w, SweepResult r)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(r);
        w.WriteStartObject();
        w.WriteString("mode", r.Mode.ToString().ToLowerInvariant());
        w.WriteNumber("elapsedMilliseconds", Math.Round(r.ElapsedMilliseconds, 3));
        w.WriteNumber("evaluated", r.Evaluated);
        w.WriteStartArray("points");
        foreach (var p in r.Points)
        {
            w.WriteStartObject();
            w.WriteNumber("gpus", p.Gpus);
            w.WriteNumber("globalBatchSequences", p.GlobalBatchSequences);
            if (p.Parallelism is null)
            {
                w.WriteNull("parallelism");
            }
            else
            {
                w.WritePropertyName("parallelism");
                PlanJson.Write(w, p.Parallelism);
            }
            EstimateJson.Num(w, "stepTimeSeconds", p.StepTimeSeconds);
            EstimateJson.Num(w, "tokensPerSecond", p.TokensPerSecond);
            EstimateJson.Num(w, "mfu", p.Mfu);
            EstimateJson.Num(w, "scalingEfficiency", p.ScalingEfficiency);
            EstimateJson.Num(w, "effectiveTrainingTimeRatio", p.EffectiveTrainingTimeRatio);
            EstimateJson.Num(w, "interruptionsPerDay", p.InterruptionsPerDay);
            EstimateJson.Num(w, "scalingEfficiencyWithFailures", p.ScalingEfficiencyWithFailures);
            EstimateJson.Num(w, "computeToCommunicationRatio", p.ComputeToCommunicationRatio);
            EstimateJson.Num(w, "computeToExposedCommunicationRatio", p.ComputeToExposedCommunicationRatio);
            if (p.PerDimensionRatio is { } d)
            {
                w.WriteStartObject("perDimensionRatio");
                EstimateJson.Num(w, "tensor", d.Tensor);
                EstimateJson.Num(w, "pipeline", d.Pipeline);
                EstimateJson.Num(w, "data", d.Data);
                EstimateJson.Num(w, "context", d.Context);
                EstimateJson.Num(w, "expert", d.Expert);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("perDimensionRatio");
            }
            if (p.DominantDimension is null) w.WriteNull("dominantDimension"); else w.WriteString("dominantDimension", p.DominantDimension);
            if (p.Infeasible is null) w.WriteNull("infeasible"); else w.WriteString("infeasible", p.Infeasible);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        EstimateJson.Num(w, "breakEvenGpus", r.BreakEvenGpus);
        if (r.BreakEvenDimension is null) w.WriteNull("breakEvenDimension"); else w.WriteString("breakEvenDimension", r.BreakEvenDimension);
        EstimateJson.Num(w, "halfEfficiencyGpus", r.HalfEfficiencyGpus);
        w.WriteEndObject();
    }
}
