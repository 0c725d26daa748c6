using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using CapacityPlanner.Measurements;
using CapacityPlanner.Web.ApiTests.Infrastructure;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>
/// Measured runs have owners like scenarios (a second owner cannot list or delete the first one's run, and nobody lists
/// runs without an owner secret), and every kind of stored item has a quota per owner and in total that answers a
/// clear 429 (counts) or 413 (bytes) problem, never a 500.
/// </summary>
public sealed class OwnershipAndQuotaTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private TestApp _app = default!;

    public async Task InitializeAsync()
    {
        var settings = TestApp.Sqlite(_dir.File("quota.db"));
        settings["Quotas:ScenariosPerOwner"] = "2";
        settings["Quotas:ScenariosTotal"] = "3";
        settings["Quotas:RunsPerOwner"] = "2";
        settings["Quotas:ChipsPerOwner"] = "1";
        settings["Quotas:BenchmarkBytesPerOwner"] = "1500";
        settings["Quotas:BenchmarkBytesTotal"] = "100000";
        _app = await TestApp.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _dir.Dispose();
    }

    private HttpClient Owner(char c)
    {
        var client = _app.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(c));
        return client;
    }

    // A well-formed owner secret (43 base64url characters whose last one carries no stray bits).
    private static string Token(char c) => new string(c, 42) + "A";

    private static string BenchDocument(string host) => BenchResultJson.Serialize(new BenchResult
    {
        Source = BenchSources.CapplanBench,
        Backend = "cuda",
        CreatedUtc = new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero),
        Host = new HostInfo { Hostname = host, CpuModel = "AMD EPYC 9654", Architecture = "x64" },
        Devices = [new DeviceInfo { Kind = "gpu", Index = 0, Name = "NVIDIA H100 80GB HBM3", Uuid = "GPU-0", MemoryBytes = 80L << 30 }],
        Software = new SoftwareInfo { DriverVersion = "580.95.05", CudaDriverVersion = 13000 },
        Memory = [new MemoryMeasurement { Kind = "copy", MedianGBps = 2400, BestGBps = 2450, TrafficFactor = 1, Convention = "2·N bytes" }],
    });

    [Fact]
    public async Task A_second_owner_cannot_list_or_delete_the_first_owners_measured_run()
    {
        using var alice = Owner('a');
        using var bob = Owner('b');
        using var nobody = _app.NewClient();
        nobody.DefaultRequestHeaders.Authorization = null;

        var created = await alice.PostJsonAsync("api/runs", Http.MeasuredRun("alice's run"));
        var run = await created.ExpectAsync(HttpStatusCode.Created);
        var id = run.GetProperty("id").GetString()!;
        Assert.Equal(Token('a'), Assert.Single(created.Headers.GetValues("Owner-Token")));

        Assert.Equal(0, (await (await bob.GetAsync("api/runs")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
        Assert.Equal(1, (await (await alice.GetAsync("api/runs")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
        Assert.Contains("owner token", (await (await nobody.GetAsync("api/runs")).ProblemAsync(HttpStatusCode.Forbidden)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("Only the owner of measured run", (await (await bob.DeleteAsync($"api/runs/{id}")).ProblemAsync(HttpStatusCode.Forbidden)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await nobody.DeleteAsync($"api/runs/{id}")).ProblemAsync(HttpStatusCode.Forbidden);
        // Reading by id stays public; bob's calibration sees none of alice's runs.
        await (await bob.GetAsync($"api/runs/{id}")).ExpectAsync(HttpStatusCode.OK);
        await (await bob.PostAsync("api/runs/calibration", null)).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"api/runs/{id}")).StatusCode);
        await (await alice.GetAsync($"api/runs/{id}")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Quotas_per_owner_and_in_total_answer_429_or_413_with_the_reason()
    {
        using var alice = Owner('c');
        using var bob = Owner('d');

        // Scenarios: two per owner, three in all.
        await (await alice.PostJsonAsync("api/scenarios", Http.Gpt3Named("a1"))).ExpectAsync(HttpStatusCode.Created);
        await (await alice.PostJsonAsync("api/scenarios", Http.Gpt3Named("a2"))).ExpectAsync(HttpStatusCode.Created);
        var full = await (await alice.PostJsonAsync("api/scenarios", Http.Gpt3Named("a3"))).ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("each owner may store 2", full.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var first = (await (await alice.GetAsync("api/scenarios")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items")[0].GetProperty("id").GetString();
        await (await alice.PostAsync($"api/scenarios/{first}/duplicate", null)).ProblemAsync(HttpStatusCode.TooManyRequests);
        await (await bob.PostJsonAsync("api/scenarios", Http.Gpt3Named("b1"))).ExpectAsync(HttpStatusCode.Created);
        var total = await (await bob.PostJsonAsync("api/scenarios", Http.Gpt3Named("b2"))).ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("maximum of 3", total.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Runs: two per owner.
        await (await alice.PostJsonAsync("api/runs", Http.MeasuredRun("r1"))).ExpectAsync(HttpStatusCode.Created);
        await (await alice.PostJsonAsync("api/runs", Http.MeasuredRun("r2"))).ExpectAsync(HttpStatusCode.Created);
        await (await alice.PostJsonAsync("api/runs", Http.MeasuredRun("r3"))).ProblemAsync(HttpStatusCode.TooManyRequests);

        // Chips: one per owner; replacing it is still allowed.
        const string Chip = """{ "baseOn": "h100-sxm" }""";
        await (await alice.PutAsync("api/chips/quota-one", Http.Content(Chip))).ExpectAsync(HttpStatusCode.Created);
        await (await alice.PutAsync("api/chips/quota-one", Http.Content(Chip))).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains("custom chips", (await (await alice.PutAsync("api/chips/quota-two", Http.Content(Chip))).ProblemAsync(HttpStatusCode.TooManyRequests))
            .GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Benchmark bytes: 1,500 per owner, so the upload that would pass that is refused with 413.
        var doc = BenchDocument("node-1");
        Assert.InRange(doc.Length, 500, 1400);
        var uploads = 0;
        HttpResponseMessage last;
        do
        {
            last = await alice.PostJsonAsync("api/benchmarks", doc);
            if (last.StatusCode == HttpStatusCode.Created) uploads++;
        }
        while (last.StatusCode == HttpStatusCode.Created && uploads < 10);
        Assert.Equal(1500 / doc.Length, uploads);
        Assert.Contains("each owner may store", (await last.ProblemAsync(HttpStatusCode.RequestEntityTooLarge)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await bob.PostJsonAsync("api/benchmarks", doc)).ExpectAsync(HttpStatusCode.Created);
    }
}
