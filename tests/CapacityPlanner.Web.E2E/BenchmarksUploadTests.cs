using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Microsoft.Playwright;

namespace CapacityPlanner.Web.E2E;

/// <summary>
/// The CI path of issue 7 without a GPU: the real <c>capplan bench --backend cpu --quick</c> writes a result, the real
/// <c>capplan upload</c> posts it to the running app on loopback, and the Benchmarks page shows it in Chromium.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class BenchmarksUploadTests(AppFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task A_cpu_bench_uploaded_with_capplan_is_listed_on_the_benchmarks_page()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"capplan-e2e-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var resultPath = Path.Combine(dir, "r.json");
        try
        {
            await CapplanAsync(["bench", "--backend", "cpu", "--quick", "--output", resultPath], TimeSpan.FromMinutes(4));
            Assert.True(File.Exists(resultPath), "capplan bench wrote no result.");
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(resultPath));
            var host = doc.RootElement.GetProperty("host").GetProperty("hostname").GetString()!;
            var bestGemm = doc.RootElement.GetProperty("gemm").EnumerateArray().Max(g => g.GetProperty("medianTflops").GetDouble());

            // Uploaded and calibrated in one go (a CPU result stands in for an H100 here, so it needs --include-cpu).
            var uploadOutput = await CapplanAsync(["upload", resultPath, "--server", app.BaseAddress.ToString(), "--calibrate", "h100-sxm", "--include-cpu"], TimeSpan.FromMinutes(1));
            var chipId = System.Text.RegularExpressions.Regex.Match(uploadOutput, @"measured chip (h100-sxm-m-\S+) registered").Groups[1].Value;
            Assert.False(string.IsNullOrEmpty(chipId), uploadOutput);

            await using var page = await BrowserPage.OpenAsync(app);
            await page.GotoAsync("/benchmarks", "[data-testid=benchmarks-table]");
            var row = page.Page.Locator("[data-testid=benchmark-row]").Filter(new LocatorFilterOptions { HasText = host }).First;
            await row.WaitForAsync();
            Assert.Equal(host, (await row.Locator("[data-testid=benchmark-host]").InnerTextAsync()).Trim());
            var gemmText = (await row.Locator("[data-testid=benchmark-gemm]").InnerTextAsync()).Trim();
            Assert.StartsWith(bestGemm.ToString("0.###", CultureInfo.InvariantCulture), gemmText, StringComparison.Ordinal);
            await page.Page.GetByTestId("detail-gemm").WaitForAsync();
            await page.ScreenshotAsync(app, "benchmarks-desktop");
            output.WriteLine($"host {host}, best GEMM {gemmText}");

            // The measured chip is on the hardware page with its measured curve, ready for every planner page.
            await page.GotoAsync("/hardware", "[data-testid=chip-name]");
            var chipRow = page.Page.Locator("tr").Filter(new LocatorFilterOptions { HasText = chipId }).First;
            await chipRow.WaitForAsync();
            Assert.StartsWith("measured GEMM curve", (await chipRow.Locator("[data-testid=gemm-curve-badge]").InnerTextAsync()).Trim(), StringComparison.Ordinal);
            Assert.Empty(page.Errors);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private async Task<string> CapplanAsync(IReadOnlyList<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(CapplanDll());
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start capplan.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"capplan {string.Join(' ', args)} ran past {timeout}.");
        }
        var text = await stdout + await stderr;
        output.WriteLine($"capplan {string.Join(' ', args)} → {process.ExitCode}\n{text}");
        Assert.True(process.ExitCode == 0, $"capplan {args[0]} exited with {process.ExitCode}:\n{text}\nServer log:\n{app.ServerLog}");
        return text;
    }

    // The CLI project's build output (the E2E project references it so that it is built), in this assembly's configuration.
    private static string CapplanDll()
    {
        var configuration = typeof(BenchmarksUploadTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "Configuration")?.Value ?? "Debug";
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CapacityPlanner.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException($"No CapacityPlanner.sln above {AppContext.BaseDirectory}.");
        var dll = Path.Combine(dir.FullName, "src", "CapacityPlanner.Cli", "bin", configuration, "net10.0", "capplan.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the CLI first ({configuration}).", dll);
    }
}
