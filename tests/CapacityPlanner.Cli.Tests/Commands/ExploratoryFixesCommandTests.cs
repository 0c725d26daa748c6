using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CapacityPlanner.Cli.Tests.Support;

namespace CapacityPlanner.Cli.Tests.Commands;

/// <summary>The CLI fixes of the exploratory pass: JSON reports, per-command help, argument and input checks, and the
/// model rules the estimate and sweep tables now show.</summary>
public sealed class ExploratoryFixesCommandTests : IDisposable
{
    private static readonly string[] s_constantNames = ["gemmInModelFraction", "overlapSlowdown", "lowPrecisionRelativeEfficiency", "tensorParallelOverlapSlowdown"];

    private readonly string _dir = Directory.CreateTempSubdirectory("capplan-exploratory").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Example(string name) => Path.Combine(AppContext.BaseDirectory, "Examples", name);

    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => InProcessCli.RunAsync(args);

    private static async Task<(int Code, string Out, string Err)> RunWithStdin(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr, new StringReader(stdin));
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>An example scenario with one top-level section set (or merged into an existing one), written to a temp file.</summary>
    private string ExampleWith(string example, string file, Action<JsonObject> change)
    {
        var doc = JsonNode.Parse(File.ReadAllText(Example(example)))!.AsObject();
        change(doc);
        var path = Path.Combine(_dir, file);
        File.WriteAllText(path, doc.ToJsonString());
        return path;
    }

    private static void AssertConstantsByName(JsonElement constants)
    {
        Assert.Equal(JsonValueKind.Object, constants.ValueKind);
        Assert.Equal(s_constantNames, constants.EnumerateObject().Select(p => p.Name));
        Assert.All(constants.EnumerateObject(), p => Assert.True(p.Value.GetDouble() > 0, p.Name));
    }

    private static void AssertSummary(JsonElement summary)
    {
        Assert.Equal(JsonValueKind.Object, summary.ValueKind);
        Assert.True(summary.GetProperty("cases").GetInt32() > 0);
        Assert.True(summary.GetProperty("medianAbsError").GetDouble() >= 0);
        Assert.InRange(summary.GetProperty("withinTolerance").GetDouble(), 0, 1);
    }

    [Fact]
    public async Task Validate_lofo_fit_and_track_record_print_json_reports()
    {
        var (lofoCode, lofo, lofoErr) = await Run("validate", "--lofo", "--json");
        Assert.True(lofoCode == 0, lofoErr);
        using (var doc = JsonDocument.Parse(lofo))
        {
            var families = doc.RootElement.GetProperty("families");
            Assert.Equal(JsonValueKind.Array, families.ValueKind);
            Assert.True(families.GetArrayLength() > 1);
            foreach (var f in families.EnumerateArray())
            {
                Assert.False(string.IsNullOrEmpty(f.GetProperty("family").GetString()));
                Assert.True(f.GetProperty("runs").GetInt32() > 0);
                AssertConstantsByName(f.GetProperty("fittedWithout"));
                AssertSummary(f.GetProperty("heldOut"));
                AssertSummary(f.GetProperty("shipped"));
            }
        }

        var (trackCode, track, trackErr) = await Run("validate", "--track-record", "--json");
        Assert.True(trackCode == 0, trackErr);
        using (var doc = JsonDocument.Parse(track))
        {
            foreach (var name in new[] { "leaveOneRunOut", "leaveFamilyOut" })
            {
                var check = doc.RootElement.GetProperty(name);
                Assert.Equal(JsonValueKind.Object, check.ValueKind);
                Assert.True(check.GetProperty("runs").GetInt32() > 0, name);
                Assert.True(check.GetProperty("medianMiss").GetDouble() >= 0, name);
            }
        }

        var (fitCode, fit, fitErr) = await Run("validate", "--fit", "--json");
        Assert.True(fitCode == 0, fitErr);
        using (var doc = JsonDocument.Parse(fit))
        {
            AssertConstantsByName(doc.RootElement.GetProperty("shipped"));
            AssertConstantsByName(doc.RootElement.GetProperty("refit"));
        }
    }

