using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace CapacityPlanner.Web.E2E;

/// <summary>
/// How fast the planner feels: the first load (navigation to numbers and a drawn chart, fresh browser context) and
/// input change → updated numbers and chart over 40 isolated edits (enough that the 95th percentile is not a single
/// sample), timed inside the browser (from dispatching the input event to the new step time on screen and plotly having
/// drawn the matching chart revision). Targets (issue 13):
/// first load under 1.5 s, update under 150 ms p95. The assertions are generous bounds so the test cannot flake on a busy
/// machine; the printed figures are the measurement.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class TimingTests(AppFixture app, ITestOutputHelper output)
{
    private const int Changes = 40;

    // Each edit changes the step time; they cycle through the GPU count, the tensor-parallel degree and the micro-batch.
    private static readonly (string Field, string Value)[] s_edits =
    [
        ("gpus", "2048"), ("tensor", "4"), ("micro-batch", "2"), ("gpus", "1024"), ("tensor", "8"), ("micro-batch", "1"),
    ];

    private const string TimedEdit = @"
        async ([field, value]) => {
            const input = document.querySelector(`input[data-testid=""${field}""]`);
            const step = () => document.querySelector('[data-testid=""step-time""]');
            const fig = () => document.querySelector('[data-testid=""step-chart""]');
            const before = step() ? step().textContent : null;
            const revision = Number(fig().dataset.revision);
            const t0 = performance.now();
            input.focus();
            Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, value);
            input.dispatchEvent(new Event('input', { bubbles: true }));
            let tNumbers = -1;
            return await new Promise((resolve, reject) => {
                const check = () => {
                    const s = step(), f = fig();
                    if (tNumbers < 0 && s && s.textContent !== before) tNumbers = performance.now() - t0;
                    const plot = f ? f.querySelector('.js-plotly-plot') : null;
                    const r = f ? Number(f.dataset.revision) : -1;
                    if (s && s.textContent !== before && r > revision && plot && plot.layout && Number(plot.layout.datarevision) === r) {
                        window.__numbers = (window.__numbers || []).concat([tNumbers]);
                        resolve(performance.now() - t0);
                    } else if (performance.now() - t0 > 10000) {
                        reject(new Error('no update within 10 s'));
                    } else {
                        setTimeout(check, 1);
                    }
                };
                check();
            });
        }";

    // Records (performance.now) when the step-time chart's first drawing with traces is in the page.
    private const string StepChartClock = @"
        new MutationObserver((records, observer) => {
            const plot = document.querySelector('[data-testid=""step-chart""] .js-plotly-plot');
            if (plot && plot.layout && plot.querySelector('.trace')) {
                window.__stepChartDrawn = performance.now();
                observer.disconnect();
            }
        }).observe(document, { childList: true, subtree: true });";

    [Fact]
    public async Task Planner_first_load_and_update_latency()
    {
        // First load: a fresh browser context (empty cache), from navigation to the step time and its chart drawn.
        await using var page = await BrowserPage.OpenAsync(app);
        // The page's own clock too: when plotly has drawn the step-time chart, from the navigation's start (no test
        // round trips in it).
        await page.Page.AddInitScriptAsync(StepChartClock);
        // A first visitor arrives at a warm, idle server: let the previous test's (or the warm-up's) closed circuit finish
        // its teardown first, which on two shared cores otherwise runs inside the measured navigation (its disconnect and
        // socket close took 180 and 810 ms beside a 390 ms page render in one run).
        await Task.Delay(1500);
        var clock = Stopwatch.StartNew();
        await page.Page.GotoAsync("/");
        await page.WaitForChartAsync("step-chart");
        var firstLoadMs = clock.Elapsed.TotalMilliseconds;
        // What a visitor sees: the page's own clock from the navigation's start to plotly's first drawing of the step
        // chart. The wall time above adds the Playwright driver's navigation command and its polling round trips.
        var drawnMs = await page.Page.EvaluateAsync<double>("() => window.__stepChartDrawn || -1");
        var phases = await page.Page.EvaluateAsync<string>(@"() => {
            const n = performance.getEntriesByType('navigation')[0];
            const r = performance.getEntriesByType('resource').map(e => e.name.split('/').pop().split('?')[0] + ' ' + Math.round(e.startTime) + '+' + Math.round(e.duration));
            return 'ttfb ' + Math.round(n.responseStart) + ', domContentLoaded ' + Math.round(n.domContentLoadedEventEnd) + ', load ' + Math.round(n.loadEventEnd)
                + ', step chart drawn ' + Math.round(window.__stepChartDrawn || -1) + ' | ' + r.join('; ');
        }");
        output.WriteLine("first load phases (ms from navigation): " + phases);
        await page.WaitForInteractiveAsync();
        await page.WaitForChartAsync("memory-chart");
        var interactiveMs = clock.Elapsed.TotalMilliseconds;

        var samples = new List<double>();
        for (var i = 0; i < Changes; i++)
        {
            // Isolated edits: a pause longer than the 250 ms debounce, as between a person's changes (bursts are coalesced).
            await Task.Delay(400);
            var (field, value) = s_edits[i % s_edits.Length];
            samples.Add(await page.Page.EvaluateAsync<double>(TimedEdit, new object[] { field, value }));
        }

        var numbersAlone = (await page.Page.EvaluateAsync<double[]>("() => window.__numbers")).Order().ToList();
        samples.Sort();
        var median = Percentile(samples, 0.5);
        var p95 = Percentile(samples, 0.95);
        var report = new StringBuilder()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"first load of the planner: {drawnMs:F0} ms from navigation to the step time and breakdown chart drawn (the page's clock); {firstLoadMs:F0} ms test wall time (with the driver's navigation command and polling; fully interactive with every chart at {interactiveMs:F0} ms)"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"input change → updated numbers and chart: median {median:F0} ms, p95 {p95:F0} ms over {Changes} changes"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"  (the numbers alone: median {Percentile(numbersAlone, 0.5):F0} ms, p95 {Percentile(numbersAlone, 0.95):F0} ms; the chart follows once its render batch is on screen)"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"targets: first load (page clock) < 1500 ms, update p95 < 150 ms; samples (ms, sorted): {string.Join(", ", samples.Select(s => s.ToString("F0", CultureInfo.InvariantCulture)))}"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"machine: {Environment.ProcessorCount} cores, load average {LoadAverage()}; app, browser and test share them"))
            .ToString();
        output.WriteLine(report);
        Console.WriteLine(report);
        Directory.CreateDirectory(app.ResultsDirectory);
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "e2e-timings.txt"), report);
        await File.WriteAllTextAsync(Path.Combine(app.ResultsDirectory, "e2e-timings.txt"), report);

        Assert.Empty(page.Errors);
        Assert.True(drawnMs > 0, "The page never recorded drawing the step-time chart.");
        Assert.True(firstLoadMs < 10_000, $"First load took {firstLoadMs:F0} ms.");
        Assert.True(p95 < 3_000, $"Update p95 was {p95:F0} ms.");
    }

    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static double Percentile(List<double> sorted, double p)
    {
        // Nearest rank on the sorted samples.
        var rank = (int)Math.Ceiling(p * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }
}
