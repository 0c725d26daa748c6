using System.Text.Json;
using System.Text.Json.Nodes;
using CapacityPlanner.Contracts.Json;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Features.Benchmarks;
using CapacityPlanner.Web.Features.Hardware;
using CapacityPlanner.Web.Security;
using CapacityPlanner.Web.Shared.Chips;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Api;

/// <summary>Where a measured chip came from.</summary>
/// <param name="BenchmarkId">Stored benchmark result it was calibrated from.</param>
/// <param name="Precision">GEMM precision the curve was fitted to.</param>
/// <param name="IncludesCpuResults">True when CPU-backend measurements were counted (demos and tests only).</param>
/// <param name="RegisteredUtc">When it was registered.</param>
/// <param name="BenchmarkUrl">The stored result.</param>
public sealed record MeasuredFrom(string BenchmarkId, string Precision, bool IncludesCpuResults, DateTime RegisteredUtc, string BenchmarkUrl);

/// <summary>A chip the estimates can use: a catalog chip or a custom one of this server.</summary>
/// <param name="Id">Id to put in a scenario's <c>system.chip</c>.</param>
/// <param name="Name">Display name.</param>
/// <param name="Custom">True for this server's custom chips.</param>
/// <param name="BaseOn">Catalog chip a custom chip inherits from.</param>
/// <param name="PeakBf16Tflops">Dense BF16 peak, when the chip has one.</param>
/// <param name="HbmCapacityGiB">HBM per chip.</param>
/// <param name="HbmBandwidthTBps">HBM bandwidth.</param>
/// <param name="GemmEfficiency">Best achievable matmul fraction of peak the model uses.</param>
/// <param name="MeasuredGemmCurvePoints">Points of a measured GEMM curve (0 when the default size curve applies).</param>
/// <param name="MeasuredFrom">The calibration behind a measured chip; null otherwise.</param>
/// <param name="Definition">A custom chip's inline object (paste it as <c>system.chip</c> elsewhere); null for catalog chips.</param>
/// <param name="Url">This chip's URL.</param>
public sealed record ChipSummary(
    string Id, string Name, bool Custom, string? BaseOn, double? PeakBf16Tflops, double HbmCapacityGiB, double HbmBandwidthTBps,
    double GemmEfficiency, int MeasuredGemmCurvePoints, MeasuredFrom? MeasuredFrom, JsonObject? Definition, string Url);

/// <summary>What <c>POST /api/benchmarks/{id}/calibrate</c> registered.</summary>
/// <param name="Chip">The measured chip, now usable by id in every scenario sent to this server.</param>
/// <param name="GemmMaxFraction">Measured MAMF fraction of the datasheet peak, when GEMMs were measured.</param>
/// <param name="HbmFraction">Measured HBM fraction, when memory was measured.</param>
/// <param name="ScaleUpBusEfficiency">Measured scale-up bus efficiency, when collectives inside a domain were measured.</param>
/// <param name="ScaleOutEfficiency">Measured scale-out efficiency, when collectives across nodes were measured.</param>
/// <param name="Notes">What each figure came from.</param>
/// <param name="Warnings">Figures clamped, results left out, data missing.</param>
public sealed record CalibrationSummary(
    ChipSummary Chip, double? GemmMaxFraction, double? HbmFraction, double? ScaleUpBusEfficiency, double? ScaleOutEfficiency,
    IReadOnlyList<string> Notes, IReadOnlyList<string> Warnings);

