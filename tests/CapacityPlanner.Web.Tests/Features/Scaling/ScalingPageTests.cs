using Bunit.TestDoubles;
using CapacityPlanner.Web.Features.Scaling;
using CapacityPlanner.Web.Shared.Charts;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using ScalingPage = CapacityPlanner.Web.Features.Scaling.Scaling;

namespace CapacityPlanner.Web.Tests.Features.Scaling;

/// <summary>The scaling page.</summary>
public sealed class ScalingPageTests : PlannerTestContext
{
    [Fact]
    public void Scaling_sweeps_in_the_background_and_fills_charts_and_tables()
    {
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo("/scaling?preset=llama3-8b&chips=h100-sxm,a100-sxm-80gb&min=8&max=64&batch=512");
        var cut = Render<ScalingPage>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=scaling-summary-row]").Count), TimeSpan.FromSeconds(60));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=sweep-progress]")), TimeSpan.FromSeconds(60));
        Assert.Equal(4, cut.Find("[data-testid=sweep-table] tbody").Children.Length);
        Assert.Contains("H100", cut.Find("[data-testid=throughput-chart-summary]").TextContent, StringComparison.Ordinal);
        Assert.NotEqual("1", cut.Find("[data-testid=throughput-chart]").GetAttribute("data-revision"));
    }

    [Fact]
    public void Scaling_shows_goodput_per_size_and_the_break_even_inter_site_bandwidth()
    {
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo("/scaling?preset=llama3-8b&chips=h100-sxm&min=8&max=64&batch=512");
        var cut = Render<ScalingPage>();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=sweep-progress]")), TimeSpan.FromSeconds(60));
        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("[data-testid=sites-row]").Count), TimeSpan.FromSeconds(60));
        // 8 GPUs: 8 × Llama 3's per-GPU rate, 466 / 54 / 2048 ≈ 0.004 interruptions a day.
        Assert.Equal("0.0", cut.FindAll("[data-testid=sweep-interruptions]")[0].TextContent.Trim());
        Assert.EndsWith("%", cut.FindAll("[data-testid=sweep-goodput]")[0].TextContent.Trim(), StringComparison.Ordinal);
        var breakEven = cut.FindAll("[data-testid=sites-break-even]").Select(e => e.TextContent.Trim()).ToList();
        Assert.All(breakEven, b => Assert.Matches(@"^\d[\d,]*$", b));
        // Two sites, synchronous DP: the break-even bandwidth does not depend on the link, the across-site ratio does.
        var ratio = cut.FindAll("[data-testid=sites-ratio]")[^1].TextContent;
        cut.Find("input[data-testid=site-link-gbps]").Change("128");
        cut.WaitForAssertion(() => Assert.NotEqual(ratio, cut.FindAll("[data-testid=sites-ratio]")[^1].TextContent));
        Assert.Equal(breakEven, cut.FindAll("[data-testid=sites-break-even]").Select(e => e.TextContent.Trim()).ToList());
        // What fits in one site: 64 H100 draw 64 × 1,592.5 W = 0.102 MW, so 0.03 MW sites (18 GPUs → 16 in whole nodes) need 4.
        cut.Find("input[data-testid=site-max-mw]").Change("0.03");
        cut.WaitForAssertion(() => Assert.Equal("4", cut.FindAll("[data-testid=sites-needed]")[^1].TextContent.Trim()));
    }

    [Fact]
    public void Scaling_efficiency_says_what_its_baseline_is_and_why_a_size_exceeds_100_percent_and_the_axis_shows_it()
    {
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo("/scaling?chips=b200&min=8&max=128");
        var cut = Render<ScalingPage>();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=sweep-progress]")), TimeSpan.FromSeconds(60));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=efficiency-baseline-note]")), TimeSpan.FromSeconds(60));

        var note = cut.Find("[data-testid=efficiency-baseline-note]").TextContent;
        Assert.Contains("the smallest size that fits", note, StringComparison.Ordinal);
        Assert.Contains("100 % is ", note, StringComparison.Ordinal);
        var efficiencies = cut.FindAll("[data-testid=sweep-efficiency]").Select(e => e.TextContent.Trim()).Where(t => t != "—")
            .Select(t => double.Parse(t.Replace(" %", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Contains(efficiencies, e => e > 100);
        Assert.Contains("reach", note, StringComparison.Ordinal);
        Assert.Contains("a faster plan", note, StringComparison.Ordinal);
        Assert.Contains("Highest: ", cut.Find("[data-testid=efficiency-chart-summary]").TextContent, StringComparison.Ordinal);

        // With the best tokens/s per GPU as the baseline nothing exceeds 100 %.
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo("/scaling?chips=b200&min=8&max=128&base=best");
        var best = Render<ScalingPage>();
        best.WaitForAssertion(() => Assert.Empty(best.FindAll("[data-testid=sweep-progress]")), TimeSpan.FromSeconds(60));
        best.WaitForAssertion(() => Assert.NotEmpty(best.FindAll("[data-testid=sweep-efficiency]")), TimeSpan.FromSeconds(60));
        Assert.All(best.FindAll("[data-testid=sweep-efficiency]").Select(e => e.TextContent.Trim()).Where(t => t != "—"),
            t => Assert.True(double.Parse(t.Replace(" %", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) <= 100, t));
        Assert.Contains("the size with the best tokens/s per GPU", best.Find("[data-testid=efficiency-baseline-note]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void The_efficiency_axis_extends_above_100_percent_with_ticks_when_a_size_beats_the_baseline()
    {
        static Core.Search.SweepPoint Point(long gpus, double tokens) => new() { Gpus = gpus, GlobalBatchSequences = 512, TokensPerSecond = tokens };
        var result = new Core.Search.SweepResult { Mode = Core.Search.ScalingMode.Strong, ElapsedMilliseconds = 0, Evaluated = 0, Points = [Point(16, 16_000), Point(32, 43_000), Point(64, 80_000)] };
        var sweep = new SweepOutcome("b200", "B200", Core.Search.ScalingMode.Strong, result, []);

        var figure = ScalingCharts.Efficiency([sweep], ChartTheme.For(false));

        var y = figure.Layout.YAxis![0];
        Assert.Equal(1.5, Convert.ToDouble(y.Range![1], System.Globalization.CultureInfo.InvariantCulture), 3);
        Assert.Equal(0.25m, y.DTick);
        Assert.Contains("Highest: 134 % of the baseline", figure.Summary, StringComparison.Ordinal);
        var best = ScalingCharts.Efficiency([sweep], ChartTheme.For(false), ScalingBaseline.Best);
        Assert.Equal(1.25, Convert.ToDouble(best.Layout.YAxis![0].Range![1], System.Globalization.CultureInfo.InvariantCulture), 3);
    }
}

/// <summary>Before a sweep has finished, the Scaling charts say so instead of summarising nothing.</summary>
public sealed class ScalingEmptyChartTests
{
    [Fact]
    public void Charts_without_a_finished_sweep_say_no_sweep_finished_yet()
    {
        var pending = new SweepOutcome("a100-sxm-80gb", "NVIDIA A100 SXM4 80GB", Core.Search.ScalingMode.Strong, null, []);
        Assert.Equal("No sweep finished yet.", ScalingCharts.Efficiency([pending], ChartTheme.For(false)).Summary);
        Assert.Equal("No sweep finished yet.", ScalingCharts.StrongVsWeak(pending, null, ChartTheme.For(false)).Summary);
        Assert.Equal("No sweep finished yet.", ScalingCharts.StrongVsWeak(null, null, ChartTheme.For(false)).Summary);
    }
}
