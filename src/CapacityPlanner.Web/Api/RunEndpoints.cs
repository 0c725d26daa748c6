using System.Text.Json;
using CapacityPlanner.Core.Validation;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Features.Validation;
using CapacityPlanner.Web.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using CapacityPlanner.Web.Shared.Chips;

namespace CapacityPlanner.Web.Api;

/// <summary>A user-measured run with the model's result on it.</summary>
/// <param name="Id">Short id.</param>
/// <param name="Name">Display name.</param>
/// <param name="Family">Family ("user" unless given).</param>
/// <param name="Notes">Notes.</param>
/// <param name="Metric"><c>stepTimeSeconds</c> or <c>tokensPerSecondPerGpu</c>.</param>
/// <param name="Measured">The measured value.</param>
/// <param name="Predicted">The model's value of the same metric (null when the model gives none).</param>
/// <param name="Error">predicted / measured throughput − 1 (for step times measured / predicted − 1); positive: the model is faster.</param>
/// <param name="Tolerance">Accepted |error|.</param>
/// <param name="WithinTolerance">|error| within the tolerance.</param>
/// <param name="Feasible">False when the model calls the run infeasible.</param>
/// <param name="Chip">Chip id.</param>
/// <param name="Gpus">GPU count.</param>
/// <param name="Stack">Software stack the estimate used.</param>
/// <param name="Problem">Why there is no prediction or why the run is infeasible.</param>
/// <param name="CreatedUtc">When it was stored.</param>
/// <param name="Url">This run's URL.</param>
/// <param name="PlannerLink">Absolute link that opens the scenario in the Planner (null when it does not fit in a link).</param>
public sealed record MeasuredRunSummary(
    string Id, string Name, string Family, string? Notes, string Metric, double Measured, double? Predicted, double? Error, double Tolerance,
    bool WithinTolerance, bool Feasible, string Chip, long Gpus, string Stack, string? Problem, DateTime CreatedUtc, string Url, string? PlannerLink)
{
    internal static MeasuredRunSummary From(SavedMeasuredRun run, ValidationRow row, HttpRequest request)
    {
        var root = $"{request.Scheme}://{request.Host}{request.PathBase}";
        return new(run.Id, run.Name, row.Family, run.Notes, run.Metric, run.Measured, Finite(row.Predicted), Finite(row.Error), row.Tolerance,
            row.WithinTolerance, row.Feasible, row.Chip, row.Gpus, row.Stack, row.Problem, run.CreatedUtc,
            $"{root}/api/runs/{Uri.EscapeDataString(run.Id)}", row.PlannerLink is { } link ? root + link : null);
    }

    private static double? Finite(double? v) => v is { } x && double.IsFinite(x) ? x : null;
}

/// <summary>A user-measured run with its scenario document.</summary>
/// <param name="Summary">The run and the model's result.</param>
/// <param name="Scenario">The scenario document as stored (canonical).</param>
public sealed record MeasuredRunDetails(MeasuredRunSummary Summary, JsonElement Scenario);

/// <summary>Every user-measured run, newest first, with the model's accuracy over them.</summary>
/// <param name="Items">The runs.</param>
/// <param name="Summary">Median, mean and max |error|, share within tolerance, infeasible count and bias over the runs.</param>
public sealed record MeasuredRunList(IReadOnlyList<MeasuredRunSummary> Items, ValidationSummary Summary);