/// <summary>
/// <c>GET|PUT|DELETE /api/chips/{id}</c>, <c>GET /api/chips</c> and <c>POST /api/benchmarks/{id}/calibrate</c>: the
/// chips a scenario can name, custom chips managed as the Hardware page does, and the command-line route from an
/// uploaded benchmark result to a measured chip (what the Benchmarks page's Calibrate and "Use this profile" do).
/// </summary>
public static class ChipEndpoints
{
    internal static RouteGroupBuilder MapChipEndpoints(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/chips").WithTags("Chips");
        g.MapGet("/", List)
            .WithName("ListChips")
            .WithSummary("Chips a scenario can name")
            .WithDescription("The catalog, then this server's custom chips (measured ones say which benchmark result they come from). " +
                             "Any of these ids works as `system.chip` in the scenarios sent to /api/estimate, search, sweep and budget.")
            .Produces<IReadOnlyList<ChipSummary>>();
        g.MapGet("/{id}", Get)
            .WithName("GetChip")
            .WithSummary("One chip")
            .Produces<ChipSummary>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        g.MapPut("/{id}", PutAsync)
            .WithName("PutChip")
            .WithSummary("Create or replace a custom chip")
            .WithDescription("Body: an inline custom chip object, as a scenario's `system.chip` takes it (`id` may be left out; it must equal the URL's). " +
                             "Checked as the Hardware page checks it; a measured chip keeps the benchmark result it was calibrated from. 201 when created, 200 when replaced.")
            .Accepts<JsonObject>("application/json")
            .Produces<ChipSummary>(StatusCodes.Status201Created)
            .Produces<ChipSummary>()
            .ProducesValidationProblem();
        g.MapDelete("/{id}", Delete)
            .WithName("DeleteChip")
            .WithSummary("Delete a custom chip")
            .WithDescription("Catalog chips cannot be deleted. Scenarios that name the chip afterwards get the unknown-chip error.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/benchmarks/{id}/calibrate", CalibrateAsync)
            .WithTags("Benchmarks")
            .WithName("CalibrateFromBenchmark")
            .WithSummary("Build a measured chip from an uploaded result")
            .WithDescription("Calibrates a catalog chip (`chip`, default: the one the result's GPU name matches) with the stored result: " +
                             "GEMM curve for `precision` (default: the most measured one), HBM fraction and bus efficiencies. The measured chip " +
                             "is registered on the server (id `{chip}-m-{benchmark id}`) and answered with its inline definition. " +
                             "CPU-backend results count only with `includeCpu=true`.")
            .Produces<CalibrationSummary>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static IResult List(HttpRequest request, ChipDirectory chips) =>
        Results.Ok(chips.Chips.Select(c => Summary(c, request)).ToList());

    private static IResult Get(HttpRequest request, ChipDirectory chips, string id) =>
        chips.TryGet(id, out var chip) ? Results.Ok(Summary(chip, request)) : ApiProblems.NotFound("chip", id);

    private static async Task<IResult> PutAsync(HttpRequest request, IOptions<ApiOptions> options, ChipDirectory chips, StorageQuotas quotas, string id, CancellationToken ct)
    {
        if (HardwareCatalog.Default.TryGet(id, out _)) return ApiProblems.Validation("id", $"\"{id}\" is a catalog chip; give the custom chip another id.");
        var (text, problem) = await RequestBody.ReadJsonAsync(request, options.Value.MaxRequestBytes, "an inline custom chip object", ct);
        if (problem is not null) return problem;
        // The id comes from the URL; a body that names one must name the same.
        if (StrictJson.Check(text!) is { } invalid) return ApiProblems.Validation(InlineChip.Path + invalid.Path[1..], invalid.Message, "The custom chip is invalid");
        JsonObject body;
        try
        {
            body = JsonNode.Parse(text!) as JsonObject ?? throw new JsonException("expected a JSON object");
        }
        catch (JsonException ex)
        {
            return ApiProblems.Validation("$.system.chip", $"expected an inline custom chip object: {ex.Message}");
        }
        if (body["id"] is { } bodyId && !string.Equals(bodyId.GetValueKind() == JsonValueKind.String ? bodyId.GetValue<string>() : null, id, StringComparison.Ordinal))
        {
            return ApiProblems.Validation("$.system.chip.id", $"the body names another chip than the URL ({bodyId.ToJsonString()} vs \"{id}\"); leave it out or make them equal.");
        }
        body["id"] = id;
        var (definition, errors) = CustomChipDefinition.FromJson(body.ToJsonString());
        if (definition is null) return ApiProblems.Validation(errors, "The custom chip is invalid");
        var caller = Callers.Of(request.HttpContext);
        if (chips.CustomDefinition(id) is null && quotas.Chip(caller.OwnerKey) is { } full) return full.ToResult();
        var owner = caller.OwnerKey ?? OwnerCredentials.HashOf(PendingOwnerToken(request));
        var (outcome, check) = chips.CreateOrReplace(definition, owner, caller.IsAdmin);
        if (outcome == ChipWrite.NotOwner) return NotOwner(id, "replace");
        if (!check.IsValid) return ApiProblems.Validation(check.Errors, "The custom chip is invalid");
        if (!chips.TryGet(id, out var saved)) return ApiProblems.NotFound("chip", id);
        var summary = Summary(saved, request);
        if (outcome != ChipWrite.Created) return Results.Ok(summary);
        IssueOwnerToken(request);
        return Results.Created($"/api/chips/{Uri.EscapeDataString(id)}", summary);
    }

    private static IResult Delete(HttpRequest request, ChipDirectory chips, string id)
    {
        if (HardwareCatalog.Default.TryGet(id, out _)) return ApiProblems.Validation("id", $"\"{id}\" is a catalog chip; only custom chips can be deleted.");
        var caller = Callers.Of(request.HttpContext);
        return chips.RemoveOwned(id, caller.OwnerKey, caller.IsAdmin) switch
        {
            ChipWrite.Removed => Results.NoContent(),
            ChipWrite.NotOwner => NotOwner(id, "delete"),
            _ => ApiProblems.NotFound("chip", id),
        };
    }

    // The owner secret a creating request will be given: its own, or one made now (stored in the context, answered by
    // IssueOwnerToken once the chip exists).
    private static string PendingOwnerToken(HttpRequest request)
    {
        if (request.HttpContext.Items[PendingTokenKey] is string pending) return pending;
        var token = System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        request.HttpContext.Items[PendingTokenKey] = token;
        return token;
    }

    private const string PendingTokenKey = "CapacityPlanner.PendingOwnerToken";

    // Hands the creator its owner secret: the Owner-Token header for API clients, the owner cookie for browsers.
    private static void IssueOwnerToken(HttpRequest request)
    {
        if (Callers.Of(request.HttpContext).IsUser) return;     // a signed-in user's sign-in is the credential
        var token = OwnerCredentials.Token(request) ?? (string)request.HttpContext.Items[PendingTokenKey]!;
        OwnerCredentials.Issue(request.HttpContext, token);
    }

    private static IResult NotOwner(string id, string action) =>
        ApiProblems.Problem(StatusCodes.Status403Forbidden, "Not the owner",
            $"Only the owner of custom chip \"{id}\" may {action} it: send the owner token you got when creating it (the Owner-Token " +
            "header of that answer) as 'Authorization: Bearer …' (browsers send the owner cookie), or sign in as its owner. Chips made before chips had owners belong to " +
            "nobody and are read-only here. Anyone may use the chip in a scenario, or create their own under another id.");

    private static async Task<IResult> CalibrateAsync(HttpRequest request, BenchmarkCalibrationService calibrations, ChipDirectory chips, StorageQuotas quotas,
        string id, string? chip, string? precision, string? includeCpu, CancellationToken ct)
    {
        var document = await calibrations.LoadAsync(id, ct);
        if (document is null) return ApiProblems.NotFound("benchmark result", id);
        var errors = new List<ScenarioError>();
        var baseChip = chip ?? BenchmarkCalibrationService.SuggestChip(document);
        if (baseChip is null)
        {
            errors.Add(new("chip", "the result's device matches no catalog chip; name the chip that was measured (e.g. chip=h100-sxm, see GET /api/chips)."));
        }
        else if (!HardwareCatalog.Default.TryGet(baseChip, out _))
        {
            errors.Add(new("chip", $"\"{baseChip}\" is not a catalog chip; known: {string.Join(", ", HardwareCatalog.Default.Ids)}."));
        }
        var gemmPrecision = BenchmarkCalibrationService.SuggestPrecision(document);
        if (precision is not null && !PrecisionExtensions.TryParse(precision, out gemmPrecision))
        {
            errors.Add(new("precision", $"unknown precision \"{precision}\"; known: {string.Join(", ", PrecisionExtensions.All.Select(p => p.ToId()))}."));
        }
        var withCpu = false;
        if (includeCpu is not null && !bool.TryParse(includeCpu, out withCpu))
        {
            errors.Add(new("includeCpu", $"must be true or false, got \"{includeCpu}\"."));
        }
        if (errors.Count > 0) return ApiProblems.Validation(errors, "The calibration request is invalid");

        var calibrationRequest = new CalibrationRequest(baseChip!, gemmPrecision, withCpu);
        var measuredId = BenchmarkCalibrationService.ChipId(baseChip!, id);
        var caller = Callers.Of(request.HttpContext);
        if (await calibrations.RegistrationRefusalAsync(id, caller, ct) is { } refusal)
            return ApiProblems.Problem(StatusCodes.Status403Forbidden, "Not the owner", refusal);
        var owner = caller.OwnerKey;
        var registeredBefore = chips.CustomDefinition(measuredId);
        if (registeredBefore is not null && !caller.IsAdmin && !registeredBefore.IsOwnedBy(owner)) return NotOwner(measuredId, "calibrate again");
        if (registeredBefore is null && quotas.Chip(owner) is { } full) return full.ToResult();
        owner ??= OwnerCredentials.HashOf(PendingOwnerToken(request));
        var calibration = calibrations.Calibrate(id, document, calibrationRequest);
        var check = calibrations.Register(id, calibration, calibrationRequest, owner);
        if (!check.IsValid) return ApiProblems.Validation(check.Errors, "The measured chip could not be registered");
        if (!chips.TryGet(calibration.Chip.Id, out var registered)) return ApiProblems.NotFound("chip", calibration.Chip.Id);
        var summary = new CalibrationSummary(Summary(registered, request), calibration.GemmMaxFraction, calibration.HbmFraction,
            calibration.ScaleUpBusEfficiency, calibration.ScaleOutEfficiency, calibration.Notes, calibration.Warnings);
        IssueOwnerToken(request);
        return Results.Created($"/api/chips/{Uri.EscapeDataString(registered.Id)}", summary);
    }

    private static ChipSummary Summary(ChipOption chip, HttpRequest r)
    {
        var spec = chip.Spec;
        var root = $"{r.Scheme}://{r.Host}{r.PathBase}";
        var profile = chip.Definition?.Profile;
        return new ChipSummary(
            chip.Id,
            spec.Name,
            chip.IsCustom,
            chip.Definition?.BaseOn,
            spec.PeakFor(Precision.Bf16) is { } peak ? peak / Units.Tera : null,
            spec.HbmCapacityGiB,
            spec.HbmBandwidthBytesPerSecond / Units.Tera,
            spec.Efficiency.GemmMaxFraction,
            chip.Definition?.GemmCurve?.Count ?? 0,
            profile is null ? null : new MeasuredFrom(profile.BenchmarkId, profile.Precision.ToId(), profile.IncludeCpuResults, profile.RegisteredUtc,
                $"{root}/api/benchmarks/{profile.BenchmarkId}"),
            chip.Definition is { } d ? JsonNode.Parse(d.ToJson())!.AsObject() : null,
            $"{root}/api/chips/{Uri.EscapeDataString(chip.Id)}");
    }
}
