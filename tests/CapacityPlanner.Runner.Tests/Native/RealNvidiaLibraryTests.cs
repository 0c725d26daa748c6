using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using CapacityPlanner.Runner.Native;
using CapacityPlanner.Measurements;

namespace CapacityPlanner.Runner.Tests.Native;

/// <summary>
/// The CUDA backend's bindings against NVIDIA's real libraries. A GPU is not needed: the driver's libcuda and NVML load
/// and answer (cuInit says there is no device, NVML that the driver is not loaded), and cuBLASLt creates and checks
/// descriptors on the host. tests/run-all-tests.sh installs Debian's libcuda1, libnvidia-ml1 and libcublaslt11 and sets
/// CAPPLAN_REQUIRE_NVIDIA_LIBS=1, so in CI these tests cannot pass by finding nothing; elsewhere they run when the
/// libraries are there. On a GPU node the same tests check that the device opens.
/// </summary>
public sealed class RealNvidiaLibraryTests
{
    private static bool Required => Environment.GetEnvironmentVariable("CAPPLAN_REQUIRE_NVIDIA_LIBS") == "1";

    /// <summary>The library found the way `capplan bench` finds it; null (or a failed assertion when required) when absent.</summary>
    private static ProbeResult? Find(LibrarySpec spec)
    {
        var found = new LibraryProbe(RealProbeSystem.Instance, []).Find(spec);
        if (found.Found) return found;
        Assert.False(Required, $"CAPPLAN_REQUIRE_NVIDIA_LIBS=1 but {spec.Name} was not found: {found.Info.Error}. tests/run-all-tests.sh installs it from Debian non-free.");
        return null;
    }

    [Fact]
    public unsafe void The_driver_library_exports_every_entry_point_and_names_its_errors()
    {
        if (Find(LibrarySpec.Cuda) is not { } lib) return;
        var cu = new CudaDriverApi(lib.Handle);
        Assert.Empty(cu.Exports.Missing);
        int version = 0;
        Assert.Equal(0, cu.cuDriverGetVersion(&version));
        Assert.True(version >= 11000, $"driver API version {version}");
        var init = cu.cuInit(0);
        if (init == 0)
        {
            // A GPU node: the device must open and describe itself.
            int count;
            Assert.Equal(0, cu.cuDeviceGetCount(&count));
            Assert.True(count > 0);
            Assert.False(string.IsNullOrWhiteSpace(cu.DeviceName(0)));
            Assert.True(cu.Attribute(0, CudaDriverApi.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT) > 0);
        }
        else
        {
            // No GPU: the driver's own error name comes back through cuGetErrorName (not the fallback table).
            Assert.True(cu.cuGetErrorName != null);
            Assert.StartsWith("CUDA_ERROR_", cu.ErrorName(init), StringComparison.Ordinal);
            Assert.Throws<NativeCallException>(() => cu.Check(init, "cuInit"));
        }
    }

