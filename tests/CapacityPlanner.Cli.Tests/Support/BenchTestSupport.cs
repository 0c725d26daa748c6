using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Cli.Tests.Support;

internal static class BenchTestSupport
{
    /// <summary>The repository root (holds CapacityPlanner.sln), found from this source file.</summary>
    public static string RepoRoot([CallerFilePath] string thisFile = "")
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(thisFile)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CapacityPlanner.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    private static readonly Lazy<JsonDocument> s_schema = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "wwwroot", "schemas", "bench-result-v1.schema.json"))));

    public static List<string> SchemaErrors(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return SchemaValidator.Validate(s_schema.Value.RootElement, doc.RootElement);
    }

    public static Task<(int Code, string Out, string Err)> Run(params string[] args) => InProcessCli.RunAsync(args);

    /// <summary>Starts the real capplan.dll (copied next to the tests) with extra environment variables.</summary>
    public static Process StartCapplan(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "capplan.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // Launcher variables of an enclosing job must not leak into the children.
        foreach (var name in new[] { "RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMI_RANK", "PMI_SIZE", "SLURM_PROCID", "SLURM_NTASKS" })
        {
            psi.Environment.Remove(name);
        }
        if (env is not null)
        {
            foreach (var (k, v) in env) psi.Environment[k] = v;
        }
        return Process.Start(psi)!;
    }
}
