using System.Net;
using System.Text.Json;
using CapacityPlanner.Measurements;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Contracts.Sharing;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.ApiTests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>
/// Saved scenarios, short links, export, benchmarks, the store and the data-protection keys, over HTTP against the real
/// app. The same suite runs on SQLite (<see cref="SqliteSavedScenarioTests"/>) and on PostgreSQL
/// (<see cref="PostgresSavedScenarioTests"/>).
/// </summary>
public abstract class SavedScenarioSuite
{
    /// <summary>The app under test (one per provider, shared by the tests of the class, which run one at a time).</summary>
    protected abstract Task<TestApp> AppAsync();

    private static string Canonical(string json) =>
        ScenarioLink.TryCanonicalize(json, out var c, out var e) ? c : throw new InvalidOperationException(e);

    private static async Task<JsonElement> SaveAsync(TestApp app, string name, long? gpus = null)
    {
        var response = await app.Client.PostJsonAsync("api/scenarios", Http.Gpt3Named(name, gpus));
        return await response.ExpectAsync(HttpStatusCode.Created);
    }

    // A client of another owner: no credentials until it saves something and sends back the token it got.
    private static HttpClient Anonymous(TestApp app)
    {
        var client = app.NewClient();
        client.DefaultRequestHeaders.Authorization = null;
        return client;
    }

    private static async Task<(string Id, string Token)> SaveAsOwnerAsync(HttpClient client, string name)
    {
        var created = await (await client.PostJsonAsync("api/scenarios", Http.Gpt3Named(name))).ExpectAsync(HttpStatusCode.Created);
        var token = created.GetProperty("ownerToken").GetString()!;
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return (created.GetProperty("id").GetString()!, token);
    }

