using System.Globalization;
using System.Text;
using System.Text.Json;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Scenarios;
using CapacityPlanner.Web.Hardware;

namespace CapacityPlanner.Web.Estimates;

/// <summary>
/// Writes the planner form as a version-1 scenario document, the same contract <c>capplan estimate</c> reads,
/// so that what the page shows can be reproduced from the command line.
/// </summary>
public static class ScenarioDocumentBuilder
{
    private static readonly JsonWriterOptions s_writerOptions = new() { Indented = true };

    /// <summary>The scenario JSON for a form that passed <see cref="PlannerInputValidator"/>.</summary>
    /// <param name="input">The form.</param>
    /// <param name="customChip">The inline definition when <see cref="PlannerInput.ChipId"/> names a custom chip.</param>
    /// <param name="includeParallelism">False writes no <c>parallelism</c> section (the search decides every field).</param>
    public static string Build(PlannerInput input, CustomChipDefinition? customChip = null, bool includeParallelism = true)
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
            WriteOptional(w, "layers", input.Layers);
            WriteOptional(w, "hiddenSize", input.HiddenSize);
            WriteOptional(w, "attentionHeads", input.AttentionHeads);
            WriteOptional(w, "kvHeads", input.KvHeads);
            WriteOptional(w, "ffnHiddenSize", input.FfnHiddenSize);
            WriteOptional(w, "vocabSize", input.VocabSize);
            WriteOptional(w, "sequenceLength", input.SequenceLength);
            w.WriteEndObject();

            w.WriteStartObject("training");
            WriteOptional(w, "globalBatchSequences", input.GlobalBatchSequences);
            w.WriteString("precision", input.Precision);
            if (!string.Equals(input.Stack, "auto", StringComparison.Ordinal)) w.WriteString("stack", input.Stack);
            if (input.TokensBillions is { } tokens) w.WriteNumber("tokens", tokens * 1e9);
            w.WriteEndObject();

            w.WriteStartObject("system");
            if (customChip is not null && string.Equals(customChip.Id, input.ChipId, StringComparison.OrdinalIgnoreCase))
            {
                w.WritePropertyName("chip");
                customChip.WriteJson(w);
            }
            else
            {
                w.WriteString("chip", input.ChipId);
            }
            WriteOptional(w, "gpus", input.Gpus);
            if (input.ScaleOutGbpsPerGpu is { } nic) w.WriteNumber("scaleOutGbpsPerGpu", nic);
            var oversubscribed = input.Oversubscription is > 1;
            if (input.ScaleUpDomainGpus is not null || oversubscribed)
            {
                w.WriteStartObject("network");
                WriteOptional(w, "scaleUpDomainGpus", input.ScaleUpDomainGpus);
                if (oversubscribed) WriteTiers(w, input.Oversubscription!.Value);
                w.WriteEndObject();
            }
            w.WriteEndObject();

            if (includeParallelism)
            {
                w.WriteStartObject("parallelism");
                WriteOptional(w, "tensor", input.Tensor);
                WriteOptional(w, "pipeline", input.Pipeline);
                WriteOptional(w, "data", input.Data);
                if (input.Context is { } c and not 1) w.WriteNumber("context", c);
                if (input.Expert is { } e and not 1) w.WriteNumber("expert", e);
                if (input.VirtualStages is { } v and not 1) w.WriteNumber("virtualStages", v);
                WriteOptional(w, "microBatchSize", input.MicroBatchSize);
                w.WriteNumber("zeroStage", input.ZeroStage);
                w.WriteString("recompute", input.Recompute);
                if (input.Tensor is > 1) w.WriteBoolean("sequenceParallel", input.SequenceParallel);
                if (input.Placement == "pipeline-inside-data")
                {
                    w.WriteStartArray("placement");
                    foreach (var axis in new[] { "tensor", "context", "expert", "pipeline", "data" }) w.WriteStringValue(axis);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }

            if (input.PowerCapMw is { } mw)
            {
                w.WriteStartObject("sites");
                w.WriteNumber("powerCapMw", mw);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    // The shipped leaf/spine/core hierarchy with the tiers above the 256-GPU leaf oversubscribed.
    private static void WriteTiers(Utf8JsonWriter w, double oversubscription)
    {
        w.WriteStartArray("tiers");
        foreach (var tier in ModelDefaults.Standard.DefaultTiers)
        {
            w.WriteStartObject();
            w.WriteString("name", tier.Name);
            w.WriteNumber("gpus", tier.Gpus);
            w.WriteNumber("oversubscription", tier == ModelDefaults.Standard.DefaultTiers[0] ? tier.Oversubscription : oversubscription);
            w.WriteNumber("latencyMicroseconds", tier.LatencySeconds * 1e6);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v) w.WriteNumber(name, v);
    }
}