    [Fact]
    public unsafe void Nvml_binds_and_says_why_it_cannot_initialise_without_a_gpu()
    {
        if (Find(LibrarySpec.Nvml) is not { } lib) return;
        using var nvml = new NvmlApi(lib.Handle);
        Assert.Empty(nvml.Exports.Missing);
        var error = nvml.Init();
        if (error is null)
        {
            Assert.False(string.IsNullOrWhiteSpace(nvml.DriverVersion()));
        }
        else
        {
            // nvmlErrorString's text, not just a number: "nvmlInit_v2 failed: Driver Not Loaded (9)".
            Assert.Matches(@"^nvmlInit_v2 failed: [A-Za-z].* \(\d+\)$", error);
            Assert.DoesNotContain("nvmlReturn", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public unsafe void CublasLt_accepts_the_descriptors_of_every_benchmark_precision()
    {
        if (Find(LibrarySpec.CublasLt) is not { } lib) return;
        var lt = new CublasLtApi(lib.Info.Soname!, lib.Handle);
        Assert.Empty(lt.Exports.Missing);
        Assert.True(lt.Version >= 111100, $"cuBLASLt {lt.Version}: FP8 needs 11.11 (CUDA 11.8)");
        foreach (var dtype in new[] { "bf16", "fp16", "tf32", "fp8" })
        {
            // Host-only calls: cuBLASLt checks each attribute id against the size given and each layout's type.
            using var d = GemmDescriptors.Create(lt, dtype, 8192, 8192, 8192, scalePointer: 0x1000, workspaceBytes: 32L << 20);
            Assert.NotEqual(IntPtr.Zero, d.Operation);
            Assert.NotEqual(IntPtr.Zero, d.LayoutA);
            Assert.NotEqual(IntPtr.Zero, d.LayoutB);
            Assert.NotEqual(IntPtr.Zero, d.LayoutC);
            Assert.NotEqual(IntPtr.Zero, d.Preference);
        }

        // The check above can fail: a wrong attribute size is refused (CUBLAS_STATUS_INVALID_VALUE), with its name.
        using var probe = GemmDescriptors.Create(lt, "bf16", 64, 64, 64, 0, 1 << 20);
        short wrongSize = 1;
        var status = lt.cublasLtMatmulDescSetAttribute(probe.Operation, CublasLtApi.CUBLASLT_MATMUL_DESC_TRANSA, &wrongSize, sizeof(short));
        Assert.NotEqual(0, status);
        var ex = Assert.Throws<NativeCallException>(() => lt.Check(status, "set TRANSA"));
        Assert.Contains("CUBLAS_STATUS_INVALID_VALUE", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_ptx_kernels_assemble_for_volta_ampere_and_hopper_where_ptxas_is_installed()
    {
        // ptxas (Debian nvidia-cuda-toolkit, or $PTXAS) is a developer-machine check; the driver JIT does the same on a GPU node.
        var ptxas = new[] { Environment.GetEnvironmentVariable("PTXAS") ?? "", "/usr/bin/ptxas", "/usr/local/cuda/bin/ptxas" }.FirstOrDefault(File.Exists);
        if (ptxas is null) return;
        var dir = Directory.CreateTempSubdirectory("capplan-ptx").FullName;
        try
        {
            var file = Path.Combine(dir, "k.ptx");
            File.WriteAllText(file, Ptx.Source);
            foreach (var arch in new[] { "sm_70", "sm_80", "sm_90" })
            {
                var psi = new ProcessStartInfo(ptxas, ["-arch=" + arch, "-v", file, "-o", Path.Combine(dir, arch + ".cubin")]) { RedirectStandardError = true, RedirectStandardOutput = true };
                using var p = Process.Start(psi)!;
                var log = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                Assert.True(p.ExitCode == 0, $"ptxas {arch}: {log}");
                Assert.Contains($"Compiling entry function '{Ptx.CopyKernel}' for '{arch}'", log, StringComparison.Ordinal);
                Assert.Contains($"Compiling entry function '{Ptx.TriadKernel}' for '{arch}'", log, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Loaded_library_paths_follow_the_soname_symlink_to_the_real_file()
    {
        Assert.True(RealProbeSystem.IsFileOf("libcuda.so.535.261.03", "libcuda.so.1"));
        Assert.True(RealProbeSystem.IsFileOf("libcublasLt.so.12.9.1.4", "libcublasLt.so.12"));
        Assert.True(RealProbeSystem.IsFileOf("libnccl.so.2", "libnccl.so.2"));
        Assert.False(RealProbeSystem.IsFileOf("libcudart.so.12", "libcuda.so.1"));
        Assert.False(RealProbeSystem.IsFileOf("libcublas.so.12", "libcublasLt.so.12"));
        Assert.True(NativeLibrary.TryLoad("libc.so.6", out _));
        var libc = RealProbeSystem.Instance.LoadedPath("libc.so.6");
        Assert.NotNull(libc);
        Assert.Matches(@"^/.*/libc(\.so\.6|-[\d.]+\.so)$", libc);
    }
}
