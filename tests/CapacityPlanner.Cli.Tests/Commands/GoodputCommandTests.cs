using System.Text.Json;
using CapacityPlanner.Cli.Tests.Support;

namespace CapacityPlanner.Cli.Tests.Commands;

public sealed class GoodputCommandTests
{
    private static string Example(string name) => Path.Combine(AppContext.BaseDirectory, "Examples", name);

    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => InProcessCli.RunAsync(args);

    [Fact]
    public async Task Estimate_reports_goodput_and_its_breakdown()
    {
        var (code, output, _) = await Run("estimate", Example("llama3-405b-16k-h100.json"));
        Assert.Equal(0, code);
        Assert.Contains("Interruptions         8.6 per day (7.8 unexpected), MTBI 167 min", output, StringComparison.Ordinal);
        Assert.Contains("Goodput (ETTR)        92.1 %", output, StringComparison.Ordinal);
        Assert.Contains("lost work", output, StringComparison.Ordinal);
        Assert.Contains("Checkpoint interval", output, StringComparison.Ordinal);

        var (jsonCode, json, _) = await Run("estimate", Example("llama3-405b-16k-h100.json"), "--json");
        Assert.Equal(0, jsonCode);
        using var doc = JsonDocument.Parse(json);
        var g = doc.RootElement.GetProperty("goodput");
        var ettr = g.GetProperty("effectiveTrainingTimeRatio").GetDouble();
        var lost = g.GetProperty("lost");
        Assert.Equal(1, ettr + lost.GetProperty("checkpointSaves").GetDouble() + lost.GetProperty("lostWork").GetDouble() + lost.GetProperty("restarts").GetDouble(), 9);
        Assert.Equal(466.0 / 54, g.GetProperty("interruptionsPerDay").GetDouble(), 2);
        Assert.Equal(7, g.GetProperty("byClass").GetArrayLength());
        Assert.Contains(g.GetProperty("assumptions").EnumerateArray(), a => a.GetProperty("name").GetString() == "detectionMinutes" && a.GetProperty("source").GetString() == "PYTORCH_DIST");
        Assert.True(doc.RootElement.GetProperty("effectiveTimeToTrainDays").GetDouble() > doc.RootElement.GetProperty("timeToTrainDays").GetDouble());
    }

