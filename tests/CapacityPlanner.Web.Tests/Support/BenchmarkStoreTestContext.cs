using CapacityPlanner.Measurements;
using CapacityPlanner.Persistence;
using Microsoft.Extensions.DependencyInjection;

namespace CapacityPlanner.Web.Tests.Support;

/// <summary>
/// A bUnit context for the Benchmarks page and its upload panel: the page's services (registered by
/// <see cref="PlannerTestContext"/>) with its real <see cref="BenchmarkStore"/> on the test's SQLite database, and a
/// measured H100 result. Shared by the page and upload tests.
/// </summary>
public abstract class BenchmarkStoreTestContext : PlannerTestContext
{
    /// <summary>The store the page lists.</summary>
    protected BenchmarkStore Store => Services.GetRequiredService<BenchmarkStore>();

    /// <summary>An H100 node's result: four BF16 GEMMs up to 700 TFLOP/s, a 3 TB/s triad and an 8-GPU all-reduce.</summary>
    protected static BenchResult H100Result() => new()
    {
        Backend = "cuda",
        CreatedUtc = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero),
        Host = new HostInfo { Hostname = "dgx-a-01", CpuModel = "AMD EPYC" },
        Devices = [new DeviceInfo { Kind = "gpu", Name = "NVIDIA H100 80GB HBM3", MemoryBytes = 85_899_345_920 }],
        Gemm = [Gemm(1024, 300), Gemm(2048, 520), Gemm(4096, 650), Gemm(8192, 700)],
        Memory = [new MemoryMeasurement { Kind = "triad", MedianGBps = 3000, BestGBps = 3050, TrafficFactor = 1, Convention = "STREAM triad" }],
        Collectives =
        [
            new CollectiveMeasurement { Collective = "all_reduce", Ranks = 8, Nodes = 1, SizeBytes = 256L << 20, TimeUs = 1400, AlgbwGBps = 205, BusbwGBps = 360 },
        ],
    };

    /// <summary>A BF16 n³ GEMM at a median TFLOP/s (burst 5% above).</summary>
    protected static GemmMeasurement Gemm(long n, double tflops) =>
        new() { Dtype = "bf16", M = n, N = n, K = n, Flops = 2.0 * n * n * n, MedianTflops = tflops, BurstTflops = tflops * 1.05 };
}
