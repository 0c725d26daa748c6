using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Contracts.Scenarios;

/// <summary>A scenario read from JSON text: the document and what it resolves to, or every error found.</summary>
/// <param name="Document">The parsed document (null when the text does not parse).</param>
/// <param name="Scenario">The resolved scenario (null when invalid).</param>
/// <param name="Errors">Every error, each with a JSON path.</param>
public sealed record LoadedScenario(ScenarioDocument? Document, ResolvedScenario? Scenario, IReadOnlyList<ScenarioError> Errors)
{
    /// <summary>True when the text parsed and resolved.</summary>
    public bool Success => Document is not null && Scenario is not null && Errors.Count == 0;
}

/// <summary>
/// The one way from scenario JSON to a resolved scenario — parse, let the host adjust the document (a server attaches
/// its custom chips), resolve — used by the CLI, the HTTP API, the dashboard and the validation set.
/// </summary>
public static class ScenarioLoader
{
    /// <summary>Parses and resolves <paramref name="json"/>.</summary>
    /// <param name="json">The scenario document.</param>
    /// <param name="prepare">Adjusts the parsed document before it is resolved (null: as written).</param>
    /// <param name="explain">Rewrites resolution errors with what the host knows (null: as reported).</param>
    public static LoadedScenario Load(string json, Func<ScenarioDocument, ScenarioDocument>? prepare = null, Func<ScenarioError, ScenarioError>? explain = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        var parsed = ScenarioParser.Parse(json);
        if (!parsed.Success) return new LoadedScenario(null, null, parsed.Errors);
        var document = prepare is null ? parsed.Document! : prepare(parsed.Document!);
        var resolved = ScenarioResolver.Resolve(document);
        if (resolved.Success) return new LoadedScenario(document, resolved.Scenario, []);
        return new LoadedScenario(document, null, explain is null ? resolved.Errors : [.. resolved.Errors.Select(explain)]);
    }
}
