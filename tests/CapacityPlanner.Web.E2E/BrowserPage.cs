using System.Globalization;
using Microsoft.Playwright;

namespace CapacityPlanner.Web.E2E;

/// <summary>A page in its own browser context that records console errors and uncaught page errors.</summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private readonly List<string> _errors = [];

    private BrowserPage(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (_errors) _errors.Add($"console: {message.Text}");
        };
        page.PageError += (_, error) =>
        {
            lock (_errors) _errors.Add($"page error: {error}");
        };
    }

    /// <summary>The browser context.</summary>
    public IBrowserContext Context { get; }

    /// <summary>The page.</summary>
    public IPage Page { get; }

    /// <summary>Console errors and uncaught exceptions so far.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors) return _errors.ToList();
        }
    }

    /// <summary>Opens a page with a viewport.</summary>
    public static async Task<BrowserPage> OpenAsync(AppFixture app, int width = 1280, int height = 800)
    {
        ArgumentNullException.ThrowIfNull(app);
        var context = await app.NewContextAsync(width, height);
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        return new BrowserPage(context, page);
    }

    /// <summary>Navigates and waits until Blazor's circuit is up (interactive) and the page's marker is visible.</summary>
    public async Task GotoAsync(string relativeUrl, string readySelector)
    {
        await Page.GotoAsync(relativeUrl, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        await Page.Locator(readySelector).First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        await WaitForInteractiveAsync();
    }

    /// <summary>Waits until the Blazor circuit is connected (the page answers events).</summary>
    public Task WaitForInteractiveAsync() =>
        Page.WaitForFunctionAsync("() => document.body.dataset.interactive === 'true'", null, new PageWaitForFunctionOptions { Timeout = 30_000 });

    /// <summary>The state of a chart: Blazor's revision, what plotly drew, and the number of traces.</summary>
    public async Task<ChartState> ChartAsync(string testId)
    {
        var r = await Page.EvaluateAsync<double[]>(
            @"id => {
                const fig = document.querySelector(`[data-testid=""${id}""]`);
                const plot = fig ? fig.querySelector('.js-plotly-plot') : null;
                const rev = fig ? Number(fig.dataset.revision) : -1;
                const drawn = plot && plot.layout ? Number(plot.layout.datarevision) : -1;
                const traces = plot && plot.data ? plot.data.length : 0;
                const bars = plot ? plot.querySelectorAll('.trace').length : 0;
                return [rev, drawn, traces, bars];
            }", testId);
        return new ChartState((int)r[0], (int)r[1], (int)r[2], (int)r[3]);
    }

    /// <summary>Waits until a chart has drawn its latest revision (at least <paramref name="minRevision"/>) with traces.</summary>
    public Task WaitForChartAsync(string testId, int minRevision = 1, int timeoutMs = 20_000) =>
        Page.WaitForFunctionAsync(
            @"([id, min]) => {
                const fig = document.querySelector(`[data-testid=""${id}""]`);
                if (!fig) return false;
                const plot = fig.querySelector('.js-plotly-plot');
                const rev = Number(fig.dataset.revision);
                return !!plot && !!plot.layout && rev >= min && Number(plot.layout.datarevision) === rev
                    && plot.data.length > 0 && plot.querySelectorAll('.trace').length > 0;
            }",
            new object[] { testId, minRevision },
            new PageWaitForFunctionOptions { Timeout = timeoutMs, PollingInterval = 5 });

    /// <summary>Waits until the step time shown differs from <paramref name="before"/> (an edit's estimate is on screen).</summary>
    public Task WaitForStepTimeChangeAsync(string before) =>
        Page.WaitForFunctionAsync(
            "before => { const e = document.querySelector('[data-testid=step-time]'); return !!e && e.innerText.trim() !== before; }", before);

    /// <summary>Trimmed text of the first element with a <c>data-testid</c>.</summary>
    public async Task<string> TextAsync(string testId) => (await Page.GetByTestId(testId).First.InnerTextAsync()).Trim();

    /// <summary>Types a value into a numeric field (replacing it) the way a person does: select all, type.</summary>
    public async Task FillAsync(string testId, string value)
    {
        var input = Page.Locator($"input[data-testid={testId}]");
        await input.FillAsync(value);
    }

    /// <summary>Picks an option of a MudSelect by the text of the item.</summary>
    public async Task SelectAsync(string testId, string optionText)
    {
        await Page.Locator($"input[data-testid={testId}]").Locator("xpath=..").ClickAsync();
        var item = Page.Locator(".mud-popover-open .mud-list-item").Filter(new LocatorFilterOptions { HasText = optionText }).First;
        await item.ClickAsync();
        await Page.Locator(".mud-popover-open .mud-list-item").First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Hidden });
    }

    /// <summary>Writes a full-page screenshot.</summary>
    public Task ScreenshotAsync(AppFixture app, string name) =>
        Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(app.ScreenshotDirectory, name + ".png"), FullPage = true });

    /// <summary>Seconds in a text such as "20.836 s".</summary>
    public static double Seconds(string text) =>
        double.Parse(text.Replace("s", "", StringComparison.Ordinal).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}

/// <summary>What a chart element reports.</summary>
/// <param name="Revision">Updates Blazor has sent.</param>
/// <param name="Drawn">The revision plotly has drawn.</param>
/// <param name="Traces">Traces in the plot.</param>
/// <param name="RenderedTraces">Trace groups in the SVG.</param>
public sealed record ChartState(int Revision, int Drawn, int Traces, int RenderedTraces);
