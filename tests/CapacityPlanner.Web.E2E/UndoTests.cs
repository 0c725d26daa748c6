using Microsoft.Playwright;

namespace CapacityPlanner.Web.E2E;

/// <summary>Back and Ctrl+Z step through the Planner's edits instead of leaving the app.</summary>
[Collection(AppCollection.Name)]
public sealed class UndoTests(AppFixture app)
{
    [Fact]
    public async Task Back_and_ctrl_z_undo_edits_and_stay_in_the_app()
    {
        await using var page = await BrowserPage.OpenAsync(app);
        await page.GotoAsync("/", "[data-testid=step-time]");
        var micro = page.Page.Locator("input[data-testid=micro-batch]");

        await page.FillAsync("micro-batch", "2");
        await page.Page.WaitForFunctionAsync("() => location.search.includes('mb=2')", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        await Task.Delay(1200); // a pause: the next edit is a step of its own
        await page.FillAsync("micro-batch", "4");
        await page.Page.WaitForFunctionAsync("() => location.search.includes('mb=4')", null, new PageWaitForFunctionOptions { Timeout = 60_000 });

        // Ctrl+Z outside a text field: one edit back.
        await page.Page.Locator("h1").ClickAsync();
        await page.Page.Keyboard.PressAsync("Control+z");
        await page.Page.WaitForFunctionAsync("() => location.search.includes('mb=2')", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        await Assertions.Expect(micro).ToHaveValueAsync("2");

        // Back: the edit before, still in the app.
        await page.Page.GoBackAsync();
        await page.Page.WaitForFunctionAsync("() => !location.search.includes('mb=')", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        Assert.StartsWith(app.BaseAddress.ToString(), page.Page.Url, StringComparison.Ordinal);
        await Assertions.Expect(micro).ToHaveValueAsync("1");
        Assert.Empty(page.Errors);
    }
}
