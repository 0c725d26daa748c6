using Bunit.TestDoubles;
using CapacityPlanner.Contracts.Sharing;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Features.Planner;
using CapacityPlanner.Web.Features.Saved;
using CapacityPlanner.Web.Hosting;
using CapacityPlanner.Web.Options;
using CapacityPlanner.Web.Shared.Sharing;
using CapacityPlanner.Web.Shared.Widgets;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using BudgetPage = CapacityPlanner.Web.Features.Budget.Budget;
using CapacityPlanner.Web.Shared.Scenario;

namespace CapacityPlanner.Web.Tests.Shared.Sharing;

/// <summary>Share links, the sharing toolbar, the planner's link handling and the saved-scenarios page.</summary>
public sealed class SharingTests : PlannerTestContext
{
    private static PlannerInput Defaults => PlannerInput.CreateDefault(new PlannerOptions());

    private static PlannerInput Edited()
    {
        var input = Defaults;
        input.Gpus = 2048;
        input.Tensor = 4;
        input.ChipId = "h100-sxm";
        return input;
    }

    [Fact]
    public void Toolbar_builds_a_share_link_whose_token_decodes_to_the_same_scenario_and_page_settings()
    {
        var input = Edited();
        var json = Services.GetRequiredService<EstimateService>().BuildDocument(input);
        var page = PlannerShareState.PageSettings(input, Defaults);

        var cut = Render<ScenarioToolbar>(p => p.Add(t => t.ScenarioJson, json).Add(t => t.PageSettings, page));
        cut.Find("button[data-testid=copy-link]").Click();

        var link = cut.WaitForElement("input[data-testid=share-link]").GetAttribute("value")!;
        Assert.StartsWith("http://localhost/?s=v1.", link, StringComparison.Ordinal);
        var token = Uri.UnescapeDataString(link[(link.IndexOf("?s=", StringComparison.Ordinal) + 3)..]);
        Assert.True(ScenarioLink.TryDecode(token, out var payload, out var error), error);
        Assert.True(ScenarioLink.TryCanonicalize(json, out var canonical, out _));
        Assert.Equal(canonical, payload.ScenarioJson);
        Assert.Equal(page.OrderBy(p => p.Key), payload.Page.OrderBy(p => p.Key));

        var restored = PlannerShareState.Restore(payload.ScenarioJson, payload.Page, Defaults);
        Assert.Equal(2048, restored.Gpus);
        Assert.Equal(4, restored.Tensor);
        Assert.Equal("h100-sxm", restored.ChipId);
    }

    [Fact]
    public void A_scenario_document_without_page_settings_restores_the_same_form()
    {
        var input = Edited();
        input.Oversubscription = 2;
        input.Placement = "pipeline-inside-data";
        input.PowerCapMw = 25;   // the site's cap travels in the document's sites section and comes back into the form
        var json = Services.GetRequiredService<EstimateService>().BuildDocument(input);
        Assert.Contains("\"powerCapMw\": 25", json, StringComparison.Ordinal);

        var restored = PlannerShareState.FromDocument(json, Defaults);

        Assert.Equal(25, restored.PowerCapMw);
        Assert.Equal(json, Services.GetRequiredService<EstimateService>().BuildDocument(restored));
    }

    [Fact]
    public void A_latent_attention_shape_and_recompute_modules_from_a_scenario_come_back_in_the_form_and_its_document()
    {
        var input = Edited();
        input.PresetId = "deepseek-v3";
        input.Mla = new Contracts.Scenarios.MlaSection { KvLoraRank = 512, QkNopeHeadDim = 128, QkRopeHeadDim = 64, VHeadDim = 128 };
        input.RecomputeModules = ["layernorm", "mla_up_proj"];
        var json = Services.GetRequiredService<EstimateService>().BuildDocument(input);
        Assert.Contains("\"mla\"", json, StringComparison.Ordinal);
        Assert.Contains("\"recomputeModules\"", json, StringComparison.Ordinal);

        var restored = PlannerShareState.FromDocument(json, Defaults);

        Assert.Null(restored.Mla!.QLoraRank);
        Assert.Equal(512, restored.Mla.KvLoraRank);
        Assert.Equal(["layernorm", "mla_up_proj"], restored.RecomputeModules);
        Assert.Equal(json, Services.GetRequiredService<EstimateService>().BuildDocument(restored));
    }

