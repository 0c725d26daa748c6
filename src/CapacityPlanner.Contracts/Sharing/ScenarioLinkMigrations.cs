using System.Text.Json.Nodes;

namespace CapacityPlanner.Contracts.Sharing;

/// <summary>How the payload of one link format version is packed (compression), and how it moves to the next version.</summary>
/// <param name="Version">The format version (the number after <c>v</c> in the token's prefix).</param>
/// <param name="Compression">How the payload bytes are compressed.</param>
/// <param name="ToNext">Turns this version's JSON into the next version's; null for the current version.</param>
/// <param name="Description">What changed, for the record.</param>
internal sealed record ScenarioLinkFormat(int Version, LinkCompression Compression, Func<JsonNode, JsonNode>? ToNext, string Description);

/// <summary>Compression of a link format.</summary>
internal enum LinkCompression
{
    /// <summary>Raw deflate (RFC 1951).</summary>
    Deflate,
    /// <summary>Brotli (RFC 7932).</summary>
    Brotli,
}

/// <summary>
/// Every link format ever written, oldest first, with the migration from each to the next. Old links keep working:
/// a token is decoded with its own version's compression, then its JSON is migrated step by step to
/// <see cref="ScenarioLink.CurrentVersion"/> before it is validated.
/// </summary>
/// <remarks>
/// To move the format on (say, when the scenario schema reaches version 2): add a format with the new version, give
/// the previous last entry a <see cref="ScenarioLinkFormat.ToNext"/> that rewrites its JSON (for a scenario schema
/// change, rewrite <c>$.scenario</c> the way the schema changed and bump its <c>schemaVersion</c>), raise
/// <see cref="ScenarioLink.CurrentVersion"/>, and add a test that opens a link of the previous version.
/// </remarks>
internal static class ScenarioLinkMigrations
{
    /// <summary>The formats, indexed by version.</summary>
    public static IReadOnlyList<ScenarioLinkFormat> Formats { get; } =
    [
        new(0, LinkCompression.Deflate, V0ToV1,
            "v0: the bare scenario document, deflate-compressed, no envelope and no page settings."),
        new(1, LinkCompression.Brotli, null,
            "v1: Brotli-compressed envelope {\"v\":1,\"scenario\":{…},\"page\":{…}} carrying the page settings as well."),
    ];

    /// <summary>Migrates a payload of <paramref name="version"/> to the current version.</summary>
    public static JsonNode ToCurrent(JsonNode node, int version)
    {
        for (var v = version; v < ScenarioLink.CurrentVersion; v++)
        {
            var step = Formats[v].ToNext ?? throw new InvalidOperationException($"Link format v{v} has no migration to v{v + 1}.");
            node = step(node);
        }
        return node;
    }

    /// <summary>v0 → v1: the bare scenario becomes the <c>scenario</c> of an envelope with no page settings.</summary>
    private static JsonNode V0ToV1(JsonNode scenario) => new JsonObject
    {
        ["v"] = 1,
        ["scenario"] = scenario,
        ["page"] = new JsonObject(),
    };
}
