using System.Collections;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CapacityPlanner.Measurements;

namespace CapacityPlanner.Runner;

/// <summary>Fingerprints of the machine: host, CPU, memory, runtime, libc, relevant environment variables.</summary>
internal static unsafe class HostProbe
{
    public static HostInfo Host() => new()
    {
        Hostname = HostName(),
        Os = RuntimeInformation.OSDescription,
        Kernel = ReadFirstLine("/proc/sys/kernel/osrelease"),
        Architecture = RuntimeInformation.OSArchitecture.ToString(),
        CpuModel = CpuModel(),
        LogicalCores = Environment.ProcessorCount,
        MemoryBytes = MemoryBytes(),
        Runtime = RuntimeInformation.FrameworkDescription,
        Libc = Libc(),
    };

    public static string HostName()
    {
        try
        {
            return System.Net.Dns.GetHostName();
        }
        catch (System.Net.Sockets.SocketException)
        {
            return Environment.MachineName;
        }
    }

    /// <summary>The CPU as a measured device (CPU backend).</summary>
    public static DeviceInfo CpuDevice(int rank, int threads) => new()
    {
        Rank = rank,
        Index = 0,
        Kind = "cpu",
        Name = CpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Host = HostName(),
        Multiprocessors = threads,
        MemoryBytes = MemoryBytes(),
        CacheBytes = LastLevelCacheBytes(),
        Features = SimdFeatures(),
    };

    public static string SimdFeatures()
    {
        var f = new List<string>();
        if (Vector512.IsHardwareAccelerated) f.Add("vector512");
        if (Vector256.IsHardwareAccelerated) f.Add("vector256");
        if (Avx512F.IsSupported) f.Add("avx512f");
        if (Avx2.IsSupported) f.Add("avx2");
        if (Fma.IsSupported) f.Add("fma");
        if (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported) f.Add("neon");
        return string.Join(",", f);
    }

    private static string? CpuModel()
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return null;
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal) || line.StartsWith("Model", StringComparison.Ordinal))
                {
                    var i = line.IndexOf(':', StringComparison.Ordinal);
                    if (i > 0) return line[(i + 1)..].Trim();
                }
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    private static long? MemoryBytes()
    {
        try
        {
            if (File.Exists("/proc/meminfo"))
            {
                foreach (var line in File.ReadLines("/proc/meminfo"))
                {
                    if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
                    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kb)) return kb * 1024;
                }
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        var gc = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return gc > 0 ? gc : null;
    }

    private static long? LastLevelCacheBytes()
    {
        long? best = null;
        for (var i = 0; i < 8; i++)
        {
            var text = ReadFirstLine($"/sys/devices/system/cpu/cpu0/cache/index{i}/size");
            if (text is null) continue;
            var mult = text.EndsWith('K') ? 1024L : text.EndsWith('M') ? 1024L * 1024 : 1L;
            if (long.TryParse(text.TrimEnd('K', 'M'), NumberStyles.None, CultureInfo.InvariantCulture, out var v)) best = Math.Max(best ?? 0, v * mult);
        }
        return best;
    }

    /// <summary>glibc version (gnu_get_libc_version), which decides whether a single-file publish runs on a node.</summary>
    private static string? Libc()
    {
        if (!OperatingSystem.IsLinux()) return null;
        if (!NativeLibrary.TryLoad("libc.so.6", out var libc)) return null;
        try
        {
            if (!NativeLibrary.TryGetExport(libc, "gnu_get_libc_version", out var fn)) return null;
            var p = ((delegate* unmanaged<byte*>)fn)();
            return p == null ? null : "glibc " + Marshal.PtrToStringUTF8((IntPtr)p);
        }
        finally
        {
            NativeLibrary.Free(libc);
        }
    }

    internal static string? ReadFirstLine(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadLines(path).FirstOrDefault()?.Trim() : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static readonly string[] s_prefixes = ["NCCL_", "CUDA_", "NVIDIA_", "CUBLAS", "CUBLASLT_", "OMP_", "SLURM_JOB_ID", "SLURM_NNODES", "SLURM_NTASKS", "LD_LIBRARY_PATH", "CAPPLAN_", "DOTNET_GC"];
    private static readonly string[] s_secret = ["TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "KEY", "AUTH", "COOKIE"];

    /// <summary>Environment variables that change what is measured; names that look secret are left out.</summary>
    public static Dictionary<string, string> RelevantEnvironment(IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in environment)
        {
            var name = e.Key as string;
            if (name is null || !s_prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))) continue;
            if (s_secret.Any(s => name.Contains(s, StringComparison.OrdinalIgnoreCase))) continue;
            result[name] = e.Value as string ?? "";
        }
        return new Dictionary<string, string>(result, StringComparer.Ordinal);
    }
}
