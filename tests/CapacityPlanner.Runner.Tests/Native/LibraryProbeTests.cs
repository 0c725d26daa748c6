using CapacityPlanner.Runner.Native;

namespace CapacityPlanner.Runner.Tests.Native;

/// <summary>A fake machine: absolute paths live under a temporary root; the "loader" loads files that exist.</summary>
internal sealed class FakeProbeSystem(string root) : IProbeSystem
{
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);
    public HashSet<string> SystemLibraries { get; } = new(StringComparer.Ordinal);
    public List<string> PythonReports { get; } = [];
    public List<string> Loads { get; } = [];

    private string Map(string path) => Path.Combine(root, path.TrimStart('/'));

    public void Create(string path, string content = "ELF")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Map(path))!);
        File.WriteAllText(Map(path), content);
    }

    public string? Env(string name) => Environment.GetValueOrDefault(name);
    public bool FileExists(string path) => File.Exists(Map(path));
    public bool DirectoryExists(string path) => Directory.Exists(Map(path));

    public IEnumerable<string> Directories(string path, string pattern) =>
        Directory.Exists(Map(path)) ? Directory.GetDirectories(Map(path), pattern).Select(d => "/" + Path.GetRelativePath(root, d).Replace('\\', '/')) : [];

    public bool TryLoad(string pathOrSoname, out IntPtr handle, out string? error)
    {
        Loads.Add(pathOrSoname);
        handle = IntPtr.Zero;
        error = null;
        if (pathOrSoname.StartsWith('/'))
        {
            if (!File.Exists(Map(pathOrSoname))) { error = "cannot open shared object file"; return false; }
            if (File.ReadAllText(Map(pathOrSoname)) == "broken") { error = "invalid ELF header"; return false; }
        }
        else if (!SystemLibraries.Contains(pathOrSoname))
        {
            error = $"{pathOrSoname}: cannot open shared object file: No such file or directory";
            return false;
        }
        handle = 1000 + Loads.Count;
        return true;
    }

    public string? LoadedPath(string soname) => SystemLibraries.Contains(soname) ? "/usr/lib/x86_64-linux-gnu/" + soname : null;
    public IEnumerable<string> PythonSitePackages() => PythonReports;
}

