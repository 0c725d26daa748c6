using System.Text.Json;
using System.Text.Json.Nodes;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;
using Json.Schema;

namespace CapacityPlanner.Contracts.Tests.Scenarios;

/// <summary>
/// The published JSON Schema (wwwroot/schemas/scenario-v1.schema.json) and the reader agree: every document the project
/// ships is valid under the schema, the schema names exactly the choices the reader takes, and a bound the reader
/// enforces is one the schema states.
/// </summary>
public sealed class ScenarioSchemaTests
{
    private static readonly Lazy<JsonSchema> s_schema = new(() =>
        JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemas", "scenario-v1.schema.json"))));

    private static readonly Lazy<JsonNode> s_schemaNode = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemas", "scenario-v1.schema.json")))!);

    private static string[] Problems(string json)
    {
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var result = s_schema.Value.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return result.IsValid
            ? []
            : [.. (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))];
    }

    public static TheoryData<string> Examples() =>
        [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Examples"), "*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_cli_example_is_valid_under_the_schema(string file)
    {
        var problems = Problems(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Examples", file)));
        Assert.True(problems.Length == 0, file + ": " + string.Join("; ", problems));
    }

    [Fact]
    public void Every_published_runs_scenario_is_valid_under_the_schema()
    {
        Assert.NotEmpty(ValidationSet.Shipped);
        var failures = ValidationSet.Shipped
            .Select(c => (c.Id, Problems: Problems(c.ScenarioJson)))
            .Where(x => x.Problems.Length > 0)
            .Select(x => $"{x.Id}: {string.Join("; ", x.Problems.Take(3))}")
            .ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static IEnumerable<string> Enum(params string[] path)
    {
        JsonNode node = s_schemaNode.Value;
        foreach (var step in path) node = node[step]!;
        return node["enum"]!.AsArray().Select(v => v!.GetValue<string>());
    }

    [Fact]
    public void The_schema_names_exactly_the_choices_the_reader_takes()
    {
        Assert.Equal(OptimizerKinds.Names.Order(StringComparer.Ordinal), Enum("properties", "training", "properties", "optimizer").Order(StringComparer.Ordinal));
        Assert.Equal(PrecisionExtensions.All.Select(p => p.ToId()).Order(StringComparer.Ordinal),
            Enum("properties", "training", "properties", "precision").Order(StringComparer.Ordinal));
        Assert.Equal(SoftwareStackCatalog.Standard.Stacks.Select(s => s.Id).Append(SoftwareStackCatalog.Auto).Order(StringComparer.Ordinal),
            Enum("properties", "training", "properties", "stack").Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("\"system\": { \"chip\": \"h100-sxm\", \"gpus\": 1000000000 }")]
    [InlineData("\"system\": { \"chip\": \"h100-sxm\", \"gpus\": 8, \"scaleOutGbpsPerGpu\": 0.01 }")]
    [InlineData("\"system\": { \"chip\": { \"id\": \"x\", \"baseOn\": \"h100-sxm\", \"hbmCapacityGiB\": 0.5 }, \"gpus\": 8 }")]
    [InlineData("\"system\": { \"chip\": { \"id\": \"x\", \"baseOn\": \"h100-sxm\", \"gemmEfficiency\": 1e-9 }, \"gpus\": 8 }")]
    [InlineData("\"system\": { \"chip\": \"h100-sxm\", \"gpus\": 8 }, \"parallelism\": { \"virtualStages\": 2000 }")]
    public void A_bound_the_reader_enforces_is_one_the_schema_states(string system)
    {
        var json = "{ \"schemaVersion\": 1, \"model\": { \"preset\": \"llama3-8b\" }, \"training\": { \"globalBatchSequences\": 64 }, " + system + " }";
        Assert.False(ScenarioParser.Parse(json).Success, "the reader accepts " + system);
        Assert.NotEmpty(Problems(json));
    }
}
