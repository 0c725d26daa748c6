using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Contracts.Sharing;

/// <summary>What a decoded link holds: the scenario document and the page settings, migrated to the current format.</summary>
/// <param name="ScenarioJson">The scenario document as canonical compact JSON (no whitespace or comments).</param>
/// <param name="Page">Page settings (tab, units, chart options …), keys in ordinal order; empty when the link had none.</param>
/// <param name="SourceVersion">Format version of the link as it was written (0 for the first, envelope-less links).</param>
/// <param name="Document">The parsed scenario document (already validated by <see cref="ScenarioParser"/>).</param>
public sealed record ScenarioLinkPayload(
    string ScenarioJson,
    IReadOnlyDictionary<string, string> Page,
    int SourceVersion,
    ScenarioDocument Document)
{
    /// <summary>Format version of the payload after migration (always <see cref="ScenarioLink.CurrentVersion"/>).</summary>
    public int Version => ScenarioLink.CurrentVersion;

    /// <summary>True when the link was written in an older format and migrated on the way in.</summary>
    public bool Migrated => SourceVersion != ScenarioLink.CurrentVersion;
}

/// <summary>Why a link could not be opened.</summary>
public enum ScenarioLinkErrorKind
{
    /// <summary>The link was opened.</summary>
    None = 0,
    /// <summary>No token at all.</summary>
    Empty,
    /// <summary>The token is longer than <see cref="ScenarioLink.MaxTokenLength"/>.</summary>
    TooLong,
    /// <summary>No version prefix, characters outside base64url, or a payload that is not compressed data.</summary>
    Malformed,
    /// <summary>The compressed data ends early (a link cut off when it was copied).</summary>
    Truncated,
    /// <summary>The payload expands beyond <see cref="ScenarioLink.MaxDecompressedBytes"/> (a decompression bomb).</summary>
    TooLarge,
    /// <summary>The link was written by a newer build in a format this build does not read.</summary>
    UnsupportedVersion,
    /// <summary>The payload is not the JSON envelope it should be (altered by hand, or damaged).</summary>
    InvalidPayload,
    /// <summary>The payload is intact but its scenario does not pass <see cref="ScenarioParser"/>.</summary>
    InvalidScenario,
}

/// <summary>Outcome of <see cref="ScenarioLink.Decode"/>: a payload, or a friendly message saying why not.</summary>
/// <param name="Payload">The payload when the link was opened.</param>
/// <param name="Kind">Why it was not opened (<see cref="ScenarioLinkErrorKind.None"/> when it was).</param>
/// <param name="Error">A message for the person who opened the link; null when it was opened.</param>
/// <param name="ScenarioErrors">For <see cref="ScenarioLinkErrorKind.InvalidScenario"/>, every problem with its JSON path.</param>
public sealed record ScenarioLinkResult(
    ScenarioLinkPayload? Payload,
    ScenarioLinkErrorKind Kind,
    string? Error,
    IReadOnlyList<ScenarioError> ScenarioErrors)
{
    /// <summary>True when the link was opened.</summary>
    public bool Success => Payload is not null;

    internal static ScenarioLinkResult Fail(ScenarioLinkErrorKind kind, string message, IReadOnlyList<ScenarioError>? errors = null) =>
        new(null, kind, message, errors ?? []);
}
