using System.Globalization;
using Bunit;
using Bunit.TestDoubles;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Validation;
using CapacityPlanner.Web.Shared.Sharing;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using PlannerPage = CapacityPlanner.Web.Features.Planner.Planner;

namespace CapacityPlanner.Web.Tests.Features.Planner;

/// <summary>
/// A Planner link opened from the Validation page names its published run (<c>&amp;run=</c>): the Planner shows what the
/// run measured beside its own estimate of the plan, the same comparison as the table, until the plan is edited.
/// </summary>
public sealed class PublishedRunPanelTests : PlannerTestContext
{
    private static ValidationResult Shipped(string id) => ValidationSet.RunShipped().Results.First(r => r.Case.Id == id);

    [Fact]
    public void A_run_opened_from_the_validation_table_shows_its_measured_figure_and_the_tables_error()
    {
        var row = Shipped("mlperf31-gpt3-eos-h100-512");
        var link = PlannerShareState.LinkFor(row.Case.ScenarioJson, row.Case.Id)!;
        Assert.EndsWith("&run=mlperf31-gpt3-eos-h100-512", link, StringComparison.Ordinal);
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo(link);

        var cut = Render<PlannerPage>();

        var panel = cut.Find("[data-testid=published-run]");
        Assert.Equal(row.Case.Id, panel.GetAttribute("data-run"));
        Assert.Equal(row.Case.Measured.ToString("G5", CultureInfo.InvariantCulture), cut.Find("[data-testid=published-measured]").TextContent);
        Assert.Equal(row.Predicted!.Value.ToString("G5", CultureInfo.InvariantCulture), cut.Find("[data-testid=published-predicted]").TextContent);
        Assert.Equal(TrackRecord.Signed(row.Error!.Value), cut.Find("[data-testid=published-error]").TextContent);
        Assert.Contains(row.Case.Source, panel.TextContent, StringComparison.Ordinal);

        // An edit makes it another plan: the comparison goes.
        cut.Find("input[data-testid=gpus]").Input("1024");
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=published-run]")));
    }

    [Fact]
    public void A_run_on_its_own_chip_opens_on_the_base_chip_and_says_the_figures_differ()
    {
        // TorchTitan's runs name an inline 96 GB, 500 W H100: the form opens on h100-sxm (it was "unknown chip" before),
        // and the panel says so, with the table's estimate on the run's own chip.
        var row = Shipped("torchtitan-llama31-8b-h100-8-bf16");
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo(PlannerShareState.LinkFor(row.Case.ScenarioJson, row.Case.Id)!);

        var cut = Render<PlannerPage>();

        Assert.NotEmpty(cut.FindAll("[data-testid=step-time]"));
        var note = cut.Find("[data-testid=published-chip-note]").TextContent;
        Assert.Contains("h100-96gb-500w", note, StringComparison.Ordinal);
        Assert.Contains(row.Predicted!.Value.ToString("G5", CultureInfo.InvariantCulture), note, StringComparison.Ordinal);
        Assert.Contains(TrackRecord.Signed(row.Error!.Value), note, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_name_that_ships_with_nothing_says_so_and_the_plan_opens_without_it()
    {
        var row = Shipped("mlperf31-gpt3-eos-h100-512");
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo(PlannerShareState.LinkFor(row.Case.ScenarioJson, "no-such-run")!);

        var cut = Render<PlannerPage>();

        Assert.Empty(cut.FindAll("[data-testid=published-run]"));
        Assert.Contains("No published run named", cut.Find("[data-testid=link-message]").TextContent, StringComparison.Ordinal);
        Assert.NotEmpty(cut.FindAll("[data-testid=step-time]"));
    }

    [Fact]
    public void The_validation_tables_links_name_shipped_runs_and_not_users_runs()
    {
        var row = Web.Features.Validation.ValidationRow.From(Shipped("mlperf31-gpt3-eos-h100-512"));
        Assert.EndsWith("&run=mlperf31-gpt3-eos-h100-512", row.PlannerLink, StringComparison.Ordinal);
        var user = Web.Features.Validation.ValidationRow.From(Shipped("mlperf31-gpt3-eos-h100-512"), isUser: true);
        Assert.DoesNotContain("&run=", user.PlannerLink, StringComparison.Ordinal);
    }
}
