using System.Text.Json;
using System.Net;
using System.Text.Json.Nodes;
using CapacityPlanner.Contracts.Sharing;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.ApiTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>
/// User-measured runs over HTTP against the real app: <c>POST /api/runs</c>, <c>GET /api/runs</c>, <c>GET /api/runs/{id}</c>,
/// <c>DELETE /api/runs/{id}</c>, and the 400s that name the field. The same suite runs on SQLite
/// (<see cref="SqliteMeasuredRunTests"/>) and on PostgreSQL (<see cref="PostgresMeasuredRunTests"/>).
/// </summary>
public abstract class MeasuredRunSuite
{
    /// <summary>The app under test.</summary>
    protected abstract Task<TestApp> AppAsync();

    private static string Run(string name, string metric, double measured, string? scenario = null, string? notes = null, string? family = null)
    {
        var body = new JsonObject
        {
            ["name"] = name,
            ["scenario"] = JsonNode.Parse(scenario ?? Http.Gpt3),
            ["metric"] = metric,
            ["measured"] = measured,
        };
        if (notes is not null) body["notes"] = notes;
        if (family is not null) body["family"] = family;
        return body.ToJsonString();
    }

    private static async Task<int> CountAsync(TestApp app) =>
        (await (await app.Client.GetAsync("api/runs")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength();

    [Fact]
    public async Task Calibrating_to_measured_runs_fits_the_constants_and_reports_the_leave_one_out_error()
    {
        var app = await AppAsync();
        var estimate = await (await app.Client.PostJsonAsync("api/estimate", Http.Gpt3)).ExpectAsync(HttpStatusCode.OK);
        var predicted = estimate.GetProperty("stepTimeSeconds").GetDouble();
        // Two runs of the same cluster, both 20% slower than the model: the fit must slow the model down.
        for (var i = 0; i < 2; i++)
        {
            await (await app.Client.PostJsonAsync("api/runs", Run("slow " + i, "stepTimeSeconds", predicted * 1.2))).ExpectAsync(HttpStatusCode.Created);
        }
        var answer = await (await app.Client.PostAsync("api/runs/calibration", null)).ExpectAsync(HttpStatusCode.OK);
        Assert.True(answer.GetProperty("runs").GetInt32() >= 2);
        var before = answer.GetProperty("before").GetProperty("medianAbsError").GetDouble();
        var after = answer.GetProperty("after").GetProperty("medianAbsError").GetDouble();
        Assert.True(after < before, $"fit did not help: {before} -> {after}");
        Assert.True(answer.GetProperty("fitted").GetProperty("gemmInModelFraction").GetDouble()
            < answer.GetProperty("shipped").GetProperty("gemmInModelFraction").GetDouble());
        Assert.Equal(answer.GetProperty("runs").GetInt32(), answer.GetProperty("leaveOneOutRuns").GetArrayLength());
        Assert.Equal(JsonValueKind.Object, answer.GetProperty("leaveOneOut").ValueKind);
    }

    [Fact]
    public async Task A_step_time_run_is_stored_with_the_models_error_listed_read_back_and_deleted()
    {
        var app = await AppAsync();
        var estimate = await (await app.Client.PostJsonAsync("api/estimate", Http.Gpt3)).ExpectAsync(HttpStatusCode.OK);
        var predicted = estimate.GetProperty("stepTimeSeconds").GetDouble();
        var name = "step " + Guid.NewGuid().ToString("N")[..8];

        // Measured 10% slower than the model: error = measured / predicted - 1 = +10% (the model is faster).
        var response = await app.Client.PostJsonAsync("api/runs", Run(name, "stepTimeSeconds", predicted * 1.10, notes: "2 × 512 A100, NCCL 2.18"));
        var created = await response.ExpectAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        Assert.Matches("^[A-Za-z0-9]{10}$", id);
        Assert.Equal($"/api/runs/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(name, created.GetProperty("name").GetString());
        Assert.Equal("user", created.GetProperty("family").GetString());
        Assert.Equal("2 × 512 A100, NCCL 2.18", created.GetProperty("notes").GetString());
        Assert.Equal("stepTimeSeconds", created.GetProperty("metric").GetString());
        Assert.Equal(predicted, created.GetProperty("predicted").GetDouble(), 9);
        Assert.Equal(0.10, created.GetProperty("error").GetDouble(), 9);
        Assert.True(created.GetProperty("withinTolerance").GetBoolean());
        Assert.True(created.GetProperty("feasible").GetBoolean());
        Assert.Equal("a100-sxm-80gb", created.GetProperty("chip").GetString());
        Assert.Equal(1024, created.GetProperty("gpus").GetInt64());
        Assert.False(string.IsNullOrEmpty(created.GetProperty("stack").GetString()));
        // The planner link carries exactly the stored scenario.
        var link = created.GetProperty("plannerLink").GetString()!;
        Assert.StartsWith(new Uri(app.BaseAddress, "?s=v1.").ToString(), link, StringComparison.Ordinal);
        Assert.True(ScenarioLink.TryCanonicalize(Http.Gpt3, out var canonical, out _));
        Assert.Equal(canonical, ScenarioLink.Decode(link[(link.IndexOf("?s=", StringComparison.Ordinal) + 3)..]).Payload!.ScenarioJson);

        var details = await (await app.Client.GetAsync($"api/runs/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(canonical), JsonNode.Parse(details.GetProperty("scenario").GetRawText())));
        Assert.Equal(predicted * 1.10, details.GetProperty("summary").GetProperty("measured").GetDouble(), 9);

        var list = await (await app.Client.GetAsync("api/runs")).ExpectAsync(HttpStatusCode.OK);
        var listed = Assert.Single(list.GetProperty("items").EnumerateArray(), r => r.GetProperty("id").GetString() == id);
        Assert.Equal(0.10, listed.GetProperty("error").GetDouble(), 9);
        Assert.Equal(list.GetProperty("items").GetArrayLength(), list.GetProperty("summary").GetProperty("cases").GetInt32());

        // Stored in the database, not only in memory.
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<CapacityPlannerDbContext>>().CreateDbContextAsync())
        {
            var row = await db.MeasuredRuns.SingleAsync(r => r.Id == id);
            Assert.Equal(name, row.Name);
            Assert.Equal(canonical, row.ScenarioJson);
        }

        var deleted = await app.Client.DeleteAsync($"api/runs/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await (await app.Client.GetAsync($"api/runs/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await app.Client.DeleteAsync($"api/runs/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        var after = await (await app.Client.GetAsync("api/runs")).ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(after.GetProperty("items").EnumerateArray(), r => r.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task A_tokens_per_second_run_is_compared_per_gpu_and_keeps_its_family()
    {
        var app = await AppAsync();
        var estimate = await (await app.Client.PostJsonAsync("api/estimate", Http.Gpt3)).ExpectAsync(HttpStatusCode.OK);
        var perGpu = estimate.GetProperty("tokensPerSecond").GetDouble() / 1024;

        // Measured at half the model's throughput: error = predicted / measured - 1 = +100%, outside the 15% tolerance.
        var created = await (await app.Client.PostJsonAsync("api/runs", Run("tps", "tokensPerSecondPerGpu", perGpu / 2, family: "our-cluster")))
            .ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("our-cluster", created.GetProperty("family").GetString());
        Assert.Equal(perGpu, created.GetProperty("predicted").GetDouble(), 6);
        Assert.Equal(1.0, created.GetProperty("error").GetDouble(), 9);
        Assert.False(created.GetProperty("withinTolerance").GetBoolean());
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.DeleteAsync($"api/runs/{created.GetProperty("id").GetString()}")).StatusCode);
    }

    [Fact]
    public async Task A_run_whose_family_names_its_software_runs_on_that_stack_unless_the_scenario_names_one()
    {
        // The family says who ran it and with which software, as in the shipped case files (software-stacks.json caseFamilies).
        var app = await AppAsync();
        var deepspeed = await (await app.Client.PostJsonAsync("api/runs", Run("ds", "stepTimeSeconds", 40, family: "deepspeed"))).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("deepspeed", deepspeed.GetProperty("stack").GetString());
        var named = JsonNode.Parse(Http.Gpt3)!;
        named["training"]!["stack"] = "megatron-lm-2022";
        var kept = await (await app.Client.PostJsonAsync("api/runs", Run("named", "stepTimeSeconds", 40, named.ToJsonString(), family: "deepspeed"))).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("megatron-lm-2022", kept.GetProperty("stack").GetString());
        var ours = await (await app.Client.PostJsonAsync("api/runs", Run("ours", "stepTimeSeconds", 40, family: "our-cluster"))).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("megatron-lm-2022", ours.GetProperty("stack").GetString()); // auto on A100
        foreach (var run in new[] { deepspeed, kept, ours })
            Assert.Equal(HttpStatusCode.NoContent, (await app.Client.DeleteAsync($"api/runs/{run.GetProperty("id").GetString()}")).StatusCode);
    }

    [Fact]
    public async Task Bad_input_is_a_400_naming_the_field_and_stores_nothing()
    {
        var app = await AppAsync();
        var before = await CountAsync(app);

        // An invalid scenario: every error under its path inside $.scenario.
        var scenario = """{ "schemaVersion": 1, "model": { "preset": "gpt3-175b", "layerz": 1 }, "training": { "globalBatchSequences": 0 }, "system": { "chip": "a100-sxm-80gb", "gpus": 8 } }""";
        var invalid = await (await app.Client.PostJsonAsync("api/runs", Run("bad scenario", "stepTimeSeconds", 1, scenario))).ValidationErrorsAsync();
        Assert.Contains("$.scenario.model.layerz", invalid.Keys);
        Assert.Contains("$.scenario.training.globalBatchSequences", invalid.Keys);

        var unknownChip = await (await app.Client.PostJsonAsync("api/runs",
            Run("chip", "stepTimeSeconds", 1, Http.Gpt3.Replace("a100-sxm-80gb", "no-such-chip", StringComparison.Ordinal)))).ValidationErrorsAsync();
        Assert.Contains("h100-sxm", Assert.Single(unknownChip["$.scenario.system.chip"]), StringComparison.Ordinal);

        var metric = await (await app.Client.PostJsonAsync("api/runs", Run("metric", "mfu", 0.4))).ValidationErrorsAsync();
        Assert.Contains("mfu", Assert.Single(metric["$.metric"]), StringComparison.Ordinal);
        Assert.Equal(new[] { "$.metric" }, metric.Keys);

        foreach (var measured in new[] { 0.0, -3.5 })
        {
            var errors = await (await app.Client.PostJsonAsync("api/runs", Run("measured", "stepTimeSeconds", measured))).ValidationErrorsAsync();
            Assert.Equal(new[] { "$.measured" }, errors.Keys);
            Assert.Contains("positive", errors["$.measured"][0], StringComparison.Ordinal);
        }
        // A figure no A100 can reach: the step in milliseconds, the cluster's tokens per second.
        var ms = await (await app.Client.PostJsonAsync("api/runs", Run("in ms", "stepTimeSeconds", 20.0 / 1000))).ValidationErrorsAsync();
        Assert.Contains("not milliseconds", Assert.Single(ms["$.measured"]), StringComparison.Ordinal);
        var cluster = await (await app.Client.PostJsonAsync("api/runs", Run("whole cluster", "tokensPerSecondPerGpu", 160_000))).ValidationErrorsAsync();
        Assert.Contains("not the whole cluster's", Assert.Single(cluster["$.measured"]), StringComparison.Ordinal);
        var text = JsonNode.Parse(Run("measured as text", "stepTimeSeconds", 1))!;
        text["measured"] = "fast";
        Assert.Equal(new[] { "$.measured" }, (await (await app.Client.PostJsonAsync("api/runs", text.ToJsonString())).ValidationErrorsAsync()).Keys);

        // Missing fields, unknown fields, a scenario that is not an object, a body that is not a JSON object, malformed JSON.
        var missing = await (await app.Client.PostJsonAsync("api/runs", """{ "extra": true }""")).ValidationErrorsAsync();
        Assert.Equal(new[] { "$.extra", "$.measured", "$.metric", "$.name", "$.scenario" }, missing.Keys.Order(StringComparer.Ordinal));
        var notObject = JsonNode.Parse(Run("array", "stepTimeSeconds", 1))!;
        notObject["scenario"] = new JsonArray();
        Assert.Equal(new[] { "$.scenario" }, (await (await app.Client.PostJsonAsync("api/runs", notObject.ToJsonString())).ValidationErrorsAsync()).Keys);
        Assert.Equal(new[] { "$" }, (await (await app.Client.PostJsonAsync("api/runs", "[1, 2]")).ValidationErrorsAsync()).Keys);
        Assert.Equal(new[] { "$" }, (await (await app.Client.PostJsonAsync("api/runs", """{ "name": "x", """)).ValidationErrorsAsync()).Keys);
        var blank = await (await app.Client.PostJsonAsync("api/runs", Run("   ", "stepTimeSeconds", 1))).ValidationErrorsAsync();
        Assert.Equal(new[] { "$.name" }, blank.Keys);

        // Unknown ids are 404s, not 500s.
        await (await app.Client.GetAsync("api/runs/nosuchrun0")).ProblemAsync(HttpStatusCode.NotFound);
        await (await app.Client.GetAsync("api/runs/%3Cscript%3E")).ProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal(before, await CountAsync(app));
    }

    [Fact]
    public async Task A_custom_chip_named_by_id_is_stored_inlined_and_the_run_outlives_the_chip()
    {
        var app = await AppAsync();
        var chipId = "h100-200g-" + Guid.NewGuid().ToString("N")[..6];
        var put = await app.Client.PutAsync($"api/chips/{chipId}", Http.Content("""{ "baseOn": "h100-sxm", "hbmCapacityGiB": 200 }"""));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var scenario = JsonNode.Parse(Http.Gpt3)!;
        scenario["system"]!["chip"] = chipId;

        var created = await (await app.Client.PostJsonAsync("api/runs", Run("custom chip", "stepTimeSeconds", 20, scenario.ToJsonString()))).ExpectAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal(chipId, created.GetProperty("chip").GetString());
        var predicted = created.GetProperty("predicted").GetDouble();

        // Stored with the chip's inline object, so deleting the chip changes nothing about the run.
        var stored = await (await app.Client.GetAsync($"api/runs/{id}")).ExpectAsync(HttpStatusCode.OK);
        var chip = stored.GetProperty("scenario").GetProperty("system").GetProperty("chip");
        Assert.Equal(System.Text.Json.JsonValueKind.Object, chip.ValueKind);
        Assert.Equal(200, chip.GetProperty("hbmCapacityGiB").GetDouble());
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.DeleteAsync($"api/chips/{chipId}")).StatusCode);
        var after = await (await app.Client.GetAsync("api/runs")).ExpectAsync(HttpStatusCode.OK);
        var listed = Assert.Single(after.GetProperty("items").EnumerateArray(), r => r.GetProperty("id").GetString() == id);
        Assert.Equal(predicted, listed.GetProperty("predicted").GetDouble());

        // With the chip gone, naming it is a 400 on $.scenario.system.chip.
        var gone = await (await app.Client.PostJsonAsync("api/runs", Run("gone", "stepTimeSeconds", 20, scenario.ToJsonString()))).ValidationErrorsAsync();
        Assert.Contains("$.scenario.system.chip", gone.Keys);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.DeleteAsync($"api/runs/{id}")).StatusCode);
    }

    [Fact]
    public async Task The_validation_page_renders_the_published_runs_and_a_run_posted_over_the_api()
    {
        var app = await AppAsync();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var name = "<i>page</i> " + tag;
        var created = await (await app.Client.PostJsonAsync("api/runs", Run(name, "stepTimeSeconds", 30))).ExpectAsync(HttpStatusCode.Created);

        var response = await app.Client.GetAsync("validation?gpus=not-a-number");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Published runs", html, StringComparison.Ordinal);
        foreach (var c in Contracts.Validation.ValidationSet.Shipped.Take(5)) Assert.Contains($"data-id=\"{c.Id}\"", html, StringComparison.Ordinal);
        // The user's name is text on the page, never markup; a GPU count that does not parse is a message, not an error page.
        Assert.Contains("&lt;i&gt;page&lt;/i&gt; " + tag, html, StringComparison.Ordinal);
        Assert.DoesNotContain(name, html, StringComparison.Ordinal);
        Assert.Contains("not-a-number", html, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.DeleteAsync($"api/runs/{created.GetProperty("id").GetString()}")).StatusCode);
    }
}

/// <summary>The suite on an embedded SQLite file.</summary>
public sealed class SqliteMeasuredRunTests(SqliteAppFixture fixture) : MeasuredRunSuite, IClassFixture<SqliteAppFixture>
{
    /// <inheritdoc />
    protected override Task<TestApp> AppAsync() => Task.FromResult(fixture.App);
}

/// <summary>The suite on a PostgreSQL server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresMeasuredRunTests(PostgresServer server) : MeasuredRunSuite
{
    /// <inheritdoc />
    protected override Task<TestApp> AppAsync() => server.SharedAsync("runs");
}
