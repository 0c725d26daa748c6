using System.Diagnostics;
using CapacityPlanner.Measurements;
using Xunit.Abstractions;
using CapacityPlanner.Cli.Tests.Support;

namespace CapacityPlanner.Cli.Tests.Commands;

/// <summary>
/// The shipping path for GPU nodes without .NET: a self-contained, trimmed, single-file publish of the whole CLI
/// must build with zero warnings (trim analysis included) and the binary must run the CPU benchmark.
/// </summary>
public sealed class PublishTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("capplan-publish").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException) { }
    }

    [Fact]
    [Trait("Category", "Publish")]
    public async Task Trimmed_single_file_publish_has_no_warnings_and_the_binary_runs_bench()
    {
        // Publish from a fresh copy of the sources: a clean build re-emits every warning (an incremental one may not),
        // and builds of the working tree running at the same time are left alone.
        var repo = BenchTestSupport.RepoRoot();
        var src = Path.Combine(_work, "repo");
        foreach (var f in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "NuGet.config", "nuget.config" })
        {
            if (File.Exists(Path.Combine(repo, f))) File.Copy(Path.Combine(repo, f), Path.Combine(src, f).EnsureDirectory());
        }
        foreach (var project in new[] { "Core", "Contracts", "Measurements", "Cli", "Runner" })
        {
            CopyTree(Path.Combine(repo, "src", "CapacityPlanner." + project), Path.Combine(src, "src", "CapacityPlanner." + project));
        }
        var outDir = Path.Combine(_work, "capplan-pub");

        // The README's command: dotnet publish src/CapacityPlanner.Cli -c Release -r linux-x64 --self-contained
        //   -p:PublishSingleFile=true -p:PublishTrimmed=true -o <dir>
        var (code, stdout, stderr) = await RunAsync("dotnet", src, TimeSpan.FromMinutes(8),
            "publish", "src/CapacityPlanner.Cli", "-c", "Release", "-r", "linux-x64", "--self-contained",
            "-p:PublishSingleFile=true", "-p:PublishTrimmed=true", "-o", outDir);
        var log = stdout + "\n" + stderr;
        output.WriteLine(log);
        Assert.True(code == 0, "dotnet publish failed:\n" + log);
        var warnings = log.Split('\n').Where(l => l.Contains("warning", StringComparison.OrdinalIgnoreCase) && !l.Trim().StartsWith("0 Warning", StringComparison.Ordinal)).ToList();
        Assert.True(warnings.Count == 0, "publish warnings:\n" + string.Join("\n", warnings));

        var binary = Path.Combine(outDir, "capplan");
        Assert.True(File.Exists(binary), "single-file capplan exists");
        var size = new FileInfo(binary).Length;
        output.WriteLine($"capplan single file: {size / (1024.0 * 1024):0.0} MiB");
        Assert.InRange(size, 5L << 20, 60L << 20);

        var (runCode, json, progress) = await RunAsync(binary, _work, TimeSpan.FromMinutes(2), "bench", "--backend", "cpu", "--quick", "--json");
        output.WriteLine(progress);
        Assert.True(runCode == 0, progress);
        var result = BenchResultJson.Deserialize(json);
        Assert.Equal("cpu", result.Backend);
        Assert.Equal(3, result.Gemm.Count);
        Assert.All(result.Gemm, g => Assert.True(g.MedianTflops > 0));
        Assert.Contains(result.Memory, m => m.Kind == "triad" && m.MedianGBps > 0);
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, dir);
            if (rel.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj")) continue;
            Directory.CreateDirectory(Path.Combine(to, rel));
        }
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, file);
            if (rel.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj")) continue;
            File.Copy(file, Path.Combine(to, rel).EnsureDirectory());
        }
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string exe, string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["MSBUILDTERMINALLOGGER"] = "off";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            return (-1, await stdout, $"timed out after {timeout}\n{await stderr}");
        }
        return (p.ExitCode, await stdout, await stderr);
    }
}

internal static class PathExtensions
{
    public static string EnsureDirectory(this string filePath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(filePath)!);
        return filePath;
    }
}