    [Fact]
    public async Task Only_the_owner_lists_renames_deletes_and_restores_others_get_403_and_may_duplicate()
    {
        var app = await AppAsync();
        using var alice = Anonymous(app);
        var (id, aliceToken) = await SaveAsOwnerAsync(alice, "alice's plan");
        Assert.Equal(43, aliceToken.Length);
        using var bob = Anonymous(app);
        var (bobId, bobToken) = await SaveAsOwnerAsync(bob, "bob's plan");
        Assert.NotEqual(aliceToken, bobToken);
        // Saving again with the token keeps the same owner.
        var (secondId, sameToken) = await SaveAsOwnerAsync(alice, "alice's second plan");
        Assert.Equal(aliceToken, sameToken);

        // Lists are per owner; without a token there is no list.
        var aliceList = (await (await alice.GetAsync("api/scenarios")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();
        Assert.Equal([secondId, id], aliceList);
        var bobList = (await (await bob.GetAsync("api/scenarios")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();
        Assert.Equal([bobId], bobList);
        using var nobody = Anonymous(app);
        Assert.Contains("owner token", (await (await nobody.GetAsync("api/scenarios")).ProblemAsync(HttpStatusCode.Forbidden)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Bob (and anyone without the token) cannot rename, delete or restore Alice's scenario.
        var refused = await (await bob.PatchAsync($"api/scenarios/{id}", Http.Content("""{"name":"taken over"}"""))).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("Only the owner", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await nobody.PatchAsync($"api/scenarios/{id}", Http.Content("""{"name":"taken over"}"""))).ProblemAsync(HttpStatusCode.Forbidden);
        await (await bob.DeleteAsync($"api/scenarios/{id}")).ProblemAsync(HttpStatusCode.Forbidden);
        await (await nobody.DeleteAsync($"api/scenarios/{id}")).ProblemAsync(HttpStatusCode.Forbidden);
        await (await alice.DeleteAsync($"api/scenarios/{id}")).ExpectAsync(HttpStatusCode.OK);
        await (await bob.PostAsync($"api/scenarios/{id}/restore", null)).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Empty((await (await bob.GetAsync("api/scenarios?deleted=true")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        await (await alice.PostAsync($"api/scenarios/{id}/restore", null)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("alice's plan", (await (await nobody.GetAsync($"api/scenarios/{id}")).ExpectAsync(HttpStatusCode.OK)).GetProperty("summary").GetProperty("name").GetString());

        // Reading by id and the short link stay public; a duplicate is Bob's own.
        Assert.Equal(HttpStatusCode.Redirect, (await nobody.GetAsync($"s/{id}")).StatusCode);
        var copy = await (await bob.PostAsync($"api/scenarios/{id}/duplicate", null)).ExpectAsync(HttpStatusCode.Created);
        var copyId = copy.GetProperty("id").GetString();
        await (await bob.PatchAsync($"api/scenarios/{copyId}", Http.Content("""{"name":"bob's copy"}"""))).ExpectAsync(HttpStatusCode.OK);
        await (await alice.PatchAsync($"api/scenarios/{copyId}", Http.Content("""{"name":"mine"}"""))).ProblemAsync(HttpStatusCode.Forbidden);

        // Only the hash of the secret is stored.
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<CapacityPlannerDbContext>>().CreateDbContextAsync();
        var row = await db.Scenarios.SingleAsync(s => s.Id == id);
        Assert.Equal(Web.Security.OwnerCredentials.HashOf(aliceToken), row.OwnerHash);
        Assert.DoesNotContain(aliceToken, row.OwnerHash!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_browser_keeps_its_owner_secret_in_an_httponly_samesite_cookie()
    {
        var app = await AppAsync();
        var cookies = new System.Net.CookieContainer();
        using var browser = new HttpClient(new SocketsHttpHandler { UseCookies = true, CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress };
        using var saved = await browser.PostJsonAsync("api/scenarios", Http.Gpt3Named("browser's plan"));
        var body = await saved.ExpectAsync(HttpStatusCode.Created);
        var setCookie = Assert.Single(saved.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith(Web.Security.OwnerCredentials.CookieName + "=" + body.GetProperty("ownerToken").GetString(), setCookie, StringComparison.Ordinal);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        // Lax, not Strict: a shared link opened from another site must still carry it (that page load is where a circuit learns its
        // owner); cross-site fetches and form posts never carry it, and the API refuses them anyway.
        Assert.Contains("samesite=lax", setCookie, StringComparison.OrdinalIgnoreCase);
        var id = body.GetProperty("id").GetString();
        // The cookie alone makes it the owner.
        await (await browser.PatchAsync($"api/scenarios/{id}", Http.Content("""{"name":"renamed by cookie"}"""))).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains((await (await browser.GetAsync("api/scenarios")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray(),
            i => i.GetProperty("id").GetString() == id);
        using var other = Anonymous(app);
        await (await other.DeleteAsync($"api/scenarios/{id}")).ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Scenarios_saved_before_ownership_belong_to_nobody_and_are_read_only()
    {
        var app = await AppAsync();
        var (snapshot, _) = ScenarioSnapshot.Create(Http.Gpt3Named("from before owners"));
        var old = await app.Services.GetRequiredService<ScenarioStore>().SaveAsync(snapshot!);
        Assert.Null(old.OwnerHash);
        var refused = await (await app.Client.PatchAsync($"api/scenarios/{old.Id}", Http.Content("""{"name":"claimed"}"""))).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("belongs to nobody", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await app.Client.DeleteAsync($"api/scenarios/{old.Id}")).ProblemAsync(HttpStatusCode.Forbidden);
        await (await app.Client.GetAsync($"api/scenarios/{old.Id}")).ExpectAsync(HttpStatusCode.OK);
        await (await app.Client.PostAsync($"api/scenarios/{old.Id}/duplicate", null)).ExpectAsync(HttpStatusCode.Created);
        Assert.DoesNotContain((await (await app.Client.GetAsync("api/scenarios?pageSize=100")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray(),
            i => i.GetProperty("id").GetString() == old.Id);
    }

    [Fact]
    public async Task Save_returns_the_id_and_links_and_get_returns_the_same_document_and_numbers()
    {
        var app = await AppAsync();
        var name = "save-get " + Guid.NewGuid();
        var response = await app.Client.PostJsonAsync("api/scenarios", Http.Gpt3Named(name));
        var created = await response.ExpectAsync(HttpStatusCode.Created);

        var id = created.GetProperty("id").GetString()!;
        Assert.Matches("^[A-Za-z0-9]{10}$", id);
        Assert.Equal($"/api/scenarios/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(name, created.GetProperty("name").GetString());
        Assert.Equal(new Uri(app.BaseAddress, "s/" + id).ToString(), created.GetProperty("shortLink").GetString());
        var token = created.GetProperty("token").GetString()!;
        Assert.StartsWith("v1.", token, StringComparison.Ordinal);
        Assert.EndsWith("/?s=" + token, created.GetProperty("link").GetString(), StringComparison.Ordinal);
        Assert.Equal(Canonical(Http.Gpt3Named(name)), ScenarioLink.Decode(token).Payload!.ScenarioJson);

        var details = await (await app.Client.GetAsync($"api/scenarios/{id}")).ExpectAsync(HttpStatusCode.OK);
        var summary = details.GetProperty("summary");
        Assert.Equal(name, summary.GetProperty("name").GetString());
        Assert.Equal("gpt3-175b", summary.GetProperty("model").GetString());
        Assert.Equal("a100-sxm-80gb", summary.GetProperty("chip").GetString());
        Assert.Equal(1024, summary.GetProperty("gpus").GetInt64());
        Assert.True(summary.GetProperty("feasible").GetBoolean());
        Assert.Null(summary.GetProperty("deletedUtc").GetString());
        Assert.Equal(Canonical(Http.Gpt3Named(name)), details.GetProperty("scenario").GetRawText());

        // The headline numbers are those of a fresh estimate of the same document.
        var estimate = await (await app.Client.PostJsonAsync("api/estimate", Http.Gpt3Named(name))).ExpectAsync(HttpStatusCode.OK);
        foreach (var field in new[] { "stepTimeSeconds", "tokensPerSecond", "mfu" })
        {
            Assert.Equal(estimate.GetProperty(field).GetDouble(), summary.GetProperty(field).GetDouble());
        }
    }

    [Fact]
    public async Task Saving_an_invalid_scenario_lists_every_error_path_and_stores_nothing()
    {
        var app = await AppAsync();
        var before = (await (await app.Client.GetAsync("api/scenarios")).ExpectAsync(HttpStatusCode.OK)).GetProperty("total").GetInt32();
        var errors = await (await app.Client.PostJsonAsync("api/scenarios",
            """{ "schemaVersion": 1, "model": { "preset": "gpt3-175b", "layerz": 1 }, "training": { "globalBatchSequences": 0 }, "system": { "chip": "a100-sxm-80gb", "gpus": 8 } }"""))
            .ValidationErrorsAsync();
        Assert.Contains("$.model.layerz", errors.Keys);
        Assert.Contains("$.training.globalBatchSequences", errors.Keys);

        var unknownChip = await (await app.Client.PostJsonAsync("api/scenarios", Http.Gpt3.Replace("a100-sxm-80gb", "no-such-chip", StringComparison.Ordinal))).ValidationErrorsAsync();
        Assert.Contains("h100-sxm", Assert.Single(unknownChip["$.system.chip"]), StringComparison.Ordinal);

        var blank = await (await app.Client.PostJsonAsync("api/scenarios?name=%20", Http.Gpt3)).ValidationErrorsAsync();
        Assert.Contains("name", blank.Keys);

        var after = (await (await app.Client.GetAsync("api/scenarios")).ExpectAsync(HttpStatusCode.OK)).GetProperty("total").GetInt32();
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task The_name_can_be_given_in_the_query_and_an_unnamed_scenario_gets_a_default()
    {
        var app = await AppAsync();
        var named = await (await app.Client.PostJsonAsync("api/scenarios?name=From%20the%20query", Http.Gpt3)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("From the query", named.GetProperty("name").GetString());

        var node = System.Text.Json.Nodes.JsonNode.Parse(Http.Gpt3)!.AsObject();
        node.Remove("name");
        var unnamed = await (await app.Client.PostJsonAsync("api/scenarios", node.ToJsonString())).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(ScenarioSnapshot.DefaultName, unnamed.GetProperty("name").GetString());
    }

    [Fact]
    public async Task The_list_is_newest_first_and_paged()
    {
        var app = await AppAsync();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add((await SaveAsync(app, $"list-{tag}-{i}")).GetProperty("id").GetString()!);

        var first = await (await app.Client.GetAsync("api/scenarios?page=1&pageSize=2")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, first.GetProperty("page").GetInt32());
        Assert.Equal(2, first.GetProperty("pageSize").GetInt32());
        Assert.True(first.GetProperty("total").GetInt32() >= 3);
        var items = first.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        Assert.Equal(ids[2], items[0].GetProperty("id").GetString());
        Assert.Equal(ids[1], items[1].GetProperty("id").GetString());
        var second = await (await app.Client.GetAsync("api/scenarios?page=2&pageSize=2")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(ids[0], second.GetProperty("items")[0].GetProperty("id").GetString());
        var listed = items[0];
        foreach (var field in new[] { "name", "model", "chip", "gpus", "feasible", "stepTimeSeconds", "tokensPerSecond", "mfu", "createdUtc", "shortLink" })
        {
            Assert.True(listed.TryGetProperty(field, out _), $"list items have {field}");
        }

        var errors = await (await app.Client.GetAsync("api/scenarios?page=0&pageSize=1000&deleted=maybe")).ValidationErrorsAsync();
        Assert.Equal(["deleted", "page", "pageSize"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Rename_duplicate_delete_and_undo()
    {
        var app = await AppAsync();
        var id = (await SaveAsync(app, "to rename")).GetProperty("id").GetString()!;

        var renamed = await (await app.Client.PatchAsync($"api/scenarios/{id}", Http.Content("""{"name":"  renamed  "}"""))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("renamed", renamed.GetProperty("name").GetString());
        var details = await (await app.Client.GetAsync($"api/scenarios/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("renamed", details.GetProperty("summary").GetProperty("name").GetString());
        Assert.Equal("to rename", details.GetProperty("scenario").GetProperty("name").GetString()); // the snapshot itself is immutable
        var badRename = await (await app.Client.PatchAsync($"api/scenarios/{id}", Http.Content("""{"name":""}"""))).ValidationErrorsAsync();
        Assert.Contains("$.name", badRename.Keys);
        Assert.Contains("$", (await (await app.Client.PatchAsync($"api/scenarios/{id}", Http.Content("{nope"))).ValidationErrorsAsync()).Keys);

        var copy = await (await app.Client.PostAsync($"api/scenarios/{id}/duplicate", null)).ExpectAsync(HttpStatusCode.Created);
        var copyId = copy.GetProperty("id").GetString()!;
        Assert.NotEqual(id, copyId);
        Assert.Equal("Copy of renamed", copy.GetProperty("name").GetString());
        Assert.Equal(id, copy.GetProperty("duplicatedFromId").GetString());
        var copyDetails = await (await app.Client.GetAsync($"api/scenarios/{copyId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(details.GetProperty("scenario").GetRawText(), copyDetails.GetProperty("scenario").GetRawText());
        var named = await (await app.Client.PostAsync($"api/scenarios/{id}/duplicate?name=Variant%20B", null)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("Variant B", named.GetProperty("name").GetString());

        var deleted = await (await app.Client.DeleteAsync($"api/scenarios/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.NotNull(deleted.GetProperty("deletedUtc").GetString());
        await (await app.Client.GetAsync($"api/scenarios/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await app.Client.DeleteAsync($"api/scenarios/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await app.Client.PatchAsync($"api/scenarios/{id}", Http.Content("""{"name":"x"}"""))).ProblemAsync(HttpStatusCode.NotFound);
        var live = await (await app.Client.GetAsync("api/scenarios?pageSize=100")).ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(live.GetProperty("items").EnumerateArray(), s => s.GetProperty("id").GetString() == id);
        var bin = await (await app.Client.GetAsync("api/scenarios?deleted=true&pageSize=100")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(bin.GetProperty("items").EnumerateArray(), s => s.GetProperty("id").GetString() == id);
        var gone = await app.Client.GetAsync($"s/{id}");
        Assert.Equal(HttpStatusCode.Redirect, gone.StatusCode);
        Assert.Equal($"/?missing={id}", gone.Headers.Location!.OriginalString);

        var restored = await (await app.Client.PostAsync($"api/scenarios/{id}/restore", null)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, restored.GetProperty("deletedUtc").ValueKind);
        await (await app.Client.GetAsync($"api/scenarios/{id}")).ExpectAsync(HttpStatusCode.OK);
        await (await app.Client.PostAsync($"api/scenarios/{id}/restore", null)).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("nosuchid00")]
    [InlineData("short")]
    [InlineData("has%20space")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task Unknown_ids_are_404_problems(string id)
    {
        var app = await AppAsync();
        var problem = await (await app.Client.GetAsync($"api/scenarios/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("no saved scenario", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await app.Client.GetAsync($"api/scenarios/{id}/export.json")).ProblemAsync(HttpStatusCode.NotFound);
        await (await app.Client.PostAsync($"api/scenarios/{id}/duplicate", null)).ProblemAsync(HttpStatusCode.NotFound);
        await (await app.Client.GetAsync($"api/benchmarks/{id}")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Fifty_concurrent_saves_are_all_kept_under_distinct_ids()
    {
        var app = await AppAsync();
        var before = (await (await app.Client.GetAsync("api/scenarios")).ExpectAsync(HttpStatusCode.OK)).GetProperty("total").GetInt32();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var clients = Enumerable.Range(0, 10).Select(_ => app.NewClient()).ToList();
        try
        {
            var saves = Enumerable.Range(0, 50).Select(async i =>
            {
                var response = await clients[i % clients.Count].PostJsonAsync("api/scenarios", Http.Gpt3Named($"concurrent-{tag}-{i}", 8 * (i + 1)));
                var body = await response.ExpectAsync(HttpStatusCode.Created);
                return (Index: i, Id: body.GetProperty("id").GetString()!);
            });
            var saved = await Task.WhenAll(saves);

            Assert.Equal(50, saved.Select(s => s.Id).Distinct(StringComparer.Ordinal).Count());
            var reads = saved.Select(async s =>
            {
                var details = await (await clients[s.Index % clients.Count].GetAsync($"api/scenarios/{s.Id}")).ExpectAsync(HttpStatusCode.OK);
                Assert.Equal($"concurrent-{tag}-{s.Index}", details.GetProperty("summary").GetProperty("name").GetString());
                Assert.Equal(8 * (s.Index + 1), details.GetProperty("summary").GetProperty("gpus").GetInt64());
            });
            await Task.WhenAll(reads);
            var after = (await (await app.Client.GetAsync("api/scenarios")).ExpectAsync(HttpStatusCode.OK)).GetProperty("total").GetInt32();
            Assert.Equal(before + 50, after);
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    [Fact]
    public async Task Concurrent_renames_of_one_scenario_all_succeed_and_one_wins()
    {
        var app = await AppAsync();
        var id = (await SaveAsync(app, "rename race")).GetProperty("id").GetString()!;
        var names = Enumerable.Range(0, 20).Select(i => $"name {i}").ToList();
        var responses = await Task.WhenAll(names.Select(n =>
            app.Client.PatchAsync($"api/scenarios/{id}", Http.Content(JsonSerializer.Serialize(new { name = n })))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var final = await (await app.Client.GetAsync($"api/scenarios/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(final.GetProperty("summary").GetProperty("name").GetString(), names);
    }

    [Fact]
    public async Task The_short_link_redirects_to_a_state_link_that_opens_exactly_the_saved_scenario()
    {
        var app = await AppAsync();
        var created = await SaveAsync(app, "short link");
        var id = created.GetProperty("id").GetString()!;
        var response = await app.Client.GetAsync($"s/{id}");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/?s=v1.", location, StringComparison.Ordinal);
        var payload = ScenarioLink.Decode(location["/?s=".Length..]).Payload!;
        Assert.Equal(Canonical(Http.Gpt3Named("short link")), payload.ScenarioJson);
        Assert.Equal(created.GetProperty("token").GetString(), location["/?s=".Length..]);

        // The page the link lands on answers (the dashboard reads ?s= itself).
        var page = await app.Client.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task Export_is_an_indented_json_attachment_of_the_scenario_document()
    {
        var app = await AppAsync();
        var id = (await SaveAsync(app, "GPT-3: export / test")).GetProperty("id").GetString()!;
        var response = await app.Client.GetAsync($"api/scenarios/{id}/export.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("gpt-3-export-test.json", response.Content.Headers.ContentDisposition?.FileName);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("\n  \"model\"", text, StringComparison.Ordinal);
        Assert.True(ScenarioParser.Parse(text).Success);
        Assert.Equal(Canonical(Http.Gpt3Named("GPT-3: export / test")), Canonical(text));
    }

    [Fact]
    public async Task Benchmark_lists_show_only_the_callers_uploads_and_reading_by_id_stays_public()
    {
        var app = await AppAsync();
        async Task<(string Id, HttpClient Client)> UploadAsync(string host)
        {
            var client = Anonymous(app);
            using var response = await client.PostJsonAsync("api/benchmarks", BenchDocument(host));
            var id = (await response.ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
            var token = Assert.Single(response.Headers.GetValues(Web.Security.OwnerCredentials.HeaderName));
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            return (id, client);
        }
        var (aliceId, alice) = await UploadAsync("alice-node");
        var (bobId, bob) = await UploadAsync("bob-node");
        using (alice)
        using (bob)
        using (var nobody = Anonymous(app))
        {
            var aliceList = (await (await alice.GetAsync("api/benchmarks?pageSize=100")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();
            Assert.Equal([aliceId], aliceList);
            var bobList = (await (await bob.GetAsync("api/benchmarks?pageSize=100")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();
            Assert.Equal([bobId], bobList);
            await (await nobody.GetAsync("api/benchmarks")).ProblemAsync(HttpStatusCode.Forbidden);
            Assert.Equal(HttpStatusCode.OK, (await nobody.GetAsync($"api/benchmarks/{aliceId}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"api/benchmarks/{aliceId}")).StatusCode);
        }
    }

    [Fact]
    public async Task A_nul_or_a_control_character_in_stored_text_is_a_400_naming_the_field_on_every_provider()
    {
        // PostgreSQL's text cannot hold U+0000; SQLite can. Either way the answer is the same 400, never a 500.
        var app = await AppAsync();
        var nulName = await (await app.Client.PostJsonAsync("api/scenarios", Http.Gpt3Named("plan\u0000x"))).ValidationErrorsAsync();
        Assert.Contains("U+0000", Assert.Single(nulName).Value[0], StringComparison.Ordinal);
        var bell = await (await app.Client.PostJsonAsync("api/scenarios", Http.Gpt3Named("plan\u0007"))).ValidationErrorsAsync();
        Assert.Contains("control character", bell["$.name"][0], StringComparison.Ordinal);

        var saved = await SaveAsync(app, "nul checks");
        var id = saved.GetProperty("id").GetString()!;
        var rename = await (await app.Client.PatchAsync($"api/scenarios/{id}", Http.Content("""{ "name": "a\u0000" }"""))).ValidationErrorsAsync();
        Assert.True(rename.ContainsKey("$.name"), string.Join(", ", rename.Keys));
        var duplicate = await (await app.Client.PostAsync($"api/scenarios/{id}/duplicate?name=a%00b", null)).ValidationErrorsAsync();
        Assert.True(duplicate.ContainsKey("name"), string.Join(", ", duplicate.Keys));

        var run = System.Text.Json.Nodes.JsonNode.Parse(Http.MeasuredRun("run"))!.AsObject();
        run["notes"] = "line one\nline\u0000two";
        var notes = await (await app.Client.PostJsonAsync("api/runs", run.ToJsonString())).ValidationErrorsAsync();
        Assert.True(notes.Keys.Any(k => k.StartsWith("$.notes", StringComparison.Ordinal)), string.Join(", ", notes.Keys));
        run["notes"] = "line one\nline two";
        run["name"] = "run\u0001";
        var runName = await (await app.Client.PostJsonAsync("api/runs", run.ToJsonString())).ValidationErrorsAsync();
        Assert.True(runName.ContainsKey("$.name"), string.Join(", ", runName.Keys));

        var host = await (await app.Client.PostJsonAsync("api/benchmarks", BenchDocument("node\u0000a"))).ValidationErrorsAsync();
        Assert.Contains(host.Keys, k => k.StartsWith("$.host.hostname", StringComparison.Ordinal));
        await (await app.Client.GetAsync("api/benchmarks?gpu=a%00b")).ProblemAsync(HttpStatusCode.BadRequest);
    }

    private static string BenchDocument(string host, string gpu = "NVIDIA H100 80GB HBM3", string backend = "cuda") =>
        BenchResultJson.Serialize(new BenchResult
        {
            Source = BenchSources.CapplanBench,
            Backend = backend,
            CreatedUtc = new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero),
            Host = new HostInfo { Hostname = host, CpuModel = "AMD EPYC 9654", Architecture = "x64" },
            Devices =
            [
                new DeviceInfo { Kind = "gpu", Index = 0, Name = gpu, Uuid = "GPU-0", MemoryBytes = 80L << 30 },
                new DeviceInfo { Kind = "gpu", Index = 1, Name = gpu, Uuid = "GPU-1", MemoryBytes = 80L << 30 },
            ],
            Software = new SoftwareInfo { DriverVersion = "580.95.05", CudaDriverVersion = 13000 },
            Memory = [new MemoryMeasurement { Kind = "copy", MedianGBps = 2400, BestGBps = 2450, TrafficFactor = 1, Convention = "2·N bytes" }],
        });

    [Fact]
    public async Task Benchmark_documents_are_stored_as_uploaded_listed_and_filtered()
    {
        var app = await AppAsync();
        var host = "node-" + Guid.NewGuid().ToString("N")[..8];
        var document = BenchDocument(host);
        var created = await (await app.Client.PostJsonAsync("api/benchmarks", document)).ExpectAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal(host, created.GetProperty("hostname").GetString());
        Assert.Equal("NVIDIA H100 80GB HBM3", created.GetProperty("gpuName").GetString());
        Assert.Equal(2, created.GetProperty("gpuCount").GetInt32());
        Assert.Equal("580.95.05", created.GetProperty("driverVersion").GetString());
        var fingerprint = created.GetProperty("fingerprint").GetString()!;
        Assert.Matches("^[0-9a-f]{64}$", fingerprint);

        var stored = await app.Client.GetAsync($"api/benchmarks/{id}");
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.Equal(document, await stored.Content.ReadAsStringAsync());

        // Same machine again: same fingerprint; another machine: another one.
        await (await app.Client.PostJsonAsync("api/benchmarks", document)).ExpectAsync(HttpStatusCode.Created);
        var other = await (await app.Client.PostJsonAsync("api/benchmarks", BenchDocument(host + "-b", "NVIDIA A100-SXM4-80GB"))).ExpectAsync(HttpStatusCode.Created);
        Assert.NotEqual(fingerprint, other.GetProperty("fingerprint").GetString());

        var byFingerprint = await (await app.Client.GetAsync($"api/benchmarks?fingerprint={fingerprint}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, byFingerprint.GetProperty("total").GetInt32());
        Assert.All(byFingerprint.GetProperty("items").EnumerateArray(), b => Assert.Equal(host, b.GetProperty("hostname").GetString()));
        var all = await (await app.Client.GetAsync("api/benchmarks?pageSize=100")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(all.GetProperty("total").GetInt32() >= 3);
        Assert.Equal(other.GetProperty("id").GetString(), all.GetProperty("items")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Invalid_benchmark_documents_are_refused_with_paths()
    {
        var app = await AppAsync();
        var errors = await (await app.Client.PostJsonAsync("api/benchmarks", BenchDocument("h", backend: "tpu"))).ValidationErrorsAsync();
        Assert.Contains("$.backend", errors.Keys);
        // Nothing measured: refused as the dashboard's upload refuses it (BenchResultJson.HasMeasurements).
        var empty = BenchResultJson.Deserialize(BenchDocument("h")) with { Memory = [] };
        var nothing = await (await app.Client.PostJsonAsync("api/benchmarks", BenchResultJson.Serialize(empty))).ValidationErrorsAsync();
        Assert.Contains("holds no measurement", Assert.Single(nothing["$"]), StringComparison.Ordinal);
        var malformed = await (await app.Client.PostJsonAsync("api/benchmarks", """{"schemaVersion": "one"}""")).ValidationErrorsAsync();
        Assert.Contains(malformed.Keys, k => k.StartsWith('$'));
        await (await app.Client.PostAsync("api/benchmarks", Http.Content("a,b,c", "text/csv"))).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
        var paging = await (await app.Client.GetAsync("api/benchmarks?page=x")).ValidationErrorsAsync();
        Assert.Contains("page", paging.Keys);
    }

    [Fact]
    public async Task The_store_saves_lists_deletes_and_restores()
    {
        var app = await AppAsync();
        var store = app.Services.GetRequiredService<ScenarioStore>();
        var (snapshot, errors) = ScenarioSnapshot.Create(Http.Gpt3, "store test", new Dictionary<string, string> { ["tab"] = "memory" });
        Assert.Empty(errors);
        var saved = await store.SaveAsync(snapshot!);
        Assert.Equal(saved.CreatedUtc, saved.UpdatedUtc);
        Assert.Equal(DateTimeKind.Utc, saved.CreatedUtc.Kind);

        var read = (await store.GetAsync(saved.Id))!;
        Assert.Equal(DateTimeKind.Utc, read.CreatedUtc.Kind);
        Assert.Equal(saved.CreatedUtc, read.CreatedUtc, TimeSpan.FromMilliseconds(1));
        Assert.Equal("memory", ScenarioSnapshot.ReadPageSettings(read.PageSettingsJson)["tab"]);
        Assert.Equal(snapshot!.ScenarioJson, read.ScenarioJson);

        Assert.NotNull(await store.DeleteAsync(saved.Id));
        Assert.Null(await store.DeleteAsync(saved.Id));
        Assert.Null(await store.GetAsync(saved.Id));
        Assert.NotNull(await store.GetAsync(saved.Id, includeDeleted: true));
        Assert.Contains((await store.ListAsync(1, 100, deleted: true)).Items, s => s.Id == saved.Id);
        Assert.NotNull(await store.RestoreAsync(saved.Id));
        Assert.Null(await store.RestoreAsync(saved.Id));
        Assert.Contains((await store.ListAsync(1, 100)).Items, s => s.Id == saved.Id);
        Assert.Null(await store.RenameAsync("missing000", "x"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.RenameAsync(saved.Id, new string('x', 201)));

        // Via the API the page settings come back with the scenario, and the state link carries them.
        var details = await (await app.Client.GetAsync($"api/scenarios/{saved.Id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("memory", details.GetProperty("page").GetProperty("tab").GetString());
        var location = (await app.Client.GetAsync($"s/{saved.Id}")).Headers.Location!.OriginalString;
        Assert.Equal("memory", ScenarioLink.Decode(location["/?s=".Length..]).Payload!.Page["tab"]);
    }

    [Fact]
    public async Task Data_protection_keys_live_in_the_database()
    {
        var app = await AppAsync();
        var protector = app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("tests");
        Assert.Equal("secret", protector.Unprotect(protector.Protect("secret")));
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<CapacityPlannerDbContext>>().CreateDbContextAsync();
        Assert.True(await db.DataProtectionKeys.CountAsync() >= 1);
    }
}

/// <summary>The suite on an embedded SQLite file.</summary>
public sealed class SqliteSavedScenarioTests(SqliteAppFixture fixture) : SavedScenarioSuite, IClassFixture<SqliteAppFixture>
{
    /// <inheritdoc />
    protected override Task<TestApp> AppAsync() => Task.FromResult(fixture.App);
}

/// <summary>The suite on a PostgreSQL server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresSavedScenarioTests(PostgresServer server) : SavedScenarioSuite
{
    /// <inheritdoc />
    protected override Task<TestApp> AppAsync() => server.SharedAsync("suite");
}