    [Fact]
    public void Every_key_the_planner_writes_travels_with_the_menu_links()
    {
        // The menu keeps PlannerQuery.Keys when it links to another page; a key the planner writes but the list lacks
        // (the site power cap, "mw", was one) is dropped on the way to Scaling, Budget or Roofline and back.
        var input = Edited();
        input.PowerCapMw = 25;
        var written = PlannerQuery.ToParameters(input, Defaults).Where(p => p.Value is not null).Select(p => p.Key).ToList();
        Assert.Contains("mw", written);
        Assert.All(written, key => Assert.Contains(key, PlannerQuery.Keys));
        var carried = PlannerQuery.ScenarioQueryOf("http://localhost/scaling?" + string.Join("&", written.Select(k => k + "=1")));
        Assert.Contains("mw=1", carried, StringComparison.Ordinal);
    }

    [Fact]
    public void Planner_opened_from_a_share_link_shows_the_senders_numbers()
    {
        var input = Edited();
        var defaultStep = Render<Planner>().Find("[data-testid=step-time]").TextContent.Trim();
        Services.GetRequiredService<NavigationManager>().NavigateTo("/?" + string.Join("&",
            PlannerQuery.ToParameters(input, Defaults).Where(p => p.Value is not null).Select(p => $"{p.Key}={p.Value}")));
        var sender = Render<Planner>();
        var senderStep = sender.Find("[data-testid=step-time]").TextContent.Trim();
        Assert.NotEqual(defaultStep, senderStep);

        var token = ScenarioLink.Encode(Services.GetRequiredService<EstimateService>().BuildDocument(input), PlannerShareState.PageSettings(input, Defaults));
        Services.GetRequiredService<NavigationManager>().NavigateTo("/?s=" + token);
        var receiver = Render<Planner>();

        Assert.Equal(senderStep, receiver.Find("[data-testid=step-time]").TextContent.Trim());
        Assert.Empty(receiver.FindAll("[data-testid=link-message]"));
    }

    [Fact]
    public void The_share_link_carries_the_compare_chip_and_the_cost_basis_and_opens_with_them()
    {
        var sender = Render<ContainerFragment>(p => p.AddChildContent(b =>
        {
            b.OpenComponent<MudPopoverProvider>(0);
            b.CloseComponent();
            b.OpenComponent<Planner>(1);
            b.CloseComponent();
        }));
        sender.Find("[data-testid=cost-basis-own]").Click();
        sender.Find("input[data-testid=compare-chip]").ParentElement!.MouseDown();
        sender.FindAll(".mud-popover-open .mud-list-item").Single(e => e.TextContent.Contains("(h100-sxm)", StringComparison.Ordinal)).Click();
        sender.WaitForAssertion(() => Assert.NotEmpty(sender.FindAll("[data-testid=compare-row-step-time]")));
        sender.Find("input[data-testid=compare-gpus]").Input("2048");
        sender.WaitForAssertion(() => Assert.Contains("× 2,048", sender.Find("[data-testid=compare-other-name]").TextContent, StringComparison.Ordinal));
        var otherStep = sender.Find("[data-testid=compare-other-step-time]").TextContent.Trim();

        sender.Find("button[data-testid=copy-link]").Click();
        var link = sender.WaitForElement("input[data-testid=share-link]").GetAttribute("value")!;
        var token = Uri.UnescapeDataString(link[(link.IndexOf("?s=", StringComparison.Ordinal) + 3)..]);
        Assert.True(ScenarioLink.TryDecode(token, out var payload, out var error), error);
        Assert.Equal("h100-sxm", payload.Page["cmp"]);
        Assert.Equal("2048", payload.Page["cmpgpus"]);
        Assert.Equal("own", payload.Page["cost"]);

        // The receiver sees the same comparison, owned.
        Services.GetRequiredService<NavigationManager>().NavigateTo(link);
        var receiver = Render<Planner>();
        Assert.Equal("true", receiver.Find("[data-testid=cost-basis-own]").GetAttribute("aria-pressed"));
        Assert.NotEmpty(receiver.FindAll("[data-testid=cost-own-assumptions]"));
        Assert.Contains("(h100-sxm)", receiver.Find("[data-testid=compare-other-name]").TextContent, StringComparison.Ordinal);
        Assert.Contains("× 2,048", receiver.Find("[data-testid=compare-other-name]").TextContent, StringComparison.Ordinal);
        Assert.Equal(otherStep, receiver.Find("[data-testid=compare-other-step-time]").TextContent.Trim());
    }