    [Fact]
    public async Task Two_sites_with_a_1600_gbps_link_and_diloco_h100_report_traffic_exposed_time_and_token_penalty()
    {
        var (code, output, _) = await Run("estimate", Example("two-site-diloco.json"), "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var s = doc.RootElement.GetProperty("sites");
        Assert.Equal(2, s.GetProperty("sites").GetInt32());
        Assert.Equal(1600, s.GetProperty("linkGbps").GetDouble());
        Assert.Equal(100, s.GetProperty("innerSteps").GetInt32());
        var parameters = doc.RootElement.GetProperty("totalParameters").GetDouble();
        // fp32 pseudo-gradients of ~70.6B parameters: ~282 GB per site per outer step, ~1.42 s at 200 GB/s.
        Assert.Equal(parameters * 4, s.GetProperty("crossSiteBytesPerSync").GetDouble(), 0);
        Assert.InRange(s.GetProperty("crossSiteLinkSecondsPerSync").GetDouble(), 1.40, 1.44);
        Assert.Equal(s.GetProperty("crossSiteLinkSecondsPerSync").GetDouble() / 100, s.GetProperty("crossSiteExposedSecondsPerStep").GetDouble(), 9);
        Assert.Equal(-0.6, s.GetProperty("lossPercentVsDataParallel").GetDouble(), 6);
        Assert.Equal(1, s.GetProperty("tokenMultiplier").GetDouble());
        Assert.True(s.GetProperty("breakEvenInterSiteGbps").GetDouble() > 0);

        var (_, table, _) = await Run("estimate", Example("two-site-diloco.json"), "--sites", "4");
        Assert.Contains("Sites                 4 × 2,048 GPUs", table, StringComparison.Ordinal);
        Assert.Contains("4 replicas: loss +0.3% vs DP", table, StringComparison.Ordinal);
        Assert.Contains("break-even inter-site bandwidth", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Power_cap_sizes_the_cluster_and_impossible_caps_are_clear_errors()
    {
        var (code, output, _) = await Run("estimate", Example("two-site-diloco.json"), "--power-cap-mw", "5", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        // 5 MW per site / 1,592.5 W = 3,139 GPUs → 3,136 whole nodes → 3,136 in TP8·PP4 groups; two sites → 6,272.
        Assert.Equal(6272, doc.RootElement.GetProperty("sites").GetProperty("gpusPerSite").GetInt64() * 2);

        var (bad, badOut, err) = await Run("estimate", Example("two-site-diloco.json"), "--power-cap-mw", "0.001", "--json");
        Assert.Equal(2, bad);
        Assert.Contains("$.sites.powerCapMw", badOut, StringComparison.Ordinal);
        Assert.Contains("below one 8-GPU h100-sxm node", err, StringComparison.Ordinal);
        Assert.Equal(2, (await Run("estimate", Example("two-site-diloco.json"), "--power-cap-mw", "zero")).Code);
    }

    [Fact]
    public async Task The_readmes_example_output_is_what_estimate_prints()
    {
        var readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "README.md"));
        var block = System.Text.RegularExpressions.Regex.Match(readme, "```\n(Step time[^`]*)```").Groups[1].Value;
        var lines = block.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(4, lines.Length);
        var (code, output, _) = await Run("estimate", Example("gpt3-175b-1024-a100.json"));
        Assert.Equal(0, code);
        foreach (var line in lines) Assert.Contains(line, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sweep_to_131072_gpus_shows_scaling_efficiency_with_and_without_failures()
    {
        var (code, output, _) = await Run("sweep", Example("llama3-70b-1024-h100.json"), "--gpus", "1024..131072", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var points = doc.RootElement.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(131072, points[^1].GetProperty("gpus").GetInt64());
        var last = points[^1];
        var without = last.GetProperty("scalingEfficiency").GetDouble();
        var with = last.GetProperty("scalingEfficiencyWithFailures").GetDouble();
        Assert.True(with < without, $"{with} vs {without}");
        // 131,072 GPUs: 8 × Llama 3's 16k-GPU rate, ~69 interruptions a day.
        Assert.Equal(466.0 / 54 * 8, last.GetProperty("interruptionsPerDay").GetDouble(), 1);
        Assert.Equal(without * last.GetProperty("effectiveTrainingTimeRatio").GetDouble() / points[0].GetProperty("effectiveTrainingTimeRatio").GetDouble(), with, 9);

        var (_, table, _) = await Run("sweep", Example("llama3-70b-1024-h100.json"), "--gpus", "1024..131072");
        Assert.Contains("eff+fail", table, StringComparison.Ordinal);
        Assert.Contains("At 131,072 GPUs: scaling efficiency", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Budget_example_reports_interruptions_interval_goodput_and_sites_under_300_mw()
    {
        var (code, output, _) = await Run("budget", "--example", "30b-half-year");
        Assert.Equal(0, code);
        Assert.Contains("Interruptions         172.6 per day", output, StringComparison.Ordinal);
        Assert.Contains("optimal interval", output, StringComparison.Ordinal);
        Assert.Contains("Effective training", output, StringComparison.Ordinal);
        Assert.Contains("2 sites of at most 300 MW needed", output, StringComparison.Ordinal);
        Assert.Contains("reliability model", output, StringComparison.Ordinal);

        var (_, json, _) = await Run("budget", "--example", "30b-half-year", "--json");
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        Assert.Equal(2, r.GetProperty("sites").GetProperty("sitesNeeded").GetInt32());
        Assert.InRange(r.GetProperty("goodput").GetDouble(), 0.55, 0.75);
        Assert.True(r.GetProperty("reliability").GetProperty("optimalIntervalSeconds").GetDouble() > 0);

        // What fits in 200 MW: the cluster is resized and the rest of the budget stays unallocated.
        var (_, capped, _) = await Run("budget", "--example", "30b-half-year", "--power-cap-mw", "200", "--json");
        using var c = JsonDocument.Parse(capped);
        Assert.Equal(125_584, c.RootElement.GetProperty("affordableGpus").GetInt64());
        Assert.True(c.RootElement.GetProperty("gpus").GetInt64() <= 125_584);
        Assert.True(c.RootElement.GetProperty("facilityMegawatts").GetDouble() <= 200);
    }
}
