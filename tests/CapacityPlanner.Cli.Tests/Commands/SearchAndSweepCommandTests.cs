using System.Text.Json;
using CapacityPlanner.Cli.Tests.Support;

namespace CapacityPlanner.Cli.Tests.Commands;

public sealed class SearchAndSweepCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("capplan-search").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string content)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, content);
        return path;
    }

    private const string Llama8 = """
        { "schemaVersion": 1, "model": { "preset": "llama3-8b" }, "training": { "globalBatchSequences": 256 }, "system": { "chip": "h100-sxm", "gpus": 64 } }
        """;

    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => InProcessCli.RunAsync(args);

    [Fact]
    public async Task Search_json_has_the_contract_fields()
    {
        var (code, output, _) = await Run("search", Write(Llama8), "--top", "3", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("evaluated").GetInt64() > root.GetProperty("feasible").GetInt64());
        Assert.True(root.GetProperty("elapsedMilliseconds").GetDouble() > 0);
        Assert.Equal(3, root.GetProperty("best").GetArrayLength());
        var first = root.GetProperty("best")[0];
        Assert.True(first.GetProperty("parallelism").GetProperty("tensor").GetInt32() >= 1);
        Assert.True(first.GetProperty("estimate").GetProperty("stepTimeSeconds").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Object, root.GetProperty("rejected").ValueKind);
    }

    [Fact]
    public async Task Search_marks_plans_outside_the_fitted_range_in_the_table_and_the_json()
    {
        // Llama 3.1 8B with 64 sequences on 1,024 GB200: about 1 ms of GPU work per layer and micro-batch in every plan.
        const string small = """
            { "schemaVersion": 1, "model": { "preset": "llama3-8b" }, "training": { "globalBatchSequences": 64, "precision": "fp8" }, "system": { "chip": "gb200", "gpus": 1024 } }
            """;
        var (code, output, _) = await Run("search", Write(small), "--top", "2");
        Assert.Equal(0, code);
        Assert.Contains("! outside the fitted range:", output, StringComparison.Ordinal);
        Assert.Matches(@"\n1 .* !\r?\n", output);
        var (_, json, _) = await Run("search", Write(small), "--top", "2", "--json");
        using var doc = JsonDocument.Parse(json);
        var estimate = doc.RootElement.GetProperty("best")[0].GetProperty("estimate");
        Assert.True(estimate.GetProperty("belowFittedRange").GetBoolean());
        Assert.InRange(estimate.GetProperty("gpuSecondsPerLayerMicroBatch").GetDouble(), 1e-4, 1.5e-3);

        // Ample work per layer (Llama 3 8B, 256 sequences on 64 H100): no mark.
        var (_, ample, _) = await Run("search", Write(Llama8), "--top", "2");
        Assert.DoesNotContain("outside the fitted range", ample, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_searched_plan_carries_the_models_track_record_on_runs_like_it()
    {
        // Llama 3.1 8B with 64 sequences on 1,024 GB200: the runs like these plans are MLPerf's on 512-1,024 GB200/GB300,
        // where the model was too fast; the record column says so (+), and the JSON gives the runs.
        const string small = """
            { "schemaVersion": 1, "model": { "preset": "llama3-8b" }, "training": { "globalBatchSequences": 64, "precision": "fp8" }, "system": { "chip": "gb200", "gpus": 1024 } }
            """;
        var (_, table, _) = await Run("search", Write(small), "--top", "2");
        Assert.Contains(" record", table, StringComparison.Ordinal);
        Assert.Contains("record: the model's median error on the 5 published runs most like each plan", table, StringComparison.Ordinal);
        Assert.Matches(@"\n1 .* \+\d+\.\d%\?? !\r?\n", table);
        var (_, json, _) = await Run("search", Write(small), "--top", "2", "--json");
        using var doc = JsonDocument.Parse(json);
        foreach (var plan in doc.RootElement.GetProperty("best").EnumerateArray())
        {
            var record = plan.GetProperty("estimate").GetProperty("trackRecord");
            Assert.Equal(5, record.GetProperty("runs").GetArrayLength());
            Assert.True(record.GetProperty("medianError").GetDouble() > 0.15);
        }
    }

    [Fact]
    public async Task Search_table_and_bad_options()
    {
        var (code, output, _) = await Run("search", Write(Llama8));
        Assert.Equal(0, code);
        Assert.Contains("feasible", output);
        Assert.Equal(2, (await Run("search", Write(Llama8), "--top", "zero")).Code);
        Assert.Equal(2, (await Run("search", Write(Llama8), "--objective", "speed")).Code);
    }

    [Fact]
    public async Task Search_with_nothing_feasible_says_what_would_fit()
    {
        var (code, output, _) = await Run("search", Write("""
            { "schemaVersion": 1, "model": { "preset": "gpt3-175b" }, "training": { "globalBatchSequences": 64 }, "system": { "chip": "a100-sxm-80gb", "gpus": 8 } }
            """));
        Assert.Equal(0, code);
        Assert.Contains("No feasible plan", output);
        Assert.Contains("more GPUs", output);
    }

    [Fact]
    public async Task Sweep_json_has_points_and_break_even()
    {
        var (code, output, _) = await Run("sweep", Write(Llama8), "--gpus", "8..4096", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        var points = root.GetProperty("points");
        Assert.Equal(10, points.GetArrayLength());
        foreach (var field in new[] { "gpus", "parallelism", "stepTimeSeconds", "tokensPerSecond", "mfu", "scalingEfficiency", "computeToCommunicationRatio", "perDimensionRatio" })
        {
            Assert.True(points[0].TryGetProperty(field, out _), field);
        }
        Assert.True(root.TryGetProperty("breakEvenGpus", out _));
        Assert.True(root.TryGetProperty("halfEfficiencyGpus", out _));
    }

    [Fact]
    public async Task Sweep_accepts_lists_and_rejects_bad_ranges()
    {
        var (code, output, _) = await Run("sweep", Write(Llama8), "--gpus", "8,64", "--mode", "weak");
        Assert.Equal(0, code);
        Assert.Contains("Weak scaling", output);
        Assert.Equal(2, (await Run("sweep", Write(Llama8), "--gpus", "64..8")).Code);
        Assert.Equal(2, (await Run("sweep", Write(Llama8), "--gpus", "eight")).Code);
        Assert.Equal(2, (await Run("sweep", Write(Llama8), "--mode", "sideways")).Code);
    }
}
