using Microsoft.Playwright;

namespace CapacityPlanner.Web.E2E;

/// <summary>
/// Every page at a desktop (1280×800) and a phone (390×844) viewport: no sideways scroll, no console errors, the key
/// numbers of the page visible, and every cell of the wide tables inside the viewport (a column pushed off-screen is a
/// hidden column). Full-page screenshots go to <c>TestResults/artifacts</c>, which CI keeps.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class LayoutTests(AppFixture app, ITestOutputHelper output)
{
    private string ArtifactDirectory => Path.Combine(app.ResultsDirectory, "artifacts");

    [Theory]
    [InlineData("desktop", 1280, 800)]
    [InlineData("phone", 390, 844)]
    public async Task Every_page_fits_the_screen_shows_its_key_numbers_and_logs_no_errors(string device, int width, int height)
    {
        Directory.CreateDirectory(ArtifactDirectory);
        await using var page = await BrowserPage.OpenAsync(app, width, height);
        var failures = new List<string>();

        // Planner, with the best plans listed.
        await page.GotoAsync("/", "[data-testid=step-time]");
        await page.WaitForChartAsync("step-chart");
        await page.Page.GetByTestId("find-best-plan").ClickAsync();
        await page.Page.GetByTestId("search-row").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 120_000 });
        await CheckAsync(page, device, "planner", failures, ["step-time", "mfu", "memory-per-gpu", "verdict-headline"],
            ["[data-testid=search-results] table", "[data-testid=breakdown]"]);
        // No numeric field's label runs into its spin buttons (the scale-out NIC label did).
        var clashes = await page.Page.EvaluateAsync<string[]>(
            @"() => [...document.querySelectorAll('.mud-input-control')].flatMap(c => {
                const label = c.querySelector('label.mud-input-label'), spin = c.querySelector('.mud-input-numeric-spin');
                if (!label || !spin || !label.innerText.trim()) return [];
                const l = label.getBoundingClientRect(), s = spin.getBoundingClientRect();
                const overlap = l.width > 0 && s.width > 0 && l.right > s.left + 1 && l.left < s.right && l.top < s.bottom && s.top < l.bottom;
                return overlap ? [label.innerText.trim()] : [];
            })");
        if (clashes.Length > 0) failures.Add($"planner ({device}): labels run into the spin buttons: {string.Join(", ", clashes)}");
        foreach (var chart in new[] { "step-chart", "memory-chart" })
        {
            // Plotly's mode bar must not sit on top of the legend (plotly's legend did at 390 px; these charts now draw
            // theirs in HTML above the plot, which must be there and clear of the mode bar too).
            Assert.True(await page.Page.Locator($"[data-testid={chart}-legend] li").CountAsync() > 0, $"{chart} ({device}) has no legend.");
            var overlap = await page.Page.EvaluateAsync<bool>(
                @"id => {
                    const fig = document.querySelector(`[data-testid=""${id}""]`);
                    const m = fig && fig.querySelector('.modebar');
                    const l = fig && fig.querySelector('.legend, .chart-legend');
                    if (!m || !l) return false;
                    const a = m.getBoundingClientRect(), b = l.getBoundingClientRect();
                    return a.width > 0 && b.width > 0 && a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
                }", chart);
            if (overlap) failures.Add($"planner ({device}): the mode bar of {chart} covers its legend.");
        }

        await page.GotoAsync("/scaling?min=64&max=1024&chips=h100-sxm", "[data-testid=throughput-chart]");
        await page.Page.Locator("[data-testid=sweep-progress]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached, Timeout = 120_000 });
        await page.WaitForChartAsync("efficiency-chart");
        await CheckAsync(page, device, "scaling", failures, ["sweep-table"], ["[data-testid=sweep-table]"]);

        await page.GotoAsync("/roofline", "[data-testid=ridge-table]");
        await page.WaitForChartAsync("roofline-chart");
        await CheckAsync(page, device, "roofline", failures, ["ridge-table"], ["[data-testid=ridge-table]"]);

        await page.GotoAsync("/hardware", "[data-testid=hardware-table]");
        await CheckAsync(page, device, "hardware", failures, ["chip-name"], ["[data-testid=hardware-table] table"]);

        await page.GotoAsync("/budget", "[data-testid=open-example]");
        await page.Page.GetByTestId("open-example").ClickAsync();
        await page.Page.GetByTestId("budget-summary-gpus-0").WaitForAsync(new LocatorWaitForOptions { Timeout = 120_000 });
        await page.Page.GetByTestId("duplicate-0").ClickAsync();
        await page.Page.GetByTestId("budget-summary-gpus-1").WaitForAsync(new LocatorWaitForOptions { Timeout = 120_000 });
        await CheckAsync(page, device, "budget", failures, ["budget-summary-gpus-0", "budget-summary-gpus-1", "budget-gpus-1"], ["[data-testid=budget-table]"]);

        await page.GotoAsync("/saved", "h1");
        await page.Page.Locator("[data-testid=saved-empty], [data-testid=saved-table]").First.WaitForAsync();
        await CheckAsync(page, device, "saved", failures, [], []);

        await page.GotoAsync("/benchmarks", "h1");
        await page.Page.Locator("[data-testid=benchmarks-empty], [data-testid=benchmarks-table]").First.WaitForAsync();
        await CheckAsync(page, device, "benchmarks", failures, [], []);

        // Validation: every shipped published run against the model, with the per-family summary and the chart.
        await page.GotoAsync("/validation", "[data-testid=family-summary]");
        await CheckAsync(page, device, "validation", failures, ["filter-count"], ["[data-testid=family-summary]"]);

        failures.AddRange(page.Errors);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("desktop", 1280, 800)]
    [InlineData("phone", 390, 844)]
    public async Task Planner_cost_and_chip_comparison_fit_the_screen_and_the_page_prints_as_a_report(string device, int width, int height)
    {
        Directory.CreateDirectory(ArtifactDirectory);
        await using var page = await BrowserPage.OpenAsync(app, width, height);
        var failures = new List<string>();
        await page.GotoAsync("/", "[data-testid=step-time]");
        await page.WaitForChartAsync("step-chart");
        await page.SelectAsync("compare-chip", "(h100-sxm)");
        await page.Page.GetByTestId("compare-row-step-time").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        await CheckAsync(page, device, "planner-compare", failures, ["cost-per-step", "cost-per-million-tokens", "cost-run", "compare-other-step-time", "compare-diff-step-time"],
            ["[data-testid=plan-comparison] table"]);
        Assert.Equal("true", await page.Page.GetByTestId("compare-other-step-time").GetAttributeAsync("data-better"));

        // Print: navigation, drawer and inputs are hidden, the numbers and charts stay, nothing is cut at the side.
        await page.Page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Print });
        Assert.False(await page.Page.Locator(".mud-appbar").IsVisibleAsync());
        Assert.False(await page.Page.GetByTestId("planner-form").IsVisibleAsync());
        Assert.False(await page.Page.GetByTestId("print-report").IsVisibleAsync());
        Assert.True(await page.Page.GetByTestId("step-time").IsVisibleAsync());
        Assert.True(await page.Page.GetByTestId("cost-per-step").IsVisibleAsync());
        Assert.True(await page.Page.Locator("[data-testid=step-chart] .js-plotly-plot").IsVisibleAsync());
        var overflow = await page.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        if (overflow > 0) failures.Add($"planner print ({device}) is wider than the page by {overflow} px.");
        if (device == "desktop")
        {
            var pdf = Path.Combine(ArtifactDirectory, "planner-report.pdf");
            await page.Page.PdfAsync(new PagePdfOptions { Path = pdf, Format = "A4", PrintBackground = true });
            Assert.True(new FileInfo(pdf).Length > 20_000, "The printed report is (nearly) empty.");
        }
        await page.Page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Screen });

        failures.AddRange(page.Errors);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // A 200-character name (the longest allowed) made the Saved table 2,522 px wide and, on a phone, pushed every card's
    // values out of view: names wrap now, and the other cells stay on screen.
    [Theory]
    [InlineData("desktop", 1440, 1000)]
    [InlineData("phone", 390, 844)]
    public async Task A_long_saved_name_wraps_and_keeps_the_saved_table_on_screen(string device, int width, int height)
    {
        Directory.CreateDirectory(ArtifactDirectory);
        await using var page = await BrowserPage.OpenAsync(app, width, height);
        await page.GotoAsync("/saved", "h1");
        const string Scenario = """
            { "schemaVersion": 1, "model": { "preset": "llama3-8b" }, "training": { "globalBatchSequences": 64 },
              "system": { "chip": "h100-sxm", "gpus": 8 } }
            """;
        var name = "llama3-70b_h100-sxm_1024gpus_tp8_pp4_dp32_mb1_zero1_" + new string('x', 148);
        var status = await page.Page.EvaluateAsync<int>(@"async ([json, name]) =>
            (await fetch('/api/scenarios?name=' + encodeURIComponent(name), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: json })).status",
            new[] { Scenario, name });
        Assert.Equal(201, status);
        await page.GotoAsync("/saved", "[data-testid=saved-table]");
        var failures = new List<string>();
        await CheckAsync(page, device, "saved-long-name", failures, [], ["[data-testid=saved-table] table"]);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Empty(page.Errors);
    }

    private async Task CheckAsync(BrowserPage page, string device, string name, List<string> failures, string[] keyNumbers, string[] tables)
    {
        await page.Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ArtifactDirectory, $"{name}-{device}.png"), FullPage = true });
        var overflow = await page.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        output.WriteLine($"{name} ({device}): scrollWidth - innerWidth = {overflow} px");
        if (overflow > 0) failures.Add($"{name} ({device}) scrolls sideways by {overflow} px.");
        foreach (var id in keyNumbers)
        {
            var locator = page.Page.GetByTestId(id).First;
            await locator.ScrollIntoViewIfNeededAsync();
            var text = (await locator.InnerTextAsync()).Trim();
            var box = await locator.BoundingBoxAsync();
            var inside = box is not null && box.Width > 0 && box.X >= -1 && box.X + box.Width <= await ViewportWidthAsync(page) + 1;
            if (!await locator.IsVisibleAsync() || text.Length == 0 || !inside)
            {
                failures.Add($"{name} ({device}): key number {id} is not visible (\"{text}\", box {box?.X}..{box?.X + box?.Width}).");
            }
        }
        foreach (var table in tables)
        {
            // Cells that are rendered (not display:none) but lie outside the viewport: columns the reader cannot see.
            var hidden = await page.Page.EvaluateAsync<string[]>(
                @"sel => {
                    const t = document.querySelector(sel);
                    if (!t) return ['no table ' + sel];
                    const w = window.innerWidth;
                    return [...t.querySelectorAll('th, td')]
                        .filter(c => c.getClientRects().length > 0 && c.getBoundingClientRect().width > 0)
                        .filter(c => { const r = c.getBoundingClientRect(); return r.right > w + 1 || r.left < -1; })
                        .slice(0, 5)
                        .map(c => (c.getAttribute('data-label') || c.innerText || '').trim().slice(0, 30) + ' @' + Math.round(c.getBoundingClientRect().right));
                }", table);
            if (hidden.Length > 0) failures.Add($"{name} ({device}): {table} has cells off-screen: {string.Join(", ", hidden)}");
        }
    }

    private static Task<int> ViewportWidthAsync(BrowserPage page) => page.Page.EvaluateAsync<int>("() => window.innerWidth");
}
