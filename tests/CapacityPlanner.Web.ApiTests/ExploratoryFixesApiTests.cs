using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Measurements;
using CapacityPlanner.Web.ApiTests.Infrastructure;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>
/// The API fixes of an exploratory pass: calibrating someone else's benchmark, case files sent to <c>POST /api/runs</c>
/// and <c>POST /api/scenarios</c>, bounds on measured steps, server custom chips in saved scenarios, pages far past the
/// end, malformed bearer tokens, a strict rename body, names with invisible formatting or many emoji, heads that do not
/// divide the hidden size, network floors and sites errors that make an estimate infeasible.
/// </summary>
public sealed class ExploratoryFixesApiTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private TestApp App => fixture.App;

    // A client of a fresh owner (a random well-formed owner token), so that each test's saves and lists are its own.
    private HttpClient NewOwner()
    {
        var client = App.NewClient();
        var token = System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    // A published run's case file as shipped (the Contracts assembly embeds them).
    private static string PublishedCase(string id)
    {
        using var stream = typeof(ValidationCaseFile).Assembly.GetManifestResourceStream($"CapacityPlanner.Contracts.Data.validation.{id}.json")
            ?? throw new InvalidOperationException($"no embedded case file {id}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string Bloom => PublishedCase("bloom-176b-384gpu");

    // An H100 result as capplan bench writes it (GEMMs at 40-60% of the BF16 peak, HBM at 2.4 TB/s), so it calibrates
    // without includeCpu.
    private static string GpuResult() => BenchResultJson.Serialize(new BenchResult
    {
        Source = BenchSources.CapplanBench,
        Backend = "cuda",
        CreatedUtc = new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero),
        Host = new HostInfo { Hostname = "gpu-node-42", CpuModel = "Intel Xeon Platinum 8480+", Architecture = "x64" },
        Devices = [new DeviceInfo { Kind = "gpu", Index = 0, Name = "NVIDIA H100 80GB HBM3", MemoryBytes = 85_899_345_920 }],
        Gemm = new[] { (1024L, 400.0), (2048L, 480.0), (4096L, 560.0), (8192L, 590.0) }
            .Select(g => new GemmMeasurement { Dtype = "bf16", M = g.Item1, N = g.Item1, K = g.Item1, Flops = 2.0 * g.Item1 * g.Item1 * g.Item1, MedianTflops = g.Item2, BurstTflops = g.Item2 * 1.02 })
            .ToList(),
        Memory = [new MemoryMeasurement { Kind = "copy", MedianGBps = 2400, BestGBps = 2450, TrafficFactor = 1, Convention = "2·N bytes" }],
    });

    private static string MeasuredRun(string name, string scenario, string metric, double measured) => new JsonObject
    {
        ["name"] = name,
        ["scenario"] = JsonNode.Parse(scenario),
        ["metric"] = metric,
        ["measured"] = measured,
    }.ToJsonString();

    private static string WithName(string scenario, string name)
    {
        var node = JsonNode.Parse(scenario)!;
        node["name"] = name;
        return node.ToJsonString();
    }

    [Fact]
    public async Task Calibrating_another_owners_benchmark_is_refused_and_its_uploader_may_calibrate_it()
    {
        using var alice = NewOwner();
        using var bob = NewOwner();
        var uploaded = await (await alice.PostJsonAsync("api/benchmarks", GpuResult())).ExpectAsync(HttpStatusCode.Created);
        var id = uploaded.GetProperty("id").GetString()!;

        // Bob comes first: before the fix he registered the measured chip (and so kept Alice from ever registering hers).
        var refused = await (await bob.PostAsync($"api/benchmarks/{id}/calibrate", null)).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("belongs to the person who uploaded it", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var calibration = await (await alice.PostAsync($"api/benchmarks/{id}/calibrate", null)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal($"h100-sxm-m-{id}", calibration.GetProperty("chip").GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_published_case_file_posted_as_the_scenario_or_as_the_whole_body_becomes_a_run_with_its_measurement()
    {
        using var owner = NewOwner();
        var caseFile = JsonNode.Parse(Bloom)!;
        var metric = caseFile["metric"]!.GetValue<string>();
        var measured = caseFile["measured"]!.GetValue<double>();

        // The case file as "scenario", with no name, metric or measured: the file fills them.
        var asScenario = new JsonObject { ["scenario"] = caseFile.DeepClone() }.ToJsonString();
        var created = await (await owner.PostJsonAsync("api/runs", asScenario)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(metric, created.GetProperty("metric").GetString());
        var id = created.GetProperty("id").GetString()!;
        var stored = await (await owner.GetAsync($"api/runs/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(measured, stored.GetProperty("summary").GetProperty("measured").GetDouble(), 9);
        Assert.Equal(metric, stored.GetProperty("summary").GetProperty("metric").GetString());

        // The whole case file as the body.
        var whole = await (await owner.PostJsonAsync("api/runs", Bloom)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(metric, whole.GetProperty("metric").GetString());
        var wholeId = whole.GetProperty("id").GetString()!;
        var wholeStored = await (await owner.GetAsync($"api/runs/{wholeId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(measured, wholeStored.GetProperty("summary").GetProperty("measured").GetDouble(), 9);
    }

    [Fact]
    public async Task A_step_over_a_million_seconds_or_under_a_thousandth_of_peak_is_refused_at_measured()
    {
        using var owner = NewOwner();
        var tooLong = await (await owner.PostJsonAsync("api/runs", MeasuredRun("x", Http.Gpt3, "stepTimeSeconds", 2_000_000))).ValidationErrorsAsync();
        Assert.Contains("$.measured", tooLong.Keys);
        Assert.Contains(tooLong["$.measured"], m => m.Contains("1,000,000", StringComparison.Ordinal));

        var llama = Http.Example("llama3-70b-1024-h100.json");
        var slow = await (await owner.PostJsonAsync("api/runs", MeasuredRun("slow", llama, "stepTimeSeconds", 1e5))).ValidationErrorsAsync();
        Assert.Equal(new[] { "$.measured" }, slow.Keys);
        var message = Assert.Single(slow["$.measured"]);
        Assert.Contains("seconds per optimizer step", message, StringComparison.Ordinal);
        Assert.Contains("under 0.1", message, StringComparison.Ordinal);
        Assert.Contains("unit", message, StringComparison.Ordinal);

        Assert.Equal(0, (await (await owner.GetAsync("api/runs")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Saving_a_scenario_takes_a_server_custom_chip_by_id_and_a_published_case_file()
    {
        using var owner = NewOwner();
        var chipId = "h100-xf-" + Guid.NewGuid().ToString("N")[..6];
        var put = await owner.PutAsync($"api/chips/{chipId}", Http.Content("""{ "baseOn": "h100-sxm", "hbmCapacityGiB": 200 }"""));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        var scenario = JsonNode.Parse(Http.Gpt3Named("on a custom chip"))!;
        scenario["system"]!["chip"] = chipId;
        var saved = await (await owner.PostJsonAsync("api/scenarios", scenario.ToJsonString())).ExpectAsync(HttpStatusCode.Created);
        // Stored inlined, so the saved scenario keeps its meaning when the chip changes or goes.
        var details = await (await owner.GetAsync($"api/scenarios/{saved.GetProperty("id").GetString()}")).ExpectAsync(HttpStatusCode.OK);
        var chip = details.GetProperty("scenario").GetProperty("system").GetProperty("chip");
        Assert.Equal(JsonValueKind.Object, chip.ValueKind);
        Assert.Equal(200, chip.GetProperty("hbmCapacityGiB").GetDouble());

        var fromCase = await (await owner.PostJsonAsync("api/scenarios", Bloom)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("bloom-176b-384gpu", fromCase.GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_page_far_past_the_end_is_empty_not_the_first_page()
    {
        using var owner = NewOwner();
        await (await owner.PostJsonAsync("api/scenarios", Http.Gpt3Named("only one"))).ExpectAsync(HttpStatusCode.Created);
        var first = await (await owner.GetAsync("api/scenarios?page=1&pageSize=100")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, first.GetProperty("items").GetArrayLength());

        // (21,474,838 - 1) × 100 passes int.MaxValue: it wrapped to a negative offset, i.e. the first page.
        var far = await (await owner.GetAsync("api/scenarios?page=21474838&pageSize=100")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, far.GetProperty("items").GetArrayLength());
        Assert.Equal(1, far.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_malformed_bearer_token_is_a_401_that_says_so_and_a_well_formed_one_works()
    {
        using var bad = App.NewClient();
        bad.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-valid-token");
        foreach (var response in new[]
        {
            await bad.GetAsync("api/scenarios"),
            await bad.PostJsonAsync("api/scenarios", Http.Gpt3Named("never saved")),
            await bad.PostJsonAsync("api/estimate", Http.Gpt3),
        })
        {
            var problem = await response.ProblemAsync(HttpStatusCode.Unauthorized);
            Assert.Equal("Malformed owner token", problem.GetProperty("title").GetString());
        }

        using var good = NewOwner();
        await (await good.GetAsync("api/scenarios")).ExpectAsync(HttpStatusCode.OK);
        await (await good.PostJsonAsync("api/scenarios", Http.Gpt3Named("saved"))).ExpectAsync(HttpStatusCode.Created);
        await (await good.PostJsonAsync("api/estimate", Http.Gpt3)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_rename_body_is_strict_and_its_errors_name_no_dotnet_type()
    {
        using var owner = NewOwner();
        var saved = await (await owner.PostJsonAsync("api/scenarios", Http.Gpt3Named("to rename"))).ExpectAsync(HttpStatusCode.Created);
        var id = saved.GetProperty("id").GetString();

        var unknown = await (await owner.PatchAsync($"api/scenarios/{id}", Http.Content("""{ "name": "ok", "foo": 1 }"""))).ValidationErrorsAsync();
        Assert.Contains("$.foo", unknown.Keys);

        var number = await (await owner.PatchAsync($"api/scenarios/{id}", Http.Content("""{ "name": 5 }"""))).ValidationErrorsAsync();
        Assert.Contains("$.name", number.Keys);
        Assert.All(number.Values.SelectMany(m => m), m => Assert.DoesNotContain("CapacityPlanner", m, StringComparison.Ordinal));

        // Neither attempt renamed it.
        var details = await (await owner.GetAsync($"api/scenarios/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("to rename", details.GetProperty("summary").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Names_refuse_invisible_formatting_and_count_code_points()
    {
        using var owner = NewOwner();
        const string Spoofed = "invoice\u202Etxt.exe";

        var inDocument = await (await owner.PostJsonAsync("api/scenarios", Http.Gpt3Named(Spoofed))).ValidationErrorsAsync();
        Assert.Contains("$.name", inDocument.Keys);
        Assert.Contains("U+202E", inDocument["$.name"][0], StringComparison.Ordinal);
        var inQuery = await (await owner.PostJsonAsync("api/scenarios?name=" + Uri.EscapeDataString(Spoofed), Http.Gpt3)).ValidationErrorsAsync();
        Assert.Contains("$.name", inQuery.Keys);

        var saved = await (await owner.PostJsonAsync("api/scenarios", Http.Gpt3Named("plain"))).ExpectAsync(HttpStatusCode.Created);
        var id = saved.GetProperty("id").GetString();
        var rename = await (await owner.PatchAsync($"api/scenarios/{id}", Http.Content(JsonSerializer.Serialize(new { name = Spoofed })))).ValidationErrorsAsync();
        Assert.Contains("$.name", rename.Keys);

        // 150 emoji: 300 UTF-16 units but 150 characters, within the 200 a name may have.
        var emoji = string.Concat(Enumerable.Repeat("\U0001F600", 150));
        Assert.Equal(300, emoji.Length);
        var withEmoji = await (await owner.PostJsonAsync("api/scenarios?name=" + Uri.EscapeDataString(emoji), Http.Gpt3)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(emoji, withEmoji.GetProperty("name").GetString());
        // The scenario document's own name is counted the same way (its reader counted UTF-16 units and refused it).
        var documentEmoji = await (await owner.PostJsonAsync("api/scenarios", Http.Gpt3Named(emoji))).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(emoji, documentEmoji.GetProperty("name").GetString());
        var renamed = await (await owner.PatchAsync($"api/scenarios/{id}", Http.Content(JsonSerializer.Serialize(new { name = emoji })))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(emoji, renamed.GetProperty("name").GetString());
        var details = await (await owner.GetAsync($"api/scenarios/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(emoji, details.GetProperty("summary").GetProperty("name").GetString());

        // A measured run's name follows the same rules.
        Assert.Contains("$.name", (await (await owner.PostJsonAsync("api/runs", Http.MeasuredRun(Spoofed))).ValidationErrorsAsync()).Keys);
        var run = await (await owner.PostJsonAsync("api/runs", Http.MeasuredRun(emoji))).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(emoji, run.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Heads_that_do_not_divide_the_hidden_size_without_a_head_dim_are_an_error()
    {
        var scenario = JsonNode.Parse(Http.Example("custom-13b.json"))!;
        scenario["model"]!["hiddenSize"] = 5120;
        scenario["model"]!["attentionHeads"] = 48;
        Assert.Null(scenario["model"]!["headDim"]);
        var errors = await (await App.Client.PostJsonAsync("api/estimate", scenario.ToJsonString())).ValidationErrorsAsync();
        Assert.Contains("$.model.attentionHeads", errors.Keys);
    }

    [Fact]
    public async Task A_network_rate_below_the_floor_is_an_error()
    {
        var scenario = JsonNode.Parse(Http.Gpt3)!;
        scenario["system"]!["scaleOutGbpsPerGpu"] = JsonNode.Parse("1e-320");
        var errors = await (await App.Client.PostJsonAsync("api/estimate", scenario.ToJsonString())).ValidationErrorsAsync();
        Assert.Contains("$.system.scaleOutGbpsPerGpu", errors.Keys);
    }

    [Fact]
    public async Task Sites_errors_make_the_estimate_infeasible()
    {
        // Data parallelism of 8 (64 GPUs, TP4 PP2) does not split over 3 sites.
        var scenario = JsonNode.Parse(Http.Example("custom-13b.json"))!;
        scenario["sites"] = new JsonObject { ["count"] = 3 };
        var body = await (await App.Client.PostJsonAsync("api/estimate", scenario.ToJsonString())).ExpectAsync(HttpStatusCode.OK);
        Assert.False(body.GetProperty("feasible").GetBoolean());
        Assert.Contains(body.GetProperty("errors").EnumerateArray(), e => e.GetProperty("path").GetString() == "$.sites.count");
    }
}
