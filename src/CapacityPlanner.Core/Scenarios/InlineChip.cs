using System.Text;
using System.Text.Json;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Hardware;

namespace CapacityPlanner.Core.Scenarios;

/// <summary>
/// The inline custom chip object of a scenario document (<c>"system": { "chip": { "id": …, "baseOn": …, … } }</c>) on
/// its own: the one writer of that object (the web app's custom chips, <c>capplan bench calibrate --json</c>), and
/// reading and resolving it with the same checks and messages as a whole scenario (paths under <c>$.system.chip</c>).
/// </summary>
public static class InlineChip
{
    /// <summary>JSON path of the inline chip in a scenario document; every error of this class is under it.</summary>
    public const string Path = "$.system.chip";

    private static readonly JsonWriterOptions s_indented = new() { Indented = true };

    /// <summary>Writes the chip object (only the fields that are set; peaks in catalog precision order).</summary>
    public static void Write(Utf8JsonWriter w, CustomChipSection chip)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(chip);
        w.WriteStartObject();
        w.WriteString("id", chip.Id ?? "");
        if (!string.IsNullOrWhiteSpace(chip.Name)) w.WriteString("name", chip.Name);
        if (!string.IsNullOrWhiteSpace(chip.BaseOn)) w.WriteString("baseOn", chip.BaseOn);
        if (chip.PeakTflops is { Count: > 0 } peaks)
        {
            w.WriteStartObject("peakTflops");
            foreach (var p in PrecisionExtensions.All)
            {
                var id = p.ToId();
                var value = peaks.FirstOrDefault(kv => string.Equals(kv.Key, id, StringComparison.OrdinalIgnoreCase));
                if (value.Key is not null) w.WriteNumber(id, value.Value);
            }
            w.WriteEndObject();
        }
        Number(w, "hbmCapacityGiB", chip.HbmCapacityGiB);
        Number(w, "hbmBandwidthTBps", chip.HbmBandwidthTBps);
        Number(w, "tdpWatts", chip.TdpWatts);
        Number(w, "scaleUpBandwidthGBps", chip.ScaleUpBandwidthGBps);
        if (chip.ScaleUpDomainSize is { } domain) w.WriteNumber("scaleUpDomainSize", domain);
        Number(w, "scaleOutGbpsPerGpu", chip.ScaleOutGbpsPerGpu);
        Number(w, "gemmEfficiency", chip.GemmEfficiency);
        Number(w, "hbmEfficiency", chip.HbmEfficiency);
        if (chip.GemmCurve is { Count: > 0 } curve)
        {
            w.WriteStartArray("gemmCurve");
            // Numbers are written in their shortest round-trip form: reading the curve back gives the same doubles.
            foreach (var (flops, fraction) in curve)
            {
                w.WriteStartObject();
                w.WriteNumber("flops", flops);
                w.WriteNumber("fraction", fraction);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>The chip object as JSON text.</summary>
    public static string ToJson(CustomChipSection chip, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(chip);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, indented ? s_indented : default))
        {
            Write(w, chip);
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Reads a chip object with the scenario parser's checks; errors have paths under <see cref="Path"/>.</summary>
    public static (CustomChipSection? Chip, IReadOnlyList<ScenarioError> Errors) Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (Json.StrictJson.Check(json) is { } invalid) return (null, [new ScenarioError(Path + invalid.Path[1..], invalid.Message)]);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            return (null, [new ScenarioError(Path, $"Malformed JSON at line {(ex.LineNumber ?? 0) + 1}, position {(ex.BytePositionInLine ?? 0) + 1}.")]);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, [new ScenarioError(Path, $"expected a custom chip object, got {JsonFieldReader.Describe(doc.RootElement)}.")]);
            }
            var errors = new List<ScenarioError>();
            var chip = ScenarioParser.ParseCustomChip(new JsonFieldReader(doc.RootElement, Path, errors));
            return errors.Count > 0 ? (null, errors) : (chip, errors);
        }
    }

    /// <summary>The chip as the model sees it (the scenario resolver's own rules), or the errors.</summary>
    public static (ChipSpec? Chip, IReadOnlyList<ScenarioError> Errors) Resolve(CustomChipSection chip, HardwareCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(chip);
        var errors = new List<ScenarioError>();
        var spec = ScenarioResolver.ResolveCustomChip(chip, catalog ?? HardwareCatalog.Default, errors);
        return errors.Count > 0 ? (null, errors) : (spec, errors);
    }

    private static void Number(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v) w.WriteNumber(name, v);
    }
}
