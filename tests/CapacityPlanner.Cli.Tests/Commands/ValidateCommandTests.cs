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

    private static string CaseFile(string metric, double measured, string family = "mine", int gpus = 1024, string extra = "") => $$"""
        { "scenario": { "schemaVersion": 1, "name": "gpt3 on A100",
            "model": { "preset": "gpt3-175b" },
            "training": { "globalBatchSequences": 1536, "precision": "bf16" },
            "system": { "chip": "a100-sxm-80gb", "gpus": {{gpus}} },
            "parallelism": { "tensor": 8, "pipeline": 8, "microBatchSize": 1, "recompute": "selective" } },
          "metric": "{{metric}}", "measured": {{measured.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "tolerance": 0.1,
          "family": "{{family}}", "source": "our cluster log"{{extra}} }
        """;

    [Fact]
    public async Task Cases_runs_a_folder_of_case_files_through_the_same_report()
    {
        var dir = Directory.CreateTempSubdirectory("capplan-cases").FullName;
        try
        {
            // The model's own figures for the scenario, then a run that took 5% longer and one 1.3× slower per GPU than it predicts.
            var scenarioFile = Path.Combine(dir, "probe.txt");
            await File.WriteAllTextAsync(scenarioFile, """
                { "schemaVersion": 1, "name": "gpt3 on A100", "model": { "preset": "gpt3-175b" },
                  "training": { "globalBatchSequences": 1536, "precision": "bf16" },
                  "system": { "chip": "a100-sxm-80gb", "gpus": 1024 },
                  "parallelism": { "tensor": 8, "pipeline": 8, "microBatchSize": 1, "recompute": "selective" } }
                """);
            var (code0, probe, err0) = await Run("estimate", scenarioFile, "--json");
            Assert.True(code0 == 0, err0);
            using var p = JsonDocument.Parse(probe);
            var step = p.RootElement.GetProperty("stepTimeSeconds").GetDouble();
            var perGpu = p.RootElement.GetProperty("tokensPerSecondPerGpu").GetDouble();
            await File.WriteAllTextAsync(Path.Combine(dir, "slow.json"), CaseFile("stepTimeSeconds", step * 1.05));
            await File.WriteAllTextAsync(Path.Combine(dir, "fast.json"), CaseFile("tokensPerSecondPerGpu", perGpu / 1.3, family: "theirs"));

            var (code, json, err) = await Run("validate", "--cases", dir, "--json");
            Assert.True(code == 0, err);
            using var doc = JsonDocument.Parse(json);
            var cases = doc.RootElement.GetProperty("cases").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!);
            Assert.Equal(["fast", "slow"], cases.Keys.Order(StringComparer.Ordinal));
            // error = predicted/published throughput − 1: +5% and +30%; the tolerance is the files' 10%.
            Assert.Equal(0.05, cases["slow"].GetProperty("error").GetDouble(), 6);
            Assert.Equal(0.3, cases["fast"].GetProperty("error").GetDouble(), 6);
            Assert.True(cases["slow"].GetProperty("withinTolerance").GetBoolean());
            Assert.False(cases["fast"].GetProperty("withinTolerance").GetBoolean());
            Assert.Equal(["mine", "theirs"], doc.RootElement.GetProperty("families").EnumerateObject().Select(f => f.Name).Order(StringComparer.Ordinal));

            var (familyCode, familyJson, _) = await Run("validate", "--cases", dir, "--family", "theirs", "--json");
            Assert.Equal(0, familyCode);
            using var only = JsonDocument.Parse(familyJson);
            Assert.Equal(["fast"], only.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Cases_names_every_file_that_is_not_a_case_file_and_exits_2()
    {
        var dir = Directory.CreateTempSubdirectory("capplan-cases").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "good.json"), CaseFile("stepTimeSeconds", 30));
            await File.WriteAllTextAsync(Path.Combine(dir, "broken.json"), "{ \"scenario\": ");
            await File.WriteAllTextAsync(Path.Combine(dir, "nometric.json"), CaseFile("samplesPerSecond", 10));
            await File.WriteAllTextAsync(Path.Combine(dir, "array.json"), "[" + CaseFile("stepTimeSeconds", 10) + "]");
            await File.WriteAllTextAsync(Path.Combine(dir, "millis.json"), CaseFile("stepTimeSeconds", 0.01));
            await File.WriteAllTextAsync(Path.Combine(dir, "twice.json"), CaseFile("stepTimeSeconds", 10).Replace("\"measured\"", "\"measured\": 3, \"measured\"", StringComparison.Ordinal));
            var (code, _, err) = await Run("validate", "--cases", dir);
            Assert.Equal(2, code);
            Assert.Contains("array.json: array: a case file is one JSON object", err, StringComparison.Ordinal);
            Assert.Contains("twice.json: twice: $.measured: duplicate key \"measured\"", err, StringComparison.Ordinal);
            Assert.DoesNotContain("unexpected error", err, StringComparison.Ordinal);
            // A figure above what the chip can do is named as a warning; the case still runs.
            Assert.Contains("warning: --cases: millis.json: 'measured' 0.01 means", err, StringComparison.Ordinal);
            Assert.Contains("not milliseconds", err, StringComparison.Ordinal);
            Assert.Contains("broken.json is not valid JSON", err, StringComparison.Ordinal);
            Assert.Contains("nometric.json: nometric: 'metric' must be", err, StringComparison.Ordinal);
            Assert.DoesNotContain("good.json", err, StringComparison.Ordinal);

            var (missingCode, _, missingErr) = await Run("validate", "--cases", Path.Combine(dir, "nowhere"));
            Assert.Equal(2, missingCode);
            Assert.Contains("no folder", missingErr, StringComparison.Ordinal);
            // One file names the command that compares one case file.
            var (fileCode, _, fileErr) = await Run("validate", "--cases", Path.Combine(dir, "good.json"));
            Assert.Equal(2, fileCode);
            Assert.Contains("is a file; give the folder that holds it", fileErr, StringComparison.Ordinal);
            Assert.Contains("capplan estimate", fileErr, StringComparison.Ordinal);

            var (fitCode, _, fitErr) = await Run("validate", "--cases", dir, "--lofo");
            Assert.Equal(2, fitCode);
            Assert.Contains("shipped set only", fitErr, StringComparison.Ordinal);
            Assert.Equal(2, (await Run("validate", "--cases", dir, "--track-record")).Code);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Track_record_check_prints_the_leave_one_out_figures()
    {
        var (code, output, _) = await Run("validate", "--track-record");
        Assert.Equal(0, code);
        var check = Contracts.Validation.ValidationSet.TrackRecord.LeaveOneOut();
        Assert.Contains($"runs checked                          {check.Runs}", output, StringComparison.Ordinal);
        Assert.Contains("own error within the record's range   " + check.Covered, output, StringComparison.Ordinal);
        Assert.Contains("(a record that ignores likeness)", output, StringComparison.Ordinal);
    }
}
