using System.Text.Json;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Contracts.Sharing;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Persistence;

/// <summary>What is stored when a scenario is saved: the canonical document, page settings and headline results.</summary>
/// <param name="Name">Display name.</param>
/// <param name="ScenarioJson">Canonical compact JSON of the scenario document.</param>
/// <param name="PageSettings">Page settings to restore with it.</param>
/// <param name="ModelLabel">Model preset id or name.</param>
/// <param name="ChipId">Chip id.</param>
/// <param name="Gpus">GPUs in the cluster.</param>
/// <param name="Estimate">The estimate at the time of saving.</param>
public sealed record ScenarioSnapshot(
    string Name,
    string ScenarioJson,
    IReadOnlyDictionary<string, string> PageSettings,
    string? ModelLabel,
    string ChipId,
    long Gpus,
    Estimate Estimate)
{
    /// <summary>Name used when neither the request nor the document names the scenario.</summary>
    public const string DefaultName = "Untitled scenario";

    /// <summary>
    /// Validates and estimates a scenario document through the same path as <c>capplan estimate</c>
    /// (parse, resolve, estimate); returns the snapshot, or every error with its JSON path.
    /// </summary>
    public static (ScenarioSnapshot? Snapshot, IReadOnlyList<ScenarioError> Errors) Create(
        string scenarioJson, string? name = null, IReadOnlyDictionary<string, string>? pageSettings = null)
    {
        ArgumentNullException.ThrowIfNull(scenarioJson);
        if (Contracts.Json.StrictJson.Check(scenarioJson) is { } invalid) return (null, [invalid]);
        if (!ScenarioLink.TryCanonicalize(scenarioJson, out var canonical, out var jsonError))
        {
            return (null, [new ScenarioError("$", jsonError)]);
        }
        var loaded = ScenarioLoader.Load(canonical);
        if (!loaded.Success) return (null, loaded.Errors);
        var estimate = Core.Reliability.ScenarioAnalysis.EstimateWithGoodput(loaded.Scenario!);

        var chosen = (name ?? loaded.Document!.Name)?.Trim();
        if (string.IsNullOrEmpty(chosen)) chosen = DefaultName;
        if (SavedText.NameProblem(chosen) is { } problem) return (null, [new ScenarioError("$.name", problem)]);
        var doc = loaded.Document!;
        var scenario = loaded.Scenario!;
        var model = doc.Model.Preset ?? doc.Model.Name ?? scenario.Model.Name;
        var chip = scenario.System.Chip.Id;
        if (chip.Length > CapacityPlannerDbContext.MaxScenarioChipIdLength)
        {
            return (null, [new ScenarioError("$.system.chip.id", $"is {chip.Length} characters; a saved scenario's chip id is at most {CapacityPlannerDbContext.MaxScenarioChipIdLength}.")]);
        }
        var page = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in pageSettings ?? new Dictionary<string, string>()) page[key] = value;
        if (ScenarioLink.CheckPageSettings(page) is { } pageError) return (null, [new ScenarioError("$.page", pageError)]);
        return (new ScenarioSnapshot(chosen, canonical, page, model, chip, scenario.System.Gpus, estimate), []);
    }

    /// <summary>Serialises page settings for storage (null when empty).</summary>
    internal string? PageSettingsJson => PageSettings.Count == 0 ? null : JsonSerializer.Serialize(PageSettings);

    /// <summary>Reads stored page settings.</summary>
    public static IReadOnlyDictionary<string, string> ReadPageSettings(string? json) =>
        string.IsNullOrEmpty(json)
            ? new Dictionary<string, string>()
            : JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];
}
