using System.Text.Json;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Contracts.Scenarios;

/// <summary>
/// The inline custom chip object of a scenario document (<c>"system": { "chip": { "id": …, "baseOn": …, … } }</c>) on
/// its own: reading and resolving it with the same checks and messages as a whole scenario (paths under
/// <c>$.system.chip</c>). <see cref="ScenarioWriter"/> writes it (<see cref="ScenarioWriter.ToJson(CustomChipSection, bool)"/>).
/// </summary>
public static class InlineChip
{
    /// <summary>JSON path of the inline chip in a scenario document; every error of this class is under it.</summary>
    public const string Path = "$.system.chip";

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
            return (null, [new ScenarioError(Path, Json.JsonSyntaxError.Describe(ex))]);
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
}