    [Fact]
    public async Task Validate_reports_are_one_at_a_time_and_not_filtered_by_family()
    {
        var (twoCode, twoOut, twoErr) = await Run("validate", "--lofo", "--fit");
        Assert.Equal(2, twoCode);
        Assert.Contains("separate reports", twoErr, StringComparison.Ordinal);
        Assert.DoesNotContain("Calibrated constants refitted", twoOut, StringComparison.Ordinal);

        var (familyCode, _, familyErr) = await Run("validate", "--lofo", "--family", "mlperf");
        Assert.Equal(2, familyCode);
        Assert.Contains("--family", familyErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Presets_print_json_and_catalog_commands_refuse_stray_arguments()
    {
        var (code, output, err) = await Run("presets", "--json");
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(output))
        {
            Assert.Equal(JsonValueKind.Array, doc.RootElement.ValueKind);
            Assert.True(doc.RootElement.GetArrayLength() > 0);
            foreach (var p in doc.RootElement.EnumerateArray())
            {
                Assert.False(string.IsNullOrEmpty(p.GetProperty("id").GetString()));
                Assert.True(p.GetProperty("totalParameters").GetDouble() > 0);
                Assert.True(p.GetProperty("layers").GetInt32() > 0);
            }
            Assert.Contains(doc.RootElement.EnumerateArray(), p => p.GetProperty("id").GetString() == "gpt3-175b" && p.GetProperty("layers").GetInt32() == 96);
        }

        var chips = await Run("chips", "foo");
        Assert.Equal(2, chips.Code);
        Assert.Contains("foo", chips.Err, StringComparison.Ordinal);

        var presets = await Run("presets", "--bogus");
        Assert.Equal(2, presets.Code);
        Assert.Contains("--bogus", presets.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_help_prints_that_commands_usage_only()
    {
        var (code, output, err) = await Run("estimate", "--help");
        Assert.True(code == 0, err);
        var usage = output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("capplan ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(usage);
        Assert.All(usage, l => Assert.StartsWith("capplan estimate", l, StringComparison.Ordinal));
        Assert.DoesNotContain("capplan sweep", output, StringComparison.Ordinal);
        Assert.DoesNotContain("capplan search", output, StringComparison.Ordinal);

        var (sweepCode, sweep, sweepErr) = await Run("sweep", "-h");
        Assert.True(sweepCode == 0, sweepErr);
        var sweepUsage = sweep.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("capplan ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(sweepUsage);
        Assert.All(sweepUsage, l => Assert.StartsWith("capplan sweep", l, StringComparison.Ordinal));
        Assert.DoesNotContain("capplan estimate", sweep, StringComparison.Ordinal);

        Assert.Equal(2, (await Run("nosuch", "--help")).Code);
    }

    [Fact]
    public async Task An_unknown_options_value_is_not_taken_for_a_second_scenario_file()
    {
        var (code, _, err) = await Run("sweep", Example("gpt3-175b-1024-a100.json"), "--sites", "2", "--gpus", "8192");
        Assert.Equal(2, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.Contains("unknown option --sites", line, StringComparison.Ordinal);
        Assert.DoesNotContain("exactly one scenario file", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_import_output_to_a_directory_is_invalid_input_and_the_result_goes_to_stdout()
    {
        var log = Path.Combine(_dir, "ar.txt");
        File.WriteAllText(log, NcclOutput);
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "out")).FullName;
        var (code, output, err) = await Run("bench", "import", "nccl-tests", log, "--output", folder);
        Assert.Equal(2, code);
        Assert.Contains("directory", err, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("nccl-tests", doc.RootElement.GetProperty("source").GetString());
        Assert.Equal(4, doc.RootElement.GetProperty("collectives").GetArrayLength());
    }

    [Fact]
    public async Task Scenario_input_must_be_a_utf8_file_within_4_MiB()
    {
        var bad = Path.Combine(_dir, "bad.json");
        File.WriteAllBytes(bad, [.. Encoding.ASCII.GetBytes("{\"a\":1,"), 0xFF, (byte)'}']);
        var (badCode, _, badErr) = await Run("estimate", bad);
        Assert.Equal(2, badCode);
        Assert.Contains("not valid UTF-8", badErr, StringComparison.Ordinal);

        var (dirCode, _, dirErr) = await Run("estimate", _dir);
        Assert.Equal(2, dirCode);
        Assert.Contains("it is a directory", dirErr, StringComparison.Ordinal);

        // A valid scenario padded with whitespace past 4 MiB: refused for its size, as a file of that size is.
        var big = File.ReadAllText(Example("custom-13b.json")) + new string(' ', 4 * 1024 * 1024 + 1024);
        var (bigCode, bigOut, bigErr) = await RunWithStdin(big, "estimate", "-");
        Assert.Equal(2, bigCode);
        Assert.DoesNotContain("Feasible", bigOut, StringComparison.Ordinal);
        Assert.Contains("4,194,304 bytes", bigErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_json_on_stdin_is_described_without_the_parsers_tail()
    {
        var (code, output, err) = await RunWithStdin("{\"schemaVersion\": 1, ]", "estimate", "-");
        Assert.Equal(2, code);
        var all = output + err;
        Assert.Contains("Malformed JSON at line 1, position", all, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", all, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePositionInLine", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sites_errors_make_the_estimate_infeasible()
    {
        var file = ExampleWith("custom-13b.json", "sites3.json", d => d["sites"] = new JsonObject { ["count"] = 3 });
        var (code, output, err) = await Run("estimate", file);
        Assert.True(code == 0, err);
        Assert.Contains("Feasible   NO", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Feasible   yes", output, StringComparison.Ordinal);
        Assert.Contains("  ✗ $.sites.count: ", output, StringComparison.Ordinal);

        var (jsonCode, json, jsonErr) = await Run("estimate", file, "--json");
        Assert.True(jsonCode == 0, jsonErr);
        using var doc = JsonDocument.Parse(json);
        Assert.False(doc.RootElement.GetProperty("feasible").GetBoolean());
        Assert.Contains(doc.RootElement.GetProperty("errors").EnumerateArray(), e => e.GetProperty("path").GetString() == "$.sites.count");
    }

    [Fact]
    public async Task Reliability_without_interruptions_prints_no_infinity_and_a_too_short_checkpoint_interval_is_an_error()
    {
        var none = ExampleWith("custom-13b.json", "no-interruptions.json", d => d["reliability"] = new JsonObject { ["interruptionRateScale"] = 0 });
        var (code, output, err) = await Run("estimate", none);
        Assert.True(code == 0, err);
        Assert.DoesNotContain("Infinity", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", err, StringComparison.Ordinal);
        Assert.DoesNotContain("∞", output, StringComparison.Ordinal);

        var tooOften = ExampleWith("custom-13b.json", "checkpoint-often.json", d => d["reliability"] = new JsonObject { ["checkpointIntervalMinutes"] = 0.001 });
        var (shortCode, shortOut, shortErr) = await Run("estimate", tooOften);
        Assert.True(shortCode == 0, shortErr);
        Assert.Contains("Feasible   NO", shortOut, StringComparison.Ordinal);
        Assert.Contains("  ✗ $.reliability.checkpointIntervalMinutes: ", shortOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sweep_where_no_size_fits_the_fixed_degrees_says_so_and_why()
    {
        var (code, output, err) = await Run("sweep", Example("gpt3-175b-1024-a100.json"), "--gpus", "100,200");
        Assert.True(code == 0, err);
        Assert.Contains("No swept size has a feasible plan", output, StringComparison.Ordinal);
        Assert.DoesNotContain("stays above 50%", output, StringComparison.Ordinal);
        var line200 = Assert.Single(output.Split('\n'), l => l.TrimStart().StartsWith("200 ", StringComparison.Ordinal));
        Assert.Contains("tensor 8 × pipeline 8 = 64, which does not divide 200 GPUs", line200, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_weak_sweep_keeps_the_scenarios_batch_per_gpu_wherever_the_range_starts()
    {
        var (code, output, err) = await Run("sweep", Example("gpt3-175b-1024-a100.json"), "--gpus", "64,1024", "--mode", "weak", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var batches = doc.RootElement.GetProperty("points").EnumerateArray()
            .ToDictionary(p => p.GetProperty("gpus").GetInt64(), p => p.GetProperty("globalBatchSequences").GetInt64());
        Assert.Equal(96, batches[64]);
        Assert.Equal(1536, batches[1024]);
    }

    [Fact]
    public async Task Context_parallelism_on_a_stack_without_it_is_an_error_that_names_megatron_core()
    {
        var file = ExampleWith("custom-13b.json", "cp-legacy.json", d =>
        {
            d["training"]!["stack"] = "megatron-lm-2022";
            d["parallelism"]!["context"] = 2;
        });
        var (code, output, err) = await Run("estimate", file);
        Assert.True(code == 0, err);
        Assert.Contains("Feasible   NO", output, StringComparison.Ordinal);
        var line = Assert.Single(output.Split('\n'), l => l.StartsWith("  ✗ $.parallelism.context: ", StringComparison.Ordinal));
        Assert.Contains("megatron-core", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_tables_keep_their_columns_in_line_and_explain_the_placement_tag()
    {
        var (code, output, _) = await Run("search", Example("llama3-70b-1024-h100.json"), "--top", "4");
        Assert.Equal(0, code);
        var lines = output.Split('\n');
        var header = Assert.Single(lines, l => l.StartsWith("#   plan", StringComparison.Ordinal));
        var stepEnd = header.IndexOf("step s", StringComparison.Ordinal) + "step s".Length;
        var rows = lines.Where(l => l.Length > 0 && char.IsDigit(l[0])).ToList();
        Assert.Equal(4, rows.Count);
        Assert.Contains(rows, r => r.Contains("[te,co,ex,pi,da]", StringComparison.Ordinal));
        // Every row's step time ends under the header's "step s", tagged plan or not.
        Assert.All(rows, r => Assert.Equal(stepEnd, System.Text.RegularExpressions.Regex.Match(r, @" (\d+\.\d{3}) ").Groups[1].Index + System.Text.RegularExpressions.Regex.Match(r, @" (\d+\.\d{3}) ").Groups[1].Length));
        Assert.Contains(lines, l => l.Contains("[te,co,ex,pi,da]: the order ranks are laid out in", StringComparison.Ordinal));
    }

    private const string NcclOutput = ImportCommandTests.NcclOutput;
}
