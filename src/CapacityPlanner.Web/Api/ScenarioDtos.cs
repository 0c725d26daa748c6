using System.Text.Json;
using CapacityPlanner.Contracts.Sharing;
using CapacityPlanner.Persistence;

namespace CapacityPlanner.Web.Api;

/// <summary>A saved scenario in lists: name, model, chip, GPUs, headline results and links.</summary>
/// <param name="Id">Short id.</param>
/// <param name="Name">Display name.</param>
/// <param name="Model">Model preset id or name.</param>
/// <param name="Chip">Chip id.</param>
/// <param name="Gpus">GPUs.</param>
/// <param name="Feasible">True when the plan is valid and fits in memory.</param>
/// <param name="StepTimeSeconds">Seconds per step.</param>
/// <param name="TokensPerSecond">Cluster tokens per second.</param>
/// <param name="Mfu">Model FLOPs utilisation (0–1).</param>
/// <param name="CreatedUtc">When it was saved.</param>
/// <param name="UpdatedUtc">Last rename, delete or restore.</param>
/// <param name="DeletedUtc">When it was deleted (null while live).</param>
/// <param name="DuplicatedFromId">The scenario it was copied from.</param>
/// <param name="ShortLink">Absolute <c>/s/{id}</c> link.</param>
public sealed record SavedScenarioSummary(
    string Id, string Name, string? Model, string Chip, long Gpus, bool Feasible,
    double? StepTimeSeconds, double? TokensPerSecond, double? Mfu,
    DateTime CreatedUtc, DateTime UpdatedUtc, DateTime? DeletedUtc, string? DuplicatedFromId, string ShortLink)
{
    internal static SavedScenarioSummary From(SavedScenario s, HttpRequest request) => new(
        s.Id, s.Name, s.ModelLabel, s.ChipId, s.Gpus, s.Feasible, s.StepTimeSeconds, s.TokensPerSecond, s.Mfu,
        s.CreatedUtc, s.UpdatedUtc, s.DeletedUtc, s.DuplicatedFromId, ShortLinks.ShortUrl(request, s.Id));
}

/// <summary>A saved scenario with its document, page settings and the full state link.</summary>
/// <param name="Summary">List fields.</param>
/// <param name="Scenario">The scenario document.</param>
/// <param name="Page">Page settings saved with it.</param>
/// <param name="Link">Absolute <c>/?s=v1.…</c> link that carries the whole state (null when the state is too big for a link).</param>
public sealed record SavedScenarioDetails(SavedScenarioSummary Summary, JsonElement Scenario, IReadOnlyDictionary<string, string> Page, string? Link)
{
    internal static SavedScenarioDetails From(SavedScenario s, HttpRequest request)
    {
        using var doc = JsonDocument.Parse(s.ScenarioJson);
        var page = ScenarioSnapshot.ReadPageSettings(s.PageSettingsJson);
        return new(SavedScenarioSummary.From(s, request), doc.RootElement.Clone(), page, ShortLinks.StateUrl(request, s.ScenarioJson, page));
    }
}

/// <summary>Answer to a save: the id and the links.</summary>
/// <param name="Id">Short id.</param>
/// <param name="Name">Name it was saved under.</param>
/// <param name="ShortLink">Absolute <c>/s/{id}</c> link.</param>
/// <param name="Link">Absolute <c>/?s=v1.…</c> link (null when the state is too big for a link).</param>
/// <param name="Token">The <c>v1.…</c> token alone (null likewise).</param>
/// <param name="OwnerToken">
/// The owner secret (send it as <c>Authorization: Bearer …</c> to list, rename, delete or restore what you saved; the
/// same secret for everything saved with it). Browsers also get it as an HttpOnly cookie. Null for a signed-in user, whose
/// sign-in is the credential.
/// </param>
public sealed record SavedScenarioCreated(string Id, string Name, string ShortLink, string? Link, string? Token, string? OwnerToken);

/// <summary>One page of saved scenarios, newest first.</summary>
/// <param name="Items">Scenarios on this page.</param>
/// <param name="Page">1-based page.</param>
/// <param name="PageSize">Items per page.</param>
/// <param name="Total">Scenarios on all pages.</param>
public sealed record SavedScenarioList(IReadOnlyList<SavedScenarioSummary> Items, int Page, int PageSize, int Total);

/// <summary>Body of a rename.</summary>
/// <param name="Name">New name.</param>
public sealed record RenameScenarioRequest(string? Name);

/// <summary>Links to saved state.</summary>
public static class ShortLinks
{
    /// <summary>
    /// Request-line limit the server is configured with (Kestrel's default is 8 KiB): room for the longest state token
    /// the link decoder accepts (<see cref="ScenarioLink.MaxTokenLength"/>) plus the method, path base, query name and
    /// protocol, so every link the decoder would open also reaches it.
    /// </summary>
    public const int MaxRequestLineBytes = ScenarioLink.MaxTokenLength + 4096;

    /// <summary>True when <c>GET {target} HTTP/1.1</c> fits in a request line of <paramref name="maxRequestLineBytes"/>.</summary>
    public static bool FitsRequestLine(string target, int maxRequestLineBytes)
    {
        ArgumentNullException.ThrowIfNull(target);
        return "GET ".Length + System.Text.Encoding.UTF8.GetByteCount(target) + " HTTP/1.1\r\n".Length <= maxRequestLineBytes;
    }

    /// <summary>Absolute <c>/s/{id}</c>.</summary>
    public static string ShortUrl(HttpRequest request, string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        return $"{request.Scheme}://{request.Host}{request.PathBase}/s/{Uri.EscapeDataString(id)}";
    }

    /// <summary>The state token, or null when the state does not fit in a link.</summary>
    public static string? Token(string scenarioJson, IReadOnlyDictionary<string, string> page) =>
        ScenarioLink.TryEncode(scenarioJson, page, out var token, out _) ? token : null;

    /// <summary>Absolute <c>/?s=v1.…</c>, or null when the state does not fit in a link.</summary>
    public static string? StateUrl(HttpRequest request, string scenarioJson, IReadOnlyDictionary<string, string> page)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Token(scenarioJson, page) is { } token
            ? $"{request.Scheme}://{request.Host}{request.PathBase}/?{ScenarioLink.QueryParameter}={token}"
            : null;
    }
}
