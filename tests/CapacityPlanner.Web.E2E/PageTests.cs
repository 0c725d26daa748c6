using Microsoft.Playwright;

namespace CapacityPlanner.Web.E2E;

/// <summary>Every page in a real browser against the real app: it opens, draws its charts, reacts, logs no errors.</summary>
[Collection(AppCollection.Name)]
public sealed class PageTests(AppFixture app, ITestOutputHelper output)
{
    [Theory]
    [InlineData("desktop", 1280, 800)]
    [InlineData("phone", 390, 844)]
    public async Task Every_page_opens_without_console_errors_and_is_screenshotted(string device, int width, int height)
    {
        await using var page = await BrowserPage.OpenAsync(app, width, height);

        await page.GotoAsync("/", "[data-testid=step-time]");
        await page.WaitForChartAsync("step-chart");
        await page.WaitForChartAsync("memory-chart");
        await page.ScreenshotAsync(app, $"planner-{device}");
        await AssertNoHorizontalOverflowAsync(page, "planner");

        // The phone sweeps a shorter range to keep the suite quick; the desktop shows the full default sweep.
        await page.GotoAsync(device == "phone" ? "/scaling?min=64&max=4096&chips=h100-sxm,b200" : "/scaling", "[data-testid=throughput-chart]");
        await page.Page.Locator("[data-testid=sweep-table]").WaitForAsync(new LocatorWaitForOptions { Timeout = 120_000 });
        await page.Page.Locator("[data-testid=sweep-progress]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached, Timeout = 120_000 });
        foreach (var chart in new[] { "throughput-chart", "efficiency-chart", "ratio-chart", "strong-weak-chart" }) await page.WaitForChartAsync(chart);
        await page.ScreenshotAsync(app, $"scaling-{device}");
        await AssertNoHorizontalOverflowAsync(page, "scaling");

        await page.GotoAsync("/roofline", "[data-testid=ridge-table]");
        await page.WaitForChartAsync("roofline-chart");
        await page.WaitForChartAsync("batch-chart");
        await page.ScreenshotAsync(app, $"roofline-{device}");
        await AssertNoHorizontalOverflowAsync(page, "roofline");

        await page.GotoAsync("/hardware", "[data-testid=hardware-table]");
        Assert.Equal(17, await page.Page.GetByTestId("chip-name").CountAsync());
        await page.ScreenshotAsync(app, $"hardware-{device}");
        await AssertNoHorizontalOverflowAsync(page, "hardware");

        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task The_planner_follows_the_dark_theme_charts_included()
    {
        await using var page = await BrowserPage.OpenAsync(app);
        await page.GotoAsync("/", "[data-testid=step-time]");
        await page.WaitForChartAsync("step-chart");
        var revision = (await page.ChartAsync("step-chart")).Revision;

        await page.Page.GetByTestId("theme-toggle").ClickAsync();

        await page.WaitForChartAsync("step-chart", revision + 1);
        var fontColor = await page.Page.EvaluateAsync<string>("() => document.querySelector('[data-testid=step-chart] .js-plotly-plot').layout.font.color");
        Assert.Equal("rgba(255,255,255,0.87)", fontColor);
        await page.ScreenshotAsync(app, "planner-desktop-dark");
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task Changing_chip_gpu_count_and_plan_changes_the_numbers_and_the_charts()
    {
        await using var page = await BrowserPage.OpenAsync(app);
        await page.GotoAsync("/", "[data-testid=step-time]");
        await page.WaitForChartAsync("step-chart");
        await page.WaitForChartAsync("memory-chart");

        async Task<(string Step, string Tokens, string Hbm, int StepRevision, int MemoryRevision, string Bars)> Snapshot() => (
            await page.TextAsync("step-time"), await page.TextAsync("tokens-per-second"), await page.TextAsync("hbm-capacity"),
            (await page.ChartAsync("step-chart")).Drawn, (await page.ChartAsync("memory-chart")).Drawn,
            await page.Page.EvaluateAsync<string>("() => JSON.stringify(document.querySelector('[data-testid=step-chart] .js-plotly-plot').data.map(t => t.x))"));

        var start = await Snapshot();
        Assert.Equal("80.0 GiB", start.Hbm);

        // Chip: B200 has 180 GiB of HBM and 7× the A100's bf16 peak.
        await page.SelectAsync("chip", "(b200)");
        var chip = await WaitForChangeAsync(page, Snapshot, start);
        Assert.Equal("180.0 GiB", chip.Hbm);
        Assert.True(BrowserPage.Seconds(chip.Step) < BrowserPage.Seconds(start.Step));
        Assert.NotEqual(start.Bars, chip.Bars);

        // GPU count: twice the GPUs, twice the data-parallel replicas: a shorter step.
        await page.FillAsync("gpus", "2048");
        var gpus = await WaitForChangeAsync(page, Snapshot, chip);
        Assert.True(BrowserPage.Seconds(gpus.Step) < BrowserPage.Seconds(chip.Step));
        Assert.Contains("gpus=2048", page.Page.Url, StringComparison.Ordinal);

        // Plan: ZeRO stage 3 over 256 replicas.
        await page.SelectAsync("zero-stage", "Stage 3");
        var plan = await WaitForChangeAsync(page, Snapshot, gpus);
        Assert.NotEqual(gpus.Bars, plan.Bars);
        Assert.Contains("zero=3", page.Page.Url, StringComparison.Ordinal);

        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task An_invalid_plan_shows_the_models_reason_next_to_the_field_and_no_error_page()
    {
        await using var page = await BrowserPage.OpenAsync(app);
        await page.GotoAsync("/", "[data-testid=step-time]");

        await page.FillAsync("tensor", "64");

        var error = page.Page.Locator("[data-testid=error][data-path='$.parallelism.tensor']");
        await error.WaitForAsync();
        Assert.Contains("TP=64 does not divide 96 attention heads", await error.InnerTextAsync(), StringComparison.Ordinal);
        var field = page.Page.Locator("input[data-testid=tensor]").Locator("xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' mud-input-control ')][1]");
        await Assertions.Expect(field).ToContainTextAsync("TP=64 does not divide 96 attention heads");
        await Assertions.Expect(page.Page.GetByTestId("feasible")).ToHaveAttributeAsync("data-feasible", "false");
        await Assertions.Expect(page.Page.GetByTestId("step-time")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        await page.ScreenshotAsync(app, "planner-invalid-plan");

        await page.FillAsync("tensor", "8");
        await page.Page.GetByTestId("step-time").WaitForAsync();
        await page.WaitForChartAsync("step-chart");
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task Find_best_plan_shows_progress_then_the_top_plans_and_apply_writes_the_plan()
    {
        await using var page = await BrowserPage.OpenAsync(app);
        await page.GotoAsync("/?chip=h100-sxm&gpus=512", "[data-testid=step-time]");

        await page.Page.GetByTestId("find-best-plan").ClickAsync();

        var rows = page.Page.GetByTestId("search-row");
        await rows.First.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        Assert.Equal(5, await rows.CountAsync());
        var bestStep = (await rows.First.GetByTestId("search-step").InnerTextAsync()).Trim();

        await rows.First.GetByTestId("apply-plan").ClickAsync();

        await Assertions.Expect(page.Page.GetByTestId("step-time")).ToHaveTextAsync($"{bestStep} s");
        await page.WaitForChartAsync("step-chart", 2);
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task A_custom_chip_defined_on_the_hardware_page_is_usable_in_the_planner()
    {
        await using var page = await BrowserPage.OpenAsync(app);
        await page.GotoAsync("/hardware", "[data-testid=hardware-table]");

        await page.Page.GetByTestId("add-chip").ClickAsync();
        await page.Page.Locator("input[data-testid=chip-id]").FillAsync("e2e-h100-192g");
        await page.Page.Locator("input[data-testid=chip-hbm-capacity]").FillAsync("192");
        await page.Page.GetByTestId("save-chip").ClickAsync();
        await page.Page.GetByTestId("custom-badge").First.WaitForAsync();
        await page.ScreenshotAsync(app, "hardware-custom-chip");

        await page.GotoAsync("/?chip=e2e-h100-192g", "[data-testid=step-time]");
        await Assertions.Expect(page.Page.GetByTestId("hbm-capacity")).ToHaveTextAsync("192.0 GiB");
        await page.GotoAsync("/roofline?chips=e2e-h100-192g", "[data-testid=ridge-table]");
        await Assertions.Expect(page.Page.GetByTestId("ridge").First).ToHaveTextAsync("295");
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task Reloading_restores_the_state_from_the_address()
    {
        await using var page = await BrowserPage.OpenAsync(app);
        await page.GotoAsync("/", "[data-testid=step-time]");
        var before = await page.TextAsync("step-time");
        await page.FillAsync("micro-batch", "2");
        // The address changes by history.replaceState (no document load): poll it rather than wait for a navigation,
        // then wait for the new estimate (the address may be written before the numbers are on screen).
        await page.Page.WaitForFunctionAsync("() => location.search.includes('mb=2')", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        await page.Page.WaitForFunctionAsync(
            "old => { const e = document.querySelector('[data-testid=step-time]'); return !!e && e.innerText.trim() !== old; }",
            before, new PageWaitForFunctionOptions { Timeout = 60_000 });
        var step = await page.TextAsync("step-time");

        await page.Page.ReloadAsync(new PageReloadOptions { WaitUntil = WaitUntilState.DOMContentLoaded, Timeout = 60_000 });
        await page.WaitForInteractiveAsync();

        await Assertions.Expect(page.Page.Locator("input[data-testid=micro-batch]")).ToHaveValueAsync("2");
        Assert.Equal(step, await page.TextAsync("step-time"));

        // The scenario follows to the other pages through the navigation links.
        await page.Page.GetByTestId("nav-roofline").ClickAsync();
        await page.Page.WaitForURLAsync(url => url.Contains("/roofline", StringComparison.Ordinal) && url.Contains("mb=2", StringComparison.Ordinal));
        await Assertions.Expect(page.Page.Locator("input[data-testid=micro-batch]")).ToHaveValueAsync("2");
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task Scaling_charts_update_in_place_when_a_chip_is_added()
    {
        await using var page = await BrowserPage.OpenAsync(app);
        await page.GotoAsync("/scaling?preset=llama3-8b&batch=512&min=8&max=64&chips=h100-sxm", "[data-testid=throughput-chart]");
        await Assertions.Expect(page.Page.GetByTestId("scaling-summary-row")).ToHaveCountAsync(1, new() { Timeout = 60_000 });
        await page.Page.Locator("[data-testid=sweep-progress]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached, Timeout = 60_000 });
        await page.WaitForChartAsync("throughput-chart");
        var before = await page.ChartAsync("throughput-chart");

        await page.Page.Locator("input[data-testid=chips]").Locator("xpath=..").ClickAsync();
        await page.Page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = "(b200)" }).First.ClickAsync();
        await page.Page.Keyboard.PressAsync("Escape");

        await Assertions.Expect(page.Page.GetByTestId("scaling-summary-row")).ToHaveCountAsync(2, new() { Timeout = 60_000 });
        await page.WaitForChartAsync("throughput-chart", before.Revision + 1);
        var after = await page.ChartAsync("throughput-chart");
        Assert.Equal(before.Traces + 1, after.Traces);
        Assert.Contains("chips=h100-sxm%2Cb200", page.Page.Url, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task The_step_charts_png_export_carries_the_legend_the_page_draws_in_html()
    {
        await using var page = await BrowserPage.OpenAsync(app);
        await page.GotoAsync("/", "[data-testid=step-time]");
        await page.WaitForChartAsync("step-chart");
        await page.WaitForInteractiveAsync();
        var legend = (await page.Page.Locator("[data-testid=step-chart-legend] li").AllInnerTextsAsync()).Select(t => t.Trim()).ToList();
        Assert.Contains("Compute", legend);
        // What goes to plotly's image export: the figure the camera button draws off screen.
        await page.Page.EvaluateAsync(@"() => {
            window.__exported = [];
            const download = Plotly.downloadImage;
            Plotly.downloadImage = (gd, options) => {
                window.__exported.push({ drawn: [...gd.querySelectorAll('.legend .traces')].map(t => t.textContent.trim()), file: options.filename });
                return download(gd, options);
            };
        }");

        await page.Page.HoverAsync("[data-testid=step-chart] .plot-host");
        var download = await page.Page.RunAndWaitForDownloadAsync(() =>
            page.Page.ClickAsync("[data-testid=step-chart] .modebar-btn[data-title='Download plot as a PNG']", new PageClickOptions { Force = true }));

        Assert.Equal("step-time-breakdown.png", download.SuggestedFilename);
        var path = await download.PathAsync();
        var bytes = await File.ReadAllBytesAsync(path!);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Directory.CreateDirectory(app.ScreenshotDirectory);
        await File.WriteAllBytesAsync(Path.Combine(app.ScreenshotDirectory, "planner-step-chart-export.png"), bytes);
        var exported = await page.Page.EvaluateAsync<System.Text.Json.JsonElement>("() => window.__exported");
        var export = Assert.Single(exported.EnumerateArray().ToList());
        // Plotly drew a legend entry for each of the page's, in the page's order.
        Assert.Equal(legend, export.GetProperty("drawn").EnumerateArray().Select(n => n.GetString()!).ToList());
        // The page's own chart keeps no plotly legend, and the off-screen copy is gone.
        Assert.Equal(0, await page.Page.Locator("[data-testid=step-chart] .legend").CountAsync());
        await page.Page.WaitForFunctionAsync("() => document.querySelectorAll('body > div.js-plotly-plot').length === 0");
        Assert.Empty(page.Errors);
    }

    private static async Task<T> WaitForChangeAsync<T>(BrowserPage page, Func<Task<T>> snapshot, T before)
        where T : struct, IEquatable<T>
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var now = await snapshot();
            // Both the numbers and every chart must have moved on to a new drawn revision.
            if (!now.Equals(before) && await page.Page.EvaluateAsync<bool>(
                    @"() => ['step-chart', 'memory-chart'].every(id => {
                        const f = document.querySelector(`[data-testid=""${id}""]`);
                        const p = f && f.querySelector('.js-plotly-plot');
                        return p && p.layout && Number(p.layout.datarevision) === Number(f.dataset.revision);
                    })"))
            {
                var settled = await snapshot();
                if (settled.Equals(now)) return now;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"No change from {before}.");
            await Task.Delay(50);
        }
    }

    private async Task AssertNoHorizontalOverflowAsync(BrowserPage page, string name)
    {
        var overflow = await page.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        output.WriteLine($"{name}: horizontal overflow {overflow} px");
        Assert.True(overflow <= 1, $"{name} overflows the viewport by {overflow} px.");
    }
}
