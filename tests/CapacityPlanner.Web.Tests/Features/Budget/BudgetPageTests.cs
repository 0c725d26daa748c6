using System.Globalization;
using CapacityPlanner.Web.Features.Budget;
using CapacityPlanner.Web.Hosting;
using CapacityPlanner.Web.Shared.Charts;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using BudgetPage = CapacityPlanner.Web.Features.Budget.Budget;

namespace CapacityPlanner.Web.Tests.Features.Budget;

/// <summary>The Budget page: the $30B example, duplicated and compared columns, and the parser's messages on the fields.</summary>
public sealed class BudgetPageTests : PlannerTestContext
{
    private static readonly TimeSpan s_planTimeout = TimeSpan.FromSeconds(60);

    public BudgetPageTests() => Services.AddBudgetPage();

    private IRenderedComponent<ContainerFragment> RenderPage() => Render<ContainerFragment>(p => p.AddChildContent(b =>
    {
        b.OpenComponent<MudPopoverProvider>(0);
        b.CloseComponent();
        b.OpenComponent<BudgetPage>(1);
        b.CloseComponent();
    }));

    private static long Gpus(IRenderedComponent<ContainerFragment> cut, int column) =>
        long.Parse(cut.Find($"[data-testid=budget-gpus-{column}]").TextContent.Trim(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

    // Find and type in one renderer turn: the page re-renders when its background plan lands, and an element found
    // before that render has lost its handler (UnknownEventHandlerIdException).
    private static void TypeInto(IRenderedComponent<ContainerFragment> cut, string selector, string value) =>
        cut.InvokeAsync(() => cut.Find(selector).Input(value)).GetAwaiter().GetResult();

    private static IRenderedComponent<ContainerFragment> WaitForGpus(IRenderedComponent<ContainerFragment> cut, int column)
    {
        cut.WaitForAssertion(() => Assert.Matches(@"^\d[\d,]*$", cut.Find($"[data-testid=budget-gpus-{column}]").TextContent.Trim()), s_planTimeout);
        return cut;
    }

    [Fact]
    public void The_30B_example_opens_with_one_click_and_buys_hundreds_of_thousands_of_GPUs()
    {
        var cut = RenderPage();

        cut.Find("button[data-testid=open-example]").Click();

        WaitForGpus(cut, 0);
        var gpus = Gpus(cut, 0);
        Assert.InRange(gpus, 100_000, 999_999);
        Assert.Single(cut.FindAll("[data-testid^=budget-column-]"));
        // About 1e27 FLOP: hundreds of thousands of GPUs at the searched plan's MFU for 164 training days (capplan budget
        // --example 30b-half-year); the log10 column agrees with it.
        var flop = double.Parse(cut.Find("[data-testid=budget-flop-0]").TextContent.Trim(), CultureInfo.InvariantCulture);
        Assert.InRange(flop, 5e26, 5e27);
        Assert.Equal(Math.Log10(flop), double.Parse(cut.Find("[data-testid=budget-log10-flop-0]").TextContent.Trim(), CultureInfo.InvariantCulture), 0.01);
        Assert.Contains("$30B half-year run", cut.Find("[data-testid=budget-ladder-chart-summary]").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("NaN", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicated_column_with_another_chip_shows_other_numbers_and_highlights_the_difference()
    {
        var cut = WaitForGpus(RenderPage(), 0);
        var first = Gpus(cut, 0);

        cut.Find("button[data-testid=duplicate-0]").Click();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid^=budget-column-]").Count), s_planTimeout);
        WaitForGpus(cut, 1);
        Assert.Equal(first, Gpus(cut, 1));
        Assert.Equal("false", cut.Find("[data-testid=budget-gpus-1]").GetAttribute("data-differs"));

        cut.Find("input[data-testid=chip-1]").ParentElement!.MouseDown();
        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll(".mud-popover-open .mud-list-item"), e => e.TextContent.Contains("(gb200)", StringComparison.Ordinal)), s_planTimeout);
        cut.FindAll(".mud-popover-open .mud-list-item").First(e => e.TextContent.Contains("(gb200)", StringComparison.Ordinal)).Click();

        cut.WaitForAssertion(() => Assert.NotEqual(first, Gpus(cut, 1)), s_planTimeout);
        Assert.Equal(first, Gpus(cut, 0));
        var cell = cut.Find("[data-testid=budget-gpus-1]");
        Assert.Equal("true", cell.GetAttribute("data-differs"));
        Assert.Contains("budget-diff", cell.ClassList);
        Assert.Equal("true", cut.Find("[data-testid=budget-flop-1]").GetAttribute("data-differs"));
        Assert.Equal("false", cut.Find("[data-testid=budget-gpus-0]").GetAttribute("data-differs"));
    }

    [Fact]
    public void A_zero_budget_shows_the_parsers_message_on_the_budget_field()
    {
        var cut = WaitForGpus(RenderPage(), 0);

        TypeInto(cut, "input[data-testid=budget-usd-0]", "0");

        cut.WaitForAssertion(() =>
        {
            var error = Assert.Single(cut.FindAll("[data-testid=budget-errors-0] [data-testid=error]"));
            Assert.Equal("$.budget.budgetUsd", error.GetAttribute("data-path"));
            Assert.Contains("the budget must be above $0", error.TextContent, StringComparison.Ordinal);
            // The list names the field as the form labels it, not by its JSON path.
            Assert.StartsWith("Budget (USD):", error.TextContent.Trim(), StringComparison.Ordinal);
            Assert.DoesNotContain("$.budget", error.TextContent, StringComparison.Ordinal);
            var field = cut.Find("input[data-testid=budget-usd-0]").Closest(".mud-input-control")!;
            Assert.Contains("the budget must be above $0", field.TextContent, StringComparison.Ordinal);
        }, s_planTimeout);
        Assert.Equal("—", cut.Find("[data-testid=budget-gpus-0]").TextContent.Trim());
    }

    [Fact]
    public void A_goodput_above_one_shows_the_parsers_message_on_the_goodput_field()
    {
        var cut = WaitForGpus(RenderPage(), 0);

        TypeInto(cut, "input[data-testid=goodput-0]", "1.5");

        cut.WaitForAssertion(() =>
        {
            var field = cut.Find("input[data-testid=goodput-0]").Closest(".mud-input-control")!;
            Assert.Contains("goodput is the fraction of wall time that trains", field.TextContent, StringComparison.Ordinal);
        }, s_planTimeout);
        var error = Assert.Single(cut.FindAll("[data-testid=budget-errors-0] [data-testid=error]"));
        Assert.Equal("$.budget.goodput", error.GetAttribute("data-path"));
    }

    [Fact]
    public void The_30B_example_shows_goodput_interruptions_and_two_sites_under_300_mw()
    {
        var cut = WaitForGpus(RenderPage(), 0);
        Assert.Contains("(reliability model)", cut.Find("[data-testid=budget-goodput-0]").TextContent, StringComparison.Ordinal);
        // ~173 interruptions a day on 327,680 H100 (Llama 3's per-GPU-hour rates).
        var perDay = double.Parse(cut.Find("[data-testid=budget-interruptions-0]").TextContent.Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(perDay, 165, 180);
        Assert.StartsWith("2 needed, 2 × 163,840 GPUs", cut.Find("[data-testid=budget-sites-0]").TextContent.Trim(), StringComparison.Ordinal);
        Assert.Equal("260.9", cut.Find("[data-testid=budget-mw-per-site-0]").TextContent.Trim());
        Assert.Matches(@"^\d+\.\d %", cut.Find("[data-testid=budget-lost-time-0]").TextContent.Trim());
    }

    [Fact]
    public void A_power_cap_resizes_the_cluster_and_a_cap_below_one_node_is_a_field_error()
    {
        var cut = WaitForGpus(RenderPage(), 0);
        var before = Gpus(cut, 0);

        // 50 MW / 1,592.5 W per H100 = 31,397 → 31,392 in whole nodes.
        TypeInto(cut, "input[data-testid=power-cap-mw-0]", "50");
        cut.WaitForAssertion(() => Assert.True(Gpus(cut, 0) <= 31_392), s_planTimeout);
        Assert.True(Gpus(cut, 0) < before);
        Assert.Equal("31,392", cut.Find("[data-testid=budget-affordable-gpus-0]").TextContent.Trim());

        TypeInto(cut, "input[data-testid=power-cap-mw-0]", "0.001");
        cut.WaitForAssertion(() =>
        {
            var field = cut.Find("input[data-testid=power-cap-mw-0]").Closest(".mud-input-control")!;
            Assert.Contains("below one 8-GPU h100-sxm node", field.TextContent, StringComparison.Ordinal);
        }, s_planTimeout);
    }

    [Theory]
    [InlineData("1e15")]
    [InlineData("100000")]
    public void Extreme_but_valid_budgets_give_results_with_warnings_and_no_NaN_or_infinity(string budget)
    {
        var cut = WaitForGpus(RenderPage(), 0);
        var before = Gpus(cut, 0);

        TypeInto(cut, "input[data-testid=budget-usd-0]", budget);

        cut.WaitForAssertion(() => Assert.NotEqual(before, Gpus(cut, 0)), s_planTimeout);
        Assert.NotEmpty(cut.FindAll("[data-testid=budget-warnings-0] [data-testid=warning]"));
        var text = cut.Find("[data-testid=budget-table]").TextContent;
        Assert.DoesNotContain("NaN", text, StringComparison.Ordinal);
        Assert.DoesNotContain("∞", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Remove_drops_a_column_and_at_most_four_columns_are_offered()
    {
        var cut = WaitForGpus(RenderPage(), 0);

        for (var i = 1; i <= 3; i++)
        {
            cut.Find("button[data-testid=duplicate-0]").Click();
            cut.WaitForAssertion(() => Assert.Equal(i + 1, cut.FindAll("[data-testid^=budget-column-]").Count), s_planTimeout);
        }

        Assert.True(cut.Find("button[data-testid=duplicate-0]").HasAttribute("disabled"));
        cut.Find("button[data-testid=remove-3]").Click();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid^=budget-column-]").Count), s_planTimeout);
        Assert.False(cut.Find("button[data-testid=duplicate-0]").HasAttribute("disabled"));
    }

    [Fact]
    public void The_page_travels_in_the_address_and_a_reload_keeps_every_column()
    {
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("/budget");
        var cut = WaitForGpus(RenderPage(), 0);

        cut.Find("button[data-testid=duplicate-0]").Click();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid^=budget-column-]").Count), s_planTimeout);

        Assert.Contains("/budget?s=v1.", navigation.Uri, StringComparison.Ordinal);
        // A reload: the page again at that address (the popover provider of the first render serves both).
        var reloaded = Render<BudgetPage>();
        reloaded.WaitForAssertion(() => Assert.Matches(@"^\d[\d,]*$", reloaded.Find("[data-testid=budget-gpus-1]").TextContent.Trim()), s_planTimeout);
        Assert.Equal(2, reloaded.FindAll("[data-testid^=budget-column-]").Count);
        Assert.Contains("(copy)", reloaded.Find("[data-testid=budget-heading-1]").TextContent, StringComparison.Ordinal);
        Assert.Empty(reloaded.FindAll("[data-testid=link-message]"));

        // The toolbar offers the share link (to this page), JSON and CSV of every column.
        reloaded.Find("button[data-testid=copy-link]").Click();
        var link = reloaded.WaitForElement("input[data-testid=share-link]").GetAttribute("value")!;
        Assert.StartsWith("http://localhost/budget?s=v1.", link, StringComparison.Ordinal);
        Assert.NotNull(reloaded.Find("button[data-testid=download-json]"));
        Assert.NotNull(reloaded.Find("button[data-testid=download-csv]"));
    }

    [Fact]
    public void A_column_reopened_from_its_document_keeps_out_of_range_values_and_a_broken_base_says_why()
    {
        var scenario = BudgetScenario.FromExample(Core.Budget.BudgetExamples.ThirtyBillionHalfYear);
        scenario.Pue = 0.5;     // out of range: the planner says so when the column is planned
        var json = scenario.ToJson();

        var reopened = BudgetScenario.FromDocument(json);
        Assert.Empty(reopened.DocumentErrors);
        Assert.Equal(0.5, reopened.Pue);
        Assert.Equal(json, reopened.ToJson());

        // A hand-made link whose model the page does not edit: the column shows the parser's error instead of planning.
        var broken = BudgetScenario.FromDocument(json.Replace("\"layers\":160", "\"layers\":-1", StringComparison.Ordinal));
        Assert.Contains(broken.DocumentErrors, e => e.Path == "$.model.layers");
    }

    [Fact]
    public void Csv_and_json_exports_hold_every_column()
    {
        var json = BudgetScenario.FromExample(Core.Budget.BudgetExamples.ThirtyBillionHalfYear).ToJson();
        var rows = BudgetComparison.Build([Services.GetRequiredService<BudgetService>().Plan(json).Result, null]);

        var csv = BudgetShareState.ExportCsv(["1. a, b", "2. c"], rows).Split("\r\n");
        Assert.Equal("output,\"1. a, b\",2. c", csv[0]);
        Assert.StartsWith("GPUs,", csv[1], StringComparison.Ordinal);
        var array = System.Text.Json.JsonDocument.Parse(BudgetShareState.ExportJson([json, json])).RootElement;
        Assert.Equal(2, array.GetArrayLength());
        Assert.True(array[0].TryGetProperty("budget", out _));
    }

    [Fact]
    public void The_page_says_how_the_hardware_is_paid_and_lists_every_assumption_with_its_value_and_source_editable()
    {
        var cut = WaitForGpus(RenderPage(), 0);

        Assert.Contains("Buy, charge the whole purchase to this run", cut.Find("[data-testid=budget-payment-0]").TextContent, StringComparison.Ordinal);
        Assert.Contains("server overhead 1.64", cut.Find("[data-testid=budget-payment-0]").TextContent, StringComparison.Ordinal);
        var rows = cut.FindAll("[data-testid=budget-assumptions-0] [data-testid=assumption]");
        foreach (var name in new[] { "serverOverheadFactor", "networkShareOfClusterCost", "facilityUsdPerMegawatt", "serverPowerFactor", "averageLoad", "pue", "electricityUsdPerKWh", "goodput", "gpuPriceUsd" })
        {
            var row = Assert.Single(rows, r => r.GetAttribute("data-name") == name);
            Assert.NotEmpty(row.QuerySelector("[data-testid=assumption-value]")!.TextContent.Trim());
            Assert.NotEmpty(row.QuerySelector("[data-testid=assumption-source]")!.TextContent.Trim());
        }
        Assert.Contains("EPOCH_CODE", rows.Single(r => r.GetAttribute("data-name") == "serverOverheadFactor").TextContent, StringComparison.Ordinal);

        // Every driver is editable in the page; an edited value is used and its source says so.
        TypeInto(cut, "input[data-testid=server-overhead-0]", "1.2");
        cut.WaitForAssertion(() =>
        {
            var row = cut.FindAll("[data-testid=budget-assumptions-0] [data-testid=assumption]").Single(r => r.GetAttribute("data-name") == "serverOverheadFactor");
            Assert.Equal("1.2", row.QuerySelector("[data-testid=assumption-value]")!.TextContent.Trim());
            Assert.Equal("given here", row.QuerySelector("[data-testid=assumption-source]")!.TextContent.Trim());
        }, s_planTimeout);
        foreach (var id in new[] { "network-share", "facility-per-mw", "depreciation-years", "facility-life", "server-power", "average-load", "pue", "electricity", "goodput" })
        {
            Assert.NotNull(cut.Find($"input[data-testid={id}-0]"));
        }
    }

    [Fact]
    public void Purchase_depreciation_and_rent_are_one_choice_and_depreciation_charges_the_run_less()
    {
        var planner = Services.GetRequiredService<BudgetService>();
        var scenario = BudgetScenario.FromExample(Core.Budget.BudgetExamples.ThirtyBillionHalfYear);
        scenario.BudgetUsd = 1e9;
        Assert.Equal("purchase", scenario.Payment);
        var purchase = planner.Plan(scenario.ToJson()).Result!;

        scenario.Payment = "depreciation";
        Assert.Contains("\"capitalCost\":\"depreciation\"", scenario.ToJson(), StringComparison.Ordinal);
        var depreciation = planner.Plan(scenario.ToJson()).Result!;
        Assert.Equal(Core.Budget.CapitalCharge.Depreciation, depreciation.Assumptions.CapitalCharge);
        Assert.True(depreciation.Gpus > purchase.Gpus, $"{depreciation.Gpus} vs {purchase.Gpus}");

        scenario.Payment = "rent";
        Assert.True(scenario.IsRent);
        Assert.Equal(Core.Budget.GpuAcquisition.Rent, planner.Plan(scenario.ToJson()).Result!.Assumptions.Acquisition);
    }

    [Theory]
    [InlineData("b200", 1.0)]
    [InlineData("gb200", 1.0)]
    [InlineData("h100-sxm", 1.64)]
    public void The_server_overhead_is_not_applied_on_top_of_catalog_prices_that_include_the_system(string chip, double factor)
    {
        var scenario = BudgetScenario.FromExample(Core.Budget.BudgetExamples.ThirtyBillionHalfYear);
        scenario.ChipId = chip;
        scenario.BudgetUsd = 1e9;
        var result = Services.GetRequiredService<BudgetService>().Plan(scenario.ToJson()).Result!;

        Assert.Equal(factor, result.Assumptions.ServerOverheadFactor, 3);
        var used = result.Assumptions.Used.Single(u => u.Name == "serverOverheadFactor");
        if (factor == 1.0) Assert.Contains("system", used.Note, StringComparison.Ordinal);

        // A GPU price given in the page is a GPU price: the overhead applies again.
        scenario.GpuPriceUsd = 40_000;
        Assert.Equal(1.64, Services.GetRequiredService<BudgetService>().Plan(scenario.ToJson()).Result!.Assumptions.ServerOverheadFactor, 3);
    }

    [Fact]
    public void Implausible_scale_is_flagged_for_supply_power_and_data_with_sources()
    {
        var planner = Services.GetRequiredService<BudgetService>();
        var scenario = BudgetScenario.FromExample(Core.Budget.BudgetExamples.ThirtyBillionHalfYear);
        var example = planner.Plan(scenario.ToJson()).Result!;
        var warnings = BudgetPlausibility.Check(example);
        Assert.Contains(warnings, w => w.StartsWith("Supply:", StringComparison.Ordinal) && w.Contains("Colossus", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("Data:", StringComparison.Ordinal) && w.Contains("Llama 3", StringComparison.Ordinal));

        scenario.ChipId = "gb200";
        scenario.BudgetUsd = 1.5e11;
        // A given MFU spends the whole budget (without it the planner keeps the size that trains the most, ~262k GB200,
        // below the scale these warnings are about).
        scenario.Mfu = 0.4;
        var huge = planner.Plan(scenario.ToJson()).Result!;
        var hugeWarnings = BudgetPlausibility.Check(huge);
        Assert.True(huge.Gpus > 1_000_000, huge.Gpus.ToString(CultureInfo.InvariantCulture));
        Assert.Contains(hugeWarnings, w => w.StartsWith("Supply:", StringComparison.Ordinal) && w.Contains("shipments", StringComparison.Ordinal));
        Assert.Contains(hugeWarnings, w => w.StartsWith("Power:", StringComparison.Ordinal) && w.Contains(" GW", StringComparison.Ordinal) && w.Contains("Epoch AI", StringComparison.Ordinal));

        // The page shows them with the column.
        var cut = WaitForGpus(RenderPage(), 0);
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=budget-plausibility-0] [data-testid=plausibility]")), s_planTimeout);
    }

    [Fact]
    public void The_training_flop_chart_draws_bars_from_zero_with_distinct_ticks_or_points_on_a_decade_log_axis()
    {
        var json = BudgetScenario.FromExample(Core.Budget.BudgetExamples.ThirtyBillionHalfYear).ToJson();
        // Pinned at 2e27 FLOP so that the axis unit below does not move with the model's estimate.
        var result = Services.GetRequiredService<BudgetService>().Plan(json).Result! with { TotalFlop = 2e27 };
        var theme = ChartTheme.For(false);

        // Two scenarios within 100×: bars on a linear axis from zero, in units of 10^27 FLOP, ticks as plain numbers.
        var close = BudgetCharts.Flop([new("1. run", result), new("2. copy", result with { TotalFlop = result.TotalFlop * 0.6 })], theme);
        var y = close.Layout.YAxis![0];
        Assert.IsType<Plotly.Blazor.Traces.Bar>(Assert.Single(close.Data));
        Assert.Null(y.Type);
        Assert.Equal(0d, Convert.ToDouble(y.Range![0], CultureInfo.InvariantCulture));
        Assert.Contains("10^27", y.Title!.Text, StringComparison.Ordinal);
        Assert.Equal("~g", y.TickFormat);

        // Scenarios 1,000× apart: points on a log axis with one tick per decade (every label a different power of ten).
        var far = BudgetCharts.Flop([new("1. run", result), new("2. small", result with { TotalFlop = result.TotalFlop / 1000 })], theme);
        var logY = far.Layout.YAxis![0];
        Assert.IsType<Plotly.Blazor.Traces.Scatter>(Assert.Single(far.Data));
        Assert.Equal(Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Log, logY.Type);
        Assert.Equal(1m, logY.DTick);
    }
}