public sealed class LibraryProbeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("capplan-probe").FullName;
    private readonly FakeProbeSystem _fs;

    public LibraryProbeTests()
    {
        _fs = new FakeProbeSystem(_root);
        _fs.Environment["HOME"] = "/home/u";
        _fs.Environment["VIRTUAL_ENV"] = "/venv";
        _fs.Environment["CUDA_HOME"] = "/opt/cuda-13.0";
        // Every place a cuBLASLt could be: the probe must pick by step order, then soname preference.
        _fs.Create("/libs/libcublasLt.so.12");
        _fs.Create("/venv/lib/python3.11/site-packages/nvidia/cu13/lib/libcublasLt.so.13");
        _fs.Create("/usr/lib/python3.12/dist-packages/nvidia/cublas/lib/libcublasLt.so.12");
        _fs.Create("/usr/lib/python3.12/dist-packages/nvidia/nccl/lib/libnccl.so.2");
        _fs.Create("/opt/cuda-13.0/lib64/libcublasLt.so.13");
        _fs.Create("/opt/cuda-13.0/lib64/stubs/libcuda.so.1");
        _fs.Create("/opt/cuda-13.0/lib64/libcuda.so.1");                 // a toolkit copy must never be used for the driver
        _fs.Create("/venv/lib/python3.11/site-packages/nvidia/cu13/lib/libcuda.so.1");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Lib_path_comes_first_even_over_a_newer_soname_elsewhere()
    {
        var r = new LibraryProbe(_fs, ["/libs"]).Find(LibrarySpec.CublasLt);
        Assert.True(r.Found);
        Assert.Equal("/libs/libcublasLt.so.12", r.Info.Path);
        Assert.Equal("lib-path", r.Info.FoundBy);
        Assert.Equal(["lib-path: /libs/libcublasLt.so.13: not present", "lib-path: /libs/libcublasLt.so.12: loaded"], r.Info.Tried);
    }

    [Fact]
    public void The_system_loader_comes_before_site_packages()
    {
        _fs.SystemLibraries.Add("libcublasLt.so.12");
        var r = new LibraryProbe(_fs, []).Find(LibrarySpec.CublasLt);
        Assert.Equal("system", r.Info.FoundBy);
        Assert.Equal("libcublasLt.so.12", r.Info.Soname);
        Assert.Equal("/usr/lib/x86_64-linux-gnu/libcublasLt.so.12", r.Info.Path);
        Assert.Equal(["lib-path: none given", "system: libcublasLt.so.13: not found by the loader", "system: libcublasLt.so.12: loaded from /usr/lib/x86_64-linux-gnu/libcublasLt.so.12"], r.Info.Tried);
    }

    [Fact]
    public void Site_packages_of_the_active_virtualenv_come_before_system_python_and_cuda_home()
    {
        var r = new LibraryProbe(_fs, []).Find(LibrarySpec.CublasLt);
        Assert.Equal("site-packages", r.Info.FoundBy);
        Assert.Equal("/venv/lib/python3.11/site-packages/nvidia/cu13/lib/libcublasLt.so.13", r.Info.Path);
        Assert.Equal(
            ["lib-path: none given", "system: libcublasLt.so.13: not found by the loader", "system: libcublasLt.so.12: not found by the loader", "system: libcublasLt.so.11: not found by the loader",
             "site-packages: /venv/lib/python3.11/site-packages/nvidia/cu13/lib/libcublasLt.so.13: loaded"],
            r.Info.Tried);
    }

    [Fact]
    public void Without_a_virtualenv_system_python_wheels_are_found_then_cuda_home()
    {
        _fs.Environment.Remove("VIRTUAL_ENV");
        var probe = new LibraryProbe(_fs, []);
        var lt = probe.Find(LibrarySpec.CublasLt);
        Assert.Equal("/usr/lib/python3.12/dist-packages/nvidia/cublas/lib/libcublasLt.so.12", lt.Info.Path);
        // Within a step, the wheel directories are tried in order: nvidia/cu13/lib (CUDA 13 wheels) first.
        var order = lt.Info.Tried.Where(t => t.StartsWith("site-packages", StringComparison.Ordinal)).ToList();
        Assert.Equal("site-packages: /usr/lib/python3.12/dist-packages/nvidia/cu13/lib/libcublasLt.so.13: not present", order[0]);

        Directory.Delete(Path.Combine(_root, "usr"), recursive: true);
        var home = probe.Find(LibrarySpec.CublasLt);
        Assert.Equal("cuda-home", home.Info.FoundBy);
        Assert.Equal("/opt/cuda-13.0/lib64/libcublasLt.so.13", home.Info.Path);
    }

    [Fact]
    public void A_library_that_fails_to_load_is_recorded_and_the_search_goes_on()
    {
        _fs.Create("/libs/libcublasLt.so.12", "broken");
        var r = new LibraryProbe(_fs, ["/libs"]).Find(LibrarySpec.CublasLt);
        Assert.Contains("lib-path: /libs/libcublasLt.so.12: failed to load (invalid ELF header)", r.Info.Tried);
        Assert.Equal("site-packages", r.Info.FoundBy);
    }

    [Fact]
    public void Python_reported_site_packages_are_searched_for_a_virtualenv_that_is_not_active()
    {
        _fs.Environment.Remove("VIRTUAL_ENV");
        Directory.Delete(Path.Combine(_root, "usr"), recursive: true);
        _fs.Create("/srv/env/lib/python3.13/site-packages/nvidia/nccl/lib/libnccl.so.2");
        _fs.PythonReports.Add("/srv/env/lib/python3.13/site-packages");
        var r = new LibraryProbe(_fs, []).Find(LibrarySpec.Nccl);
        Assert.Equal("/srv/env/lib/python3.13/site-packages/nvidia/nccl/lib/libnccl.so.2", r.Info.Path);
    }

    [Fact]
    public void The_driver_is_only_taken_from_lib_path_or_the_system_loader_never_from_a_toolkit_or_wheel()
    {
        var r = new LibraryProbe(_fs, []).Find(LibrarySpec.Cuda);
        Assert.False(r.Found);
        Assert.Equal(["lib-path: none given", "system: libcuda.so.1: not found by the loader"], r.Info.Tried);
        Assert.StartsWith("libcuda.so.1 not found on ", r.Info.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(_fs.Loads, l => l.Contains("stubs", StringComparison.Ordinal) || l.StartsWith("/opt", StringComparison.Ordinal));

        _fs.Create("/drivers/libcuda.so.1");
        Assert.Equal("/drivers/libcuda.so.1", new LibraryProbe(_fs, ["/drivers"]).Find(LibrarySpec.Cuda).Info.Path);
    }

    [Fact]
    public void Capplan_lib_path_environment_variable_is_an_explicit_directory_too()
    {
        _fs.Environment["CAPPLAN_LIB_PATH"] = "/nowhere:/libs";
        var r = new LibraryProbe(_fs, []).Find(LibrarySpec.CublasLt);
        Assert.Equal("lib-path", r.Info.FoundBy);
        Assert.Equal("/libs/libcublasLt.so.12", r.Info.Path);
    }
}
