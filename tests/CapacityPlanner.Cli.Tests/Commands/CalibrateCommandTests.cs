using System.Text.Json;
using CapacityPlanner.Measurements;
using CapacityPlanner.Cli.Tests.Support;

namespace CapacityPlanner.Cli.Tests.Commands;

/// <summary><c>capplan bench calibrate</c> uses Core's calibration, hierarchical-traffic refusal included.</summary>
public sealed class CalibrateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("capplan-calibrate").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Two H100 nodes (8 GPUs each): one all-reduce inside a node and one across both; nccl-tests reports 340 GB/s busbw
    // across nodes, 6.8x the 50 GB/s of a 400 Gb/s NIC, because NVLink inside each node carried part of the traffic.
    private static BenchResult TwoNodeResult() => new()
    {
        Source = "nccl-tests",
        Backend = "import",
        Devices = [new DeviceInfo { Kind = "gpu", Name = "NVIDIA H100 80GB HBM3" }],
        Collectives =
        [
            new CollectiveMeasurement { Collective = "all_reduce", Ranks = 8, Nodes = 1, SizeBytes = 1L << 30, TimeUs = 3_200, AlgbwGBps = 335, BusbwGBps = 360 },
            new CollectiveMeasurement { Collective = "all_reduce", Ranks = 16, Nodes = 2, SizeBytes = 1L << 30, TimeUs = 5_900, AlgbwGBps = 182, BusbwGBps = 340 },
        ],
    };

    [Fact]
    public async Task Hierarchical_two_node_all_reduce_is_refused_not_clamped_to_a_perfect_nic()
    {
        var path = Path.Combine(_dir, "two-node.json");
        await File.WriteAllTextAsync(path, BenchResultJson.Serialize(TwoNodeResult()));

        var (code, output, err) = await BenchTestSupport.Run("bench", "calibrate", path, "--chip", "h100-sxm", "--json");

        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(JsonValueKind.Null, root.GetProperty("scaleOutEfficiency").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("scaleOutBusbwGBps").ValueKind);
        var refused = Assert.Single(root.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!),
            w => w.StartsWith("Scale-out not calibrated", StringComparison.Ordinal));
        Assert.Contains("6.8×", refused, StringComparison.Ordinal);
        Assert.DoesNotContain(root.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("clamped to 100%", StringComparison.Ordinal) && w.GetString()!.Contains("NIC", StringComparison.Ordinal));
        // The scale-up tier is still calibrated (360 GB/s inside the node), and the pasted chip keeps the 400G NIC.
        Assert.Equal(360, root.GetProperty("scaleUpBusbwGBps").GetDouble(), 3);
        var chip = root.GetProperty("scenarioChip");
        Assert.False(chip.TryGetProperty("scaleOutGbpsPerGpu", out var nic) && nic.ValueKind == JsonValueKind.Number && nic.GetDouble() > 400);

        var (textCode, text, _) = await BenchTestSupport.Run("bench", "calibrate", path, "--chip", "h100-sxm");
        Assert.Equal(0, textCode);
        Assert.Contains("warning: Scale-out not calibrated", text, StringComparison.Ordinal);
    }
}
