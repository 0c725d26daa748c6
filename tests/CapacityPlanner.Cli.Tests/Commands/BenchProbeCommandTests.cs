using System.Text.Json;
using CapacityPlanner.Cli.Tests.Support;
using CapacityPlanner.Measurements;

namespace CapacityPlanner.Cli.Tests.Commands;

/// <summary>
/// `capplan bench probe` and `capplan bench` against NVIDIA's real driver library (no GPU needed; see the runner's
/// RealNvidiaLibraryTests for the bindings themselves and CAPPLAN_REQUIRE_NVIDIA_LIBS).
/// </summary>
public sealed class BenchProbeCommandTests
{
    private static bool Required => Environment.GetEnvironmentVariable("CAPPLAN_REQUIRE_NVIDIA_LIBS") == "1";

    /// <summary>Whether `capplan bench probe` finds libcuda here (failing when CAPPLAN_REQUIRE_NVIDIA_LIBS=1 and it does not).</summary>
    private static async Task<bool> CudaFound()
    {
        var (_, output, _) = await BenchTestSupport.Run("bench", "probe", "--json");
        using var doc = JsonDocument.Parse(output);
        var found = doc.RootElement.EnumerateArray().Single(e => e.GetProperty("name").GetString() == "cuda").GetProperty("found").GetBoolean();
        Assert.False(Required && !found, "CAPPLAN_REQUIRE_NVIDIA_LIBS=1 but libcuda.so.1 was not found; tests/run-all-tests.sh installs it from Debian non-free.");
        return found;
    }

    [Fact]
    public async Task Probe_reports_version_status_and_missing_entry_points_of_what_it_found()
    {
        var (code, output, _) = await BenchTestSupport.Run("bench", "probe", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var cuda = doc.RootElement.EnumerateArray().Single(e => e.GetProperty("name").GetString() == "cuda");
        if (!cuda.GetProperty("found").GetBoolean())
        {
            Assert.False(Required, "libcuda.so.1 not found");
            Assert.False(cuda.GetProperty("usable").GetBoolean());
            return;
        }
        Assert.Equal(0, cuda.GetProperty("missingExports").GetArrayLength());
        Assert.Matches(@"^\d+\.\d+ \(\d+\)$", cuda.GetProperty("version").GetString()!);
        var status = cuda.GetProperty("status").GetString()!;
        Assert.True(status.StartsWith("cuInit: ok", StringComparison.Ordinal) || status.StartsWith("cuInit failed: CUDA_ERROR_", StringComparison.Ordinal), status);
        // The real file behind the soname symlink (libcuda.so.535.…), not the soname itself.
        Assert.Matches(@"/libcuda\.so\.\d", cuda.GetProperty("path").GetString()!);
    }

    [Fact]
    public async Task Auto_with_the_driver_library_but_no_gpu_records_the_driver_and_the_cuInit_error()
    {
        if (!await CudaFound()) return;
        var (code, output, err) = await BenchTestSupport.Run("bench", "--quick", "--suite", "memory", "--json");
        Assert.True(code == 0, err);
        var r = BenchResultJson.Deserialize(output);
        var cuda = r.Libraries.Single(l => l.Name == "cuda");
        Assert.True(cuda.Found);
        Assert.Empty(cuda.MissingExports ?? []);
        Assert.Matches(@"^\d+\.\d+ \(\d+\)$", cuda.Version!);
        if (r.Backend == "cuda") return;        // a GPU node
        Assert.Equal("cpu", r.Backend);
        Assert.StartsWith("cuInit failed: CUDA_ERROR_", cuda.Error, StringComparison.Ordinal);
        Assert.Contains(cuda.Error!, r.BackendReason, StringComparison.Ordinal);

        // Asking for CUDA explicitly is an error that names the same cause, never a silent CPU run.
        var explicitRun = await BenchTestSupport.Run("bench", "--backend", "cuda", "--quick", "--json");
        Assert.Equal(1, explicitRun.Code);
        Assert.Equal("", explicitRun.Out);
        Assert.Contains("cuInit failed: CUDA_ERROR_", explicitRun.Err, StringComparison.Ordinal);
    }
}
