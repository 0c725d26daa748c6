using System.Globalization;
using Microsoft.Playwright;

namespace CapacityPlanner.Web.E2E;

/// <summary>The Budget page in a real browser: a power cap in MW resizes the $30B example's cluster to what fits.</summary>
[Collection(AppCollection.Name)]
public sealed class BudgetPowerCapTests(AppFixture app)
{
    [Fact]
    public async Task A_megawatt_cap_on_the_budget_page_resizes_the_cluster()
    {
        await using var page = await BrowserPage.OpenAsync(app, 1440, 900);
        await page.GotoAsync("/budget", "[data-testid=open-example]");
        await page.Page.GetByTestId("open-example").ClickAsync();
        await WaitForCountAsync(page, "budget-gpus-0", n => n > 300_000);
        var before = Count(await page.TextAsync("budget-gpus-0"));
        // The example's 522 MW cluster needs two sites of at most 300 MW; goodput comes from the reliability model.
        Assert.StartsWith("2 needed", await page.TextAsync("budget-sites-0"), StringComparison.Ordinal);
        Assert.Contains("reliability model", await page.TextAsync("budget-goodput-0"), StringComparison.Ordinal);

        // 100 MW of facility power / (700 W × 1.82 × 1.25) = 62,794 GPUs → at most 62,792 in whole nodes.
        await page.FillAsync("power-cap-mw-0", "100");
        await WaitForCountAsync(page, "budget-gpus-0", n => n <= 62_792);
        var after = Count(await page.TextAsync("budget-gpus-0"));
        Assert.InRange(after, 50_000, 62_792);
        Assert.True(after < before);
        var facility = double.Parse(await page.TextAsync("budget-facility-mw-0"), NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        Assert.InRange(facility, 80, 100);
        Assert.Equal(62_792, Count(await page.TextAsync("budget-affordable-gpus-0")));
        Assert.StartsWith("1 needed", await page.TextAsync("budget-sites-0"), StringComparison.Ordinal);
        await page.ScreenshotAsync(app, "budget-power-cap");
        Assert.Empty(page.Errors);
    }

    private static Task WaitForCountAsync(BrowserPage page, string testId, Func<long, bool> done) =>
        WaitAsync(page, testId, done);

    private static async Task WaitAsync(BrowserPage page, string testId, Func<long, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            var text = await page.Page.GetByTestId(testId).First.InnerTextAsync(new LocatorInnerTextOptions { Timeout = 120_000 });
            if (long.TryParse(text.Trim(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var n) && done(n)) return;
            await Task.Delay(250);
        }
        Assert.Fail($"{testId} never reached the expected value; last: {await page.TextAsync(testId)}");
    }

    private static long Count(string text) => long.Parse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
}
