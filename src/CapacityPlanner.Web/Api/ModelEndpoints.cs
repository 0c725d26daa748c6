using System.Globalization;
using System.Text;
using CapacityPlanner.Contracts.Results;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Search;
using CapacityPlanner.Core.Validation;
using CapacityPlanner.Web.Shared.Chips;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Api;

/// <summary>
/// <c>POST /api/estimate | search | sweep | budget</c>: the body is a scenario document, the answer the JSON of the
/// matching <c>capplan … --json</c> command (same Core calls: parse, resolve, then estimate, search, sweep or plan).
/// </summary>
public static class ModelEndpoints
{
    /// <summary>Largest <c>top</c> of a search.</summary>
    public const int MaxTop = 1000;

    /// <summary>Most cluster sizes in one sweep.</summary>
    public const int MaxSweepSizes = 64;

    /// <summary>Largest cluster size in a sweep.</summary>
    public const long MaxSweepGpus = 100_000_000;

    internal static RouteGroupBuilder MapModelEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/estimate", EstimateAsync)
            .WithName("Estimate")
            .WithSummary("Estimate one scenario")
            .WithDescription("Step time, tokens/s, MFU/HFU, memory per GPU, compute/communication ratios and the step breakdown, " +
                             "as `capplan estimate --json`. An infeasible plan is still 200 with `feasible: false` and its reasons. " +
                             "`?format=csv` returns the same fields as `field,value` rows. A published run's case file " +
                             "(`{ \"scenario\", \"metric\", \"measured\", \"family\", … }`) is estimated as it ran and answered with " +
                             "`published`: what it measured beside the model's figure, as `capplan validate --json` writes the row.")
            .WithScenarioBody()
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv");

        api.MapPost("/search", SearchAsync)
            .WithName("Search")
            .WithSummary("Search parallelism plans")
            .WithDescription("The fastest (or cheapest, or leanest) valid plans; fields given in `parallelism` stay fixed. As `capplan search --json`. " +
                             "Cancelled with 503 after the configured time (`Api:ComputeTimeoutSeconds`). `?format=csv` returns one row per plan.")
            .WithScenarioBody()
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/sweep", SweepAsync)
            .WithName("Sweep")
            .WithSummary("Sweep cluster sizes")
            .WithDescription("The best plan per cluster size, scaling efficiency and the break-even size, as `capplan sweep --json`. " +
                             "`gpus` is MIN..MAX (powers of two) or a comma-separated list; `mode` strong or weak. `?format=csv` returns one row per size.")
            .WithScenarioBody()
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/budget", BudgetAsync)
            .WithName("Budget")
            .WithSummary("What a budget buys")
            .WithDescription("GPUs, power, energy, FLOP, cost per 1e24 FLOP and the compute-optimal model for the scenario's `budget` section, " +
                             "as `capplan budget --json`.")
            .WithScenarioBody()
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    private static async Task<IResult> EstimateAsync(HttpRequest request, IOptions<ApiOptions> options, ChipDirectory chips, string? format, CancellationToken ct)
    {
        if (FormatProblem(format) is { } bad) return bad;
        var (loaded, problem) = await LoadAsync(request, options.Value, chips, ct);
        if (problem is not null) return problem;
        var (_, scenario, run) = loaded!.Value;
        var estimate = Core.Reliability.ScenarioAnalysis.EstimateWithGoodput(scenario);
        // A published run's case file: the estimate beside what the run measured (as capplan estimate prints it).
        var published = run is null ? null : ValidationRunner.Result(run, scenario, estimate);
        var json = EstimateJson.Serialize(scenario, estimate, indented: false, published: published);
        return IsCsv(format)
            ? Results.Text(Csv.FieldsOf(json), Csv.ContentType, Encoding.UTF8)
            : Results.Text(json, "application/json", Encoding.UTF8);
    }

