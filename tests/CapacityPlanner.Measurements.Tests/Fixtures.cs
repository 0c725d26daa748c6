using System.Runtime.CompilerServices;
namespace CapacityPlanner.Measurements.Tests;

/// <summary>
/// Fixture files written from the documented output formats (nccl-tests src/util.cu printf formats, nvbandwidth
/// output.cpp, mamf-finder.py print statements), read from the source tree next to this file.
/// </summary>
internal static class Fixtures
{
    public static string Dir([CallerFilePath] string thisFile = "") => Path.Combine(Path.GetDirectoryName(thisFile)!, "Fixtures");

    public static string Read(string name) => File.ReadAllText(Path.Combine(Dir(), name));

    /// <summary>The repository root (holds CapacityPlanner.sln).</summary>
    public static string RepoRoot([CallerFilePath] string thisFile = "")
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(thisFile)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CapacityPlanner.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
