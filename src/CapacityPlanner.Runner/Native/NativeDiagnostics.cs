namespace CapacityPlanner.Runner.Native;

/// <summary>What <c>capplan bench probe</c> learns from a loaded library beyond where it was found.</summary>
/// <param name="Version">The library's own version report (driver, cuBLASLt, NCCL), when it gives one.</param>
/// <param name="MissingExports">Required entry points the library does not export (too old a version).</param>
/// <param name="Status">What initialising it said: "cuInit: ok, 8 device(s)", "nvmlInit_v2 failed: Driver Not Loaded (9)".</param>
/// <param name="Usable">True when the backend could use it as it is.</param>
internal sealed record LibraryDiagnosis(string? Version, IReadOnlyList<string> MissingExports, string? Status, bool Usable);

/// <summary>
/// Binds each found library the way the CUDA backend does and asks it for its version and whether it initialises, so
/// that a node's problems (a toolkit stub instead of the driver, a kernel module missing, a library too old for an
/// entry point) show up before a run. Calls only what needs no device memory: cuDriverGetVersion, cuInit,
/// cuDeviceGetCount/Name, nvmlInit_v2, cublasLtGetVersion, ncclGetVersion.
/// </summary>
internal static unsafe class NativeDiagnostics
{
    public static LibraryDiagnosis Diagnose(ProbeResult found)
    {
        ArgumentNullException.ThrowIfNull(found);
        if (!found.Found) return new LibraryDiagnosis(null, [], found.Info.Error, false);
        switch (found.Info.Name)
        {
            case "cuda":
            {
                var cu = new CudaDriverApi(found.Handle);
                if (cu.Exports.MissingMessage() is { } missing) return new(null, cu.Exports.Missing, missing, false);
                int code = 0, count = 0;
                var version = cu.cuDriverGetVersion(&code) == 0 ? CudaDriverApi.VersionText(code) : null;
                var init = cu.cuInit(0);
                if (init != 0) return new(version, [], $"cuInit failed: {cu.ErrorName(init)}", false);
                if (cu.cuDeviceGetCount(&count) != 0 || count == 0) return new(version, [], "cuInit: ok, but no device is visible", false);
                var names = Enumerable.Range(0, count).Select(cu.DeviceName).ToList();
                return new(version, [], $"cuInit: ok, {count} device(s): {string.Join(", ", names.Distinct(StringComparer.Ordinal).Select(n => $"{names.Count(x => x == n)}× {n}"))}", true);
            }
            case "nvml":
            {
                using var nvml = new NvmlApi(found.Handle);
                if (nvml.Exports.MissingMessage() is { } missing) return new(null, nvml.Exports.Missing, missing, false);
                var error = nvml.Init();
                return new(nvml.DriverVersion(), [], error ?? "nvmlInit_v2: ok", error is null);
            }
            case "cublasLt":
            {
                var lt = new CublasLtApi(found.Info.Soname ?? "libcublasLt", found.Handle);
                var missing = lt.Exports.MissingMessage();
                var version = lt.cublasLtGetVersion != null ? lt.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
                var fp8 = lt.Version >= 111100 ? "FP8 supported by this version" : "no FP8 (needs cuBLASLt 11.11+, CUDA 11.8)";
                return new(version, lt.Exports.Missing, missing ?? $"all entry points present; {fp8}", missing is null);
            }
            case "nccl":
            {
                var nccl = new NcclApi(found.Handle);
                var missing = nccl.Exports.MissingMessage();
                var alltoall = nccl.ncclAlltoAll != null ? "ncclAlltoAll" : nccl.ncclSend != null ? "all-to-all by grouped ncclSend/ncclRecv" : "no all-to-all";
                return new(NcclApi.VersionText(nccl.VersionCode), nccl.Exports.Missing, missing ?? $"all entry points present; {alltoall}", missing is null);
            }
            default:
                return new(null, [], null, true);
        }
    }
}
