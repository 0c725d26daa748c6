using System.Text.Json;
using CapacityPlanner.Cli.Tests.Support;

namespace CapacityPlanner.Cli.Tests.Commands;

/// <summary><c>capplan validate</c>: the error by scale beside the error by family.</summary>
public sealed class ValidateCommandTests
{
    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => InProcessCli.RunAsync(args);

    [Fact]
    public async Task The_json_summarises_every_run_once_by_scale_band_in_its_own_gpu_range()
    {
        var (code, json, err) = await Run("validate", "--family", "mlperf", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(json);
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().ToList();
        var scales = doc.RootElement.GetProperty("scales").EnumerateObject().ToList();

        // The MLPerf runs span 8 to 8,192 GPUs: every band has runs, and the bands hold each run once.
        Assert.Equal(["1-63", "64-511", "512-2047", "2048+"], scales.Select(s => s.Name));
        Assert.Equal(cases.Count, scales.Sum(s => s.Value.GetProperty("all").GetProperty("cases").GetInt32()));
        Assert.Equal(cases.Count(c => !c.GetProperty("soft").GetBoolean()), scales.Sum(s => s.Value.GetProperty("firm").GetProperty("cases").GetInt32()));
        foreach (var band in scales)
        {
            var from = band.Value.GetProperty("fromGpus").GetInt32();
            var to = band.Value.GetProperty("toGpus").ValueKind == JsonValueKind.Null ? int.MaxValue : band.Value.GetProperty("toGpus").GetInt32();
            var inBand = cases.Where(c => c.GetProperty("gpus").GetInt32() >= from && c.GetProperty("gpus").GetInt32() <= to).ToList();
            Assert.Equal(inBand.Count, band.Value.GetProperty("all").GetProperty("cases").GetInt32());
            // Its bias is the mean signed error of its runs (ValidationSummary), so it lies within their range.
            var errors = inBand.Select(c => c.GetProperty("error").GetDouble()).ToList();
            var bias = band.Value.GetProperty("all").GetProperty("bias").GetDouble();
            Assert.InRange(bias, errors.Min(), errors.Max());
        }

        var (textCode, text, _) = await Run("validate", "--family", "mlperf");
        Assert.Equal(0, textCode);
        Assert.Contains("by scale (firm runs)", text, StringComparison.Ordinal);
        Assert.Contains("2,048+ GPUs", text, StringComparison.Ordinal);
    }
}
