using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace CapacityPlanner.Web.E2E;

/// <summary>
/// The hardened app in Chromium: the dashboard works under its Content-Security-Policy (no violation is logged), a
/// page of another origin can neither create nor change anything through the API, and a chip named like a link is
/// shown as text in the charts.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class SecurityTests(AppFixture app)
{
    private HttpClient Api() => new() { BaseAddress = app.BaseAddress };

    private static StringContent Json(string text) => new(text, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    private const string Scenario = """
        { "schemaVersion": 1, "name": "cross-origin target", "model": { "preset": "gpt3-175b" },
          "training": { "globalBatchSequences": 1536, "precision": "fp16" },
          "system": { "chip": "a100-sxm-80gb", "gpus": 1024 } }
        """;

    [Fact]
    public async Task The_dashboard_runs_under_its_content_security_policy()
    {
        await using var page = await BrowserPage.OpenAsync(app);
        var response = await page.Page.GotoAsync("/", new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        var csp = await response!.HeaderValueAsync("content-security-policy");
        Assert.Contains("script-src 'self' 'nonce-", csp, StringComparison.Ordinal);
        Assert.Null(await response.HeaderValueAsync("server"));
        Assert.Equal("nosniff", await response.HeaderValueAsync("x-content-type-options"));
        await page.Page.Locator("[data-testid=step-time]").First.WaitForAsync();
        await page.WaitForInteractiveAsync();
        await page.WaitForChartAsync("step-chart");
        await page.GotoAsync("/roofline", "[data-testid=ridge-table]");
        await page.WaitForChartAsync("roofline-chart");
        Assert.Empty(page.Errors);   // a CSP violation is a console error
    }

    [Fact]
    public async Task A_page_of_another_origin_cannot_create_or_change_anything()
    {
        using var api = Api();
        var saved = JsonDocument.Parse(await (await api.PostAsync("api/scenarios", Json(Scenario))).Content.ReadAsStringAsync()).RootElement;
        var id = saved.GetProperty("id").GetString()!;
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", saved.GetProperty("ownerToken").GetString());
        async Task<int> TotalAsync() => JsonDocument.Parse(await api.GetStringAsync("api/scenarios?pageSize=1")).RootElement.GetProperty("total").GetInt32();
        var before = await TotalAsync();

        await using var page = await BrowserPage.OpenAsync(app);
        var server = app.BaseAddress.ToString();
        await page.Context.RouteAsync("http://evil.test/**", route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/html",
            Body = $"<html><body><form id='f' method='post' action='{server}api/scenarios/{id}/duplicate'><input name='name' value='x'></form></body></html>",
        }));
        await page.Page.GotoAsync("http://evil.test/");
        var outcomes = await page.Page.EvaluateAsync<string[]>(@"async ([server, id, json]) => {
            const out = [];
            const attempt = async (what, url, init) => {
                try { const r = await fetch(url, init); out.push(what + ':' + (r.type === 'opaque' ? 'opaque' : r.status)); }
                catch (e) { out.push(what + ':blocked'); }
            };
            await attempt('blob', server + 'api/scenarios', { method: 'POST', mode: 'no-cors', body: new Blob([json]) });
            await attempt('text', server + 'api/scenarios', { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: json });
            await attempt('json', server + 'api/scenarios', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: json });
            await attempt('duplicate', server + 'api/scenarios/' + id + '/duplicate', { method: 'POST', mode: 'no-cors' });
            await attempt('delete', server + 'api/scenarios/' + id, { method: 'DELETE' });
            await attempt('chip', server + 'api/chips/cross-origin-chip', { method: 'PUT', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: '{""baseOn"":""h100-sxm""}' });
            await attempt('chip-json', server + 'api/chips/cross-origin-chip', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{""baseOn"":""h100-sxm""}' });
            await attempt('run', server + 'api/runs', { method: 'POST', mode: 'no-cors', body: new Blob([JSON.stringify({ name: 'x', scenario: JSON.parse(json), metric: 'stepTimeSeconds', measured: 1 })]) });
            return out;
        }", new object[] { server, id, Scenario });
        Assert.Equal(8, outcomes.Length);
        Assert.Contains("chip-json:blocked", outcomes);
        Assert.Contains("json:blocked", outcomes);       // no CORS: the preflight fails
        Assert.Contains("delete:blocked", outcomes);

        // An HTML form post (a top-level navigation) is refused too.
        var navigation = await page.Page.RunAndWaitForResponseAsync(
            () => page.Page.EvaluateAsync("() => document.getElementById('f').submit()"),
            r => r.Url.Contains("/duplicate", StringComparison.Ordinal));
        Assert.True(navigation.Status is 403 or 415, $"form post answered {navigation.Status}");

        Assert.Equal(before, await TotalAsync());
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"api/scenarios/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("api/chips/cross-origin-chip")).StatusCode);
        Assert.Equal(0, JsonDocument.Parse(await api.GetStringAsync("api/runs")).RootElement.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task The_browsers_owner_cookie_reaches_the_saved_page_and_another_browser_sees_nothing_to_change()
    {
        // Browser A opens the dashboard (its page load hands out the owner cookie) and saves from the page's origin.
        await using var a = await BrowserPage.OpenAsync(app);
        await a.GotoAsync("/saved", "h1");
        var cookie = (await a.Context.CookiesAsync()).Single(c => c.Name == "cp_owner");
        Assert.True(cookie.HttpOnly);
        var id = await a.Page.EvaluateAsync<string>(@"async json => {
            const r = await fetch('/api/scenarios', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: json });
            return (await r.json()).id;
        }", Scenario.Replace("cross-origin target", "browser A's plan", StringComparison.Ordinal));
        await a.GotoAsync("/saved", "[data-testid=saved-table]");
        await a.WaitForInteractiveAsync();
        await a.Page.Locator($"[data-testid=rename-{id}]").WaitForAsync();
        Assert.Equal(1, await a.Page.Locator($"[data-testid=delete-{id}]").CountAsync());

        // Browser B (its own cookie) does not get A's scenario in its list, and cannot delete it over the API.
        await using var b = await BrowserPage.OpenAsync(app);
        await b.GotoAsync("/saved", "h1");
        await b.WaitForInteractiveAsync();
        Assert.Equal(0, await b.Page.Locator($"[data-testid=rename-{id}]").CountAsync());
        Assert.Equal(0, await b.Page.Locator($"[data-testid=open-{id}]").CountAsync());
        var status = await b.Page.EvaluateAsync<int>("async id => (await fetch('/api/scenarios/' + id, { method: 'DELETE' })).status", id);
        Assert.Equal(403, status);
        Assert.Empty(a.Errors);
        Assert.All(b.Errors, e => Assert.Contains("403", e, StringComparison.Ordinal));     // the refused DELETE, logged by Chromium
    }

    [Fact]
    public async Task A_chip_named_like_a_link_is_text_in_the_scaling_chart()
    {
        using var api = Api();
        var put = await api.PutAsync("api/chips/evil-link-chip",
            Json("""{ "name": "<a href=\"https://evil.example\" target=\"_blank\">evil</a>", "baseOn": "h100-sxm" }"""));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        // Only its owner may delete it afterwards.
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", put.Headers.GetValues("Owner-Token").Single());

        try
        {
            await using var page = await BrowserPage.OpenAsync(app);
            await page.GotoAsync("/scaling?min=8&max=64&chips=evil-link-chip", "[data-testid=throughput-chart]");
            await page.WaitForChartAsync("throughput-chart", timeoutMs: 120_000);
            // Plotly got the name as text (entities), and nothing on the page became a link to the name's target.
            var names = await page.Page.EvaluateAsync<string[]>(
                "() => document.querySelector('[data-testid=throughput-chart] .js-plotly-plot').data.map(d => d.name)");
            Assert.Contains(names, n => n.StartsWith("&lt;a href=", StringComparison.Ordinal));
            Assert.Equal(0, await page.Page.Locator("a[href*='evil.example']").CountAsync());
            Assert.Equal(0, await page.Page.Locator("[data-testid=throughput-chart] svg a").CountAsync());
            Assert.Empty(page.Errors);
        }
        finally
        {
            await api.DeleteAsync("api/chips/evil-link-chip");   // the other page tests count the catalog's chips
        }
    }
}
