using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CapacityPlanner.Contracts.Json;
using CapacityPlanner.Web.ApiTests.Infrastructure;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>
/// Every bad input is a 400 that says what is wrong, never a 500: lone UTF-16 surrogate escapes in any string, and
/// duplicate keys under the one rule of <see cref="StrictJson"/> (refused, naming the key and its path) on every
/// endpoint that reads JSON; and a body full of mistakes gets a bounded answer (the first 100 and a count).
/// </summary>
public sealed class BadInputTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private HttpClient Client => fixture.App.Client;

    public static TheoryData<string, string> ScenarioEndpoints => new()
    {
        { "api/estimate", "gpt3-175b-1024-a100.json" },
        { "api/search?top=3", "gpt3-175b-1024-a100.json" },
        { "api/sweep?gpus=8..64", "gpt3-175b-1024-a100.json" },
        { "api/budget", "budget-30b-half-year.json" },
        { "api/scenarios", "gpt3-175b-1024-a100.json" },
    };

    // The example with "name" set to a raw JSON value (escapes kept as written).
    private static string WithRawName(string example, string rawJsonValue)
    {
        var node = JsonNode.Parse(Http.Example(example))!.AsObject();
        node["name"] = "@@NAME@@";
        return node.ToJsonString().Replace("\"@@NAME@@\"", rawJsonValue, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ScenarioEndpoints))]
    public async Task A_lone_surrogate_escape_is_a_400_naming_the_field(string url, string example)
    {
        var errors = await (await Client.PostJsonAsync(url, WithRawName(example, "\"\\ud800\""))).ValidationErrorsAsync();
        Assert.Contains("lone UTF-16 surrogate", Assert.Single(errors["$.name"]), StringComparison.Ordinal);

        // Deeper down as well: an inline chip's name.
        var node = JsonNode.Parse(Http.Example(example))!.AsObject();
        node["system"]!["chip"] = JsonNode.Parse("""{ "id": "h100-x", "baseOn": "h100-sxm", "name": "@@" }""");
        var body = node.ToJsonString().Replace("\"@@\"", "\"x\\udfffy\"", StringComparison.Ordinal);
        errors = await (await Client.PostJsonAsync(url, body)).ValidationErrorsAsync();
        Assert.True(errors.ContainsKey("$.system.chip.name"), string.Join(", ", errors.Keys));
    }

    [Theory]
    [MemberData(nameof(ScenarioEndpoints))]
    public async Task A_duplicate_key_is_a_400_naming_the_key_and_its_path(string url, string example)
    {
        var body = Http.Example(example).Replace("\"system\": {", "\"system\": { \"gpus\": 8,", StringComparison.Ordinal);
        Assert.NotEqual(Http.Example(example), body);
        var errors = await (await Client.PostJsonAsync(url, body)).ValidationErrorsAsync();
        var message = Assert.Single(errors["$.system.gpus"]);
        Assert.Contains("duplicate key \"gpus\"", message, StringComparison.Ordinal);
        Assert.Contains(StrictJson.DuplicateKeyRule, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chip_put_refuses_duplicate_keys_and_lone_surrogates_with_400()
    {
        var dup = await (await Client.PutAsync("api/chips/h100-dup", Http.Content("""{ "baseOn": "h100-sxm", "hbmCapacityGiB": 100, "hbmCapacityGiB": 200 }"""))).ValidationErrorsAsync();
        Assert.Contains("duplicate key \"hbmCapacityGiB\"", dup["$.system.chip.hbmCapacityGiB"][0], StringComparison.Ordinal);
        var lone = await (await Client.PutAsync("api/chips/h100-lone", Http.Content("""{ "baseOn": "h100-sxm", "name": "\ud800" }"""))).ValidationErrorsAsync();
        Assert.Contains("lone UTF-16 surrogate", lone["$.system.chip.name"][0], StringComparison.Ordinal);
        var loneKey = await (await Client.PutAsync("api/chips/h100-lone", Http.Content("""{ "baseOn": "h100-sxm", "\udc00": 1 }"""))).ValidationErrorsAsync();
        Assert.Contains("lone UTF-16 surrogate", Assert.Single(loneKey).Value[0], StringComparison.Ordinal);
        // Nothing was stored.
        await (await Client.GetAsync("api/chips/h100-dup")).ProblemAsync(HttpStatusCode.NotFound);
        await (await Client.GetAsync("api/chips/h100-lone")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Benchmark_upload_and_rename_refuse_duplicate_keys_with_400()
    {
        var upload = await (await Client.PostJsonAsync("api/benchmarks", """{ "schemaVersion": 1, "source": "a", "source": "b" }""")).ValidationErrorsAsync();
        Assert.Contains("duplicate key \"source\"", upload["$.source"][0], StringComparison.Ordinal);
        var lone = await (await Client.PostJsonAsync("api/benchmarks", """{ "schemaVersion": 1, "source": "\ud800" }""")).ValidationErrorsAsync();
        Assert.Contains("lone UTF-16 surrogate", lone["$.source"][0], StringComparison.Ordinal);

        var saved = await (await Client.PostJsonAsync("api/scenarios", Http.Gpt3Named("rename-dup"))).ExpectAsync(HttpStatusCode.Created);
        var id = saved.GetProperty("id").GetString();
        var rename = await (await Client.PatchAsync($"api/scenarios/{id}", Http.Content("""{ "name": "a", "name": "b" }"""))).ValidationErrorsAsync();
        Assert.Contains("duplicate key \"name\"", rename["$.name"][0], StringComparison.Ordinal);
        var renameLone = await (await Client.PatchAsync($"api/scenarios/{id}", Http.Content("""{ "name": "\ud800" }"""))).ValidationErrorsAsync();
        Assert.Contains("lone UTF-16 surrogate", renameLone["$.name"][0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_measured_run_with_a_lone_surrogate_or_a_duplicate_key_is_a_400_not_a_500()
    {
        // Found by the fuzz test: a lone surrogate escape in "metric" reached JsonElement.GetString and threw.
        var lone = await (await Client.PostJsonAsync("api/runs", "{ \"name\": \"r\", \"metric\": \"step\\ud800\", \"measured\": 20, \"scenario\": " + Http.Gpt3 + " }")).ValidationErrorsAsync();
        Assert.Contains("lone UTF-16 surrogate", lone["$.metric"][0], StringComparison.Ordinal);
        var duplicate = await (await Client.PostJsonAsync("api/runs", "{ \"name\": \"a\", \"name\": \"b\", \"metric\": \"stepTimeSeconds\", \"measured\": 20, \"scenario\": " + Http.Gpt3 + " }")).ValidationErrorsAsync();
        Assert.Contains("duplicate key \"name\"", duplicate["$.name"][0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_full_of_mistakes_lists_the_first_100_errors_and_counts_the_rest()
    {
        var node = JsonNode.Parse(Http.Gpt3)!.AsObject();
        for (var i = 0; i < 5000; i++) node[$"unknownField{i:D5}"] = i;
        var body = node.ToJsonString();
        var response = await Client.PostJsonAsync("api/estimate", body);
        var text = await response.Content.ReadAsStringAsync();
        var errors = await response.ValidationErrorsAsync();
        Assert.Equal(StrictJson.MaxListedErrors + 1, errors.Values.Sum(v => v.Length));
        Assert.Contains(errors["$"], m => m.StartsWith("4,900 more errors", StringComparison.Ordinal));
        Assert.True(Encoding.UTF8.GetByteCount(text) < 32 * 1024, $"the answer is {text.Length:N0} characters for a {body.Length:N0}-character body");
    }
}