    private static async Task<IResult> SearchAsync(HttpRequest request, IOptions<ApiOptions> options, ComputeGate gate, ChipDirectory chips,
        string? top, string? objective, string? exhaustive, string? format, CancellationToken ct)
    {
        var errors = new List<ScenarioError>();
        var count = 5;
        if (top is not null && (!int.TryParse(top, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > MaxTop))
            errors.Add(new("top", $"must be a whole number from 1 to {MaxTop}, got \"{top}\"."));
        var all = false;
        if (exhaustive is not null && !bool.TryParse(exhaustive, out all))
            errors.Add(new("exhaustive", $"must be true or false, got \"{exhaustive}\"."));
        var goal = SearchObjective.Time;
        if (objective is not null && (!Enum.TryParse(objective, ignoreCase: true, out goal) || !Enum.IsDefined(goal) || int.TryParse(objective, out _)))
            errors.Add(new("objective", $"must be time, cost or memory, got \"{objective}\"."));
        if (FormatError(format) is { } fe) errors.Add(fe);
        if (errors.Count > 0) return ApiProblems.Validation(errors, "The request is invalid");

        var (loaded, problem) = await LoadAsync(request, options.Value, chips, ct);
        if (problem is not null) return problem;
        var (document, scenario, _) = loaded!.Value;
        var (done, result) = await gate.RunAsync(token => PlanSearch.Search(scenario, ScenarioResolver.Constraints(document.Parallelism), new SearchOptions(count, goal, all) { Cancellation = token }), ct);
        if (!done) return TimedOut("search", options.Value);
        var json = ResultJson.Serialize(w => ResultJson.WriteSearch(w, result!, scenario));
        return IsCsv(format)
            ? Results.Text(Csv.RowsOf(json, "best"), Csv.ContentType, Encoding.UTF8)
            : Results.Text(json, "application/json", Encoding.UTF8);
    }

    private static async Task<IResult> SweepAsync(HttpRequest request, IOptions<ApiOptions> options, ComputeGate gate, ChipDirectory chips,
        string? gpus, string? mode, string? format, CancellationToken ct)
    {
        var errors = new List<ScenarioError>();
        var scaling = ScalingMode.Strong;
        if (mode is not null && (!Enum.TryParse(mode, ignoreCase: true, out scaling) || !Enum.IsDefined(scaling) || int.TryParse(mode, out _)))
            errors.Add(new("mode", $"must be strong or weak, got \"{mode}\"."));
        IReadOnlyList<long>? counts = null;
        if (gpus is not null)
        {
            counts = ScalingSweep.ParseCounts(gpus, MaxSweepGpus, MaxSweepSizes, out var countError);
            if (countError is not null) errors.Add(new("gpus", countError));
        }
        if (FormatError(format) is { } fe) errors.Add(fe);
        if (errors.Count > 0) return ApiProblems.Validation(errors, "The request is invalid");

        var (loaded, problem) = await LoadAsync(request, options.Value, chips, ct);
        if (problem is not null) return problem;
        var (document, scenario, _) = loaded!.Value;
        counts ??= ScalingSweep.PowersOfTwo(8, 131072);
        var (done, result) = await gate.RunAsync(token => ScalingSweep.Run(scenario, ScenarioResolver.Constraints(document.Parallelism), counts, scaling, token), ct);
        if (!done) return TimedOut("sweep", options.Value);
        var json = ResultJson.Serialize(w => ResultJson.WriteSweep(w, result!));
        return IsCsv(format)
            ? Results.Text(Csv.RowsOf(json, "points"), Csv.ContentType, Encoding.UTF8)
            : Results.Text(json, "application/json", Encoding.UTF8);
    }

    private static async Task<IResult> BudgetAsync(HttpRequest request, IOptions<ApiOptions> options, ComputeGate gate, ChipDirectory chips, CancellationToken ct)
    {
        var (loaded, problem) = await LoadAsync(request, options.Value, chips, ct);
        if (problem is not null) return problem;
        var (document, scenario, _) = loaded!.Value;
        var (done, outcome) = await gate.RunAsync(token => ScenarioBudget.Plan(document, scenario, token), ct);
        if (!done) return TimedOut("budget plan", options.Value);
        if (!outcome!.Success) return ApiProblems.Validation(outcome.Errors, "The budget is invalid");
        return Results.Text(BudgetJson.Serialize(outcome.Result!, indented: false), "application/json", Encoding.UTF8);
    }

    /// <summary>
    /// Reads, parses and resolves the scenario in the body, as the CLI does; every error comes back as a 400 problem.
    /// <c>system.chip</c> may also name a custom chip of this server (<c>GET /api/chips</c>), measured ones included.
    /// </summary>
    internal static async Task<((ScenarioDocument Document, ResolvedScenario Scenario, ValidationCase? Case)? Loaded, IResult? Problem)> LoadAsync(
        HttpRequest request, ApiOptions options, ChipDirectory chips, CancellationToken ct)
    {
        var (text, problem) = await RequestBody.ReadJsonAsync(request, options.MaxRequestBytes, "a scenario document", ct);
        if (problem is not null) return (null, problem);
        // A published run's case file is read as it ran, as the CLI reads it.
        var (loaded, published) = ValidationCaseFile.LoadScenarioOrCase(text!, "request", chips.WithCustomChip, e => WithCustomChipIds(e, chips));
        if (!loaded.Success) return (null, ApiProblems.Validation(loaded.Errors));
        return ((loaded.Document!, loaded.Scenario!, published), null);
    }

    // The resolver knows the catalog only; an unknown id on this server may be a custom chip that was meant.
    private static ScenarioError WithCustomChipIds(ScenarioError error, ChipDirectory chips)
    {
        if (error.Path != "$.system.chip" || !error.Message.StartsWith("unknown chip", StringComparison.Ordinal)) return error;
        var custom = chips.CustomChips.Select(c => c.Id).ToList();
        return custom.Count == 0 ? error : error with { Message = $"{error.Message} Custom chips on this server: {string.Join(", ", custom)}." };
    }

    internal static IResult TimedOut(string what, ApiOptions options, string narrow = "fix more parallelism fields, fewer sizes, a smaller top") =>
        ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, $"The {what} took too long",
            $"The {what} was cancelled after {options.ComputeTimeoutText} (the server's limit, Api:ComputeTimeoutSeconds). " +
            $"Narrow it ({narrow}) or try again when the server is less busy.",
            new Dictionary<string, object?> { ["timeoutSeconds"] = options.ComputeTimeoutSeconds });

    private static bool IsCsv(string? format) => string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase);

    private static ScenarioError? FormatError(string? format) =>
        format is null || IsCsv(format) || string.Equals(format, "json", StringComparison.OrdinalIgnoreCase)
            ? null
            : new ScenarioError("format", $"must be json or csv, got \"{format}\".");

    private static IResult? FormatProblem(string? format) =>
        FormatError(format) is { } e ? ApiProblems.Validation([e], "The request is invalid") : null;

    /// <summary>Declares the scenario document body in the OpenAPI document.</summary>
    internal static RouteHandlerBuilder WithScenarioBody(this RouteHandlerBuilder builder) =>
        builder.Accepts<System.Text.Json.Nodes.JsonObject>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
}
