using Bunit.TestDoubles;
using CapacityPlanner.Contracts.Sharing;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Validation;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Features.Validation;
using CapacityPlanner.Web.Hosting;
using CapacityPlanner.Web.Shared.Widgets;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Plotly.Blazor.Traces;

namespace CapacityPlanner.Web.Tests.Features.Validation;

/// <summary>
/// The Validation page over the shipped validation set (the real model) and a real <see cref="MeasuredRunStore"/> on a
/// throwaway SQLite file: every published run in the table, the filters, the summary against Core's report, the user's runs.
/// </summary>
public sealed class ValidationPageTests : PlannerTestContext
{
    // The report the page must agree with, computed here independently of the page's service.
    private static readonly Lazy<ValidationReport> s_report = new(() => ValidationSet.RunShipped());

    public ValidationPageTests() => Services.AddValidationPage();

    private MeasuredRunStore Store => Services.GetRequiredService<MeasuredRunStore>();

    private static ValidationReport Report => s_report.Value;

    private IRenderedComponent<ContainerFragment> RenderPage(string uri = "/validation")
    {
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo(uri);
        return Render<ContainerFragment>(p => p.AddChildContent(b =>
        {
            b.OpenComponent<MudPopoverProvider>(0);
            b.CloseComponent();
            b.OpenComponent<ValidationPage>(1);
            b.CloseComponent();
        }));
    }

    // The page filtered to the chip and GPU count of a shipped run's scenario: the user-run tests see their run and a handful
    // of published ones. bUnit regenerates the whole page's markup after every render batch; with all 300-odd published rows
    // one add or delete took 10-15 s on two cores, near bUnit's wait limit under CI load (the server's own render of the
    // same change is a few milliseconds; the browser tests cover the full page).
    private IRenderedComponent<ContainerFragment> RenderPageFor(ValidationCase scenario)
    {
        var system = Contracts.Scenarios.ScenarioParser.Parse(scenario.ScenarioJson).Document!.System;
        return RenderPage($"/validation?chip={Uri.EscapeDataString(system.ChipId!)}&gpus={system.Gpus}");
    }

    private static List<string> Ids(IRenderedComponent<ContainerFragment> cut, string table) =>
        cut.FindAll($"[data-testid={table}] [data-testid=run-id]").Select(e => e.GetAttribute("data-id")!).ToList();

