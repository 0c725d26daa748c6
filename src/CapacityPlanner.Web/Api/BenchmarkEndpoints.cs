using System.Globalization;
using System.Text;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Measurements;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Features.Benchmarks;
using CapacityPlanner.Web.Security;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Api;

/// <summary>A stored benchmark result in lists (without the document).</summary>
/// <param name="Id">Short id.</param>
/// <param name="UploadedUtc">When it was uploaded.</param>
/// <param name="MeasuredUtc">When it was measured.</param>
/// <param name="Source">Producer.</param>
/// <param name="Backend">Backend that measured.</param>
/// <param name="Hostname">Host of rank 0.</param>
/// <param name="CpuModel">CPU model.</param>
/// <param name="GpuName">First GPU's name.</param>
/// <param name="GpuCount">GPUs measured.</param>
/// <param name="DriverVersion">NVIDIA driver version.</param>
/// <param name="CudaDriverVersion">CUDA driver API version.</param>
/// <param name="Fingerprint">SHA-256 of host, devices and driver.</param>
/// <param name="SizeBytes">Document size.</param>
/// <param name="Url">Absolute URL of the document.</param>
/// <param name="Implausible">On upload: the measurements the catalog chip its GPU name matches cannot have produced
/// (GEMMs above the dense peak, traffic above the HBM bandwidth, busbw beyond the fabric); they are stored as sent but
/// left out of calibrations. Null in lists and when no catalog chip matches.</param>
public sealed record BenchmarkSummary(
    string Id, DateTime UploadedUtc, DateTime? MeasuredUtc, string Source, string Backend, string? Hostname, string? CpuModel,
    string? GpuName, int GpuCount, string? DriverVersion, int? CudaDriverVersion, string Fingerprint, int SizeBytes, string Url,
    ImplausibleMeasurements? Implausible = null)
{
    internal static BenchmarkSummary From(SavedBenchmark b, HttpRequest r) => new(
        b.Id, b.UploadedUtc, b.MeasuredUtc, b.Source, b.Backend, b.Hostname, b.CpuModel, b.GpuName, b.GpuCount,
        b.DriverVersion, b.CudaDriverVersion, b.Fingerprint, b.SizeBytes,
        $"{r.Scheme}://{r.Host}{r.PathBase}/api/benchmarks/{b.Id}");
}

/// <summary>Measurements of an upload that the chip they were compared with cannot have produced.</summary>
/// <param name="Chip">The catalog chip the result's GPU name matches.</param>
/// <param name="Issues">Each impossible measurement, by JSON path, with the likely cause.</param>
public sealed record ImplausibleMeasurements(string Chip, IReadOnlyList<PlausibilityIssue> Issues);

/// <summary>One page of benchmark results.</summary>
/// <param name="Items">Results on this page.</param>
/// <param name="Page">1-based page.</param>
/// <param name="PageSize">Items per page.</param>
/// <param name="Total">Results on all pages.</param>
public sealed record BenchmarkList(IReadOnlyList<BenchmarkSummary> Items, int Page, int PageSize, int Total);