    [Theory]
    [InlineData("v1.AAAA-not-a-scenario", "damaged")]
    [InlineData("garbage", "not a scenario link")]
    [InlineData("v9.abc", "newer version")]
    public void Planner_with_a_bad_link_shows_a_friendly_message_and_the_default_plan(string token, string reason)
    {
        var defaultStep = Render<Planner>().Find("[data-testid=step-time]").TextContent.Trim();
        Services.GetRequiredService<NavigationManager>().NavigateTo("/?s=" + Uri.EscapeDataString(token));

        var cut = Render<Planner>();

        var message = cut.Find("[data-testid=link-message]").TextContent;
        Assert.Contains(reason, message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("default plan", message, StringComparison.Ordinal);
        Assert.Equal(defaultStep, cut.Find("[data-testid=step-time]").TextContent.Trim());
    }

    [Fact]
    public void Planner_with_a_missing_short_link_says_the_scenario_no_longer_exists()
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("/?missing=abc123");

        var cut = Render<Planner>();

        Assert.Contains("no longer exists", cut.Find("[data-testid=link-message]").TextContent, StringComparison.Ordinal);
        Assert.Matches(@"^\d+\.\d{3} s$", cut.Find("[data-testid=step-time]").TextContent.Trim());
    }
}

/// <summary>The saved-scenarios page and the planner's <c>?id=</c> against a real SQLite store in a temporary file.</summary>
public sealed class SharingSavedPageTests : PlannerTestContext
{
    private ScenarioStore Store => Services.GetRequiredService<ScenarioStore>();

    private async Task<SavedScenario> SaveAsync(string name, int gpus, string? owner = null)
    {
        var input = PlannerInput.CreateDefault(new PlannerOptions());
        input.Gpus = gpus;
        var json = Services.GetRequiredService<EstimateService>().BuildDocument(input);
        var (snapshot, errors) = ScenarioSnapshot.Create(json, name, PlannerShareState.PageSettings(input, PlannerInput.CreateDefault(new PlannerOptions())));
        Assert.True(snapshot is not null, string.Join("; ", errors.Select(e => e.Message)));
        return await Store.SaveOwnedAsync(snapshot, owner ?? TestOwnerKey);
    }

    private IRenderedComponent<ContainerFragment> RenderSaved() =>
        Render<ContainerFragment>(p => p.AddChildContent(b =>
        {
            b.OpenComponent<MudPopoverProvider>(0);
            b.CloseComponent();
            b.OpenComponent<MudDialogProvider>(1);
            b.CloseComponent();
            b.OpenComponent<Saved>(2);
            b.CloseComponent();
        }));

