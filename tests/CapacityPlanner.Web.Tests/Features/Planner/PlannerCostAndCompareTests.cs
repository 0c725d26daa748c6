using System.Globalization;
using CapacityPlanner.Core.Budget;
using CapacityPlanner.Web.Features.Budget;
using CapacityPlanner.Web.Features.Planner;
using CapacityPlanner.Web.Options;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using PlannerPage = CapacityPlanner.Web.Features.Planner.Planner;
using CapacityPlanner.Web.Shared.Scenario;

namespace CapacityPlanner.Web.Tests.Features.Planner;

/// <summary>The Planner's cost of the plan (rent or own, with the price source) and "Compare with" another chip.</summary>
public sealed class PlannerCostAndCompareTests : PlannerTestContext
{
    private IRenderedComponent<ContainerFragment> RenderPlannerWithPopovers() => Render<ContainerFragment>(p => p.AddChildContent(b =>
    {
        b.OpenComponent<MudPopoverProvider>(0);
        b.CloseComponent();
        b.OpenComponent<PlannerPage>(1);
        b.CloseComponent();
    }));

    private PlannerInput DefaultInput() => PlannerDefaults;

    private static double Usd(string text)
    {
        var t = text.Trim().TrimStart('$').Replace(",", "", StringComparison.Ordinal);
        var scale = t.EndsWith('M') ? 1e6 : t.EndsWith('B') ? 1e9 : 1;
        return double.Parse(t.TrimEnd('M', 'B'), CultureInfo.InvariantCulture) * scale;
    }

