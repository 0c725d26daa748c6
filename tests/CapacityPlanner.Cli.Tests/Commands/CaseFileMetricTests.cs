using System.Text.Json;
using CapacityPlanner.Cli.Tests.Support;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Validation;

namespace CapacityPlanner.Cli.Tests.Commands;

/// <summary>
/// A validation case file names its metric (<c>stepTimeSeconds</c>, <c>tokensPerSecondPerGpu</c>,
/// <c>hardwareTflopsPerGpu</c>); a harness outside the project reads that name straight off the JSON that
/// <c>capplan estimate --json</c> prints for the case's scenario. Every shipped case must find it there, with the value
/// <c>capplan validate</c> compares.
/// </summary>
public sealed class CaseFileMetricTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("capplan-cases").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Every_shipped_case_metric_is_a_top_level_number_of_the_estimate_json_equal_to_what_validate_compares()
    {
        var report = ValidationSet.RunShipped();
        var metrics = new HashSet<string>(StringComparer.Ordinal);
        foreach (var result in report.Results)
        {
            var c = result.Case;
            var path = Path.Combine(_dir, c.Id + ".json");
            await File.WriteAllTextAsync(path, c.ScenarioJson);
            var (_, output, err) = await InProcessCli.RunAsync("estimate", path, "--json");
            using var doc = JsonDocument.Parse(output);
            var name = ValidationCase.MetricId(c.Metric);
            metrics.Add(name);
            Assert.True(doc.RootElement.TryGetProperty(name, out var value), $"{c.Id}: no '{name}' in the estimate JSON ({err})");
            Assert.True(value.ValueKind == JsonValueKind.Number, $"{c.Id}: '{name}' is {value.ValueKind}");
            Assert.NotNull(result.Predicted);
            Assert.Equal(result.Predicted!.Value, value.GetDouble(), 1e-9 * Math.Max(1, Math.Abs(result.Predicted.Value)));
        }
        // The shipped set uses all three metrics, so each name is checked.
        Assert.Equal(["hardwareTflopsPerGpu", "stepTimeSeconds", "tokensPerSecondPerGpu"], metrics.Order(StringComparer.Ordinal));
        Assert.Contains(report.Results, r => ValidationCase.MetricId(r.Case.Metric) == "tokensPerSecondPerGpu" && r.Predicted > 0);
    }

    /// <summary>A shipped TorchTitan run written as its source gives it: the family names the software, the scenario no stack.</summary>
    private static (ValidationResult Shipped, string CaseFile) TorchTitanCaseWithoutStack()
    {
        var shipped = ValidationSet.RunShipped().Results.First(r => r.Case.Family == "torchtitan" && r.Case.Metric == ValidationMetric.TokensPerSecondPerGpu);
        var scenario = System.Text.Json.Nodes.JsonNode.Parse(shipped.Case.ScenarioJson)!.AsObject();
        Assert.True(scenario["training"]!.AsObject().Remove("stack"));
        var file = new System.Text.Json.Nodes.JsonObject
        {
            ["scenario"] = scenario,
            ["metric"] = ValidationCase.MetricId(shipped.Case.Metric),
            ["measured"] = shipped.Case.Measured,
            ["soft"] = shipped.Case.Soft,
            ["family"] = shipped.Case.Family,
            ["source"] = shipped.Case.Source,
        };
        return (shipped, file.ToJsonString());
    }

    [Fact]
    public async Task A_whole_case_file_is_estimated_as_it_ran_and_compared_with_what_it_measured()
    {
        var (shipped, text) = TorchTitanCaseWithoutStack();
        var path = Path.Combine(_dir, "my-run.json");
        await File.WriteAllTextAsync(path, text);
        var (code, output, err) = await InProcessCli.RunAsync("estimate", path, "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        // The family's stack, not auto's Megatron-Core (which would run it 10–36% faster).
        Assert.Equal("torchtitan", root.GetProperty("stack").GetString());
        var published = root.GetProperty("published");
        Assert.Equal("my-run", published.GetProperty("id").GetString());
        Assert.Equal(shipped.Case.Measured, published.GetProperty("published").GetDouble());
        // The same row capplan validate writes for the shipped copy, from the estimate this command printed.
        var metric = ValidationCase.MetricId(shipped.Case.Metric);
        Assert.Equal(root.GetProperty(metric).GetDouble(), published.GetProperty("predicted").GetDouble());
        Assert.Equal(shipped.Error!.Value, published.GetProperty("error").GetDouble(), 1e-9);
        Assert.Equal(shipped.WithinTolerance, published.GetProperty("withinTolerance").GetBoolean());
        Assert.Equal(shipped.Case.Source, published.GetProperty("source").GetString());

        var (tableCode, table, _) = await InProcessCli.RunAsync("estimate", path);
        Assert.Equal(0, tableCode);
        Assert.Contains($"Published             {metric} ", table);
        Assert.Contains(TrackRecord.Signed(shipped.Error.Value), table);
        Assert.Contains("Source                " + shipped.Case.Source, table);
    }

    [Fact]
    public async Task A_scenario_file_has_no_published_row()
    {
        var (shipped, _) = TorchTitanCaseWithoutStack();
        var path = Path.Combine(_dir, "scenario.json");
        await File.WriteAllTextAsync(path, shipped.Case.ScenarioJson);
        var (code, output, _) = await InProcessCli.RunAsync("estimate", path, "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.False(doc.RootElement.TryGetProperty("published", out _));
    }

    [Fact]
    public async Task A_case_file_with_an_error_is_named_where_the_error_is()
    {
        var (_, text) = TorchTitanCaseWithoutStack();
        var badScenario = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        badScenario["scenario"]!["system"]!["gpus"] = "x";
        var path = Path.Combine(_dir, "bad-scenario.json");
        await File.WriteAllTextAsync(path, badScenario.ToJsonString());
        var (code, _, err) = await InProcessCli.RunAsync("estimate", path);
        Assert.Equal(2, code);
        Assert.Contains("$.scenario.system.gpus: expected a whole number", err);

        var badMetric = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        badMetric["metric"] = "mfu";
        path = Path.Combine(_dir, "bad-metric.json");
        await File.WriteAllTextAsync(path, badMetric.ToJsonString());
        (code, _, err) = await InProcessCli.RunAsync("estimate", path);
        Assert.Equal(2, code);
        Assert.Contains("$: a published run's case file, but 'metric' must be stepTimeSeconds, tokensPerSecondPerGpu or hardwareTflopsPerGpu.", err);

        // A scenario wrapped in an object without what was measured says what is missing.
        var wrapped = new System.Text.Json.Nodes.JsonObject { ["scenario"] = System.Text.Json.Nodes.JsonNode.Parse(text)!["scenario"]!.DeepClone() };
        path = Path.Combine(_dir, "wrapped.json");
        await File.WriteAllTextAsync(path, wrapped.ToJsonString());
        (code, _, err) = await InProcessCli.RunAsync("estimate", path);
        Assert.Equal(2, code);
        Assert.Contains("$: a published run's case file, but 'metric' must be", err);
    }

    [Fact]
    public async Task Site_options_leave_the_comparison_out_and_say_why()
    {
        var (_, text) = TorchTitanCaseWithoutStack();
        var path = Path.Combine(_dir, "capped.json");
        await File.WriteAllTextAsync(path, text);
        var (code, output, err) = await InProcessCli.RunAsync("estimate", path, "--json", "--power-cap-mw", "1");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.False(doc.RootElement.TryGetProperty("published", out _));
        Assert.Contains("not compared with what the run measured", err);
    }
}