    [Fact]
    public async Task Lists_only_your_own_and_the_team_list_is_read_only_where_not_yours_with_duplicate_giving_your_own_copy()
    {
        // A signed-in user alice; bob is another user.
        var alice = Web.Security.Caller.UserKeyPrefix + new string('a', 62);
        var bob = Web.Security.Caller.UserKeyPrefix + new string('b', 62);
        Services.GetRequiredService<Web.Security.CircuitCaller>().Current = new Web.Security.Caller(alice, "Alice", true, false);
        var mine = await SaveOwnedAsync("Mine", alice);
        var theirs = await SaveOwnedAsync("Theirs", bob);
        var anonymous = await SaveOwnedAsync("Someone's cookie", TestOwnerKey);

        var cut = RenderSaved();
        cut.WaitForAssertion(() => Assert.Equal(["Mine"], cut.FindAll("[data-testid=saved-name]").Select(e => e.TextContent.Trim())));
        Assert.NotEmpty(cut.FindAll($"[data-testid=rename-{mine.Id}]"));

        // The team: every signed-in user's, bob's read-only; anonymous owners' stay private.
        cut.Find("[data-testid=saved-scope-team]").Click();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=saved-name]").Count));
        Assert.DoesNotContain(cut.FindAll("[data-testid=saved-name]"), e => e.TextContent.Contains("cookie", StringComparison.Ordinal));
        Assert.Empty(cut.FindAll($"[data-testid=rename-{theirs.Id}]"));
        Assert.Empty(cut.FindAll($"[data-testid=delete-{theirs.Id}]"));
        Assert.NotEmpty(cut.FindAll($"[data-testid=readonly-{theirs.Id}]"));

