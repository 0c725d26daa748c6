using System.Net;
using System.Text.Json.Nodes;
using CapacityPlanner.Measurements;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.ApiTests.Infrastructure;
using CapacityPlanner.Web.Features.Benchmarks;
using CapacityPlanner.Web.Features.Hardware;
using CapacityPlanner.Web.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using CapacityPlanner.Web.Shared.Chips;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>
/// Custom chips and registered calibration profiles live in the database: they survive a restart (a new host on the
/// same database), renames and deletes persist, and two instances on one database see each other's chips. The same
/// suite runs on SQLite (<see cref="SqliteCustomChipPersistenceTests"/>) and PostgreSQL
/// (<see cref="PostgresCustomChipPersistenceTests"/>).
/// </summary>
public abstract class CustomChipPersistenceSuite
{
    /// <summary>Settings of an app on a fresh, empty database of the provider under test.</summary>
    protected abstract Task<IReadOnlyDictionary<string, string?>> NewDatabaseAsync();

    private static readonly (double Flops, double Fraction)[] Curve = [(1e9, 0.1), (1e11, 0.45), (1e13, 0.7)];

    private static CustomChipDefinition Chip(string id, double hbmGiB = 144) => new()
    {
        Id = id,
        Name = $"H100 with {hbmGiB} GiB",
        BaseOn = "h100-sxm",
        HbmCapacityGiB = hbmGiB,
        GemmEfficiency = 0.7,
        GemmCurve = Curve,
    };

    // Llama 3 8B on 8 GPUs on the given inline chip: small enough to estimate quickly, GEMMs small enough to feel the curve.
    private static string Scenario(CustomChipDefinition chip)
    {
        var node = JsonNode.Parse("""
            { "schemaVersion": 1, "name": "custom chip",
              "model": { "preset": "llama3-8b", "sequenceLength": 2048 },
              "training": { "globalBatchSequences": 64, "precision": "bf16" },
              "system": { "chip": "placeholder", "gpus": 8 },
              "parallelism": { "tensor": 8, "pipeline": 1, "microBatchSize": 1 } }
            """)!;
        node["system"]!["chip"] = JsonNode.Parse(chip.ToJson());
        return node.ToJsonString();
    }

    private static async Task<double> StepTimeAsync(TestApp app, CustomChipDefinition chip)
    {
        var estimate = await (await app.Client.PostJsonAsync("api/estimate", Scenario(chip))).ExpectAsync(HttpStatusCode.OK);
        return estimate.GetProperty("stepTimeSeconds").GetDouble();
    }

    private static ChipDirectory Directory(TestApp app) => app.Services.GetRequiredService<ChipDirectory>();

