using System.Runtime.InteropServices;
using System.Text.Json;
using CapacityPlanner.Measurements;
using CapacityPlanner.Cli.Tests.Support;

namespace CapacityPlanner.Cli.Tests.Commands;

public sealed class BenchRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("capplan-bench").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static bool DriverPresent => NativeLibrary.TryLoad("libcuda.so.1", out _);

    [Fact]
    public async Task A_full_cpu_quick_run_gives_a_document_that_round_trips_and_matches_the_schema()
    {
        var (code, output, err) = await BenchTestSupport.Run("bench", "--backend", "cpu", "--quick", "--json");
        Assert.True(code == 0, err);
        Assert.Empty(BenchTestSupport.SchemaErrors(output));
        var r = BenchResultJson.Deserialize(output);
        Assert.Equal(output.Trim(), BenchResultJson.Serialize(r));       // round trip through the Core reader and writer

        Assert.Equal(1, r.SchemaVersion);
        Assert.Equal("capplan-bench", r.Source);
        Assert.Equal("cpu", r.Backend);
        Assert.True(r.Quick);
        Assert.Equal(["gemm", "memory", "host", "collectives"], r.Suites);
        Assert.Equal(Environment.ProcessorCount, r.Host!.LogicalCores);
        Assert.False(string.IsNullOrEmpty(r.Host.Hostname));
        Assert.Equal("cpu", r.Devices.Single().Kind);

        Assert.Equal([256L, 512, 1024], r.Gemm.Select(g => g.M));
        Assert.All(r.Gemm, g =>
        {
            Assert.Equal("fp32", g.Dtype);
            Assert.Equal(2.0 * g.M * g.N * g.K, g.Flops);
            Assert.True(g.Time!.Count >= 3);
            Assert.True(g.Time.Min <= g.Time.Median && g.Time.Median <= g.Time.Max);
            Assert.Equal(g.Flops / g.Time.Median / 1e12, g.MedianTflops, 9);
            Assert.Equal(g.Flops / g.Time.Min / 1e12, g.BurstTflops, 9);
            Assert.True(g.SustainedTflops > 0);
            Assert.True(g.CacheFlushed);
            Assert.StartsWith("normal(0,1)", g.Fill, StringComparison.Ordinal);
        });
        var triad = r.Memory.Single(m => m.Kind == "triad");
        Assert.Equal(3.0 * triad.BufferBytes, triad.BytesPerIteration);
        Assert.Equal(triad.BytesPerIteration / triad.Time!.Median / 1e9, triad.MedianGBps, 9);
        Assert.Contains("3·N·8", triad.Convention, StringComparison.Ordinal);
        Assert.Equal(2.0 * r.Memory.Single(m => m.Kind == "copy").BufferBytes, r.Memory.Single(m => m.Kind == "copy").BytesPerIteration);
        Assert.Contains(r.Skipped, s => s.Suite == "host");
        Assert.Contains(r.Skipped, s => s.Suite == "collectives" && s.Reason.Contains("one rank", StringComparison.Ordinal));
        Assert.DoesNotContain(r.Warnings, w => w.Contains("wrong", StringComparison.Ordinal));
        Assert.Equal(1, r.Cluster!.WorldSize);
    }

    [Fact]
    public async Task Auto_without_a_driver_falls_back_to_the_cpu_and_records_why()
    {
        var (code, output, err) = await BenchTestSupport.Run("bench", "--quick", "--suite", "memory", "--json");
        Assert.True(code == 0, err);
        var r = BenchResultJson.Deserialize(output);
        Assert.Equal("auto", r.RequestedBackend);
        if (DriverPresent)
        {
            // A machine with an NVIDIA driver: CUDA is used, or the reason names cuInit / the device.
            Assert.True(r.Backend == "cuda" || r.BackendReason!.Contains("cuInit", StringComparison.Ordinal) || r.BackendReason.Contains("device", StringComparison.Ordinal));
            return;
        }
        Assert.Equal("cpu", r.Backend);
        Assert.Contains("libcuda.so.1 not found on", r.BackendReason, StringComparison.Ordinal);
        var cuda = r.Libraries.Single(l => l.Name == "cuda");
        Assert.False(cuda.Found);
        Assert.Contains("system: libcuda.so.1: not found by the loader", cuda.Tried);
        Assert.Contains("libcuda.so.1 not found", err, StringComparison.Ordinal);   // said on the progress stream too
    }

    [Fact]
    public async Task Asking_for_cuda_without_a_driver_is_an_error_not_a_silent_fallback()
    {
        if (DriverPresent) return;
        var (code, output, err) = await BenchTestSupport.Run("bench", "--backend", "cuda", "--quick", "--json");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("the CUDA backend is not available: libcuda.so.1 not found", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_file_summary_and_bad_arguments()
    {
        var file = Path.Combine(_dir, "sub", "result.json");
        var (code, output, err) = await BenchTestSupport.Run("bench", "--backend", "cpu", "--quick", "--suite", "gemm", "--gemm-sizes", "64,128", "--output", file);
        Assert.True(code == 0, err);
        Assert.Equal("", output);                                          // --output alone prints no summary
        var r = BenchResultJson.Deserialize(File.ReadAllText(file));
        Assert.Equal([64L, 128], r.Gemm.Select(g => g.M));

        var summary = await BenchTestSupport.Run("bench", "--backend", "cpu", "--quick", "--suite", "gemm", "--gemm-sizes", "64");
        Assert.Equal(0, summary.Code);
        Assert.Contains("GEMM (GFLOP/s)", summary.Out, StringComparison.Ordinal);
        Assert.Contains("64x64x64", summary.Out, StringComparison.Ordinal);

        var bad = await BenchTestSupport.Run("bench", "--backend", "tpu", "--suite", "gemm,nonsense");
        Assert.Equal(2, bad.Code);
        Assert.Contains("--backend must be auto, cuda or cpu", bad.Err, StringComparison.Ordinal);
        Assert.Contains("unknown suite 'nonsense'", bad.Err, StringComparison.Ordinal);

        var help = await BenchTestSupport.Run("bench", "--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("capplan bench import", help.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_lists_every_library_with_the_places_tried()
    {
        var (code, output, _) = await BenchTestSupport.Run("bench", "probe", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(["cuda", "nvml", "cublasLt", "nccl"], doc.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()));
        Assert.All(doc.RootElement.EnumerateArray(), e => Assert.True(e.GetProperty("tried").GetArrayLength() > 0));
    }
}
