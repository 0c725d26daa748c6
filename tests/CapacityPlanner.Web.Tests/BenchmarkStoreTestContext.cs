using CapacityPlanner.Core.Benchmarks;
using CapacityPlanner.Web.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CapacityPlanner.Web.Tests;

/// <summary>
/// A bUnit context with a real <see cref="BenchmarkStore"/> on a throwaway SQLite file (migrated), registered for the
/// Benchmarks page; the derived class adds the page's services. Shared by the page and upload tests.
/// </summary>
public abstract class BenchmarkStoreTestContext : PlannerTestContext
{
    private readonly string _dbPath = Path.Combine(Path.GetTempPath(), $"capplan-bench-{Guid.NewGuid():N}.db");

    protected BenchmarkStoreTestContext()
    {
        var options = new DbContextOptionsBuilder<SqliteCapacityPlannerDbContext>().UseSqlite($"Data Source={_dbPath};Pooling=False").Options;
        var factory = new Factory(options);
        using (var db = factory.CreateDbContext()) db.Database.Migrate();
        Store = new BenchmarkStore(factory, TimeProvider.System);
        Services.AddSingleton(Store);
    }

    /// <summary>The store the page lists.</summary>
    protected BenchmarkStore Store { get; }

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

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try
        {
            File.Delete(_dbPath);
        }
        catch (IOException)
        {
        }
    }

    private sealed class Factory(DbContextOptions<SqliteCapacityPlannerDbContext> options) : IDbContextFactory<CapacityPlannerDbContext>
    {
        public CapacityPlannerDbContext CreateDbContext() => new SqliteCapacityPlannerDbContext(options);
    }
}
