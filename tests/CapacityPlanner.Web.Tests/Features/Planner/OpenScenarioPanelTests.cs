using Bunit;
using Bunit.TestDoubles;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using PlannerPage = CapacityPlanner.Web.Features.Planner.Planner;

namespace CapacityPlanner.Web.Tests.Features.Planner;

/// <summary>
/// The Planner's "Open JSON": a scenario document or a published run's case file opens in the form through its share
/// link; text that is no scenario says what is wrong under its JSON path and leaves the page as it was.
/// </summary>
public sealed class OpenScenarioPanelTests : PlannerTestContext
{
    private static IRenderedComponent<PlannerPage> OpenPanel(IRenderedComponent<PlannerPage> cut)
    {
        cut.Find("[data-testid=open-scenario-toggle]").Click();
        return cut;
    }

    [Fact]
    public void A_scenario_document_opens_in_the_form()
    {
        var navigation = Services.GetRequiredService<BunitNavigationManager>();
        var cut = OpenPanel(Render<PlannerPage>());
        const string Scenario = """
            { "schemaVersion": 1, "name": "mine", "model": { "preset": "llama3-70b" },
              "training": { "globalBatchSequences": 512, "precision": "bf16" },
              "system": { "chip": "h100-sxm", "gpus": 512 },
              "parallelism": { "tensor": 4, "pipeline": 4, "microBatchSize": 1 } }
            """;
        cut.Find("textarea[data-testid=open-scenario-text]").Change(Scenario);
        cut.Find("[data-testid=open-scenario-open]").Click();

        Assert.Contains("?s=v1.", navigation.Uri, StringComparison.Ordinal);
        cut.WaitForAssertion(() => Assert.Equal("512", cut.Find("input[data-testid=gpus]").GetAttribute("value")));
        Assert.Equal("4", cut.Find("input[data-testid=tensor]").GetAttribute("value"));
        Assert.Empty(cut.FindAll("[data-testid=open-scenario-panel]"));
    }

    [Fact]
    public void A_case_file_opens_its_scenario_as_it_ran()
    {
        var navigation = Services.GetRequiredService<BunitNavigationManager>();
        var shipped = ValidationSet.Shipped.First(c => c.Id == "bloom-176b-384gpu");
        // As the source gives it: the family names the software, the scenario no stack.
        var scenario = System.Text.Json.Nodes.JsonNode.Parse(shipped.ScenarioJson)!.AsObject();
        scenario["training"]!.AsObject().Remove("stack");
        var file = new System.Text.Json.Nodes.JsonObject
        {
            ["scenario"] = scenario, ["metric"] = "stepTimeSeconds", ["measured"] = shipped.Measured, ["family"] = shipped.Family,
        }.ToJsonString();
        var cut = OpenPanel(Render<PlannerPage>());
        cut.Find("textarea[data-testid=open-scenario-text]").Change(file);
        cut.Find("[data-testid=open-scenario-open]").Click();

        Assert.Contains("?s=v1.", navigation.Uri, StringComparison.Ordinal);
        cut.WaitForAssertion(() => Assert.Equal("384", cut.Find("input[data-testid=gpus]").GetAttribute("value")));
        // The family's stack (DeepSpeed), not auto's on an A100.
        Assert.Contains("\"stack\":\"deepspeed\"", cut.Find("[data-testid=scenario-json]").TextContent.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_is_no_scenario_names_what_is_wrong_and_changes_nothing()
    {
        var navigation = Services.GetRequiredService<BunitNavigationManager>();
        var cut = OpenPanel(Render<PlannerPage>());
        var before = navigation.Uri;

        cut.Find("[data-testid=open-scenario-open]").Click();
        Assert.Contains("paste a scenario document", cut.Find("[data-testid=open-scenario-error]").TextContent, StringComparison.Ordinal);

        cut.Find("textarea[data-testid=open-scenario-text]").Change("""{ "schemaVersion": 1, "model": { "preset": "llama3-70b" }, "training": { "globalBatchSequences": 8 }, "system": { "chip": "h100-sxm", "gpus": "many" } }""");
        cut.Find("[data-testid=open-scenario-open]").Click();
        var error = Assert.Single(cut.FindAll("[data-testid=open-scenario-error]"));
        Assert.Equal("$.system.gpus", error.GetAttribute("data-path"));

        cut.Find("textarea[data-testid=open-scenario-text]").Change("""{ "scenario": { "schemaVersion": 1 }, "metric": "mfu", "measured": 1 }""");
        cut.Find("[data-testid=open-scenario-open]").Click();
        Assert.Contains("a published run's case file, but 'metric' must be", cut.Find("[data-testid=open-scenario-error]").TextContent, StringComparison.Ordinal);

        cut.Find("textarea[data-testid=open-scenario-text]").Change("not json");
        cut.Find("[data-testid=open-scenario-open]").Click();
        Assert.NotEmpty(cut.FindAll("[data-testid=open-scenario-error]"));
        Assert.Equal(before, navigation.Uri);
    }

    [Fact]
    public void A_paste_that_reached_the_boxs_limit_says_it_was_cut_instead_of_a_json_error()
    {
        var navigation = Services.GetRequiredService<BunitNavigationManager>();
        var cut = OpenPanel(Render<PlannerPage>());
        var before = navigation.Uri;
        var cutPaste = "{ \"schemaVersion\": 1, \"name\": \"" + new string('x', Web.Shared.Scenario.PastedText.MaxChars);
        cut.Find("textarea[data-testid=open-scenario-text]").Change(cutPaste[..Web.Shared.Scenario.PastedText.MaxChars]);
        cut.Find("[data-testid=open-scenario-open]").Click();
        var error = cut.Find("[data-testid=open-scenario-error]").TextContent;
        Assert.Contains("reached the box's limit of 524,288 characters", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Malformed JSON", error, StringComparison.Ordinal);
        Assert.Equal(before, navigation.Uri);
    }

    [Fact]
    public void A_picked_file_fills_the_box_and_a_file_over_the_limit_is_refused()
    {
        var cut = OpenPanel(Render<PlannerPage>());
        var upload = cut.FindComponent<Microsoft.AspNetCore.Components.Forms.InputFile>();
        upload.UploadFiles(InputFileContent.CreateFromText("""{ "schemaVersion": 1 }""", "scenario.json"));
        cut.WaitForAssertion(() => Assert.Contains("schemaVersion", cut.Find("textarea[data-testid=open-scenario-text]").GetAttribute("value") ?? cut.Find("textarea[data-testid=open-scenario-text]").TextContent, StringComparison.Ordinal));

        upload.UploadFiles(InputFileContent.CreateFromBinary(new byte[Web.Features.Planner.OpenScenarioPanel.MaxFileBytes + 1], "huge.json"));
        cut.WaitForAssertion(() => Assert.Contains("huge.json is 524,289 bytes", cut.Find("[data-testid=open-scenario-error]").TextContent, StringComparison.Ordinal));
    }
}
