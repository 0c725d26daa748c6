using CapacityPlanner.Measurements;
using CapacityPlanner.Measurements.Import;
using CapacityPlanner.Measurements.Calibration;
using CapacityPlanner.Core.Hardware;

namespace CapacityPlanner.Measurements.Tests;

/// <summary>Measurements a chip cannot have produced are flagged and left out of calibrations, never clamped and used.</summary>
public sealed class PlausibilityTests
{
    private static ChipSpec H100 => HardwareCatalog.Default.TryGet("h100-sxm", out var c) ? c : throw new InvalidOperationException();

    private static GemmMeasurement Gemm(long n, double tflops, string dtype = "bf16") =>
        new() { Dtype = dtype, M = n, N = n, K = n, Flops = 2.0 * n * n * n, MedianTflops = tflops, BurstTflops = tflops };

    private static BenchResult Result(IEnumerable<GemmMeasurement>? gemm = null, IEnumerable<MemoryMeasurement>? memory = null, IEnumerable<CollectiveMeasurement>? collectives = null) => new()
    {
        Source = BenchSources.CapplanBench,
        Backend = "cuda",
        Devices = [new DeviceInfo { Kind = "gpu", Name = "NVIDIA H100 80GB HBM3" }],
        Gemm = gemm?.ToList() ?? [],
        Memory = memory?.ToList() ?? [],
        Collectives = collectives?.ToList() ?? [],
    };

    [Fact]
    public void Figures_above_the_chips_limits_are_flagged_with_their_paths_and_real_ones_are_not()
    {
        var result = Result(
            gemm: [Gemm(8192, 700), Gemm(8192, 1900), Gemm(8192, 1300, "fp8"), Gemm(4096, 1010)],
            memory: [new MemoryMeasurement { Kind = "copy", MedianGBps = 3000, BestGBps = 3050 }, new MemoryMeasurement { Kind = "triad", MedianGBps = 7000, BestGBps = 7100 },
                     new MemoryMeasurement { Kind = "host", MedianGBps = 9000, BestGBps = 9000 }],
            collectives: [new CollectiveMeasurement { Collective = "all_reduce", Ranks = 8, Nodes = 1, SizeBytes = 1 << 30, BusbwGBps = 480 },
                          new CollectiveMeasurement { Collective = "all_gather", Ranks = 8, Nodes = 1, SizeBytes = 1 << 30, BusbwGBps = 4000 },
                          new CollectiveMeasurement { Collective = "all_reduce", Ranks = 16, Nodes = 2, SizeBytes = 1 << 30, BusbwGBps = 340 }]);
        var issues = BenchPlausibility.Check(result, H100);

        // 1,900 bf16 TFLOP/s is the sparse figure (the dense peak is 989); 1,010 is within 5% and stays.
        Assert.Equal(["$.gemm[1]", "$.memory[1]", "$.collectives[1]"], issues.Select(i => i.Path));
        Assert.Contains("1900 TFLOP/s", issues[0].Message, StringComparison.Ordinal);
        Assert.Contains("sparse FLOPs", issues[0].Message, StringComparison.Ordinal);
        Assert.Contains("HBM bandwidth", issues[1].Message, StringComparison.Ordinal);
        Assert.Contains("busbw 4000 GB/s", issues[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_calibration_leaves_impossible_figures_out_instead_of_clamping_them()
    {
        var honest = Result(gemm: [Gemm(2048, 400), Gemm(4096, 550), Gemm(8192, 600)], memory: [new MemoryMeasurement { Kind = "copy", MedianGBps = 2800, BestGBps = 2850 }]);
        var withSparse = Result(gemm: [Gemm(2048, 400), Gemm(4096, 550), Gemm(8192, 600), Gemm(16384, 1950)],
            memory: [new MemoryMeasurement { Kind = "copy", MedianGBps = 2800, BestGBps = 2850 }, new MemoryMeasurement { Kind = "copy", MedianGBps = 9000, BestGBps = 9000 }]);

        var reference = ChipCalibrator.Calibrate(H100, [honest]);
        var cal = ChipCalibrator.Calibrate(H100, [withSparse]);

        // The 1,950 TFLOP/s point would have made a 100% chip; it is left out, and so is the 9 TB/s copy.
        Assert.Equal(reference.GemmMaxFraction, cal.GemmMaxFraction);
        Assert.Equal(600 / 989.4, cal.GemmMaxFraction!.Value, 2);
        Assert.Equal(reference.HbmFraction, cal.HbmFraction);
        Assert.Equal(3, cal.GemmPoints.Count);
        Assert.Contains(cal.Warnings, w => w.StartsWith("left out bf16 16384x16384x16384: 1950 TFLOP/s", StringComparison.Ordinal));
        Assert.Contains(cal.Warnings, w => w.StartsWith("left out copy: 9000 GB/s", StringComparison.Ordinal));
    }

    [Fact]
    public void The_published_tool_fixtures_are_all_possible_on_an_h100()
    {
        foreach (var (tool, file) in new[] { ("mamf-finder", "mamf-finder-v2.log"), ("nvbandwidth", "nvbandwidth-v0.8.txt"), ("nccl-tests", "nccl-tests-report.json"), ("nccl-tests", "nccl-tests-all-reduce-2nodes.txt") })
        {
            Assert.Empty(BenchPlausibility.Check(BenchImporter.Import(tool, Fixtures.Read(file)), H100));
        }
    }
}