    [Fact]
    public void Renting_prices_a_step_a_million_tokens_and_the_run_at_the_catalog_rate_with_its_source()
    {
        // Default plan: GPT-3 175B on 1,024 A100 80GB, 1,536 × 2,048-token sequences per step, 300 B tokens.
        var e = Services.GetRequiredService<EstimateService>().Estimate(DefaultInput()).Estimate!;
        const double rent = 2.25; // catalog a100-sxm-80gb price.rentUsdPerGpuHour (EPOCH_PRICES)
        var perStep = 1024 * e.StepTimeSeconds!.Value / 3600 * rent;
        var perMillion = perStep / (1536.0 * 2048) * 1e6;
        var goodput = BudgetDefaults.Standard.Value("goodput");
        var run = 1024 * (e.TimeToTrainDays!.Value * 24 / goodput) * rent;

        var cut = Render<PlannerPage>();

        Assert.Equal(perStep, Usd(cut.Find("[data-testid=cost-per-step]").TextContent), perStep * 0.005);
        Assert.Equal(perMillion, Usd(cut.Find("[data-testid=cost-per-million-tokens]").TextContent), perMillion * 0.005);
        // Whole run: 1,024 GPUs × (time to train ÷ goodput) × $2.25 (≈ $1.4M, shown to a tenth of a million).
        Assert.Equal(BudgetFormat.Usd(run), cut.Find("[data-testid=cost-run]").TextContent.Trim());
        Assert.Equal(run, Usd(cut.Find("[data-testid=cost-run]").TextContent), 0.05e6);
        Assert.Equal("$2.25", cut.Find("[data-testid=cost-per-gpu-hour]").TextContent.Trim());
        Assert.Equal("EPOCH_PRICES", cut.Find("[data-testid=cost-source-key]").TextContent.Trim());
        var source = cut.Find("[data-testid=cost-price-source]").TextContent;
        Assert.Contains("Rent at $2.25 per GPU-hour", source, StringComparison.Ordinal);
        Assert.Contains(Core.Hardware.HardwareCatalog.Default.Sources["EPOCH_PRICES"].Reference, source, StringComparison.Ordinal);
        Assert.Contains(goodput.ToString("P1", CultureInfo.InvariantCulture).Replace("%", " %", StringComparison.Ordinal).Replace("  ", " ", StringComparison.Ordinal),
            cut.Find("[data-testid=cost-run-detail]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Owning_depreciates_servers_network_and_facility_and_adds_energy()
    {
        var d = BudgetDefaults.Standard;
        const double price = 17349, tdp = 400; // catalog a100-sxm-80gb purchase price and TDP
        var servers = price * d.Value("serverOverheadFactor");
        var cluster = servers / (1 - d.Value("networkShareOfClusterCost"));
        var itMw = tdp * d.Value("serverPowerFactor") / 1e6;
        var hourly = cluster / (d.Value("depreciationYears") * BudgetCostModel.HoursPerYear)
            + itMw * d.Value("facilityUsdPerMegawatt") / (d.Value("facilityLifeYears") * BudgetCostModel.HoursPerYear)
            + itMw * d.Value("averageLoad") * d.Value("pue") * 1000 * d.Value("electricityUsdPerKWh");

        var cut = Render<PlannerPage>();
        cut.Find("[data-testid=cost-basis-own]").Click();

        Assert.Equal(hourly, Usd(cut.Find("[data-testid=cost-per-gpu-hour]").TextContent), 0.006);
        Assert.Contains("Buy at $17,349 per GPU", cut.Find("[data-testid=cost-price-source]").TextContent, StringComparison.Ordinal);
        Assert.Contains("server overhead", cut.Find("[data-testid=cost-own-assumptions]").TextContent, StringComparison.Ordinal);
        Assert.Equal("true", cut.Find("[data-testid=cost-basis-own]").GetAttribute("aria-pressed"));
    }

    [Fact]
    public void Comparing_with_an_h100_evaluates_the_same_plan_there_and_highlights_the_better_figures()
    {
        var input = DefaultInput();
        var estimates = Services.GetRequiredService<EstimateService>();
        var a100 = estimates.Estimate(input).Estimate!;
        var h100Input = input.Clone();
        h100Input.ChipId = "h100-sxm";
        var h100 = estimates.Estimate(h100Input).Estimate!;
        Assert.True(h100.StepTimeSeconds < a100.StepTimeSeconds);

        var cut = RenderPlannerWithPopovers();
        Assert.Empty(cut.FindAll("[data-testid=compare-row-step-time]"));
        cut.Find("input[data-testid=compare-chip]").ParentElement!.MouseDown();
        cut.FindAll(".mud-popover-open .mud-list-item").Single(e => e.TextContent.Contains("(h100-sxm)", StringComparison.Ordinal)).Click();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=compare-row-step-time]")));
        Assert.Contains("× 1,024", cut.Find("[data-testid=compare-other-name]").TextContent, StringComparison.Ordinal);
        Assert.Equal(a100.StepTimeSeconds!.Value.ToString("F3", CultureInfo.InvariantCulture), cut.Find("[data-testid=compare-current-step-time]").TextContent.Trim());
        var otherStep = cut.Find("[data-testid=compare-other-step-time]");
        Assert.StartsWith(h100.StepTimeSeconds!.Value.ToString("F3", CultureInfo.InvariantCulture), otherStep.TextContent.Trim(), StringComparison.Ordinal);
        Assert.Equal("true", otherStep.GetAttribute("data-better"));
        Assert.Contains("compare-better", otherStep.ClassName, StringComparison.Ordinal);
        Assert.Equal("false", cut.Find("[data-testid=compare-current-step-time]").GetAttribute("data-better"));
        var diff = (h100.StepTimeSeconds.Value - a100.StepTimeSeconds.Value) / a100.StepTimeSeconds.Value;
        Assert.Equal("−" + Math.Abs(diff * 100).ToString("F0", CultureInfo.InvariantCulture) + " %", cut.Find("[data-testid=compare-diff-step-time]").TextContent.Trim());
        Assert.Equal("true", cut.Find("[data-testid=compare-other-tokens-per-second]").GetAttribute("data-better"));
        // Cost per million tokens at each chip's catalog rent ($2.25 vs $2.99 per GPU-hour).
        var costA = 1024 * a100.StepTimeSeconds.Value / 3600 * 2.25 / (1536.0 * 2048) * 1e6;
        var costH = 1024 * h100.StepTimeSeconds.Value / 3600 * 2.99 / (1536.0 * 2048) * 1e6;
        Assert.Equal(costH, Usd(cut.Find("[data-testid=compare-other-cost-per-million-tokens]").TextContent.Replace("(better)", "", StringComparison.Ordinal)), 0.006);
        Assert.Equal(costH < costA ? "true" : "false", cut.Find("[data-testid=compare-other-cost-per-million-tokens]").GetAttribute("data-better"));
        // The exposed-communication share row is the breakdown's share of the step.
        var share = a100.Breakdown!.Communication.TotalExposedSeconds / a100.StepTimeSeconds.Value;
        Assert.StartsWith((share * 100).ToString("F1", CultureInfo.InvariantCulture) + " %", cut.Find("[data-testid=compare-current-comm-share]").TextContent.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public void Comparing_two_cluster_sizes_of_one_chip_derives_the_data_parallel_size()
    {
        var cut = RenderPlannerWithPopovers();
        cut.Find("input[data-testid=compare-chip]").ParentElement!.MouseDown();
        cut.FindAll(".mud-popover-open .mud-list-item").Single(e => e.TextContent.Contains("(a100-sxm-80gb)", StringComparison.Ordinal)).Click();
        cut.Find("input[data-testid=compare-gpus]").Input("2048");

        cut.WaitForAssertion(() => Assert.Contains("× 2,048", cut.Find("[data-testid=compare-other-name]").TextContent, StringComparison.Ordinal));
        var input = DefaultInput();
        input.Gpus = 2048;
        var twice = Services.GetRequiredService<EstimateService>().Estimate(input).Estimate!;
        Assert.StartsWith(twice.StepTimeSeconds!.Value.ToString("F3", CultureInfo.InvariantCulture), cut.Find("[data-testid=compare-other-step-time]").TextContent.Trim(), StringComparison.Ordinal);
        Assert.Equal("true", cut.Find("[data-testid=compare-other-step-time]").GetAttribute("data-better"));
    }
}
