using System.Text.Json;
using System.Text.Json.Nodes;
using CapacityPlanner.Cli.Tests.Support;
using CapacityPlanner.Core.Budget;

namespace CapacityPlanner.Cli.Tests.Commands;

public sealed class BudgetAndScalingCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("capplan-budget").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string content)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, content);
        return path;
    }

    private static string ExamplePath => Path.Combine(AppContext.BaseDirectory, "Examples", "budget-30b-half-year.json");

    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => InProcessCli.RunAsync(args);

    private static void AllNumbersFinite(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object: foreach (var p in e.EnumerateObject()) AllNumbersFinite(p.Value); break;
            case JsonValueKind.Array: foreach (var i in e.EnumerateArray()) AllNumbersFinite(i); break;
            case JsonValueKind.Number: Assert.True(double.IsFinite(e.GetDouble())); break;
        }
    }

    [Fact]
    public async Task Budget_json_has_the_contract_fields()
    {
        var (code, output, _) = await Run("budget", ExamplePath, "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement;
        foreach (var field in new[] { "gpus", "nodes", "facilityMegawatts", "energyMegawattHours", "totalFlop", "log10TotalFlop", "costPer1e24FlopUsd", "mfu", "computeOptimalParameters", "computeOptimalTokens", "predictedLoss" })
        {
            Assert.Equal(JsonValueKind.Number, r.GetProperty(field).ValueKind);
        }
        Assert.Equal(JsonValueKind.Object, r.GetProperty("costBreakdownUsd").ValueKind);
        Assert.Equal(JsonValueKind.Array, r.GetProperty("warnings").ValueKind);
        Assert.InRange(r.GetProperty("gpus").GetInt64(), 300_000, 370_000);
        Assert.InRange(r.GetProperty("log10TotalFlop").GetDouble(), 26.8, 27.3);
        Assert.InRange(r.GetProperty("facilityMegawatts").GetDouble(), 450, 600);
        Assert.Equal(30e9, r.GetProperty("costBreakdownUsd").GetProperty("total").GetDouble());
        Assert.Equal("epoch", r.GetProperty("scaling").GetProperty("law").GetString());
        Assert.Equal("chinchilla", r.GetProperty("alternativeScaling").GetProperty("law").GetString());
        Assert.Equal(5, r.GetProperty("precisions").GetArrayLength());
        AllNumbersFinite(r);
    }

    [Fact]
    public async Task Budget_table_and_the_built_in_example()
    {
        var (code, output, _) = await Run("budget", "--example", "30b-half-year");
        Assert.Equal(0, code);
        Assert.Contains("$30B half-year run", output, StringComparison.Ordinal);
        Assert.Contains("Cost per 1e24 FLOP", output, StringComparison.Ordinal);
        Assert.Contains("compute-optimal", output, StringComparison.Ordinal);
        Assert.Contains("EPOCH_CODE", output, StringComparison.Ordinal);
        Assert.Equal(2, (await Run("budget", "--example", "nope")).Code);
        Assert.Equal(2, (await Run("budget")).Code);
        Assert.Equal(2, (await Run("budget", ExamplePath, "--example", "30b-half-year")).Code);
    }

    [Fact]
    public void The_cli_example_file_is_the_core_example_document()
    {
        var file = JsonNode.Parse(File.ReadAllText(ExamplePath));
        var core = JsonNode.Parse(BudgetExamples.ThirtyBillionHalfYear.DocumentJson);
        Assert.True(JsonNode.DeepEquals(file, core), "src/CapacityPlanner.Cli/Examples/budget-30b-half-year.json differs from the example in budget-defaults.json");
    }

    [Fact]
    public async Task Bad_budget_input_exits_2_and_names_every_field()
    {
        var path = Write("""
            { "schemaVersion": 1, "model": { "preset": "llama3-8b" }, "training": { "globalBatchSequences": 256 }, "system": { "chip": "h100-sxm", "gpus": 64 },
              "budget": { "budgetUsd": 0, "durationDays": -1, "goodput": 1.2, "gpuPriceUsd": 0, "pue": 0.9 } }
            """);
        var (code, _, err) = await Run("budget", path);
        Assert.Equal(2, code);
        foreach (var field in new[] { "$.budget.budgetUsd", "$.budget.durationDays", "$.budget.goodput", "$.budget.gpuPriceUsd", "$.budget.pue" })
        {
            Assert.Contains(field, err, StringComparison.Ordinal);
        }
        var (jsonCode, output, _) = await Run("budget", path, "--json");
        Assert.Equal(2, jsonCode);
        using var doc = JsonDocument.Parse(output);
        Assert.False(doc.RootElement.GetProperty("valid").GetBoolean());
        Assert.Equal(5, doc.RootElement.GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public async Task A_chip_without_a_price_is_an_input_error_with_its_path()
    {
        var path = Write("""
            { "schemaVersion": 1, "model": { "preset": "llama3-8b" }, "training": { "globalBatchSequences": 256 }, "system": { "chip": "h800-sxm", "gpus": 64 },
              "budget": { "budgetUsd": 1e8 } }
            """);
        var (code, _, err) = await Run("budget", path);
        Assert.Equal(2, code);
        Assert.Contains("$.budget.gpuPriceUsd", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extreme_budget_inputs_produce_finite_json_with_warnings()
    {
        var path = Write("""
            { "schemaVersion": 1, "model": { "preset": "llama3-8b" }, "training": { "globalBatchSequences": 8 }, "system": { "chip": "h100-sxm", "gpus": 1 },
              "budget": { "targetFlop": 1e31 } }
            """);
        var (code, output, _) = await Run("budget", path, "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        AllNumbersFinite(doc.RootElement);
        Assert.Equal(1, doc.RootElement.GetProperty("gpus").GetInt64());
        Assert.Equal(31, doc.RootElement.GetProperty("log10TotalFlop").GetDouble(), 6);
        Assert.True(doc.RootElement.GetProperty("warnings").GetArrayLength() >= 3);
        Assert.Equal(0, (await Run("budget", path)).Code);
    }

    [Fact]
    public async Task Scaling_json_reproduces_the_formula_sheet_vector_under_both_laws()
    {
        var (code, output, _) = await Run("scaling", "--flop", "5.76e23", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement;
        Assert.Equal("epoch", r.GetProperty("law").GetString());
        Assert.Equal(7.23e10, r.GetProperty("parameters").GetDouble(), 7.23e10 * 0.005);
        Assert.Equal(1.33e12, r.GetProperty("tokens").GetDouble(), 1.33e12 * 0.005);
        Assert.Equal(1, r.GetProperty("epochs").GetDouble());
        Assert.InRange(r.GetProperty("predictedLoss").GetDouble(), 1.9, 2.1);
        Assert.Equal("chinchilla", r.GetProperty("alternative").GetProperty("law").GetString());
        var (_, chin, _) = await Run("scaling", "--flop", "5.76e23", "--law", "chinchilla", "--json");
        using var c = JsonDocument.Parse(chin);
        Assert.Equal(3.22e10, c.RootElement.GetProperty("parameters").GetDouble(), 3.22e10 * 0.005);
        Assert.Equal(2.98e12, c.RootElement.GetProperty("tokens").GetDouble(), 2.98e12 * 0.005);
    }

    [Fact]
    public async Task Scaling_with_scarce_unique_tokens_repeats_data()
    {
        var (code, output, _) = await Run("scaling", "--flop", "5.76e23", "--unique-tokens", "2e11", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement;
        Assert.True(r.GetProperty("dataConstrained").GetBoolean());
        Assert.True(r.GetProperty("epochs").GetDouble() > 4);
        Assert.True(r.GetProperty("predictedLoss").GetDouble() > r.GetProperty("unconstrained").GetProperty("predictedLoss").GetDouble());
    }

    [Fact]
    public async Task Scaling_ladder_and_extremes()
    {
        var (code, output, _) = await Run("scaling", "--flop", "1e31", "--ladder", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        AllNumbersFinite(doc.RootElement);
        var ladder = doc.RootElement.GetProperty("ladder");
        Assert.Equal(12, ladder.GetProperty("points").GetArrayLength());
        Assert.Equal(3, ladder.GetProperty("limits").GetArrayLength());
        Assert.Equal(31, ladder.GetProperty("markers")[0].GetProperty("log10Flop").GetDouble(), 9);
        Assert.Equal(3, doc.RootElement.GetProperty("limitsReached").GetArrayLength());
        var (tableCode, table, _) = await Run("scaling", "--flop", "1e24", "--ladder");
        Assert.Equal(0, tableCode);
        Assert.Contains("data-movement limit", table, StringComparison.Ordinal);
        Assert.Contains("10^n → 10^(n+3)", table, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("scaling")]
    [InlineData("scaling", "--flop", "0")]
    [InlineData("scaling", "--flop", "-1e20")]
    [InlineData("scaling", "--flop", "lots")]
    [InlineData("scaling", "--flop", "1e41")]
    [InlineData("scaling", "--flop", "1e24", "--law", "kaplan")]
    [InlineData("scaling", "--flop", "1e24", "--unique-tokens", "0")]
    [InlineData("scaling", "--flop", "1e24", "--bogus")]
    public async Task Scaling_rejects_bad_arguments_with_exit_2(params string[] args)
    {
        var (code, _, err) = await Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("capplan scaling:", err, StringComparison.Ordinal);
    }
}