    private static async Task<List<SavedCustomChip>> RowsAsync(TestApp app)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<CapacityPlannerDbContext>>().CreateDbContextAsync();
        return await db.CustomChips.OrderBy(c => c.NormalizedId).ToListAsync();
    }

    // Waits (well past the store's refresh interval) until the condition holds.
    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + DatabaseCustomChipStore.RefreshInterval * 3;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"Timed out waiting until {what}.");
            await Task.Delay(200);
        }
    }

    private static HttpClient Anonymous(TestApp app)
    {
        var client = app.NewClient();
        client.DefaultRequestHeaders.Authorization = null;
        return client;
    }

    // PUTs a new chip with a client that has no owner token yet; the client keeps the token it is given.
    private static async Task CreateAsOwnerAsync(HttpClient client, string id)
    {
        using var created = await client.PutAsync($"api/chips/{id}", Http.Content("""{ "baseOn": "h100-sxm", "hbmCapacityGiB": 100 }"""));
        await created.ExpectAsync(HttpStatusCode.Created);
        var token = Assert.Single(created.Headers.GetValues(OwnerCredentials.HeaderName));
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
    }

    [Fact]
    public async Task Only_the_owner_replaces_or_deletes_a_custom_chip()
    {
        await using var app = await TestApp.StartAsync(await NewDatabaseAsync());
        using var alice = Anonymous(app);
        await CreateAsOwnerAsync(alice, "alice-chip");
        using var bob = Anonymous(app);
        await CreateAsOwnerAsync(bob, "bob-chip");
        using var nobody = Anonymous(app);

        var refused = await (await bob.PutAsync("api/chips/alice-chip", Http.Content("""{ "baseOn": "h100-sxm", "hbmCapacityGiB": 1 }"""))).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("Only the owner of custom chip \"alice-chip\"", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await nobody.PutAsync("api/chips/alice-chip", Http.Content("""{ "baseOn": "h100-sxm", "hbmCapacityGiB": 1 }"""))).ProblemAsync(HttpStatusCode.Forbidden);
        await (await bob.DeleteAsync("api/chips/alice-chip")).ProblemAsync(HttpStatusCode.Forbidden);
        await (await nobody.DeleteAsync("api/chips/alice-chip")).ProblemAsync(HttpStatusCode.Forbidden);
        // Unchanged, and readable by anyone.
        Assert.Equal(100, (await (await nobody.GetAsync("api/chips/alice-chip")).ExpectAsync(HttpStatusCode.OK)).GetProperty("hbmCapacityGiB").GetDouble());

        Assert.Equal(120, (await (await alice.PutAsync("api/chips/alice-chip", Http.Content("""{ "baseOn": "h100-sxm", "hbmCapacityGiB": 120 }"""))).ExpectAsync(HttpStatusCode.OK)).GetProperty("hbmCapacityGiB").GetDouble());
        var row = (await RowsAsync(app)).Single(r => r.Id == "alice-chip");
        Assert.Equal(OwnerCredentials.HashOf(alice.DefaultRequestHeaders.Authorization!.Parameter!), row.OwnerHash);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync("api/chips/alice-chip")).StatusCode);
        await (await nobody.GetAsync("api/chips/alice-chip")).ProblemAsync(HttpStatusCode.NotFound);

        // A chip made on the Hardware page (no owner) is read-only over the API.
        Assert.True(Directory(app).Save(Chip("page-chip")).IsValid);
        Assert.Contains("belong to nobody", (await (await app.Client.PutAsync("api/chips/page-chip", Http.Content("""{ "baseOn": "h100-sxm" }"""))).ProblemAsync(HttpStatusCode.Forbidden)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await app.Client.DeleteAsync("api/chips/page-chip")).ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Concurrent_puts_of_a_new_id_answer_201_exactly_once()
    {
        await using var app = await TestApp.StartAsync(await NewDatabaseAsync());
        for (var round = 0; round < 5; round++)
        {
            var id = $"race-{round}";
            using var start = new ManualResetEventSlim();
            var puts = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
            {
                using var client = app.NewClient();
                start.Wait();
                using var response = await client.PutAsync($"api/chips/{id}", Http.Content($$"""{ "baseOn": "h100-sxm", "hbmCapacityGiB": {{100 + i}} }"""));
                return response.StatusCode;
            })).ToList();
            start.Set();
            var statuses = await Task.WhenAll(puts);
            Assert.True(statuses.Count(s => s == HttpStatusCode.Created) == 1 && statuses.Count(s => s == HttpStatusCode.OK) == 7,
                $"round {round}: {string.Join(", ", statuses.Select(s => (int)s))}");
        }
        var rows = await RowsAsync(app);
        Assert.Equal(5, rows.Count(r => r.Id.StartsWith("race-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_saved_custom_chip_survives_a_restart_and_estimates_the_same_through_the_api()
    {
        var settings = await NewDatabaseAsync();
        double before;
        await using (var first = await TestApp.StartAsync(settings))
        {
            Assert.IsType<DatabaseCustomChipStore>(first.Services.GetRequiredService<ICustomChipStore>());
            Assert.True(Directory(first).Save(Chip("h100-144g")).IsValid);
            before = await StepTimeAsync(first, Chip("h100-144g"));
            // The curve changes the answer: the same chip without it estimates differently.
            var plain = Chip("h100-144g");
            plain.GemmCurve = null;
            Assert.NotEqual(before, await StepTimeAsync(first, plain));
        }

        await using var second = await TestApp.StartAsync(settings);
        Assert.True(Directory(second).TryGet("H100-144G", out var option), "found again, regardless of case");
        Assert.True(option.IsCustom);
        Assert.Equal(144, option.Spec.HbmCapacityGiB);
        Assert.Equal(0.45, option.Spec.Efficiency.GemmCurve!.At(1e11), 12);
        var definition = Assert.Single(Directory(second).CustomChips);
        Assert.Equal("h100-144g", definition.Id);
        Assert.Equal(Curve, definition.GemmCurve);
        Assert.Equal(before, await StepTimeAsync(second, definition));

        var page = await second.Client.GetStringAsync("hardware");
        Assert.Contains("h100-144g", page, StringComparison.Ordinal);
        Assert.Contains("measured GEMM curve, 3 points", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_registered_calibration_profile_survives_a_restart_with_the_same_curve_and_estimate()
    {
        var settings = await NewDatabaseAsync();
        string benchmarkId, chipId;
        RegisteredProfile registered;
        double before;
        await using (var first = await TestApp.StartAsync(settings))
        {
            var created = await (await first.Client.PostJsonAsync("api/benchmarks", CpuBenchDocument())).ExpectAsync(HttpStatusCode.Created);
            benchmarkId = created.GetProperty("id").GetString()!;
            var calibrations = first.Services.GetRequiredService<BenchmarkCalibrationService>();
            var document = (await calibrations.LoadAsync(benchmarkId))!;
            // A CPU result calibrates a GPU only when asked to (demos and tests).
            var request = new CalibrationRequest("h100-sxm", Precision.Bf16, IncludeCpuResults: true);
            var calibration = calibrations.Calibrate(benchmarkId, document, request);
            Assert.True(calibration.GemmCurve.Count >= 2);
            var check = calibrations.Register(benchmarkId, calibration, request);
            Assert.True(check.IsValid, string.Join(" ", check.Errors.Select(e => $"{e.Path}: {e.Message}")));
            chipId = BenchmarkCalibrationService.ChipId("h100-sxm", benchmarkId);
            registered = calibrations.FindProfile(chipId)!;
            Assert.Same(calibration, registered.Calibration);
            before = await StepTimeAsync(first, Directory(first).CustomDefinition(chipId)!);

            var row = Assert.Single(await RowsAsync(first));
            Assert.Equal(benchmarkId, row.ProfileBenchmarkId);
            Assert.Equal("bf16", row.ProfilePrecision);
            Assert.True(row.ProfileIncludeCpu);
            Assert.NotNull(row.ProfileRegisteredUtc);
        }

        await using var second = await TestApp.StartAsync(settings);
        var service = second.Services.GetRequiredService<BenchmarkCalibrationService>();
        var rebuilt = service.FindProfile(chipId);
        Assert.NotNull(rebuilt);
        Assert.Equal(chipId, rebuilt.ChipId);
        Assert.Equal(benchmarkId, rebuilt.BenchmarkId);
        Assert.Equal(Precision.Bf16, rebuilt.Precision);
        Assert.Equal(registered.Calibration.GemmCurve, rebuilt.Calibration.GemmCurve);
        Assert.Equal(registered.Calibration.GemmMaxFraction, rebuilt.Calibration.GemmMaxFraction);
        Assert.Equal(registered.Calibration.HbmFraction, rebuilt.Calibration.HbmFraction);
        Assert.Same(rebuilt, service.FindProfile("h100-sxm"));   // the newest profile of its catalog chip, cached
        Assert.Same(rebuilt, Assert.Single(service.Profiles));

        var chip = Directory(second).CustomDefinition(chipId)!;
        Assert.Equal(registered.Calibration.GemmCurve, chip.GemmCurve);
        Assert.Equal(before, await StepTimeAsync(second, chip));
        var comparison = second.Services.GetRequiredService<MeasuredComparisonService>().Compare(Scenario(chip));
        Assert.NotNull(comparison);
        Assert.NotEqual(comparison.Datasheet.StepTimeSeconds, comparison.Measured.StepTimeSeconds);

        // Removing the chip removes its profile, for good.
        Assert.True(Directory(second).Remove(chipId));
        Assert.Null(service.FindProfile(chipId));
        Assert.Empty(await RowsAsync(second));
    }

    [Fact]
    public async Task Renames_and_deletes_persist_across_a_restart()
    {
        var settings = await NewDatabaseAsync();
        DateTime created;
        await using (var first = await TestApp.StartAsync(settings))
        {
            var directory = Directory(first);
            Assert.True(directory.Save(Chip("chip-a")).IsValid);
            Assert.True(directory.Save(Chip("chip-b", 96)).IsValid);
            created = (await RowsAsync(first)).Single(r => r.Id == "chip-a").CreatedUtc;

            var renamed = directory.CustomDefinition("chip-a")!;
            renamed.Id = "Chip-Renamed";
            renamed.TdpWatts = 650;
            Assert.True(directory.Save(renamed, previousId: "chip-a").IsValid);
            Assert.True(directory.Remove("CHIP-B"));
            Assert.False(directory.Remove("chip-b"));
            Assert.Equal(new[] { "Chip-Renamed" }, directory.CustomChips.Select(c => c.Id));
        }

        await using var second = await TestApp.StartAsync(settings);
        var chip = Assert.Single(Directory(second).CustomChips);
        Assert.Equal("Chip-Renamed", chip.Id);
        Assert.Equal(650, chip.TdpWatts);
        Assert.Equal(Curve, chip.GemmCurve);
        Assert.False(Directory(second).TryGet("chip-a", out _));
        Assert.False(Directory(second).TryGet("chip-b", out _));
        Assert.True(Directory(second).TryGet("chip-renamed", out _));
        var row = Assert.Single(await RowsAsync(second));
        Assert.Equal(("Chip-Renamed", "chip-renamed"), (row.Id, row.NormalizedId));
        Assert.Equal(created, row.CreatedUtc, TimeSpan.FromMilliseconds(1));
        Assert.True(row.UpdatedUtc >= row.CreatedUtc);
        Assert.Contains("\"id\": \"Chip-Renamed\"", row.DefinitionJson, StringComparison.Ordinal);

        // A case-only rename is a rename too, not a second chip.
        chip.Id = "chip-renamed";
        Assert.True(Directory(second).Save(chip, previousId: "Chip-Renamed").IsValid);
        Assert.Equal("chip-renamed", Assert.Single(await RowsAsync(second)).Id);
    }

    [Fact]
    public async Task Two_instances_on_one_database_see_each_others_chips()
    {
        var settings = await NewDatabaseAsync();
        await using var a = await TestApp.StartAsync(settings);
        await using var b = await TestApp.StartAsync(settings);
        Assert.Empty(Directory(b).CustomChips);   // b has read the (empty) table

        Assert.True(Directory(a).Save(Chip("shared-chip")).IsValid);
        // A lookup by id misses b's copy and reads the database at once; the list follows within the refresh interval.
        Assert.True(Directory(b).TryGet("shared-chip", out var inB));
        Assert.Equal(Curve, inB.Definition!.GemmCurve);
        Assert.Contains(Directory(b).Chips, c => c.Id == "shared-chip");

        var changedInA = 0;
        Directory(a).Changed += () => Interlocked.Increment(ref changedInA);
        var edited = Directory(b).CustomDefinition("shared-chip")!;
        edited.Id = "shared-renamed";
        edited.HbmCapacityGiB = 120;
        Assert.True(Directory(b).Save(edited, previousId: "shared-chip").IsValid);
        Assert.True(Directory(a).TryGet("shared-renamed", out var inA));
        Assert.Equal(120, inA.Spec.HbmCapacityGiB);
        Assert.DoesNotContain(Directory(a).CustomChips, c => c.Id == "shared-chip");
        Assert.True(changedInA > 0, "a raises Changed when it notices b's change, so open pages redraw");

        Assert.True(Directory(a).Remove("shared-renamed"));
        await EventuallyAsync(() => Directory(b).CustomChips.Count == 0, "b no longer lists the chip a removed");
        Assert.False(Directory(b).TryGet("shared-renamed", out _));
    }

    [Fact]
    public async Task A_stored_chip_that_no_longer_resolves_is_skipped_and_kept()
    {
        var settings = await NewDatabaseAsync();
        await using (var first = await TestApp.StartAsync(settings))
        {
            Assert.True(Directory(first).Save(Chip("good-chip")).IsValid);
            await using var db = await first.Services.GetRequiredService<IDbContextFactory<CapacityPlannerDbContext>>().CreateDbContextAsync();
            var now = DateTime.UtcNow;
            // As if the catalog had renamed the base chip since, and a row damaged by hand.
            db.CustomChips.Add(new SavedCustomChip { Id = "orphan", NormalizedId = "orphan", DefinitionJson = """{ "id": "orphan", "baseOn": "h100-retired" }""", CreatedUtc = now, UpdatedUtc = now });
            db.CustomChips.Add(new SavedCustomChip { Id = "broken", NormalizedId = "broken", DefinitionJson = "{ \"id\": ", CreatedUtc = now, UpdatedUtc = now });
            await db.SaveChangesAsync();
        }

        await using var second = await TestApp.StartAsync(settings);
        Assert.Equal(new[] { "good-chip" }, Directory(second).CustomChips.Select(c => c.Id));
        Assert.False(Directory(second).TryGet("orphan", out _));
        Assert.DoesNotContain(Directory(second).Chips, c => c.Id is "orphan" or "broken");
        var page = await second.Client.GetAsync("hardware");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("good-chip", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(new[] { "broken", "good-chip", "orphan" }, (await RowsAsync(second)).Select(r => r.Id));
    }

    /// <summary>A CPU-backend result with bf16 GEMMs from 134 MFLOP to 69 GFLOP (as <c>capplan bench --backend cpu</c> measures).</summary>
    private static string CpuBenchDocument() => BenchResultJson.Serialize(new BenchResult
    {
        Source = BenchSources.CapplanBench,
        Backend = "cpu",
        CreatedUtc = new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero),
        Host = new HostInfo { Hostname = "laptop-" + Guid.NewGuid().ToString("N")[..6], CpuModel = "AMD Ryzen 7", Architecture = "x64" },
        Devices = [new DeviceInfo { Kind = "cpu", Index = 0, Name = "AMD Ryzen 7" }],
        Gemm = new[] { (512L, 0.2), (1024L, 0.35), (2048L, 0.5), (4096L, 0.55) }
            .Select(g => new GemmMeasurement { Dtype = "bf16", M = g.Item1, N = g.Item1, K = g.Item1, Flops = 2.0 * g.Item1 * g.Item1 * g.Item1, MedianTflops = g.Item2, BurstTflops = g.Item2 * 1.05 })
            .ToList(),
        Memory = [new MemoryMeasurement { Kind = "triad", MedianGBps = 40, BestGBps = 42, TrafficFactor = 1, Convention = "STREAM triad" }],
    });
}

/// <summary>The suite on SQLite files.</summary>
public sealed class SqliteCustomChipPersistenceTests : CustomChipPersistenceSuite, IDisposable
{
    private readonly TempDirectory _dir = new();

    /// <inheritdoc />
    protected override Task<IReadOnlyDictionary<string, string?>> NewDatabaseAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(TestApp.Sqlite(_dir.File($"{Guid.NewGuid():N}.db")));

    /// <inheritdoc />
    public void Dispose() => _dir.Dispose();
}

/// <summary>The suite on the PostgreSQL test server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCustomChipPersistenceTests(PostgresServer server) : CustomChipPersistenceSuite
{
    /// <inheritdoc />
    protected override async Task<IReadOnlyDictionary<string, string?>> NewDatabaseAsync() =>
        TestApp.Postgres(await server.CreateDatabaseAsync("chips"));
}
