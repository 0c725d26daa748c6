using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Web.Tests.Support;
using PlannerPage = CapacityPlanner.Web.Features.Planner.Planner;

namespace CapacityPlanner.Web.Tests.Features.Planner;

/// <summary>The Planner shows the model's error on the published runs most like the plan under its figures.</summary>
public sealed class TrackRecordPanelTests : PlannerTestContext
{
    [Fact]
    public void The_planner_lists_the_nearest_published_runs_with_the_models_error_and_links_to_them()
    {
        var cut = Render<PlannerPage>();

        var panel = cut.Find("[data-testid=track-record]");
        Assert.StartsWith("On the 5 published runs most like this plan the model was ", cut.Find("[data-testid=track-record-summary]").TextContent, StringComparison.Ordinal);
        var rows = cut.FindAll("[data-testid=track-record-run]");
        Assert.Equal(5, rows.Count);
        // Every row is a shipped run, shown with the model's error on it and a link that filters the Validation page to it.
        var shipped = ValidationSet.RunShipped().Results.ToDictionary(r => r.Case.Id, StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var id = row.GetAttribute("data-case")!;
            var result = shipped[id];
            Assert.Equal(Core.Validation.TrackRecord.Signed(result.Error!.Value), row.QuerySelector("[data-testid=track-record-error]")!.TextContent);
            var href = row.QuerySelector("a")!.GetAttribute("href")!;
            Assert.Contains($"family={Uri.EscapeDataString(result.Case.Family)}", href, StringComparison.Ordinal);
            Assert.Contains($"gpus={result.Gpus}", href, StringComparison.Ordinal);
            Assert.Contains(row.QuerySelector("[data-testid=track-record-likeness]")!.TextContent, new[] { "near twin", "close", "loose", "far" });
        }
        Assert.Equal("false", panel.GetAttribute("data-far"));
    }

    [Fact]
    public void The_record_follows_the_plan()
    {
        var cut = Render<PlannerPage>();
        var before = cut.FindAll("[data-testid=track-record-run]").Select(r => r.GetAttribute("data-case")).ToList();

        // Llama 3.1 8B on 1,024 GB200 with TP4 CP4 and FP8, MLPerf v6.0's plan: its own published run comes first.
        NavigateToPlanner("/?preset=llama3-8b&chip=gb200&gpus=1024&tp=4&pp=1&cp=4&batch=64&mb=1&zero=1&rc=none&sp=1&precision=fp8");
        cut = Render<PlannerPage>();

        cut.WaitForAssertion(() => Assert.Equal("mlperf60-llama8b-tyche-gb200-1024", cut.FindAll("[data-testid=track-record-run]")[0].GetAttribute("data-case")));
        var after = cut.FindAll("[data-testid=track-record-run]").Select(r => r.GetAttribute("data-case")).ToList();
        Assert.NotEqual(before, after);
        // The model was too fast there; the row outside tolerance is marked.
        Assert.NotEmpty(cut.FindAll("[data-testid=track-record-error].track-record-miss"));
    }
}