        // Duplicate gives alice her own copy; bob's stays his.
        cut.Find($"button[data-testid=duplicate-{theirs.Id}]").Click();
        cut.WaitForAssertion(() => Assert.Equal(2, Store.ListAsync(OwnerFilter.Of(alice)).GetAwaiter().GetResult().Total));
        Assert.Contains((await Store.ListAsync(OwnerFilter.Of(alice))).Items, s => s.DuplicatedFromId == theirs.Id);
        Assert.Equal(bob, (await Store.GetAsync(theirs.Id))!.OwnerHash);
        Assert.Equal(TestOwnerKey, (await Store.GetAsync(anonymous.Id))!.OwnerHash);
    }

    private Task<SavedScenario> SaveOwnedAsync(string name, string owner) => SaveAsync(name, 1024, owner);

    [Fact]
    public async Task Lists_renames_and_deletes_with_undo()
    {
        var alpha = await SaveAsync("Alpha", 1024);
        var beta = await SaveAsync("Beta", 2048);

        var cut = RenderSaved();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=saved-name]").Count));
        var names = cut.FindAll("[data-testid=saved-name]").Select(e => e.TextContent.Trim()).ToList();
        Assert.Equal(["Beta", "Alpha"], names); // newest first
        Assert.Equal("2,048", cut.FindAll("[data-testid=saved-gpus]")[0].TextContent.Trim());
        Assert.Contains("GPT-3", cut.FindAll("[data-testid=saved-model]")[0].TextContent, StringComparison.Ordinal);
        Assert.Matches(@"^\d+\.\d{3} s$", cut.FindAll("[data-testid=saved-step-time]")[1].TextContent.Trim());
        Assert.Equal("/s/" + alpha.Id, cut.Find($"[data-testid=open-{alpha.Id}]").GetAttribute("href"));

        // Rename through the dialog.
        cut.Find($"button[data-testid=rename-{alpha.Id}]").Click();
        var nameInput = cut.WaitForElement("input[data-testid=name-input]");
        nameInput.Input("Alpha, renamed");
        cut.Find("button[data-testid=name-ok]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Alpha, renamed", cut.FindAll("[data-testid=saved-name]").Select(e => e.TextContent.Trim())));
        Assert.Equal("Alpha, renamed", (await Store.GetAsync(alpha.Id))!.Name);

        // Delete, then undo.
        cut.Find($"button[data-testid=delete-{beta.Id}]").Click();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=saved-name]")));
        Assert.Null(await Store.GetAsync(beta.Id));
        await cut.InvokeAsync(() => cut.FindComponent<Saved>().Instance.UndoDeleteAsync(beta.Id));
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=saved-name]").Count));
        Assert.Equal("Beta", (await Store.GetAsync(beta.Id))!.Name);
    }

    [Fact]
    public async Task Planner_opens_a_saved_scenario_by_id()
    {
        var saved = await SaveAsync("Big", 4096);
        Services.GetRequiredService<NavigationManager>().NavigateTo("/?id=" + saved.Id);

        var cut = Render<Planner>();

        cut.WaitForAssertion(() => Assert.Equal(
            Display.Number(saved.StepTimeSeconds!.Value, 3) + " s", cut.Find("[data-testid=step-time]").TextContent.Trim()));
        Assert.Equal("4096", cut.Find("input[data-testid=gpus]").GetAttribute("value")!.Replace(",", "", StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=link-message]"));
    }

    [Fact]
    public async Task Back_after_edits_of_a_saved_scenario_returns_to_it()
    {
        var saved = await SaveAsync("Big", 4096);
        var navigation = Services.GetRequiredService<BunitNavigationManager>();
        var opened = "http://localhost/?id=" + saved.Id;
        navigation.NavigateTo(opened);
        var cut = Render<Planner>();
        var savedStep = Display.Number(saved.StepTimeSeconds!.Value, 3) + " s";
        cut.WaitForAssertion(() => Assert.Equal(savedStep, cut.Find("[data-testid=step-time]").TextContent.Trim()));

        // An edit: a history entry of its own (Back undoes it) whose address holds the whole form.
        cut.Find("input[data-testid=tensor]").Input("4");
        cut.WaitForAssertion(() => Assert.Contains("tp=4", navigation.Uri, StringComparison.Ordinal));
        Assert.Contains("gpus=4096", navigation.Uri, StringComparison.Ordinal);
        Assert.DoesNotContain("id=" + saved.Id, navigation.Uri, StringComparison.Ordinal);
        Assert.False(navigation.History.Single(h => h.Uri.Contains("tp=4", StringComparison.Ordinal)).Options.ReplaceHistoryEntry);
        Assert.NotEqual(savedStep, cut.Find("[data-testid=step-time]").TextContent.Trim());

        // Back: the address the saved scenario opened at, and the saved scenario again (not the default plan).
        navigation.NavigateTo(opened);
        cut.WaitForAssertion(() => Assert.Equal(savedStep, cut.Find("[data-testid=step-time]").TextContent.Trim()));
        Assert.Equal("4096", cut.Find("input[data-testid=gpus]").GetAttribute("value")!.Replace(",", "", StringComparison.Ordinal));
        Assert.Equal("8", cut.Find("input[data-testid=tensor]").GetAttribute("value"));
        Assert.Empty(cut.FindAll("[data-testid=link-message]"));
    }

    [Fact]
    public async Task The_budget_page_saves_every_column_and_its_saved_scenario_opens_on_the_budget_page()
    {
        Services.AddBudgetPage();
        var cut = Render<ContainerFragment>(p => p.AddChildContent(b =>
        {
            b.OpenComponent<MudPopoverProvider>(0);
            b.CloseComponent();
            b.OpenComponent<MudDialogProvider>(1);
            b.CloseComponent();
            b.OpenComponent<BudgetPage>(2);
            b.CloseComponent();
        }));
        cut.WaitForAssertion(() => Assert.Matches(@"^\d[\d,]*$", cut.Find("[data-testid=budget-gpus-0]").TextContent.Trim()), TimeSpan.FromSeconds(60));
        cut.Find("button[data-testid=duplicate-0]").Click();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid^=budget-column-]").Count), TimeSpan.FromSeconds(60));

        cut.Find("button[data-testid=save-scenario]").Click();
        cut.WaitForElement("input[data-testid=name-input]").Input("Two budgets");
        cut.Find("button[data-testid=name-ok]").Click();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("input[data-testid=short-link]")), TimeSpan.FromSeconds(30));
        var saved = Assert.Single((await Store.ListAsync(1, 10)).Items);
        Assert.Equal("Two budgets", saved.Name);
        Assert.True(CapacityPlanner.Web.Features.Budget.BudgetShareState.IsBudget(ScenarioSnapshot.ReadPageSettings(saved.PageSettingsJson)));

        Services.GetRequiredService<NavigationManager>().NavigateTo("/budget?id=" + saved.Id);
        var opened = Render<BudgetPage>();
        opened.WaitForAssertion(() => Assert.Equal(2, opened.FindAll("[data-testid^=budget-column-]").Count), TimeSpan.FromSeconds(30));
        Assert.Contains("(copy)", opened.Find("[data-testid=budget-heading-1]").TextContent, StringComparison.Ordinal);
    }
}
