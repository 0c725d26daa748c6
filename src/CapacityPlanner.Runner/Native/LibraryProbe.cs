using System.Diagnostics;
using System.Runtime.InteropServices;
using CapacityPlanner.Measurements;

namespace CapacityPlanner.Runner.Native;

/// <summary>A native library to find: its sonames in order of preference and where NVIDIA's wheels put it.</summary>
/// <param name="Name">Short name recorded in the result.</param>
/// <param name="Sonames">Sonames, preferred first (.so.13 before .so.12, then .so.11 for CUDA 11.8 nodes).</param>
/// <param name="DriverLibrary">True for driver libraries (libcuda, NVML): only --lib-path and the system loader.</param>
/// <param name="WheelDirectories">Directories under site-packages where pip wheels install it.</param>
internal sealed record LibrarySpec(string Name, string[] Sonames, bool DriverLibrary, string[] WheelDirectories)
{
    public static LibrarySpec Cuda { get; } = new("cuda", ["libcuda.so.1"], true, []);
    public static LibrarySpec Nvml { get; } = new("nvml", ["libnvidia-ml.so.1"], true, []);
    public static LibrarySpec CublasLt { get; } = new("cublasLt", ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11"], false, ["nvidia/cu13/lib", "nvidia/cublas/lib"]);
    public static LibrarySpec Nccl { get; } = new("nccl", ["libnccl.so.2"], false, ["nvidia/nccl/lib", "nvidia/cu13/lib"]);
}

/// <summary>The file system and loader the probe looks at (the real ones, or a fake tree in tests).</summary>
internal interface IProbeSystem
{
    string? Env(string name);
    bool FileExists(string path);
    bool DirectoryExists(string path);
    IEnumerable<string> Directories(string path, string pattern);
    bool TryLoad(string pathOrSoname, out IntPtr handle, out string? error);
    string? LoadedPath(string soname);
    IEnumerable<string> PythonSitePackages();
}

/// <summary>The real machine.</summary>
internal sealed class RealProbeSystem : IProbeSystem
{
    public static RealProbeSystem Instance { get; } = new();

    public string? Env(string name) => Environment.GetEnvironmentVariable(name);
    public bool FileExists(string path) => File.Exists(path);
    public bool DirectoryExists(string path) => Directory.Exists(path);

    public IEnumerable<string> Directories(string path, string pattern)
    {
        try
        {
            return Directory.Exists(path) ? Directory.GetDirectories(path, pattern) : [];
        }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }

    public bool TryLoad(string pathOrSoname, out IntPtr handle, out string? error)
    {
        try
        {
            handle = NativeLibrary.Load(pathOrSoname);
            error = null;
            return true;
        }
        catch (DllNotFoundException ex)
        {
            handle = IntPtr.Zero;
            // The loader's message names every reason (missing file, missing dependency, wrong ELF class).
            error = ex.Message.Length > 300 ? ex.Message[..300] + "…" : ex.Message;
            return false;
        }
        catch (BadImageFormatException ex)
        {
            handle = IntPtr.Zero;
            error = ex.Message;
            return false;
        }
    }

