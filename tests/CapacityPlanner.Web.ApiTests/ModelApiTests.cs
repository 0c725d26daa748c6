using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CapacityPlanner.Contracts.Results;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Web.ApiTests.Infrastructure;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>POST /api/estimate, search, sweep, budget: happy paths, CSV, validation problems, size limits, routing problems.</summary>
public sealed class ModelApiTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private HttpClient Client => fixture.App.Client;

    [Fact]
    public async Task Estimate_returns_the_contract_json_of_the_model()
    {
        var response = await Client.PostJsonAsync("api/estimate", Http.Gpt3);
        var body = await response.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        // The estimate with its goodput (failures, checkpoints, restarts) and its track record, exactly as capplan estimate --json writes it.
        var scenario = ScenarioResolver.ParseAndResolve(Http.Gpt3).Scenario!;
        var expected = EstimateJson.Serialize(scenario, Core.Reliability.ScenarioAnalysis.EstimateWithGoodput(scenario), indented: false);
        Assert.Equal(expected, body.GetRawText());
        Assert.Equal(5, body.GetProperty("trackRecord").GetProperty("runs").GetArrayLength());
        Assert.True(body.GetProperty("feasible").GetBoolean());
        Assert.InRange(body.GetProperty("stepTimeSeconds").GetDouble(), 20, 40);
    }

    [Fact]
    public async Task An_infeasible_plan_is_a_result_not_an_error()
    {
        var json = Http.Gpt3.Replace("\"tensor\": 8", "\"tensor\": 7", StringComparison.Ordinal);
        var body = await (await Client.PostJsonAsync("api/estimate", json)).ExpectAsync(HttpStatusCode.OK);
        Assert.False(body.GetProperty("feasible").GetBoolean());
        Assert.NotEmpty(body.GetProperty("errors").EnumerateArray());
    }

    [Fact]
    public async Task Estimate_as_csv_has_every_headline_and_breakdown_field()
    {
        var json = await (await Client.PostJsonAsync("api/estimate", Http.Gpt3)).ExpectAsync(HttpStatusCode.OK);
        var response = await Client.PostJsonAsync("api/estimate?format=csv", Http.Gpt3);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("field,value", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(json.GetProperty("stepTimeSeconds").GetRawText(), rows["stepTimeSeconds"]);
        Assert.Equal(json.GetProperty("mfu").GetRawText(), rows["mfu"]);
        Assert.Equal(json.GetProperty("breakdown").GetProperty("communication").GetProperty("dataParallel").GetProperty("exposedSeconds").GetRawText(),
            rows["breakdown.communication.dataParallel.exposedSeconds"]);
        Assert.Contains("memory.totalGiB", rows.Keys);
        Assert.Equal("true", rows["feasible"]);
    }

    [Fact]
    public async Task Invalid_scenarios_give_a_problem_listing_every_error_path()
    {
        var response = await Client.PostJsonAsync("api/estimate",
            """{ "schemaVersion": 1, "extra": true, "model": { "preset": "gpt3-175b", "layerz": 3 }, "training": { }, "system": { "chip": "a100-sxm-80gb", "gpus": 0 } }""");
        var errors = await response.ValidationErrorsAsync();
        Assert.Equal(["$.extra", "$.model.layerz", "$.system.gpus", "$.training.globalBatchSequences"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.All(errors.Values, messages => Assert.NotEmpty(messages));

        foreach (var endpoint in new[] { "api/search", "api/sweep", "api/budget", "api/scenarios" })
        {
            var e = await (await Client.PostJsonAsync(endpoint, """{ "schemaVersion": 1, "model": {}, "training": {}, "system": {} }""")).ValidationErrorsAsync();
            Assert.Contains("$.training.globalBatchSequences", e.Keys);
        }
    }

    [Fact]
    public async Task Malformed_json_is_reported_with_line_and_position()
    {
        var errors = await (await Client.PostJsonAsync("api/estimate", "{\n  \"schemaVersion\": 1,,\n}")).ValidationErrorsAsync();
        Assert.Contains("line 2", Assert.Single(errors["$"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_non_json_and_non_utf8_bodies_are_refused_with_problems()
    {
        Assert.Contains("$", (await (await Client.PostAsync("api/estimate", Http.Content(""))).ValidationErrorsAsync()).Keys);
        var noBody = await Client.PostAsync("api/estimate", null);
        Assert.Contains("$", (await noBody.ValidationErrorsAsync()).Keys);
        await (await Client.PostAsync("api/estimate", Http.Content(Http.Gpt3, "text/plain"))).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
        await (await Client.PostAsync("api/estimate", new FormUrlEncodedContent([new("a", "b")]))).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
        var latin1 = new ByteArrayContent([0x7B, 0x22, 0xE9, 0x22, 0x7D]);
        latin1.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        Assert.Contains("$", (await (await Client.PostAsync("api/estimate", latin1)).ValidationErrorsAsync()).Keys);
        // A byte-order mark and a charset parameter are fine.
        var bom = new ByteArrayContent([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(Http.Gpt3)]);
        bom.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");
        await (await Client.PostAsync("api/estimate", bom)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Bodies_over_the_limit_are_413_problems_whether_their_length_is_declared_or_not()
    {
        var big = Http.Gpt3.Replace("\"schemaVersion\": 1,", "\"schemaVersion\": 1, \"pad\": \"" + new string('x', 2 * 1024 * 1024) + "\",", StringComparison.Ordinal);
        var declared = await Client.PostJsonAsync("api/estimate", big);
        var problem = await declared.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("1,048,576", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var client = fixture.App.NewClient();
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "api/scenarios") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        await (await client.SendAsync(request)).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);

        // The server is fine afterwards.
        await (await Client.PostJsonAsync("api/estimate", Http.Gpt3)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Search_returns_ranked_plans_and_csv_rows()
    {
        var body = await (await Client.PostJsonAsync("api/search?top=3&objective=time", Http.Gpt3)).ExpectAsync(HttpStatusCode.OK);
        var best = body.GetProperty("best").EnumerateArray().ToList();
        Assert.InRange(best.Count, 1, 3);
        Assert.True(body.GetProperty("evaluated").GetInt64() > 0);
        var times = best.Select(b => b.GetProperty("estimate").GetProperty("stepTimeSeconds").GetDouble()).ToList();
        Assert.Equal(times.Order(), times);

        var csv = await (await Client.PostJsonAsync("api/search?top=3&format=csv", Http.Gpt3)).Content.ReadAsStringAsync();
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(best.Count + 1, lines.Length);
        Assert.StartsWith("parallelism.tensor,", lines[0], StringComparison.Ordinal);
        Assert.Contains("estimate.stepTimeSeconds", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_query_errors_are_all_listed_at_once()
    {
        var errors = await (await Client.PostJsonAsync("api/search?top=0&objective=fast&exhaustive=maybe&format=xml", Http.Gpt3)).ValidationErrorsAsync();
        Assert.Equal(["exhaustive", "format", "objective", "top"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("top", (await (await Client.PostJsonAsync("api/search?top=abc", Http.Gpt3)).ValidationErrorsAsync()).Keys);
        Assert.Contains("objective", (await (await Client.PostJsonAsync("api/search?objective=1", Http.Gpt3)).ValidationErrorsAsync()).Keys);
    }

    [Fact]
    public async Task Sweep_returns_a_point_per_size_and_csv_rows()
    {
        var body = await (await Client.PostJsonAsync("api/sweep?gpus=64,256,1024&mode=strong", Http.Gpt3)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("strong", body.GetProperty("mode").GetString());
        Assert.Equal([64L, 256, 1024], body.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("gpus").GetInt64()));
        var csv = (await (await Client.PostJsonAsync("api/sweep?gpus=64,256,1024&format=csv", Http.Gpt3)).Content.ReadAsStringAsync())
            .Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, csv.Length);
        Assert.StartsWith("gpus,globalBatchSequences,", csv[0], StringComparison.Ordinal);
        Assert.StartsWith("64,", csv[1], StringComparison.Ordinal);

        var errors = await (await Client.PostJsonAsync("api/sweep?gpus=8..0&mode=sideways", Http.Gpt3)).ValidationErrorsAsync();
        Assert.Equal(["gpus", "mode"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("gpus", (await (await Client.PostJsonAsync("api/sweep?gpus=" + string.Join(",", Enumerable.Range(1, 65)), Http.Gpt3)).ValidationErrorsAsync()).Keys);
    }

    [Fact]
    public async Task Budget_answers_what_a_budget_buys()
    {
        var body = await (await Client.PostJsonAsync("api/budget", Http.Example("budget-30b-half-year.json"))).ExpectAsync(HttpStatusCode.OK);
        Assert.True(body.EnumerateObject().Any());
        var bad = Http.Example("budget-30b-half-year.json").Replace("\"acquisition\": \"buy\"", "\"acquisition\": \"steal\"", StringComparison.Ordinal);
        Assert.Contains("$.budget.acquisition", (await (await Client.PostJsonAsync("api/budget", bad)).ValidationErrorsAsync()).Keys);
    }

    [Fact]
    public async Task Unknown_routes_and_methods_under_api_are_problems_not_html_pages()
    {
        var missing = await (await Client.GetAsync("api/no-such-thing")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("/openapi/v1.json", missing.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var wrongMethod = await Client.PutAsync("api/scenarios", Http.Content("{}"));
        await wrongMethod.ProblemAsync(HttpStatusCode.MethodNotAllowed);
        var get = await Client.GetAsync("api/estimate");
        Assert.Contains(get.StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed });
        Assert.Equal("application/problem+json", get.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_openapi_document_describes_every_endpoint_and_has_a_browsable_page()
    {
        var doc = await (await Client.GetAsync("openapi/v1.json")).ExpectAsync(HttpStatusCode.OK);
        Assert.StartsWith("3.", doc.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = doc.GetProperty("paths");
        var expected = new (string Path, string Method)[]
        {
            ("/api/estimate", "post"), ("/api/search", "post"), ("/api/sweep", "post"), ("/api/budget", "post"),
            ("/api/scenarios", "post"), ("/api/scenarios", "get"), ("/api/scenarios/{id}", "get"), ("/api/scenarios/{id}", "patch"),
            ("/api/scenarios/{id}", "delete"), ("/api/scenarios/{id}/restore", "post"), ("/api/scenarios/{id}/duplicate", "post"),
            ("/api/scenarios/{id}/export.json", "get"), ("/api/benchmarks", "post"), ("/api/benchmarks", "get"),
            ("/api/benchmarks/{id}", "get"), ("/api/benchmarks/{id}/calibrate", "post"), ("/api/chips", "get"), ("/api/chips/{id}", "get"),
            ("/api/chips/{id}", "put"), ("/api/chips/{id}", "delete"),
            ("/api/runs", "post"), ("/api/runs", "get"), ("/api/runs/{id}", "get"), ("/api/runs/{id}", "delete"),
            ("/s/{id}", "get"),
        };
        foreach (var (path, method) in expected)
        {
            Assert.True(paths.TryGetProperty(path, out var item) && item.TryGetProperty(method, out _), $"{method.ToUpperInvariant()} {path} is documented");
        }
        Assert.True(paths.GetProperty("/api/estimate").GetProperty("post").TryGetProperty("requestBody", out _));
        Assert.True(paths.GetProperty("/api/runs").GetProperty("post").TryGetProperty("requestBody", out _));
        Assert.True(paths.GetProperty("/api/search").GetProperty("post").GetProperty("responses").TryGetProperty("503", out _));

        var redirect = await Client.GetAsync("api-docs");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        var page = await Client.GetAsync(redirect.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("/openapi/v1.json", html, StringComparison.Ordinal);
        var script = await Client.GetAsync("api-docs/api-docs.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }
}
