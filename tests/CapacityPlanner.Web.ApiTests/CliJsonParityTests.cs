using System.Net;
using System.Text.Json.Nodes;
using CapacityPlanner.Cli;
using CapacityPlanner.Web.ApiTests.Infrastructure;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>
/// The API answers with the same JSON as <c>capplan … --json</c> (same field names, same values): the CLI runs in-process
/// on the same scenario file, the API over HTTP; only the measured <c>elapsedMilliseconds</c> may differ.
/// </summary>
public sealed class CliJsonParityTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    public static TheoryData<string, string, string[]> Cases => new()
    {
        { "gpt3-175b-1024-a100.json", "api/estimate", ["estimate"] },
        { "llama3-70b-1024-h100.json", "api/estimate", ["estimate"] },
        { "gpt3-175b-1024-a100.json", "api/search?top=5&objective=time", ["search", "--top", "5", "--objective", "time"] },
        { "deepseek-v3-2048-h800.json", "api/search?top=3&objective=cost", ["search", "--top", "3", "--objective", "cost"] },
        { "gpt3-175b-1024-a100.json", "api/sweep?gpus=8..4096&mode=strong", ["sweep", "--gpus", "8..4096", "--mode", "strong"] },
        { "custom-13b.json", "api/sweep?gpus=64,512&mode=weak", ["sweep", "--gpus", "64,512", "--mode", "weak"] },
        { "budget-30b-half-year.json", "api/budget", ["budget"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_api_json_equals_the_cli_json(string example, string url, string[] command)
    {
        var path = Http.ExamplePath(example);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApp.RunAsync([command[0], path, .. command[1..], "--json"], stdout, stderr);
        Assert.True(exit == ExitCodes.Ok, $"capplan {string.Join(' ', command)} exited {exit}: {stderr}");
        var cli = JsonNode.Parse(stdout.ToString())!;

        var response = await fixture.App.Client.PostJsonAsync(url, File.ReadAllText(path));
        var api = JsonNode.Parse((await response.ExpectAsync(HttpStatusCode.OK)).GetRawText())!;

        Strip(cli);
        Strip(api);
        Assert.True(JsonNode.DeepEquals(cli, api), $"CLI:\n{cli.ToJsonString()[..Math.Min(1500, cli.ToJsonString().Length)]}\nAPI:\n{api.ToJsonString()[..Math.Min(1500, api.ToJsonString().Length)]}");
    }

    [Fact]
    public async Task A_published_runs_case_file_gets_the_same_comparison_from_the_api_as_from_the_cli()
    {
        // A shipped TorchTitan run as its source gives it: the family names the software, the scenario no stack.
        var shipped = Contracts.Validation.ValidationSet.Shipped.First(c => c.Family == "torchtitan");
        var scenario = JsonNode.Parse(shipped.ScenarioJson)!.AsObject();
        scenario["training"]!.AsObject().Remove("stack");
        var text = new JsonObject
        {
            ["scenario"] = scenario,
            ["metric"] = Core.Validation.ValidationCase.MetricId(shipped.Metric),
            ["measured"] = shipped.Measured,
            ["family"] = shipped.Family,
            ["source"] = shipped.Source,
        }.ToJsonString();
        var dir = Directory.CreateTempSubdirectory("capplan-case");
        try
        {
            var path = Path.Combine(dir.FullName, "run.json");
            await File.WriteAllTextAsync(path, text);
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            Assert.Equal(ExitCodes.Ok, await CliApp.RunAsync(["estimate", path, "--json"], stdout, stderr));
            var cli = JsonNode.Parse(stdout.ToString())!;
            var response = await fixture.App.Client.PostJsonAsync("api/estimate", text);
            var api = JsonNode.Parse((await response.ExpectAsync(HttpStatusCode.OK)).GetRawText())!;

            Assert.Equal("torchtitan", api["stack"]!.GetValue<string>());
            Assert.Equal(shipped.Measured, api["published"]!["published"]!.GetValue<double>());
            // The CLI names the case after its file; the API after the request.
            Assert.Equal("run", cli["published"]!["id"]!.GetValue<string>());
            Assert.Equal("request", api["published"]!["id"]!.GetValue<string>());
            cli["published"]!.AsObject().Remove("id");
            api["published"]!.AsObject().Remove("id");
            Strip(cli);
            Strip(api);
            Assert.True(JsonNode.DeepEquals(cli, api));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_case_file_with_a_wrong_scenario_field_is_a_400_that_names_it_under_scenario()
    {
        var text = """{ "scenario": { "schemaVersion": 1, "model": { "preset": "gpt3-175b" }, "training": { "globalBatchSequences": 1536 }, "system": { "chip": "a100-sxm-80gb", "gpus": "many" } }, "metric": "stepTimeSeconds", "measured": 10 }""";
        var response = await fixture.App.Client.PostJsonAsync("api/estimate", text);
        var problem = await response.ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Contains("$.scenario.system.gpus", problem.GetRawText());
    }

    /// <summary>Removes wall-clock measurements, at any depth.</summary>
    private static void Strip(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).Where(k => k.Contains("elapsed", StringComparison.OrdinalIgnoreCase)).ToList()) o.Remove(key);
                foreach (var (_, child) in o) Strip(child);
                break;
            case JsonArray a:
                foreach (var child in a) Strip(child);
                break;
        }
    }
}