/// <summary><c>POST /api/benchmarks</c> (what <c>capplan upload</c> sends), <c>GET /api/benchmarks</c>, <c>GET /api/benchmarks/{id}</c>.</summary>
public static class BenchmarkEndpoints
{
    internal static RouteGroupBuilder MapBenchmarkEndpoints(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/benchmarks").WithTags("Benchmarks");
        g.MapPost("/", UploadAsync)
            .WithName("UploadBenchmark")
            .WithSummary("Upload a benchmark result document")
            .WithDescription("Body: a document of wwwroot/schemas/bench-result-v1.schema.json (`capplan bench` output or an import). " +
                             "It is checked by Core's reader and stored as sent; the answer has its id and URL.")
            .Accepts<System.Text.Json.Nodes.JsonObject>("application/json")
            .Produces<BenchmarkSummary>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        g.MapGet("/", ListAsync)
            .WithName("ListBenchmarks")
            .WithSummary("List uploaded benchmark results")
            .WithDescription("Your own uploads (owner token, cookie or sign-in; `scope=team`: every signed-in user's), newest first; filter by `fingerprint` or `gpu` (exact GPU name).")
            .Produces<BenchmarkList>()
            .ProducesValidationProblem();
        g.MapGet("/{id}", GetAsync)
            .WithName("GetBenchmark")
            .WithSummary("A benchmark result document, as uploaded")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .ProducesProblem(StatusCodes.Status404NotFound);
        g.MapPost("/{id}/claim", ClaimAsync)
            .WithName("ClaimBenchmark")
            .WithSummary("Claim an upload stored before ownership (administrators)")
            .Produces<BenchmarkSummary>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static async Task<IResult> UploadAsync(HttpRequest request, IOptions<ApiOptions> options, BenchmarkStore store, StorageQuotas quotas, CancellationToken ct)
    {
        var (text, problem) = await RequestBody.ReadJsonAsync(request, options.Value.MaxBenchmarkBytes, "a benchmark result document", ct);
        if (problem is not null) return problem;
        if (!BenchResultJson.TryDeserialize(text!, out var result, out var error))
        {
            return ApiProblems.Validation(Errors(error!), "The benchmark result document is invalid");
        }
        if (!BenchResultJson.HasMeasurements(result!))
        {
            return ApiProblems.Validation("$", "holds no measurement (gemm, memory, hostTransfers, collectives and transferMatrices are all empty): " +
                "nothing to store. A run whose every suite was skipped lists why under skipped.", "The benchmark result document is invalid");
        }
        if (await quotas.BenchmarkAsync(Callers.Of(request.HttpContext).OwnerKey, Encoding.UTF8.GetByteCount(text!), ct) is { } full) return full.ToResult();
        var saved = await store.SaveOwnedAsync(result!, text!, Callers.OwnerForCreate(request.HttpContext).Key, ct);
        var flags = BenchmarkCalibrationService.Implausible(result!);
        return Results.Created($"/api/benchmarks/{saved.Id}", BenchmarkSummary.From(saved, request) with
        {
            Implausible = flags is { Issues.Count: > 0 } f ? new ImplausibleMeasurements(f.ChipId, f.Issues) : null,
        });
    }

    private static async Task<IResult> ListAsync(HttpRequest request, BenchmarkStore store, string? page, string? pageSize, string? fingerprint, string? gpu, string? scope, CancellationToken ct)
    {
        var errors = new List<ScenarioError>();
        var p = 1;
        var size = 20;
        if (page is not null && (!int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out p) || p < 1))
            errors.Add(new("page", $"must be a whole number from 1, got \"{page}\"."));
        if (pageSize is not null && (!int.TryParse(pageSize, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > ScenarioStore.MaxPageSize))
            errors.Add(new("pageSize", $"must be a whole number from 1 to {ScenarioStore.MaxPageSize}, got \"{pageSize}\"."));
        if (errors.Count > 0) return ApiProblems.Validation(errors, "The request is invalid");
        var (owners, refused) = OwnerScopes.Parse(Callers.Of(request.HttpContext), scope, "uploads", "uploading (the Owner-Token header of that answer)");
        if (refused is not null) return refused;
        var list = await store.ListAsync(owners, p, size, fingerprint, gpu, ct);
        return Results.Ok(new BenchmarkList(list.Items.Select(b => BenchmarkSummary.From(b, request)).ToList(), list.Page, list.PageSize, list.Total));
    }

    private static async Task<IResult> ClaimAsync(HttpRequest request, Microsoft.EntityFrameworkCore.IDbContextFactory<CapacityPlannerDbContext> contexts, BenchmarkStore store,
        string id, CancellationToken ct)
    {
        var caller = Callers.Of(request.HttpContext);
        if (OwnerScopes.AdminRequired(caller, "benchmark upload") is { } refused) return refused;
        if (await store.GetAsync(id, ct) is not { } before) return ApiProblems.NotFound("benchmark result", id);
        if (before.OwnerHash is not null)
            return ApiProblems.Problem(StatusCodes.Status409Conflict, "Already owned", $"Benchmark result \"{id}\" has an owner; only uploads stored before ownership can be claimed.");
        await contexts.ClaimAsync("benchmark", id, caller.OwnerKey!, ct);
        return await store.GetAsync(id, ct) is { } b ? Results.Ok(BenchmarkSummary.From(b, request)) : ApiProblems.NotFound("benchmark result", id);
    }

    private static async Task<IResult> GetAsync(BenchmarkStore store, string id, CancellationToken ct) =>
        await store.GetAsync(id, ct) is { } b
            ? Results.Text(b.DocumentJson, "application/json", Encoding.UTF8)
            : ApiProblems.NotFound("benchmark result", id);

    /// <summary>
    /// Core's reader reports "invalid benchmark result document: $.a: …; $.b: …" or a JSON error with "path $.x";
    /// split that into errors under their paths.
    /// </summary>
    internal static IEnumerable<ScenarioError> Errors(string message)
    {
        const string Invalid = "invalid benchmark result document: ";
        if (message.StartsWith(Invalid, StringComparison.Ordinal))
        {
            foreach (var part in message[Invalid.Length..].Split("; "))
            {
                var colon = part.IndexOf(": ", StringComparison.Ordinal);
                yield return part.StartsWith('$') && colon > 0 ? new ScenarioError(part[..colon], part[(colon + 2)..]) : new ScenarioError("$", part);
            }
            yield break;
        }
        var at = message.LastIndexOf("path $", StringComparison.Ordinal);
        if (at >= 0)
        {
            var path = message[(at + 5)..].TrimEnd(')', '.', ' ');
            yield return new ScenarioError(path.Length == 0 ? "$" : path, message);
            yield break;
        }
        yield return new ScenarioError("$", message);
    }
}
