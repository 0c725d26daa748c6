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

    [Fact]
    public async Task Back_after_edits_of_a_saved_scenario_returns_to_it_in_the_app()
    {
        await using var page = await BrowserPage.OpenAsync(app);
        await page.GotoAsync("/", "[data-testid=step-time]");
        var before = await page.TextAsync("step-time");
        await page.FillAsync("gpus", "2048");
        await page.WaitForStepTimeChangeAsync(before);
        await page.Page.Locator("[data-testid=pending]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
        var savedStep = await page.TextAsync("step-time");
        await page.Page.GetByTestId("save-scenario").ClickAsync();
        await page.Page.Locator("input[data-testid=name-input]").FillAsync("E2E back to saved " + Guid.NewGuid().ToString("N")[..6]);
        await page.Page.GetByTestId("name-ok").ClickAsync();
        var field = page.Page.Locator("[data-testid=short-link] input, input[data-testid=short-link]").First;
        await field.WaitForAsync();
        var id = (await field.InputValueAsync()).Split("/s/")[1];

        // Opened by id (as a saved scenario too large for a link opens), then edited.
        await page.GotoAsync("/?id=" + id, "[data-testid=step-time]");
        await Assertions.Expect(page.Page.GetByTestId("step-time").First).ToHaveTextAsync(savedStep);
        await page.FillAsync("micro-batch", "2");
        await page.Page.WaitForFunctionAsync("() => location.search.includes('mb=2')", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        await Assertions.Expect(page.Page.GetByTestId("step-time").First).Not.ToHaveTextAsync(savedStep);

        // Back: the saved scenario's address and the saved scenario, still in the app.
        await page.Page.GoBackAsync();
        await page.Page.WaitForFunctionAsync("id => location.search === '?id=' + id", id, new PageWaitForFunctionOptions { Timeout = 30_000 });
        Assert.StartsWith(app.BaseAddress.ToString(), page.Page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.Page.GetByTestId("step-time").First).ToHaveTextAsync(savedStep);
        await Assertions.Expect(page.Page.Locator("input[data-testid=micro-batch]")).ToHaveValueAsync("1");
        Assert.Equal("2048", (await page.Page.Locator("input[data-testid=gpus]").InputValueAsync()).Replace(",", "", StringComparison.Ordinal));
        Assert.Empty(page.Errors);
    }
}
