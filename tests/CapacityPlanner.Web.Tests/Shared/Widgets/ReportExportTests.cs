using System.Globalization;
using Bunit.TestDoubles;
using CapacityPlanner.Web.Features.Planner;
using CapacityPlanner.Web.Features.Scaling;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CapacityPlanner.Web.Tests.Shared.Widgets;

/// <summary>Printable reports (window.print) and CSV export of the Scaling page.</summary>
public sealed class ReportExportTests : PlannerTestContext
{
    [Fact]
    public void Print_report_on_the_planner_opens_the_browsers_print_dialog()
    {
        var cut = Render<Planner>();

        cut.Find("button[data-testid=print-report]").Click();

        JSInterop.VerifyInvoke("print");
    }

    [Fact]
    public void Scaling_downloads_every_finished_sweep_as_csv_with_the_sweep_apis_columns()
    {
        var module = JSInterop.SetupModule("./js/download.js");
        module.SetupVoid("downloadText", _ => true).SetVoidResult();
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo("/scaling?preset=llama3-8b&chips=h100-sxm&min=8&max=16&batch=512");
        var cut = Render<Scaling>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.Find("[data-testid=sweep-table] tbody").Children.Length), TimeSpan.FromSeconds(60));
        var shownTokens = cut.Find("[data-testid=sweep-table] tbody tr td[data-label='Tokens/s']").TextContent.Trim();

        // The page runs the strong sweep (the table) and then the weak one (the strong-vs-weak chart) in the background, and
        // the export's handler finishes after an await that bUnit's Click does not wait for: click and check again on every
        // render until the file holds both sweeps (the last render comes after the weak sweep lands).
        Bunit.JSRuntimeInvocation invocation = default;
        cut.WaitForAssertion(() =>
        {
            Assert.Empty(cut.FindAll("[data-testid=sweep-progress]"));
            cut.Find("button[data-testid=report-csv]").Click();
            invocation = Assert.IsType<Bunit.JSRuntimeInvocation>(module.Invocations["downloadText"][^1]);
            Assert.Equal(5, ((string)invocation.Arguments[2]!).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        }, TimeSpan.FromSeconds(60));
        Assert.Equal("scaling-sweeps.csv", invocation.Arguments[0]);
        Assert.Equal("text/csv", invocation.Arguments[1]);
        var lines = ((string)invocation.Arguments[2]!).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        Assert.Equal(["chip", "chipName", "mode", "gpus", "globalBatchSequences"], header.Take(5));
        Assert.Contains("tokensPerSecond", header);
        Assert.Contains("parallelism.tensor", header);
        // H100 strong (the chart) and weak (the strong-vs-weak chart), at 8 and 16 GPUs.
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(4, rows.Count);
        Assert.Equal(["strong", "strong", "weak", "weak"], rows.Select(r => r[2]).Order(StringComparer.Ordinal));
        var strong8 = rows.Single(r => r[2] == "strong" && r[3] == "8");
        Assert.Equal("h100-sxm", strong8[0]);
        var tokens = double.Parse(strong8[Array.IndexOf(header, "tokensPerSecond")], CultureInfo.InvariantCulture);
        Assert.Equal(shownTokens, tokens.ToString("N0", CultureInfo.InvariantCulture));
    }
}
