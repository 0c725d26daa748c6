using System.Text.Json.Nodes;
using CapacityPlanner.Measurements;
using CapacityPlanner.Cli.Tests.Support;

namespace CapacityPlanner.Cli.Tests.Commands;

public sealed class ImportCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("capplan-import").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    // Written from nccl-tests' printf formats (src/util.cu): 4 ranks, all_reduce, one table (other command tests use it too).
    internal const string NcclOutput = """
        # nccl-tests version 2.19.6 nccl-headers=22807 nccl-library=22807
        # Collective test starting: all_reduce_perf
        # Using devices
        #  Rank  0 Group  0 Pid   1001 on      node1 device  0 [0000:18:00] NVIDIA H100 80GB HBM3
        #  Rank  1 Group  0 Pid   1002 on      node1 device  1 [0000:2a:00] NVIDIA H100 80GB HBM3
        #  Rank  2 Group  0 Pid   1003 on      node1 device  2 [0000:3a:00] NVIDIA H100 80GB HBM3
        #  Rank  3 Group  0 Pid   1004 on      node1 device  3 [0000:5d:00] NVIDIA H100 80GB HBM3
        #
        #                                                              out-of-place                       in-place
        #       size         count      type   redop    root     time   algbw   busbw  #wrong     time   algbw   busbw  #wrong
        #        (B)    (elements)                               (us)  (GB/s)  (GB/s)             (us)  (GB/s)  (GB/s)
            67108864      16777216     float     sum      -1    400.0  167.77  251.66       0    410.0  163.68  245.52       0
           268435456      67108864     float     sum      -1   1500.0  178.96  268.44       0   1520.0  176.60  264.91       0
        # Out of bounds values : 0 OK
        # Avg bus bandwidth    : 257.633
        #
        # Collective test concluded: all_reduce_perf
        """;

    [Fact]
    public async Task Nccl_tests_output_becomes_a_result_document()
    {
        var out1 = Path.Combine(_dir, "ar.json");
        var (code, _, err) = await BenchTestSupport.Run("bench", "import", "nccl-tests", Write("ar.txt", NcclOutput), "--output", out1);
        Assert.True(code == 0, err);
        var json = File.ReadAllText(out1);
        Assert.Empty(BenchTestSupport.SchemaErrors(json));
        var r = BenchResultJson.Deserialize(json);
        Assert.Equal("nccl-tests", r.Source);
        Assert.Equal(4, r.Collectives.Count);
        Assert.All(r.Collectives, c => Assert.Equal(4, c.Ranks));
        Assert.Equal(268.44, r.Collectives.Single(c => c.SizeBytes == 268435456 && !c.InPlace).BusbwGBps);
        Assert.Equal("ar.txt", r.Import!.FileName);

        var (code2, output, _) = await BenchTestSupport.Run("bench", "import", "nccl-tests", Write("ar2.txt", NcclOutput), "--json");
        Assert.Equal(0, code2);
        Assert.Equal(4, BenchResultJson.Deserialize(output).Collectives.Count);

        var summary = await BenchTestSupport.Run("bench", "import", "nccl-tests", Write("ar3.txt", NcclOutput));
        Assert.Contains("peak busbw 268.44 GB/s", summary.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_tool_the_kind_is_detected_from_the_content_as_on_the_dashboard()
    {
        var auto = await BenchTestSupport.Run("bench", "import", Write("ar-auto.txt", NcclOutput), "--json");
        Assert.True(auto.Code == 0, auto.Err);
        Assert.Equal("nccl-tests", BenchResultJson.Deserialize(auto.Out).Source);

        var named = await BenchTestSupport.Run("bench", "import", "auto", Write("ar-auto2.txt", NcclOutput), "--json");
        Assert.True(named.Code == 0, named.Err);
        var (a, n) = (BenchResultJson.Deserialize(auto.Out), BenchResultJson.Deserialize(named.Out));
        Assert.Equal(a.Source, n.Source);
        Assert.Equal(a.Collectives.Select(c => (c.SizeBytes, c.BusbwGBps)), n.Collectives.Select(c => (c.SizeBytes, c.BusbwGBps)));

        var unknown = await BenchTestSupport.Run("bench", "import", Write("notes.txt", "hello\nworld\n"));
        Assert.Equal(2, unknown.Code);
        Assert.Contains("not recognised as nccl-tests, nvbandwidth or mamf-finder output", unknown.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_tool_missing_file_and_unknown_tool_are_invalid_input()
    {
        var wrongTool = await BenchTestSupport.Run("bench", "import", "mamf-finder", Write("x.txt", NcclOutput));
        Assert.Equal(2, wrongTool.Code);
        Assert.Contains("no mamf-finder results found", wrongTool.Err, StringComparison.Ordinal);

        var missing = await BenchTestSupport.Run("bench", "import", "nccl-tests", Path.Combine(_dir, "nope.txt"));
        Assert.Equal(2, missing.Code);
        Assert.Contains("no such file", missing.Err, StringComparison.Ordinal);

        var unknown = await BenchTestSupport.Run("bench", "import", "iperf", "x");
        Assert.Equal(2, unknown.Code);
        Assert.Contains("unknown tool 'iperf'", unknown.Err, StringComparison.Ordinal);

        var badJson = await BenchTestSupport.Run("bench", "import", "nccl-tests", Write("bad.json", "{ \"results\": [ "));
        Assert.Equal(2, badJson.Code);
        Assert.Contains("malformed", badJson.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calibrate_turns_results_into_a_chip_profile()
    {
        var file = Path.Combine(_dir, "ar.json");
        await BenchTestSupport.Run("bench", "import", "nccl-tests", Write("ar.txt", NcclOutput), "--output", file);
        var (code, output, err) = await BenchTestSupport.Run("bench", "calibrate", file, "--chip", "h100-sxm");
        Assert.True(code == 0, err);
        Assert.Contains("scale-up: busbw 268.4 GB/s", output, StringComparison.Ordinal);

        var bad = await BenchTestSupport.Run("bench", "calibrate", file, "--chip", "h1000");
        Assert.Equal(2, bad.Code);
        Assert.Contains("unknown chip", bad.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calibrate_json_prints_a_scenario_chip_that_estimate_runs_with()
    {
        // A GEMM sweep (mamf-finder) and a scale-up all-reduce (nccl-tests), imported, then calibrated.
        var mamf = Path.Combine(BenchTestSupport.RepoRoot(), "tests", "CapacityPlanner.Measurements.Tests", "Fixtures", "mamf-finder-v2.log");
        var gemm = Path.Combine(_dir, "gemm.json");
        var ar = Path.Combine(_dir, "ar.json");
        Assert.Equal(0, (await BenchTestSupport.Run("bench", "import", "mamf-finder", mamf, "--output", gemm)).Code);
        Assert.Equal(0, (await BenchTestSupport.Run("bench", "import", "nccl-tests", Write("ar.txt", NcclOutput), "--output", ar)).Code);
        var (code, output, err) = await BenchTestSupport.Run("bench", "calibrate", gemm, ar, "--chip", "h100-sxm", "--json");
        Assert.True(code == 0, err);

        var calibration = JsonNode.Parse(output)!.AsObject();
        var chip = calibration["scenarioChip"]!.AsObject();
        Assert.Equal("h100-sxm-calibrated", (string?)chip["id"]);
        Assert.Equal("h100-sxm", (string?)chip["baseOn"]);
        Assert.Equal((double)calibration["gemmMaxFraction"]!, (double)chip["gemmEfficiency"]!, 12);
        // The measured busbw is folded into the link bandwidth: 450 GB/s × measured ÷ catalog bus efficiency.
        Assert.True((double)chip["scaleUpBandwidthGBps"]! < 450, chip.ToJsonString());
        var curve = chip["gemmCurve"]!.AsArray();
        Assert.Equal(calibration["gemmCurve"]!.AsArray().Count, curve.Count);
        Assert.InRange(curve.Count, 2, 64);
        Assert.All(curve, p => Assert.InRange((double)p!["fraction"]!, double.Epsilon, 1.0));

        // Pasted as system.chip into the shipped example, estimate runs on the measured chip.
        var example = Path.Combine(AppContext.BaseDirectory, "Examples", "llama3-70b-1024-h100.json");
        var scenario = JsonNode.Parse(File.ReadAllText(example))!.AsObject();
        scenario["system"]!["chip"] = chip.DeepClone();
        var measuredFile = Path.Combine(_dir, "measured.json");
        File.WriteAllText(measuredFile, scenario.ToJsonString());

        var measured = await BenchTestSupport.Run("estimate", measuredFile, "--json");
        Assert.True(measured.Code == 0, measured.Err + measured.Out);
        var datasheet = await BenchTestSupport.Run("estimate", example, "--json");
        Assert.Equal(0, datasheet.Code);
        var measuredStep = (double)JsonNode.Parse(measured.Out)!["stepTimeSeconds"]!;
        var datasheetStep = (double)JsonNode.Parse(datasheet.Out)!["stepTimeSeconds"]!;
        Assert.True(measuredStep > 0);
        Assert.NotEqual(datasheetStep, measuredStep);
        Assert.Contains("× NVIDIA H100 SXM5 80GB (calibrated)", (await BenchTestSupport.Run("estimate", measuredFile)).Out, StringComparison.Ordinal);
    }
}