/// <summary>
/// User-measured training runs: <c>POST /api/runs</c> (add), <c>GET /api/runs</c> (list), <c>GET /api/runs/{id}</c> and
/// <c>DELETE /api/runs/{id}</c>. The Validation page shows them beside the published runs.
/// </summary>
public static class RunEndpoints
{
    internal static RouteGroupBuilder MapRunEndpoints(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/runs").WithTags("Measured runs");
        g.MapPost("/", AddAsync)
            .WithName("AddMeasuredRun")
            .WithSummary("Add a measured training run")
            .WithDescription("Body: `{ \"name\": \"…\", \"scenario\": { scenario document }, \"metric\": \"stepTimeSeconds\" | \"tokensPerSecondPerGpu\", " +
                             "\"measured\": number > 0, \"family\"?: \"…\", \"notes\"?: \"…\" }`. The scenario is checked as /api/estimate checks it " +
                             "(errors under `$.scenario.…`); a custom chip of this server named by id is stored inlined. The answer has the model's prediction and error on the run.")
            .Accepts<JsonElement>("application/json")
            .Produces<MeasuredRunSummary>(StatusCodes.Status201Created)
            .ProducesValidationProblem();
        g.MapGet("/", ListAsync)
            .WithName("ListMeasuredRuns")
            .WithSummary("List measured runs")
            .WithDescription("Your own runs (owner token, cookie or sign-in; `scope=team`: every signed-in user's), newest first, each with the " +
                             "model's prediction and error, and the summary over them.")
            .Produces<MeasuredRunList>();
        g.MapGet("/{id}", GetAsync)
            .WithName("GetMeasuredRun")
            .WithSummary("A measured run")
            .Produces<MeasuredRunDetails>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        g.MapPost("/calibration", CalibrateAsync)
            .WithName("CalibrateToMeasuredRuns")
            .WithSummary("Fit the model's calibrated constants to the measured runs")
            .WithDescription("Fits the four calibrated constants (data file calibration.json) to your own measured runs and reports the " +
                             "accuracy before, after (in-sample) and leave-one-run-out (each run predicted by constants fitted without it). " +
                             "Nothing is changed on the server; use the constants to judge how far your stack is from the shipped calibration.")
            .Produces<CalibrationAnswer>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        g.MapDelete("/{id}", DeleteAsync)
            .WithName("DeleteMeasuredRun")
            .WithSummary("Delete a measured run")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        g.MapPost("/{id}/claim", ClaimAsync)
            .WithName("ClaimMeasuredRun")
            .WithSummary("Claim a run stored before ownership (administrators)")
            .Produces<MeasuredRunSummary>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static async Task<IResult> AddAsync(HttpRequest request, IOptions<ApiOptions> options, MeasuredRunStore store, ValidationService validation,
        ChipDirectory chips, StorageQuotas quotas, CancellationToken ct)
    {
        var (text, problem) = await RequestBody.ReadJsonAsync(request, options.Value.MaxRequestBytes, "a measured run", ct);
        if (problem is not null) return problem;
        var (draft, errors) = MeasuredRunInput.FromJson(text!, id => chips.CustomDefinition(id)?.ToSection());
        if (draft is null) return ApiProblems.Validation(errors, "The measured run is invalid");
        if (await quotas.RunAsync(Callers.Of(request.HttpContext).OwnerKey, ct) is { } full) return full.ToResult();
        var owner = Callers.OwnerForCreate(request.HttpContext);
        var run = await store.AddOwnedAsync(draft.Name, draft.ScenarioJson, ValidationCase.MetricId(draft.Metric), draft.Measured, draft.Family, draft.Notes, owner.Key, ct);
        return Results.Created($"/api/runs/{run.Id}", MeasuredRunSummary.From(run, validation.Evaluate(run), request));
    }

    private static async Task<IResult> ListAsync(HttpRequest request, MeasuredRunStore store, ValidationService validation, string? scope, CancellationToken ct)
    {
        var (owners, refused) = OwnerScopes.Parse(Callers.Of(request.HttpContext), scope, "measured runs", "adding a run (the Owner-Token header of that answer)");
        if (refused is not null) return refused;
        var runs = await store.ListAsync(owners!, ct);
        var evaluated = runs.Select(r => (Run: r, Row: validation.Evaluate(r))).ToList();
        var summary = ValidationSummary.Of([.. evaluated.Select(e => ToResult(e.Run, e.Row))]);
        return Results.Ok(new MeasuredRunList([.. evaluated.Select(e => MeasuredRunSummary.From(e.Run, e.Row, request))], summary));
    }

    private static async Task<IResult> GetAsync(HttpRequest request, MeasuredRunStore store, ValidationService validation, string id, CancellationToken ct)
    {
        if (await store.GetAsync(id, ct) is not { } run) return ApiProblems.NotFound("measured run", id);
        using var doc = JsonDocument.Parse(run.ScenarioJson);
        return Results.Ok(new MeasuredRunDetails(MeasuredRunSummary.From(run, validation.Evaluate(run), request), doc.RootElement.Clone()));
    }

    private static async Task<IResult> DeleteAsync(HttpRequest request, MeasuredRunStore store, ValidationService validation, string id, CancellationToken ct)
    {
        if (await store.GetAsync(id, ct) is not { } run) return ApiProblems.NotFound("measured run", id);
        var caller = Callers.Of(request.HttpContext);
        if (!caller.CanChange(run.OwnerHash))
            return Callers.NotOwner(caller, "measured run", id, "delete", run.OwnerHash, "adding it (the Owner-Token header of that answer)");
        if (!await store.DeleteAsync(id, ct)) return ApiProblems.NotFound("measured run", id);
        validation.Forget(id);
        return Results.NoContent();
    }

    private static async Task<IResult> ClaimAsync(HttpRequest request, IDbContextFactory<CapacityPlannerDbContext> contexts, MeasuredRunStore store,
        ValidationService validation, string id, CancellationToken ct)
    {
        var caller = Callers.Of(request.HttpContext);
        if (OwnerScopes.AdminRequired(caller, "measured run") is { } refused) return refused;
        if (await store.GetAsync(id, ct) is not { } before) return ApiProblems.NotFound("measured run", id);
        if (before.OwnerHash is not null)
            return ApiProblems.Problem(StatusCodes.Status409Conflict, "Already owned", $"Measured run \"{id}\" has an owner; only runs stored before ownership can be claimed.");
        await contexts.ClaimAsync("run", id, caller.OwnerKey!, ct);
        return await store.GetAsync(id, ct) is { } run ? Results.Ok(MeasuredRunSummary.From(run, validation.Evaluate(run), request)) : ApiProblems.NotFound("measured run", id);
    }

    private static async Task<IResult> CalibrateAsync(HttpRequest request, MeasuredRunStore store, ComputeGate gate, IOptions<ApiOptions> options, CancellationToken ct)
    {
        var (owners, refused) = OwnerScopes.Parse(Callers.Of(request.HttpContext), null, "measured runs", "adding a run (the Owner-Token header of that answer)");
        if (refused is not null) return refused;
        var runs = await store.ListAsync(owners!, ct);
        if (runs.Count == 0)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "No measured runs",
                detail: "Add at least one measured run of your own (POST /api/runs) before calibrating; two or more give a leave-one-out error.");
        }
        var cases = runs.Select(MeasuredRunInput.ToCase).ToList();
        // Quadratic in the runs (a fit per run left out): a heavy computation, under the compute gate's time limit.
        var (done, c) = await gate.RunAsync(token => ModelCalibration.FitToRuns(cases, cancellationToken: token), ct);
        if (!done) return ModelEndpoints.TimedOut($"calibration to {runs.Count} measured runs", options.Value,
            "the leave-one-out fits grow with the square of the runs: delete runs you no longer need");
        static Dictionary<string, double> Map(CalibratedConstants k) =>
            CalibratedConstants.Names.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => k[x.i]);
        return Results.Ok(new CalibrationAnswer(runs.Count, Map(c!.Shipped), Map(c.Fitted), c.Before, c.After, c.LeaveOneOut,
            [.. c.LeaveOneOutRuns.Select(r => new CalibrationRun(r.Case.Id, r.Error))]));
    }

    /// <summary>The row back as a result, for <see cref="ValidationSummary.Of"/>.</summary>
    internal static ValidationResult ToResult(SavedMeasuredRun run, ValidationRow row) =>
        new(MeasuredRunInput.ToCase(run), row.Predicted, row.Error, row.Feasible, row.Chip, row.Gpus, row.Stack, row.Problem);
}

/// <summary>Answer of <c>POST /api/runs/calibration</c>.</summary>
/// <param name="Runs">Measured runs used.</param>
/// <param name="Shipped">The shipped calibrated constants.</param>
/// <param name="Fitted">Constants fitted to the runs.</param>
/// <param name="Before">Accuracy with the shipped constants.</param>
/// <param name="After">In-sample accuracy with the fitted constants.</param>
/// <param name="LeaveOneOut">Leave-one-run-out accuracy (null with one run).</param>
/// <param name="LeaveOneOutRuns">Each run's leave-one-out error.</param>
public sealed record CalibrationAnswer(int Runs, IReadOnlyDictionary<string, double> Shipped, IReadOnlyDictionary<string, double> Fitted,
    ValidationSummary Before, ValidationSummary After, ValidationSummary? LeaveOneOut, IReadOnlyList<CalibrationRun> LeaveOneOutRuns);

/// <summary>One run's leave-one-out error.</summary>
/// <param name="Id">Run id.</param>
/// <param name="Error">Predicted/measured throughput − 1 under constants fitted without this run.</param>
public sealed record CalibrationRun(string Id, double? Error);
