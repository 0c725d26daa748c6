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
}
