using Microsoft.Playwright;

namespace CapacityPlanner.Web.E2E;

/// <summary>Saving a scenario and opening its short link elsewhere; a tampered link.</summary>
[Collection(AppCollection.Name)]
public sealed class SharingTests(AppFixture app)
{
    [Fact]
    public async Task A_saved_scenario_opens_from_its_short_link_in_a_fresh_browser_with_the_same_numbers()
    {
        string shortLink, stepTime;
        await using (var sender = await BrowserPage.OpenAsync(app))
        {
            await sender.GotoAsync("/", "[data-testid=step-time]");
            var before = await sender.TextAsync("step-time");
            await sender.FillAsync("gpus", "2048");
            await sender.WaitForStepTimeChangeAsync(before);
            // The debounced estimate settles before the state is saved.
            await sender.Page.Locator("[data-testid=pending]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
            stepTime = await sender.TextAsync("step-time");

            await sender.Page.GetByTestId("save-scenario").ClickAsync();
            var name = sender.Page.Locator("input[data-testid=name-input]");
            await name.FillAsync("E2E shared plan " + Guid.NewGuid().ToString("N")[..6]);
            await sender.Page.GetByTestId("name-ok").ClickAsync();
            var field = sender.Page.Locator("[data-testid=short-link] input, input[data-testid=short-link]").First;
            await field.WaitForAsync();
            shortLink = await field.InputValueAsync();
            Assert.Matches(@"/s/[A-Za-z0-9_-]+$", shortLink);
            Assert.Empty(sender.Errors);
        }

        await using var receiver = await BrowserPage.OpenAsync(app);
        await receiver.GotoAsync(shortLink, "[data-testid=step-time]");
        Assert.Contains("?s=v1.", receiver.Page.Url, StringComparison.Ordinal);
        Assert.Equal(stepTime, await receiver.TextAsync("step-time"));
        Assert.Equal("2048", (await receiver.Page.Locator("input[data-testid=gpus]").InputValueAsync()).Replace(",", "", StringComparison.Ordinal));
        Assert.Equal(0, await receiver.Page.GetByTestId("link-message").CountAsync());
        Assert.Empty(receiver.Errors);
    }

    [Fact]
    public async Task A_scenario_file_picked_in_open_json_opens_in_the_planner()
    {
        await using var page = await BrowserPage.OpenAsync(app);
        await page.GotoAsync("/", "[data-testid=step-time]");
        await page.Page.GetByTestId("open-scenario-toggle").ClickAsync();
        // A capplan estimate file, as the CLI reads it (the browser's file picker, given the file).
        const string Scenario = """
            { "schemaVersion": 1, "name": "picked", "model": { "preset": "llama3-70b" },
              "training": { "globalBatchSequences": 512, "precision": "bf16" },
              "system": { "chip": "h100-sxm", "gpus": 512 },
              "parallelism": { "tensor": 4, "pipeline": 4, "microBatchSize": 1 } }
            """;
        await page.Page.Locator("[data-testid=open-scenario-file] input[type=file], input[type=file][data-testid=open-scenario-file]").First
            .SetInputFilesAsync(new FilePayload { Name = "picked.json", MimeType = "application/json", Buffer = System.Text.Encoding.UTF8.GetBytes(Scenario) });
        await page.Page.WaitForFunctionAsync("() => (document.querySelector('textarea[data-testid=open-scenario-text]')?.value ?? '').includes('picked')");
        await page.ScreenshotAsync(app, "planner-open-json");
        await page.Page.GetByTestId("open-scenario-open").ClickAsync();

        await page.Page.WaitForFunctionAsync("() => document.querySelector('input[data-testid=gpus]')?.value.replace(',', '') === '512'");
        Assert.Contains("?s=v1.", page.Page.Url, StringComparison.Ordinal);
        Assert.Equal("4", await page.Page.Locator("input[data-testid=tensor]").InputValueAsync());
        Assert.Matches(@"^\d+\.\d{3} s$", await page.TextAsync("step-time"));
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task A_large_paste_gets_an_error_and_the_page_keeps_answering()
    {
        // Blazor Server receives an input's whole value in one message; past the hub's default 32 KB the circuit closed.
        await using var page = await BrowserPage.OpenAsync(app);
        await page.GotoAsync("/", "[data-testid=step-time]");
        await page.Page.GetByTestId("open-scenario-toggle").ClickAsync();
        var box = page.Page.Locator("textarea[data-testid=open-scenario-text]");
        await box.FillAsync("{ \"schemaVersion\": 1, \"name\": \"" + new string('x', 200_000) + "\" }");
        await box.BlurAsync();
        await page.Page.GetByTestId("open-scenario-open").ClickAsync();

        await page.Page.GetByTestId("open-scenario-error").First.WaitForAsync();
        Assert.Contains("$.model", await page.Page.Locator("[data-testid=open-scenario-error]").AllInnerTextsAsync() is var errors
            ? string.Join(" ", errors) : "", StringComparison.Ordinal);
        // The circuit is alive: an edit still updates the estimate.
        var before = await page.TextAsync("step-time");
        await page.FillAsync("gpus", "2048");
        await page.WaitForStepTimeChangeAsync(before);
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task A_tampered_link_shows_a_friendly_message_and_the_default_plan_without_console_errors()
    {
        await using var page = await BrowserPage.OpenAsync(app);

        await page.GotoAsync("/?s=v1.G2kA-tampered-AAAAAAAAAAAAAAAAAAA", "[data-testid=link-message]");

        var message = await page.TextAsync("link-message");
        Assert.Contains("damaged", message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("default plan", message, StringComparison.Ordinal);
        Assert.Matches(@"^\d+\.\d{3} s$", await page.TextAsync("step-time"));
        Assert.Empty(page.Errors);
    }
}
