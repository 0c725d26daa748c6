using System.Globalization;
using System.Text;
using System.Text.Json;
using CapacityPlanner.Contracts.Json;
using CapacityPlanner.Contracts.Results;
using CapacityPlanner.Contracts.Sharing;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Features.Budget;
using CapacityPlanner.Web.Security;
using CapacityPlanner.Web.Shared.Chips;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Api;

/// <summary>
/// Saved scenarios: <c>POST /api/scenarios</c> (save), <c>GET /api/scenarios</c> (list), <c>GET /api/scenarios/{id}</c>,
/// rename, duplicate, delete and restore, the JSON export, and the short link <c>GET /s/{id}</c>.
/// </summary>
public static class ScenarioEndpoints
{
    internal static RouteGroupBuilder MapScenarioEndpoints(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/scenarios").WithTags("Saved scenarios");
        g.MapPost("/", SaveAsync)
            .WithName("SaveScenario")
            .WithSummary("Save a scenario")
            .WithDescription("Stores an immutable snapshot of the scenario document in the body (with its headline results) and returns its id, " +
                             "short link (/s/{id}) and state link (/?s=v1.…). `?name=` overrides the document's name.")
            .WithScenarioBody()
            .Produces<SavedScenarioCreated>(StatusCodes.Status201Created);
        g.MapGet("/", ListAsync)
            .WithName("ListScenarios")
            .WithSummary("List saved scenarios")
            .WithDescription("Your own (owner token, cookie or sign-in), newest first, `page` (1-based) of `pageSize` (1–100, default 20); " +
                             "`deleted=true` lists the deleted ones (for undo); `scope=team` lists every signed-in user's (with sign-in on).")
            .Produces<SavedScenarioList>()
            .ProducesValidationProblem();
        g.MapGet("/{id}", GetAsync)
            .WithName("GetScenario")
            .WithSummary("A saved scenario")
            .Produces<SavedScenarioDetails>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        g.MapGet("/{id}/export.json", ExportAsync)
            .WithName("ExportScenario")
            .WithSummary("Download the scenario document")
            .WithDescription("The scenario document as an indented JSON file (Content-Disposition: attachment), ready for `capplan estimate`.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .ProducesProblem(StatusCodes.Status404NotFound);
        g.MapPatch("/{id}", RenameAsync)
            .WithName("RenameScenario")
            .WithSummary("Rename a saved scenario")
            .WithDescription("Body: `{\"name\": \"…\"}`. Only the name changes; the snapshot itself is immutable.")
            .Accepts<RenameScenarioRequest>("application/json")
            .Produces<SavedScenarioSummary>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        g.MapPost("/{id}/duplicate", DuplicateAsync)
            .WithName("DuplicateScenario")
            .WithSummary("Duplicate a saved scenario")
            .WithDescription("A copy under a new id (`?name=`, default \"Copy of …\"), to edit and save anew.")
            .Produces<SavedScenarioSummary>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status404NotFound);
        g.MapDelete("/{id}", DeleteAsync)
            .WithName("DeleteScenario")
            .WithSummary("Delete a saved scenario (undoable)")
            .WithDescription("Soft delete: the scenario leaves the list and its links, and `POST /api/scenarios/{id}/restore` brings it back.")
            .Produces<SavedScenarioSummary>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        g.MapPost("/{id}/claim", ClaimAsync)
            .WithName("ClaimScenario")
            .WithSummary("Claim a scenario saved before ownership (administrators)")
            .WithDescription("Gives an ownerless saved scenario to the signed-in administrator, who may then rename or delete it.")
            .Produces<SavedScenarioSummary>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        g.MapPost("/{id}/restore", RestoreAsync)
            .WithName("RestoreScenario")
            .WithSummary("Undo a delete")
            .Produces<SavedScenarioSummary>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    internal static IEndpointRouteBuilder MapShortLinks(this IEndpointRouteBuilder app)
    {
        app.MapGet("/s/{id}", OpenShortLinkAsync)
            .WithName("OpenShortLink")
            .WithTags("Saved scenarios")
            .WithSummary("Open a saved scenario's short link")
            .WithDescription("Redirects (302) to `/?s=v1.…`, the page state link. A state too big for a link redirects to `/?id={id}`; " +
                             "an unknown or deleted id to `/?missing={id}`, where the page says so.")
            .Produces(StatusCodes.Status302Found);
        return app;
    }

    private static async Task<IResult> SaveAsync(HttpRequest request, IOptions<ApiOptions> options, ScenarioStore store, StorageQuotas quotas, ChipDirectory chips,
        string? name, CancellationToken ct)
    {
        var (text, problem) = await RequestBody.ReadJsonAsync(request, options.Value.MaxRequestBytes, "a scenario document", ct);
        if (problem is not null) return problem;
        if (name is not null && string.IsNullOrWhiteSpace(name)) return ApiProblems.Validation("name", "must not be blank.");
        var scenarioJson = text!;
        // A published run's case file is saved as the scenario it ran (as /api/estimate reads it), its errors under $.scenario.
        if (ValidationCaseFile.IsCaseFile(scenarioJson))
        {
            if (ValidationCaseFile.TryParse("request", scenarioJson, out var caseProblem) is not { } run) return ApiProblems.Validation("$", caseProblem!);
            scenarioJson = run.ScenarioJson;
        }
        // A custom chip of this server named by id is stored inlined, as a measured run's is.
        scenarioJson = ChipDirectory.InlineCustomChip(scenarioJson, id => chips.CustomDefinition(id)?.ToSection());
        var (snapshot, errors) = ScenarioSnapshot.Create(scenarioJson, name);
        if (snapshot is null) return ApiProblems.Validation(errors);
        if (await quotas.ScenarioAsync(Callers.Of(request.HttpContext).OwnerKey, ct) is { } full) return full.ToResult();
        var owner = Callers.OwnerForCreate(request.HttpContext);
        var saved = await store.SaveOwnedAsync(snapshot, owner.Key, ct);
        var token = ShortLinks.Token(saved.ScenarioJson, snapshot.PageSettings);
        var body = new SavedScenarioCreated(saved.Id, saved.Name, ShortLinks.ShortUrl(request, saved.Id),
            ShortLinks.StateUrl(request, saved.ScenarioJson, snapshot.PageSettings), token, owner.Token);
        return Results.Created($"/api/scenarios/{saved.Id}", body);
    }

    private static async Task<IResult> ListAsync(HttpRequest request, ScenarioStore store, string? page, string? pageSize, string? deleted, string? scope, CancellationToken ct)
    {
        var errors = new List<Core.Planning.ScenarioError>();
        var p = 1;
        var size = 20;
        var showDeleted = false;
        if (page is not null && (!int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out p) || p < 1))
            errors.Add(new("page", $"must be a whole number from 1, got \"{page}\"."));
        if (pageSize is not null && (!int.TryParse(pageSize, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > ScenarioStore.MaxPageSize))
            errors.Add(new("pageSize", $"must be a whole number from 1 to {ScenarioStore.MaxPageSize}, got \"{pageSize}\"."));
        if (deleted is not null && !bool.TryParse(deleted, out showDeleted))
            errors.Add(new("deleted", $"must be true or false, got \"{deleted}\"."));
        if (errors.Count > 0) return ApiProblems.Validation(errors, "The request is invalid");
        var (owners, refused) = OwnerScopes.Parse(Callers.Of(request.HttpContext), scope, "saved scenarios", "saving (\"ownerToken\")");
        if (refused is not null) return refused;
        var list = await store.ListAsync(owners, p, size, showDeleted, ct);
        return Results.Ok(new SavedScenarioList(list.Items.Select(s => SavedScenarioSummary.From(s, request)).ToList(), list.Page, list.PageSize, list.Total));
    }

    private static async Task<IResult> GetAsync(HttpRequest request, ScenarioStore store, string id, CancellationToken ct) =>
        await store.GetAsync(id, cancellationToken: ct) is { } s
            ? Results.Ok(SavedScenarioDetails.From(s, request))
            : ApiProblems.NotFound("saved scenario", id);

    private static async Task<IResult> ExportAsync(ScenarioStore store, string id, CancellationToken ct)
    {
        if (await store.GetAsync(id, cancellationToken: ct) is not { } s) return ApiProblems.NotFound("saved scenario", id);
        using var doc = JsonDocument.Parse(s.ScenarioJson);
        var indented = ResultJson.Serialize(w => doc.RootElement.WriteTo(w), indented: true) + "\n";
        return Results.File(Encoding.UTF8.GetBytes(indented), "application/json", FileName(s.Name, s.Id));
    }

    private static async Task<IResult> RenameAsync(ScenarioStore store, string id, HttpRequest request, CancellationToken ct)
    {
        var (text, problem) = await RequestBody.ReadJsonAsync(request, 64 * 1024, "a rename ({\"name\": \"…\"})", ct);
        if (problem is not null) return problem;
        if (StrictJson.Check(text!) is { } invalid) return ApiProblems.Validation(invalid.Path, invalid.Message);
        // The body is { "name": "…" } and nothing else (unknown members are errors here as in every other body).
        string? given;
        try
        {
            using var doc = JsonDocument.Parse(text!);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return ApiProblems.Validation("$", "expected {\"name\": \"…\"}.");
            var unknown = root.EnumerateObject().Where(p => p.Name != "name")
                .Select(p => new Core.Planning.ScenarioError($"$.{p.Name}", "unknown field; a rename body has only \"name\".")).ToList();
            if (unknown.Count > 0) return ApiProblems.Validation(unknown, "The request is invalid");
            if (root.TryGetProperty("name", out var n) && n.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                return ApiProblems.Validation("$.name", "must be a string: the new name.");
            given = root.TryGetProperty("name", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
        catch (JsonException ex)
        {
            return ApiProblems.Validation("$", JsonSyntaxError.Describe(ex));
        }
        var name = given?.Trim();
        if (string.IsNullOrEmpty(name)) return ApiProblems.Validation("$.name", "is required and must not be blank.");
        if (await NotOwnerAsync(store, request, id, includeDeleted: false, "rename", ct) is { } refused) return refused;
        if (SavedText.NameProblem(name) is { } nameProblem) return ApiProblems.Validation("$.name", nameProblem);
        return await store.RenameAsync(id, name, ct) is { } s
            ? Results.Ok(SavedScenarioSummary.From(s, request))
            : ApiProblems.NotFound("saved scenario", id);
    }

    private static async Task<IResult> DuplicateAsync(HttpRequest request, ScenarioStore store, StorageQuotas quotas, string id, string? name, CancellationToken ct)
    {
        if (name?.Trim() is { Length: > 0 } given && SavedText.NameProblem(given) is { } problem) return ApiProblems.Validation("name", problem);
        if (await store.GetAsync(id, cancellationToken: ct) is null) return ApiProblems.NotFound("saved scenario", id);
        if (await quotas.ScenarioAsync(Callers.Of(request.HttpContext).OwnerKey, ct) is { } full) return full.ToResult();
        return await store.DuplicateOwnedAsync(id, name, Callers.OwnerForCreate(request.HttpContext).Key, ct) is { } s
            ? Results.Created($"/api/scenarios/{s.Id}", SavedScenarioSummary.From(s, request))
            : ApiProblems.NotFound("saved scenario", id);
    }

    private static async Task<IResult> DeleteAsync(HttpRequest request, ScenarioStore store, string id, CancellationToken ct) =>
        await NotOwnerAsync(store, request, id, includeDeleted: false, "delete", ct) ?? (await store.DeleteAsync(id, ct) is { } s
            ? Results.Ok(SavedScenarioSummary.From(s, request))
            : ApiProblems.NotFound("saved scenario", id));

    private static async Task<IResult> RestoreAsync(HttpRequest request, ScenarioStore store, string id, CancellationToken ct) =>
        await NotOwnerAsync(store, request, id, includeDeleted: true, "restore", ct) ?? (await store.RestoreAsync(id, ct) is { } s
            ? Results.Ok(SavedScenarioSummary.From(s, request))
            : ApiProblems.NotFound("deleted scenario", id));

    private static async Task<IResult> ClaimAsync(HttpRequest request, IDbContextFactory<CapacityPlannerDbContext> contexts, ScenarioStore store, string id, CancellationToken ct)
    {
        var caller = Callers.Of(request.HttpContext);
        if (OwnerScopes.AdminRequired(caller, "saved scenario") is { } refused) return refused;
        if (await store.GetAsync(id, includeDeleted: true, ct) is not { } before) return ApiProblems.NotFound("saved scenario", id);
        if (before.OwnerHash is not null)
            return ApiProblems.Problem(StatusCodes.Status409Conflict, "Already owned", $"Saved scenario \"{id}\" has an owner; only rows saved before ownership can be claimed.");
        await contexts.ClaimAsync("scenario", id, caller.OwnerKey!, ct);
        return await store.GetAsync(id, includeDeleted: true, ct) is { } s ? Results.Ok(SavedScenarioSummary.From(s, request)) : ApiProblems.NotFound("saved scenario", id);
    }

    /// <summary>
    /// 403 when the scenario exists but the caller is neither its owner (owner secret or signed-in user) nor an
    /// administrator (a scenario saved before ownership belongs to nobody and is read-only); null when the caller may
    /// change it or there is no such scenario (the operation then answers 404 itself). Owners change only from nobody
    /// to an administrator's claim, so checking before the update is safe.
    /// </summary>
    private static async Task<IResult?> NotOwnerAsync(ScenarioStore store, HttpRequest request, string id, bool includeDeleted, string action, CancellationToken ct)
    {
        if (await store.GetAsync(id, includeDeleted, ct) is not { } scenario) return null;
        var caller = Callers.Of(request.HttpContext);
        if (caller.CanChange(scenario.OwnerHash)) return null;
        return ApiProblems.Problem(StatusCodes.Status403Forbidden, "Not the owner",
            scenario.OwnerHash is null
                ? $"Saved scenario \"{id}\" was saved before scenarios had owners: it belongs to nobody and cannot be {action}d (an administrator can claim it). Duplicate it to get your own copy."
                : caller.IsUser
                ? $"Saved scenario \"{id}\" belongs to someone else; only its owner or an administrator may {action} it. Duplicate it to get your own copy."
                : $"Only the owner of saved scenario \"{id}\" may {action} it: send the owner token you got when saving it as 'Authorization: Bearer …' " +
                  "(browsers send the owner cookie), or sign in as its owner. Anyone may open it, or duplicate it to get their own copy.");
    }

    private static async Task<IResult> OpenShortLinkAsync(HttpRequest request, IOptions<KestrelServerOptions> kestrel, ScenarioStore store, string id, CancellationToken ct)
    {
        if (await store.GetAsync(id, cancellationToken: ct) is not { } s)
        {
            return Results.Redirect("/?missing=" + Uri.EscapeDataString(id.Length <= 64 ? id : id[..64]));
        }
        var page = ScenarioSnapshot.ReadPageSettings(s.PageSettingsJson);
        var token = ShortLinks.Token(s.ScenarioJson, page);
        // A state saved on the Budget page opens there; everything else opens in the Planner.
        var path = BudgetShareState.IsBudget(page) ? "/" + BudgetShareState.Path : "/";
        var stateUrl = token is null ? null : $"{path}?{ScenarioLink.QueryParameter}={token}";
        // Never send the browser to a URL this server would refuse (414): a state too long for the request line opens by id.
        return Results.Redirect(stateUrl is not null && ShortLinks.FitsRequestLine(request.PathBase + stateUrl, kestrel.Value.Limits.MaxRequestLineSize)
            ? stateUrl
            : path + "?id=" + s.Id);
    }

    /// <summary>"GPT-3 175B on 1,024 A100" → "gpt-3-175b-on-1-024-a100.json".</summary>
    internal static string FileName(string name, string id)
    {
        var sb = new StringBuilder();
        foreach (var c in name.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c)) sb.Append(c);
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
            if (sb.Length >= 80) break;
        }
        var slug = sb.ToString().Trim('-');
        return (slug.Length == 0 ? "scenario-" + id : slug) + ".json";
    }
}