    /// <summary>Where the dynamic loader found a soname (from /proc/self/maps).</summary>
    public string? LoadedPath(string soname)
    {
        try
        {
            if (!File.Exists("/proc/self/maps")) return null;
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                var slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash < 0) continue;
                var path = line[slash..].Trim();
                if (IsFileOf(Path.GetFileName(path), soname)) return path;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>
    /// True when a mapped file is the library of <paramref name="soname"/>: the soname symlink resolves to the real file,
    /// so "libcuda.so.1" is mapped as "libcuda.so.535.261.03" and "libcublasLt.so.12" as "libcublasLt.so.12.9.1.4".
    /// </summary>
    internal static bool IsFileOf(string fileName, string soname)
    {
        var so = soname.IndexOf(".so", StringComparison.Ordinal);
        if (so < 0) return string.Equals(fileName, soname, StringComparison.Ordinal);
        var stem = soname[..(so + 3)];
        return string.Equals(fileName, stem, StringComparison.Ordinal) || fileName.StartsWith(stem + ".", StringComparison.Ordinal);
    }

    /// <summary>site-packages directories that python3 reports (for virtual environments that are not activated).</summary>
    public IEnumerable<string> PythonSitePackages()
    {
        if (Environment.GetEnvironmentVariable("CAPPLAN_NO_PYTHON_PROBE") == "1") return [];
        try
        {
            var psi = new ProcessStartInfo("python3", ["-c", "import site,sys;print(*(site.getsitepackages()+[site.getusersitepackages()]),sep='\\n')"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var p = Process.Start(psi);
            if (p is null) return [];
            var output = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(5000))
            {
                p.Kill();
                return [];
            }
            return output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        catch (System.ComponentModel.Win32Exception) { return []; }
        catch (InvalidOperationException) { return []; }
    }
}

/// <summary>What the probe found for one library.</summary>
/// <param name="Info">For the result document: every location tried and its outcome.</param>
/// <param name="Handle">The loaded library, or zero.</param>
internal sealed record ProbeResult(LibraryInfo Info, IntPtr Handle)
{
    public bool Found => Handle != IntPtr.Zero;
}

/// <summary>
/// Finds CUDA libraries in this order: (1) --lib-path / CAPPLAN_LIB_PATH directories; (2) the system loader
/// (LD_LIBRARY_PATH, ld.so.cache, RPATH); (3) the site-packages of NVIDIA's pip wheels (nvidia/cu13/lib,
/// nvidia/cublas/lib, nvidia/nccl/lib) under $VIRTUAL_ENV, $CONDA_PREFIX, /usr/local, /usr, /opt/conda, ~/.local and
/// what python3 reports; (4) $CUDA_HOME, $CUDA_PATH, /usr/local/cuda. Driver libraries (libcuda, NVML) come only from
/// (1) and (2): a CUDA toolkit's stub libcuda must never be loaded. Preferred sonames first within each step.
/// </summary>
internal sealed class LibraryProbe(IProbeSystem system, IReadOnlyList<string> libPaths)
{
    private List<string>? _python;

    public ProbeResult Find(LibrarySpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var tried = new List<string>();
        string? lastError = null;

        ProbeResult? TryPath(string step, string path)
        {
            if (!system.FileExists(path))
            {
                tried.Add($"{step}: {path}: not present");
                return null;
            }
            if (system.TryLoad(path, out var h, out var err))
            {
                tried.Add($"{step}: {path}: loaded");
                return Found(spec, step, path, Path.GetFileName(path), h, tried);
            }
            lastError = err;
            tried.Add($"{step}: {path}: failed to load ({err})");
            return null;
        }

        // 1. Explicit directories.
        var dirs = libPaths.Concat((system.Env("CAPPLAN_LIB_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)).Distinct(StringComparer.Ordinal).ToList();
        if (dirs.Count == 0) tried.Add("lib-path: none given");
        foreach (var dir in dirs)
        {
            foreach (var soname in spec.Sonames)
            {
                if (TryPath("lib-path", Path.Combine(dir, soname)) is { } r) return r;
            }
        }

        // 2. The system loader.
        foreach (var soname in spec.Sonames)
        {
            if (system.TryLoad(soname, out var h, out var err))
            {
                var path = system.LoadedPath(soname) ?? soname;
                tried.Add($"system: {soname}: loaded from {path}");
                return Found(spec, "system", path, soname, h, tried);
            }
            lastError = err;
            tried.Add($"system: {soname}: not found by the loader");
        }

        if (!spec.DriverLibrary)
        {
            // 3. pip wheels in site-packages.
            foreach (var sp in SitePackages(includePython: false))
            {
                foreach (var wheel in spec.WheelDirectories)
                {
                    foreach (var soname in spec.Sonames)
                    {
                        if (TryPath("site-packages", Path.Combine(sp, wheel, soname)) is { } r) return r;
                    }
                }
            }
            var python = _python ??= system.PythonSitePackages().Where(system.DirectoryExists).ToList();
            foreach (var sp in python.Except(SitePackages(includePython: false), StringComparer.Ordinal))
            {
                foreach (var wheel in spec.WheelDirectories)
                {
                    foreach (var soname in spec.Sonames)
                    {
                        if (TryPath("site-packages", Path.Combine(sp, wheel, soname)) is { } r) return r;
                    }
                }
            }

            // 4. A CUDA toolkit.
            var homes = new[] { system.Env("CUDA_HOME"), system.Env("CUDA_PATH"), "/usr/local/cuda" }
                .Where(h => !string.IsNullOrWhiteSpace(h)).Select(h => h!).Distinct(StringComparer.Ordinal);
            foreach (var home in homes)
            {
                foreach (var sub in new[] { "lib64", "lib", "targets/x86_64-linux/lib", "targets/sbsa-linux/lib" })
                {
                    var dir = Path.Combine(home, sub);
                    if (!system.DirectoryExists(dir))
                    {
                        tried.Add($"cuda-home: {dir}: not present");
                        continue;
                    }
                    foreach (var soname in spec.Sonames)
                    {
                        if (TryPath("cuda-home", Path.Combine(dir, soname)) is { } r) return r;
                    }
                }
            }
        }

        var where = spec.DriverLibrary ? "the system loader and --lib-path (the NVIDIA driver is not installed, or not visible in this container)" : "--lib-path, the system loader, Python site-packages and $CUDA_HOME";
        var error = $"{string.Join(" / ", spec.Sonames)} not found on {System.Net.Dns.GetHostName()} (searched {where})" + (lastError is not null && !lastError.Contains("cannot open shared object", StringComparison.Ordinal) ? $"; last error: {lastError}" : "");
        return new ProbeResult(new LibraryInfo { Name = spec.Name, Found = false, Tried = tried, Error = error }, IntPtr.Zero);
    }

    /// <summary>site-packages and dist-packages directories that exist, in probe order.</summary>
    public List<string> SitePackages(bool includePython)
    {
        var roots = new List<string>();
        void Root(string? r)
        {
            if (!string.IsNullOrWhiteSpace(r) && !roots.Contains(r, StringComparer.Ordinal)) roots.Add(r);
        }
        Root(system.Env("VIRTUAL_ENV"));
        Root(system.Env("CONDA_PREFIX"));
        Root("/usr/local");
        Root("/usr");
        Root("/opt/conda");
        if (system.Env("HOME") is { Length: > 0 } home) Root(Path.Combine(home, ".local"));
        var result = new List<string>();
        foreach (var root in roots)
        {
            foreach (var lib in new[] { "lib", "lib64" })
            {
                // Newest Python first (python3.12 before python3.10).
                foreach (var py in system.Directories(Path.Combine(root, lib), "python3*").OrderByDescending(PythonVersion))
                {
                    foreach (var kind in new[] { "site-packages", "dist-packages" })
                    {
                        var sp = Path.Combine(py, kind);
                        if (system.DirectoryExists(sp) && !result.Contains(sp, StringComparer.Ordinal)) result.Add(sp);
                    }
                }
            }
        }
        if (includePython) result.AddRange(system.PythonSitePackages().Where(p => system.DirectoryExists(p) && !result.Contains(p, StringComparer.Ordinal)));
        return result;
    }

    private static int PythonVersion(string dir)
    {
        var name = Path.GetFileName(dir);
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && int.TryParse(name[(dot + 1)..], out var minor) ? minor : -1;
    }

    private static ProbeResult Found(LibrarySpec spec, string step, string path, string soname, IntPtr handle, List<string> tried) =>
        new(new LibraryInfo { Name = spec.Name, Found = true, Soname = soname, Path = path, FoundBy = step, Tried = tried }, handle);
}
