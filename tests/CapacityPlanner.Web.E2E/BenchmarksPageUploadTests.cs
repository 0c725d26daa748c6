using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Playwright;

namespace CapacityPlanner.Web.E2E;

/// <summary>
/// The Benchmarks page in Chromium: files given to its drop zone's input (a runner result, an nccl-tests log and a
/// malformed file at once) are stored or refused each on its own, and a command block is copied with this
/// dashboard's URL.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class BenchmarksPageUploadTests(AppFixture app, ITestOutputHelper output)
{
    // A small result document as capplan bench writes it (CPU backend).
    private const string RunnerResult = """
        {
          "schemaVersion": 1,
          "source": "capplan-bench",
          "backend": "cpu",
          "createdUtc": "2025-06-01T12:00:00+00:00",
          "host": { "hostname": "e2e-drop-host", "cpuModel": "Test CPU" },
          "devices": [ { "kind": "cpu", "name": "Test CPU" } ],
          "gemm": [ { "dtype": "fp32", "m": 1024, "n": 1024, "k": 1024, "flops": 2147483648, "medianTflops": 0.123, "burstTflops": 0.13 } ]
        }
        """;

    [Fact]
    public async Task Files_dropped_on_the_benchmarks_page_are_stored_or_refused_and_a_command_is_copied()
    {
        await using var page = await BrowserPage.OpenAsync(app);
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await page.GotoAsync("/benchmarks", "[data-testid=benchmark-upload]");

        // Dragging over the zone lays the file input over it to take the drop.
        var input = page.Page.Locator("input[type=file][data-testid=upload-input]");
        Assert.NotNull(await input.GetAttributeAsync("hidden"));
        // (Blazor reads the event's dataTransfer: a synthetic drag event needs one.)
        var dataTransfer = await page.Page.EvaluateHandleAsync("() => new DataTransfer()");
        await page.Page.GetByTestId("upload-dropzone").DispatchEventAsync("dragenter", new { dataTransfer });
        await page.Page.WaitForFunctionAsync("() => !document.querySelector('input[type=file][data-testid=upload-input]').hidden");
        await input.DispatchEventAsync("dragleave", new { dataTransfer });
        await page.Page.WaitForFunctionAsync("() => document.querySelector('input[type=file][data-testid=upload-input]').hidden");

        await input.SetInputFilesAsync(new[]
        {
            new FilePayload { Name = "result.json", MimeType = "application/json", Buffer = Encoding.UTF8.GetBytes(RunnerResult) },
            new FilePayload { Name = "all_reduce.log", MimeType = "text/plain", Buffer = Encoding.UTF8.GetBytes(Fixture("nccl-tests-all-reduce-2nodes.txt")) },
            new FilePayload { Name = "broken.json", MimeType = "application/json", Buffer = Encoding.UTF8.GetBytes("{\n  \"schemaVersion\": 1,\n  \"gemm\": [\n}\n") },
        });

        await page.Page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=upload-result]').length === 3");
        Assert.Equal(2, await page.Page.Locator("[data-testid=upload-result][data-status=stored]").CountAsync());
        var error = (await page.Page.GetByTestId("upload-error").InnerTextAsync()).Trim();
        output.WriteLine(error);
        Assert.StartsWith("broken.json: line 4, position 1: ", error, StringComparison.Ordinal);

        // The table shows both new rows; the runner result's by its host.
        var resultRow = page.Page.Locator("[data-testid=benchmark-row][data-new=true]").Filter(new LocatorFilterOptions { HasText = "e2e-drop-host" });
        await resultRow.WaitForAsync();
        var ncclId = await page.Page.Locator("[data-testid=upload-result][data-file='all_reduce.log']").GetAttributeAsync("data-id");
        var ncclRow = page.Page.Locator($"[data-testid=benchmark-row][data-id='{ncclId}']");
        await ncclRow.WaitForAsync();
        Assert.NotEqual("–", (await ncclRow.Locator("[data-testid=benchmark-busbw]").InnerTextAsync()).Trim());
        await page.ScreenshotAsync(app, "benchmarks-upload");

        // The fixed file, given again under the same name, replaces the list of outcomes and is stored.
        await input.SetInputFilesAsync(new FilePayload
        {
            Name = "broken.json", MimeType = "application/json", Buffer = Encoding.UTF8.GetBytes(RunnerResult.Replace("e2e-drop-host", "e2e-fixed-host", StringComparison.Ordinal)),
        });
        await page.Page.Locator("[data-testid=upload-result][data-file='broken.json'][data-status=stored]").WaitForAsync();
        Assert.Equal(1, await page.Page.GetByTestId("upload-result").CountAsync());
        await page.Page.Locator("[data-testid=benchmark-row]").Filter(new LocatorFilterOptions { HasText = "e2e-fixed-host" }).WaitForAsync();

        // The single-node block, with this dashboard's URL, goes to the clipboard.
        await page.Page.GetByTestId("copy-single").ClickAsync();
        await page.Page.Locator(".mud-snackbar").Filter(new LocatorFilterOptions { HasText = "Copied" }).WaitForAsync();
        var clipboard = await page.Page.EvaluateAsync<string>("() => navigator.clipboard.readText()");
        Assert.Contains($"./capplan upload result.json --server {app.BaseAddress.ToString().TrimEnd('/')} --calibrate auto", clipboard, StringComparison.Ordinal);

        Assert.Empty(page.Errors);
    }

    private static string Fixture(string name, [CallerFilePath] string thisFile = "") =>
        File.ReadAllText(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "CapacityPlanner.Measurements.Tests", "Fixtures", name), Encoding.UTF8);
}
