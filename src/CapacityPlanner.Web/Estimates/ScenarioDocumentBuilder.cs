using System.Globalization;
using System.Text;
using System.Text.Json;
using CapacityPlanner.Core.Scenarios;

namespace CapacityPlanner.Web.Estimates;

/// <summary>
/// Writes the planner form as a version-1 scenario document, the same contract <c>capplan estimate</c> reads,
/// so that what the page shows can be reproduced from the command line.
/// </summary>
public static class ScenarioDocumentBuilder
{
    private static readonly JsonWriterOptions s_writerOptions = new() { Indented = true };

    /// <summary>The scenario JSON for a form that passed <see cref="PlannerInputValidator"/>.</summary>
    public static string Build(PlannerInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, s_writerOptions))
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", ScenarioDocument.CurrentVersion);
            w.WriteString("name", string.Create(CultureInfo.InvariantCulture, $"{input.PresetId} on {input.Gpus} {input.ChipId}"));

            w.WriteStartObject("model");
            w.WriteString("preset", input.PresetId);
            w.WriteEndObject();

            w.WriteStartObject("training");
            WriteOptional(w, "globalBatchSequences", input.GlobalBatchSequences);
            w.WriteString("precision", input.Precision);
            w.WriteEndObject();

            w.WriteStartObject("system");
            w.WriteString("chip", input.ChipId);
            WriteOptional(w, "gpus", input.Gpus);
            w.WriteEndObject();

            w.WriteStartObject("parallelism");
            WriteOptional(w, "tensor", input.Tensor);
            WriteOptional(w, "pipeline", input.Pipeline);
            WriteOptional(w, "data", input.Data);
            WriteOptional(w, "microBatchSize", input.MicroBatchSize);
            w.WriteNumber("zeroStage", input.ZeroStage);
            w.WriteString("recompute", input.Recompute);
            w.WriteEndObject();

            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v) w.WriteNumber(name, v);
    }
}