    [Fact]
    public void The_table_has_every_shipped_run_with_its_prediction_and_a_planner_link_to_its_scenario()
    {
        var cut = RenderPage();

        var shipped = ValidationSet.Shipped;
        Assert.True(shipped.Count >= 50, $"only {shipped.Count} shipped cases");
        Assert.Equal(shipped.Select(c => c.Id).Order(StringComparer.Ordinal), Ids(cut, "validation-table").Order(StringComparer.Ordinal));

        var rows = cut.FindAll("[data-testid=validation-table] tbody tr");
        foreach (var result in Report.Results.Take(12))
        {
            var row = rows.Single(r => r.QuerySelector("[data-testid=run-id]")?.GetAttribute("data-id") == result.Case.Id);
            Assert.Equal(result.Case.Family, row.QuerySelector("[data-testid=run-family]")!.TextContent.Trim());
            Assert.Equal(result.Chip, row.QuerySelector("[data-testid=run-chip]")!.TextContent.Trim());
            Assert.Equal(ValidationFormat.SignedPercent(result.Error), row.QuerySelector("[data-testid=run-error]")!.TextContent.Trim());
            Assert.StartsWith(result.WithinTolerance ? "yes" : "no", row.QuerySelector("[data-testid=run-within]")!.TextContent.Trim(), StringComparison.Ordinal);
            // "Open in planner" carries exactly this run's scenario.
            var href = row.QuerySelector("[data-testid=run-open]")!.GetAttribute("href")!;
            Assert.StartsWith("/?s=v1.", href, StringComparison.Ordinal);
            Assert.True(ScenarioLink.TryCanonicalize(result.Case.ScenarioJson, out var canonical, out _));
            // … and names it, so that the Planner shows what it measured.
            var run = $"&{Web.Shared.Sharing.PlannerShareState.RunParameter}={Uri.EscapeDataString(result.Case.Id)}";
            Assert.EndsWith(run, href, StringComparison.Ordinal);
            Assert.Equal(canonical, ScenarioLink.Decode(href["/?s=".Length..^run.Length]).Payload!.ScenarioJson);
        }
        Assert.Contains($"{shipped.Count} of {shipped.Count} published runs", cut.Find("[data-testid=filter-count]").TextContent, StringComparison.Ordinal);
        Assert.Contains("published runs", cut.Find("[data-testid=validation-scatter-summary]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Runs_no_constant_is_fitted_on_are_marked_held_out_and_no_others()
    {
        var cut = RenderPage();

        var marked = cut.FindAll("[data-testid=validation-table] tbody tr")
            .Where(r => r.QuerySelector("[data-testid=run-held-out]") is not null)
            .Select(r => r.QuerySelector("[data-testid=run-id]")!.GetAttribute("data-id")!)
            .Order(StringComparer.Ordinal).ToList();
        var expected = ValidationSet.Shipped.Where(ModelCalibration.IsHeldOut).Select(c => c.Id).Order(StringComparer.Ordinal).ToList();
        Assert.Contains("mlperf40-gpt3-eos-dfw-h100-11616", marked);
        Assert.Contains(marked, id => id.StartsWith("dgxc", StringComparison.Ordinal));
        Assert.DoesNotContain("mlperf31-gpt3-eos-h100-8192", marked);
        Assert.Equal(expected, marked);
    }

    [Fact]
    public void Sorting_by_error_orders_the_rows_by_signed_error()
    {
        var cut = RenderPage();
        cut.Find("[data-testid=validation-table-sort-error]").Click();

        var errors = cut.FindAll("[data-testid=validation-table] [data-testid=run-error]").Select(e => e.TextContent.Trim()).ToList();
        var expected = Report.Results.Select(r => ValidationFormat.SignedPercent(r.Error)).ToList();
        Assert.Equal(expected.Order(), errors.Order());
        var numbers = errors.Where(e => e != "—").Select(e => double.Parse(e.TrimEnd('%', ' '), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(numbers.Count > 10);
        Assert.Equal(numbers.Order(), numbers);
        Assert.NotEqual(numbers.Order(), numbers.OrderByDescending(x => x));
    }

    [Fact]
    public void The_summary_shows_ValidationReports_numbers_for_every_family_and_the_firm_runs()
    {
        var cut = RenderPage();

        var families = Report.Families;
        Assert.NotEmpty(families);
        foreach (var (name, expected) in families.Append(new KeyValuePair<string, ValidationSummary>("firm", Report.Firm())))
        {
            var row = cut.Find($"[data-testid=summary-row][data-family='{name}']");
            string Cell(string id) => row.QuerySelector($"[data-testid={id}]")!.TextContent.Trim();
            Assert.Equal(expected.Cases.ToString(System.Globalization.CultureInfo.InvariantCulture), Cell("summary-cases"));
            Assert.Equal(ValidationFormat.Percent(expected.MedianAbsError), Cell("summary-median"));
            Assert.Equal(ValidationFormat.Percent(expected.MeanAbsError), Cell("summary-mean"));
            Assert.Equal(ValidationFormat.Percent(expected.MaxAbsError), Cell("summary-max"));
            Assert.Equal(ValidationFormat.Percent(expected.WithinTolerance, 0), Cell("summary-within"));
            Assert.Equal(expected.Infeasible.ToString(System.Globalization.CultureInfo.InvariantCulture), Cell("summary-infeasible"));
            Assert.Equal(ValidationFormat.SignedPercent(expected.Bias), Cell("summary-bias"));
        }
        Assert.Empty(cut.FindAll("[data-testid=summary-row][data-family=user]"));
    }

    [Fact]
    public void The_scale_table_shows_each_gpu_band_of_the_firm_runs_and_the_bands_hold_every_firm_run_once()
    {
        var cut = RenderPage();

        var rows = cut.FindAll("[data-testid=scale-summary] [data-testid=summary-row]");
        var bands = Report.Scales.Where(b => b.Firm.Cases > 0).ToList();
        Assert.True(bands.Count >= 3, "the shipped runs span at least three scale bands");
        Assert.Equal(bands.Select(b => b.Label), rows.Select(r => r.QuerySelector("th")!.TextContent.Trim()));
        foreach (var (band, row) in bands.Zip(rows))
        {
            string Cell(string id) => row.QuerySelector($"[data-testid={id}]")!.TextContent.Trim();
            Assert.Equal(band.Firm.Cases.ToString(System.Globalization.CultureInfo.InvariantCulture), Cell("summary-cases"));
            Assert.Equal(ValidationFormat.Percent(band.Firm.MedianAbsError), Cell("summary-median"));
            Assert.Equal(ValidationFormat.SignedPercent(band.Firm.Bias), Cell("summary-bias"));
            Assert.Equal(Report.Results.Count(r => !r.Case.Soft && r.Gpus >= band.FromGpus && r.Gpus <= (band.ToGpus ?? int.MaxValue)), band.Firm.Cases);
        }
        Assert.Equal(Report.Firm().Cases, bands.Sum(b => b.Firm.Cases));
    }

    [Fact]
    public void The_family_filter_shows_that_family_only_in_the_table_and_the_chart_and_puts_it_in_the_address()
    {
        var cut = RenderPage();
        // A family that is a strict part of the set.
        var family = Report.Families.Keys.First(f => Report.Results.Count(r => r.Case.Family == f) < Report.Results.Count);
        var expected = Report.Results.Where(r => r.Case.Family == family).Select(r => r.Case.Id).Order(StringComparer.Ordinal).ToList();

        // With a value shown ("All families") the select renders a div, not an input.
        cut.Find("[data-testid=filter-family]").ParentElement!.MouseDown();
        cut.FindAll(".mud-popover-open .mud-list-item").Single(e => e.TextContent.Trim() == family).Click();

        cut.WaitForAssertion(() => Assert.Equal(expected, Ids(cut, "validation-table").Order(StringComparer.Ordinal)));
        Assert.All(cut.FindAll("[data-testid=validation-table] [data-testid=run-family]"), e => Assert.Equal(family, e.TextContent.Trim()));
        var plotted = Report.Results.Count(r => r.Case.Family == family && r.Predicted is not null);
        var figure = cut.FindComponent<PlotlyFigure>().Instance.Figure!;
        var published = figure.Data.OfType<Scatter>().Single(t => t.Name == "published runs");
        Assert.Equal(plotted, published.X.Count);
        Assert.Contains("family=" + Uri.EscapeDataString(family), Services.GetRequiredService<BunitNavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void Filters_come_from_the_query()
    {
        var first = Report.Results.First(r => r.Predicted is not null);
        var cut = RenderPage($"/validation?chip={first.Chip}&gpus={first.Gpus}");
        var expected = Report.Results.Where(r => r.Chip == first.Chip && r.Gpus == first.Gpus).Select(r => r.Case.Id).Order(StringComparer.Ordinal);
        Assert.Equal(expected, Ids(cut, "validation-table").Order(StringComparer.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=filter-message]"));
    }

    [Fact]
    public void Query_values_that_name_nothing_or_do_not_parse_are_ignored_with_a_message()
    {
        var bad = RenderPage("/validation?gpus=lots&family=%3Cb%3Enope");
        Assert.Equal(Report.Results.Count, Ids(bad, "validation-table").Count);
        var message = bad.Find("[data-testid=filter-message]").TextContent;
        Assert.Contains("\u201Clots\u201D", message, StringComparison.Ordinal);
        Assert.Contains("\u201C<b>nope\u201D", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Your_runs_show_beside_the_published_ones_with_their_error_in_the_summary_and_the_chart()
    {
        var scenario = Report.Results.First(r => r.Predicted is not null && r.Case.Metric == ValidationMetric.StepTimeSeconds).Case;
        var predicted = ValidationRunner.Run(scenario).Predicted!.Value;
        // Measured 20% slower than predicted: error +20%, outside the 15% tolerance. The name has markup that must stay text.
        await Store.AddOwnedAsync("<b>our</b> run", scenario.ScenarioJson, "stepTimeSeconds", predicted * 1.2, "our-lab", null, TestOwnerKey);

        var cut = RenderPageFor(scenario);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=user-table] [data-testid=run-id]")));
        var row = cut.Find("[data-testid=user-table] tbody tr");
        Assert.Contains("<b>our</b> run", row.QuerySelector("[data-testid=run-id]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("+20.0 %", row.QuerySelector("[data-testid=run-error]")!.TextContent.Trim());
        Assert.StartsWith("no", row.QuerySelector("[data-testid=run-within]")!.TextContent.Trim(), StringComparison.Ordinal);
        Assert.Equal("our-lab", row.QuerySelector("[data-testid=run-family]")!.TextContent.Trim());

        var user = cut.Find("[data-testid=summary-row][data-family=user]");
        Assert.Equal("1", user.QuerySelector("[data-testid=summary-cases]")!.TextContent.Trim());
        Assert.Equal("+20.0 %", user.QuerySelector("[data-testid=summary-bias]")!.TextContent.Trim());

        // On the chart in its own trace, its hover text HTML-encoded (Plotly renders a subset of HTML).
        var figure = cut.FindComponent<PlotlyFigure>().Instance.Figure!;
        var mine = figure.Data.OfType<Scatter>().Single(t => t.Name == "your runs");
        Assert.Equal(predicted * 1.2, Assert.IsType<double>(Assert.Single(mine.X)), 9);
        var hover = Assert.Single(mine.HoverTextArray);
        Assert.Contains("&lt;b&gt;our&lt;/b&gt; run", hover, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>our</b>", hover, StringComparison.Ordinal);

        // Delete removes it from the table and the store.
        cut.Find("[data-testid=user-table] [data-testid=run-delete]").Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=user-table] [data-testid=run-id]")));
        Assert.Empty(await Store.ListAsync());
    }

    [Fact]
    public void A_run_that_names_a_custom_chip_of_this_server_is_stored_with_the_chip_inlined()
    {
        var chip = new Contracts.Scenarios.CustomChipSection { Id = "h100-200g", BaseOn = "h100-sxm", HbmCapacityGiB = 200 };
        var scenario = Report.Results.First(r => r.Predicted is not null).Case.ScenarioJson;
        var catalogChip = Contracts.Scenarios.ScenarioParser.Parse(scenario).Document!.System.ChipId!;
        var named = scenario.Replace($"\"{catalogChip}\"", "\"h100-200g\"", StringComparison.Ordinal);

        var (draft, errors) = MeasuredRunInput.FromFields("custom", named, ValidationMetric.StepTimeSeconds, "12.5", null, null,
            id => id == chip.Id ? chip : null);

        Assert.Empty(errors);
        var stored = Contracts.Scenarios.ScenarioParser.Parse(draft!.ScenarioJson).Document!;
        Assert.Equal(chip, stored.System.CustomChip);
        Assert.Null(stored.System.ChipId);
        Assert.True(ScenarioLink.TryCanonicalize(draft.ScenarioJson, out var canonical, out _));
        Assert.Equal(canonical, draft.ScenarioJson);
    }

    [Fact]
    public async Task The_form_adds_a_run_and_names_each_wrong_field()
    {
        var shipped = Report.Results.First(r => r.Case.Id == "bloom-176b-384gpu").Case;
        var cut = RenderPageFor(shipped);

        // Nothing filled in: name, scenario and measured are required.
        cut.Find("[data-testid=run-add]").Click();
        var paths = cut.FindAll("[data-testid=run-form-error]").Select(e => e.GetAttribute("data-path")).ToList();
        Assert.Contains("$.name", paths);
        Assert.Contains("$.scenario", paths);
        Assert.Contains("$.measured", paths);
        Assert.Empty(await Store.ListAsync());

        var scenario = shipped.ScenarioJson;
        cut.Find("input[data-testid=run-name]").Change("cluster A, week 12");
        cut.Find("textarea[data-testid=run-scenario]").Change(scenario.Replace("\"gpus\"", "\"gpuz\"", StringComparison.Ordinal));
        cut.Find("input[data-testid=run-measured]").Change("-2");
        cut.Find("[data-testid=run-add]").Click();
        paths = cut.FindAll("[data-testid=run-form-error]").Select(e => e.GetAttribute("data-path")).ToList();
        Assert.Contains("$.scenario.system.gpuz", paths);
        Assert.Contains("$.measured", paths);
        Assert.Empty(await Store.ListAsync());

        // A step no GPU of the run could take (BLOOM-176B on 384 A100 in 1.25 s): the unit is named.
        cut.Find("textarea[data-testid=run-scenario]").Change(scenario);
        cut.Find("input[data-testid=run-measured]").Change("1.25");
        cut.Find("[data-testid=run-add]").Click();
        var impossible = Assert.Single(cut.FindAll("[data-testid=run-form-error]"));
        Assert.Equal("$.measured", impossible.GetAttribute("data-path"));
        Assert.Contains("not milliseconds", impossible.TextContent, StringComparison.Ordinal);
        Assert.Empty(await Store.ListAsync());

        cut.Find("input[data-testid=run-measured]").Change("125");
        cut.Find("[data-testid=run-add]").Click();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=user-table] [data-testid=run-id]")));
        Assert.Empty(cut.FindAll("[data-testid=run-form-error]"));
        var stored = Assert.Single(await Store.ListAsync());
        Assert.Equal("cluster A, week 12", stored.Name);
        Assert.Equal(125, stored.Measured);
        Assert.Equal("stepTimeSeconds", stored.Metric);
    }

    [Fact]
    public async Task A_pasted_case_file_fills_the_form_and_adds_as_it_is()
    {
        var shipped = Report.Results.First(r => r.Case.Id == "bloom-176b-384gpu").Case;
        var cut = RenderPageFor(shipped);
        // The file as its source gives it: the family names the software, the scenario no stack.
        var scenario = System.Text.Json.Nodes.JsonNode.Parse(shipped.ScenarioJson)!.AsObject();
        scenario["training"]!.AsObject().Remove("stack");
        var file = new System.Text.Json.Nodes.JsonObject
        {
            ["scenario"] = scenario,
            ["metric"] = ValidationCase.MetricId(shipped.Metric),
            ["measured"] = shipped.Measured,
            ["family"] = shipped.Family,
            ["source"] = shipped.Source,
        }.ToJsonString();

        cut.Find("textarea[data-testid=run-scenario]").Change(file);

        Assert.Contains("Read a published run's case file", cut.Find("[data-testid=run-pasted]").TextContent, StringComparison.Ordinal);
        Assert.Equal(shipped.Measured.ToString("R", System.Globalization.CultureInfo.InvariantCulture), cut.Find("input[data-testid=run-measured]").GetAttribute("value"));
        Assert.Equal("deepspeed", cut.Find("input[data-testid=run-family-input]").GetAttribute("value"));
        Assert.Equal(scenario["name"]!.GetValue<string>(), cut.Find("input[data-testid=run-name]").GetAttribute("value"));
        // The box now holds the scenario as it ran, the family's stack written in.
        Assert.Contains("\"stack\": \"deepspeed\"", cut.Find("textarea[data-testid=run-scenario]").GetAttribute("value") ?? cut.Find("textarea[data-testid=run-scenario]").TextContent, StringComparison.Ordinal);

        cut.Find("[data-testid=run-add]").Click();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=user-table] [data-testid=run-id]")));
        var stored = Assert.Single(await Store.ListAsync());
        Assert.Equal(shipped.Measured, stored.Measured);
        Assert.Equal(ValidationCase.MetricId(shipped.Metric), stored.Metric);
        Assert.Equal("deepspeed", stored.Family);
        Assert.Equal("Source: " + shipped.Source, stored.Notes);
    }

    [Fact]
    public void A_pasted_case_file_that_is_wrong_says_so_under_the_scenario()
    {
        var shipped = Report.Results.First(r => r.Case.Id == "bloom-176b-384gpu").Case;
        var cut = RenderPageFor(shipped);
        cut.Find("textarea[data-testid=run-scenario]").Change($$"""{ "scenario": {{shipped.ScenarioJson}}, "metric": "mfu", "measured": 1 }""");
        var error = Assert.Single(cut.FindAll("[data-testid=run-form-error]"));
        Assert.Equal("$.scenario", error.GetAttribute("data-path"));
        Assert.Contains("'metric' must be", error.TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=run-pasted]"));
    }

    [Fact]
    public async Task Fitting_the_model_to_your_runs_shows_the_constants_and_the_leave_one_out_error_as_the_api_does()
    {
        var scenario = Report.Results.First(r => r.Predicted is not null && r.Case.Metric == ValidationMetric.StepTimeSeconds && r.Case.Family == "mlperf").Case;
        var cut = RenderPageFor(scenario);
        // No runs of your own: nothing to fit.
        Assert.NotNull(cut.Find("[data-testid=calibrate]").GetAttribute("disabled"));

        // Two runs on one scenario, measured 20% and 25% slower than the model says: the fit moves the constants to slow it.
        var predicted = ValidationRunner.Run(scenario).Predicted!.Value;
        await Store.AddOwnedAsync("run a", scenario.ScenarioJson, "stepTimeSeconds", predicted * 1.2, "lab", null, TestOwnerKey);
        await Store.AddOwnedAsync("run b", scenario.ScenarioJson, "stepTimeSeconds", predicted * 1.25, "lab", null, TestOwnerKey);
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=user-table] [data-testid=run-id]").Count));

        cut.Find("[data-testid=calibrate]").Click();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=calibration-accuracy]")), TimeSpan.FromSeconds(60));
        var cases = (await Store.ListAsync()).Select(MeasuredRunInput.ToCase).ToList();
        var expected = ModelCalibration.FitToRuns(cases);
        var fitted = cut.FindAll("[data-testid=calibration-constant]");
        Assert.Equal(CalibratedConstants.Names.Count, fitted.Count);
        for (var i = 0; i < fitted.Count; i++)
        {
            Assert.Equal(expected.Fitted[i].ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
                fitted[i].QuerySelector("[data-testid=calibration-fitted]")!.TextContent.Trim());
        }
        var rows = cut.FindAll("[data-testid=calibration-accuracy] [data-testid=summary-row]");
        Assert.Equal(["before", "after", "loo"], rows.Select(r => r.GetAttribute("data-family")));
        Assert.Equal(ValidationFormat.Percent(expected.Before.MedianAbsError), rows[0].QuerySelector("[data-testid=summary-median]")!.TextContent.Trim());
        Assert.Equal(ValidationFormat.Percent(expected.LeaveOneOut!.MedianAbsError), rows[2].QuerySelector("[data-testid=summary-median]")!.TextContent.Trim());
        // The shipped constants give about 20-25% on these runs; the fit does better in sample.
        Assert.True(expected.After.MedianAbsError < expected.Before.MedianAbsError);

        // A fit of other runs would mislead: deleting one drops it.
        var deleted = (await Store.ListAsync()).First();
        await Store.DeleteAsync(deleted.Id);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=calibration-accuracy]")));
    }
}
