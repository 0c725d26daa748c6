using System.Net;
using System.Text.Json.Nodes;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.ApiTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>
/// Optional team sign-in against a real OpenID Connect provider (<see cref="OpenIdProvider"/>, OpenIddict on loopback):
/// the app's OpenID Connect handler signs alice, bob and the administrator root in through the provider's login form
/// (authorization code with PKCE, over HTTP), and ownership then follows the user: bob cannot change or delete what
/// alice saved, sees it only in the team listing, and root can change, delete and claim anything.
/// </summary>
public sealed class SignInTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private OpenIdProvider _provider = default!;
    private TestApp _app = default!;

    public async Task InitializeAsync()
    {
        _provider = await OpenIdProvider.StartAsync();
        _app = await TestApp.StartAsync(Settings(_provider, _dir.File("signin.db"), requireSignIn: false));
        _provider.RedirectUri = new Uri(_app.BaseAddress, "signin-oidc").ToString();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _provider.DisposeAsync();
        _dir.Dispose();
    }

    internal static Dictionary<string, string?> Settings(OpenIdProvider provider, string database, bool requireSignIn)
    {
        var settings = TestApp.Sqlite(database);
        settings["Authentication:OpenIdConnect:Enabled"] = "true";
        settings["Authentication:OpenIdConnect:Authority"] = provider.Authority.ToString();
        settings["Authentication:OpenIdConnect:ClientId"] = OpenIdProvider.ClientId;
        settings["Authentication:OpenIdConnect:ClientSecret"] = OpenIdProvider.ClientSecret;
        settings["Authentication:OpenIdConnect:RequireHttpsMetadata"] = "false";
        settings["Authentication:OpenIdConnect:RequireSignIn"] = requireSignIn ? "true" : "false";
        return settings;
    }

    private static string Chip(string id) => $$"""{ "id": "{{id}}", "baseOn": "h100-sxm", "name": "{{id}}" }""";

    [Fact]
    public async Task Signed_in_users_own_what_they_save_others_read_only_and_the_administrator_may_change_anything()
    {
        using var alice = await _provider.SignInAsync(_app, "alice");
        using var bob = await _provider.SignInAsync(_app, "bob");
        using var root = await _provider.SignInAsync(_app, "root");
        Assert.Equal(3, _provider.CodesIssued);

        var me = await (await alice.GetAsync("api/me")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(me.GetProperty("signedIn").GetBoolean());
        Assert.Equal("Alice Example", me.GetProperty("name").GetString());
        Assert.False(me.GetProperty("administrator").GetBoolean());
        Assert.True((await (await root.GetAsync("api/me")).ExpectAsync(HttpStatusCode.OK)).GetProperty("administrator").GetBoolean());
        Assert.False((await (await bob.GetAsync("api/me")).ExpectAsync(HttpStatusCode.OK)).GetProperty("administrator").GetBoolean());

        // Alice saves: hers by sign-in, no owner token handed out.
        var saved = await (await alice.PostJsonAsync("api/scenarios", Http.Gpt3Named("alice's plan"))).ExpectAsync(HttpStatusCode.Created);
        var id = saved.GetProperty("id").GetString()!;
        Assert.Equal(System.Text.Json.JsonValueKind.Null, saved.GetProperty("ownerToken").ValueKind);
        await (await alice.PatchAsync($"api/scenarios/{id}", Http.Content("""{"name":"alice's plan v2"}"""))).ExpectAsync(HttpStatusCode.OK);

        // Bob (another user), and an anonymous owner token, may read it but not change, delete or restore it.
        Assert.Contains("belongs to someone else",
            (await (await bob.PatchAsync($"api/scenarios/{id}", Http.Content("""{"name":"bob was here"}"""))).ProblemAsync(HttpStatusCode.Forbidden)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await bob.DeleteAsync($"api/scenarios/{id}")).ProblemAsync(HttpStatusCode.Forbidden);
        await (await _app.Client.DeleteAsync($"api/scenarios/{id}")).ProblemAsync(HttpStatusCode.Forbidden);
        await (await bob.GetAsync($"api/scenarios/{id}")).ExpectAsync(HttpStatusCode.OK);

        // Listing: bob's own list is empty, the team list has alice's; anonymous callers get no team list.
        Assert.Equal(0, (await (await bob.GetAsync("api/scenarios")).ExpectAsync(HttpStatusCode.OK)).GetProperty("total").GetInt32());
        var team = await (await bob.GetAsync("api/scenarios?scope=team")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(team.GetProperty("items").EnumerateArray(), s => s.GetProperty("id").GetString() == id);
        Assert.Equal(1, (await (await alice.GetAsync("api/scenarios")).ExpectAsync(HttpStatusCode.OK)).GetProperty("total").GetInt32());
        await (await _app.Client.GetAsync("api/scenarios?scope=team")).ProblemAsync(HttpStatusCode.Forbidden);
        await (await bob.GetAsync("api/scenarios?scope=everyone")).ValidationErrorsAsync();

        // Duplicate gives bob his own copy, which he may rename.
        var copy = await (await bob.PostAsync($"api/scenarios/{id}/duplicate", null)).ExpectAsync(HttpStatusCode.Created);
        await (await bob.PatchAsync($"api/scenarios/{copy.GetProperty("id").GetString()}", Http.Content("""{"name":"bob's copy"}"""))).ExpectAsync(HttpStatusCode.OK);

        // The administrator may rename and delete alice's scenario; alice may restore it.
        await (await root.PatchAsync($"api/scenarios/{id}", Http.Content("""{"name":"renamed by root"}"""))).ExpectAsync(HttpStatusCode.OK);
        await (await root.DeleteAsync($"api/scenarios/{id}")).ExpectAsync(HttpStatusCode.OK);
        await (await bob.PostAsync($"api/scenarios/{id}/restore", null)).ProblemAsync(HttpStatusCode.Forbidden);
        await (await alice.PostAsync($"api/scenarios/{id}/restore", null)).ExpectAsync(HttpStatusCode.OK);

        // Measured runs: the same rules.
        var run = (await (await alice.PostJsonAsync("api/runs", Http.MeasuredRun("alice's run"))).ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await (await bob.DeleteAsync($"api/runs/{run}")).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(0, (await (await bob.GetAsync("api/runs")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
        Assert.Equal(1, (await (await bob.GetAsync("api/runs?scope=team")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.NoContent, (await root.DeleteAsync($"api/runs/{run}")).StatusCode);

        // Custom chips: alice's chip cannot be replaced or deleted by bob; root may delete it.
        await (await alice.PutAsync("api/chips/alice-chip", Http.Content(Chip("alice-chip")))).ExpectAsync(HttpStatusCode.Created);
        await (await bob.PutAsync("api/chips/alice-chip", Http.Content(Chip("alice-chip")))).ProblemAsync(HttpStatusCode.Forbidden);
        await (await bob.DeleteAsync("api/chips/alice-chip")).ProblemAsync(HttpStatusCode.Forbidden);
        await (await alice.PutAsync("api/chips/alice-chip", Http.Content(Chip("alice-chip")))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NoContent, (await root.DeleteAsync("api/chips/alice-chip")).StatusCode);
    }

    [Fact]
    public async Task Only_the_administrator_claims_rows_saved_before_ownership()
    {
        var (snapshot, _) = ScenarioSnapshot.Create(Http.Gpt3Named("from before owners"));
        var legacy = await _app.Services.GetRequiredService<ScenarioStore>().SaveAsync(snapshot!);
        using var alice = await _provider.SignInAsync(_app, "alice");
        using var root = await _provider.SignInAsync(_app, "root");

        Assert.Contains("belongs to nobody",
            (await (await alice.DeleteAsync($"api/scenarios/{legacy.Id}")).ProblemAsync(HttpStatusCode.Forbidden)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await alice.PostAsync($"api/scenarios/{legacy.Id}/claim", null)).ProblemAsync(HttpStatusCode.Forbidden);
        await (await _app.Client.PostAsync($"api/scenarios/{legacy.Id}/claim", null)).ProblemAsync(HttpStatusCode.Forbidden);

        // The administrator's team list shows ownerless rows (to claim); a user's does not.
        Assert.DoesNotContain((await (await alice.GetAsync("api/scenarios?scope=team")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray(),
            s => s.GetProperty("id").GetString() == legacy.Id);
        Assert.Contains((await (await root.GetAsync("api/scenarios?scope=team")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray(),
            s => s.GetProperty("id").GetString() == legacy.Id);

        await (await root.PostAsync($"api/scenarios/{legacy.Id}/claim", null)).ExpectAsync(HttpStatusCode.OK);
        await (await root.PostAsync($"api/scenarios/{legacy.Id}/claim", null)).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(1, (await (await root.GetAsync("api/scenarios")).ExpectAsync(HttpStatusCode.OK)).GetProperty("total").GetInt32());
        await (await alice.DeleteAsync($"api/scenarios/{legacy.Id}")).ProblemAsync(HttpStatusCode.Forbidden);
        await (await root.PatchAsync($"api/scenarios/{legacy.Id}", Http.Content("""{"name":"claimed"}"""))).ExpectAsync(HttpStatusCode.OK);

        // A run stored before runs had owners: the same.
        var run = await _app.Services.GetRequiredService<MeasuredRunStore>().AddAsync("old run", Http.Gpt3, "stepTimeSeconds", 20, null, null);
        await (await alice.DeleteAsync($"api/runs/{run.Id}")).ProblemAsync(HttpStatusCode.Forbidden);
        await (await alice.PostAsync($"api/runs/{run.Id}/claim", null)).ProblemAsync(HttpStatusCode.Forbidden);
        await (await root.PostAsync($"api/runs/{run.Id}/claim", null)).ExpectAsync(HttpStatusCode.OK);
        Assert.Single((await (await root.GetAsync("api/runs")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray());

        // And a benchmark upload.
        var result = new Measurements.BenchResult
        {
            Source = Measurements.BenchSources.CapplanBench,
            Backend = "cuda",
            Host = new Measurements.HostInfo { Hostname = "old-node" },
            Devices = [new Measurements.DeviceInfo { Kind = "gpu", Index = 0, Name = "NVIDIA H100 80GB HBM3" }],
        };
        var upload = await _app.Services.GetRequiredService<BenchmarkStore>().SaveAsync(result, Measurements.BenchResultJson.Serialize(result));
        await (await alice.PostAsync($"api/benchmarks/{upload.Id}/claim", null)).ProblemAsync(HttpStatusCode.Forbidden);
        await (await root.PostAsync($"api/benchmarks/{upload.Id}/claim", null)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, (await (await root.GetAsync("api/benchmarks")).ExpectAsync(HttpStatusCode.OK)).GetProperty("total").GetInt32());
        Assert.Equal(1, (await (await alice.GetAsync("api/benchmarks?scope=team")).ExpectAsync(HttpStatusCode.OK)).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Signing_out_ends_the_session()
    {
        using var alice = await _provider.SignInAsync(_app, "alice");
        Assert.True((await (await alice.GetAsync("api/me")).ExpectAsync(HttpStatusCode.OK)).GetProperty("signedIn").GetBoolean());
        (await alice.GetAsync("account/signout")).EnsureSuccessStatusCode();
        Assert.False((await (await alice.GetAsync("api/me")).ExpectAsync(HttpStatusCode.OK)).GetProperty("signedIn").GetBoolean());
    }
}

/// <summary>With <c>RequireSignIn</c>, nothing is served to anyone who has not signed in at the provider.</summary>
public sealed class RequiredSignInTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private OpenIdProvider _provider = default!;
    private TestApp _app = default!;

    public async Task InitializeAsync()
    {
        _provider = await OpenIdProvider.StartAsync();
        _app = await TestApp.StartAsync(SignInTests.Settings(_provider, _dir.File("required.db"), requireSignIn: true));
        _provider.RedirectUri = new Uri(_app.BaseAddress, "signin-oidc").ToString();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _provider.DisposeAsync();
        _dir.Dispose();
    }

    [Theory]
    [InlineData("api/chips")]
    [InlineData("api/scenarios")]
    [InlineData("api/me")]
    public async Task The_api_answers_401_without_sign_in_even_with_an_owner_token(string url)
    {
        var problem = await (await _app.Client.GetAsync(url)).ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("/account/signin", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await _app.Client.PostJsonAsync("api/estimate", Http.Gpt3)).ProblemAsync(HttpStatusCode.Unauthorized);
        await (await _app.Client.PostJsonAsync("api/scenarios", Http.Gpt3)).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Pages_send_the_browser_to_the_provider_and_open_after_sign_in()
    {
        using var page = await _app.Client.GetAsync("/saved");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith(new Uri(_provider.Authority, "connect/authorize").ToString(), page.Headers.Location!.ToString(), StringComparison.Ordinal);

        using var alice = await _provider.SignInAsync(_app, "alice");
        using var html = await alice.GetAsync("/saved");
        Assert.Equal(HttpStatusCode.OK, html.StatusCode);
        Assert.Contains("<html", await html.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await (await alice.PostJsonAsync("api/estimate", Http.Gpt3)).ExpectAsync(HttpStatusCode.OK);
    }
}

/// <summary>A provider that cannot be reached makes sign-in a 503 that says so, never a 500.</summary>
public sealed class UnreachableProviderTests
{
    [Fact]
    public async Task Signing_in_against_an_unreachable_provider_answers_503_with_the_reason()
    {
        using var dir = new TempDirectory();
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var settings = TestApp.Sqlite(dir.File("unreachable.db"));
        settings["Authentication:OpenIdConnect:Enabled"] = "true";
        settings["Authentication:OpenIdConnect:Authority"] = $"http://127.0.0.1:{port}/";
        settings["Authentication:OpenIdConnect:ClientId"] = "capacityplanner";
        settings["Authentication:OpenIdConnect:RequireHttpsMetadata"] = "false";
        settings["Authentication:OpenIdConnect:RequireSignIn"] = "true";
        await using var app = await TestApp.StartAsync(settings);
        var problem = await (await app.Client.GetAsync("account/signin")).ProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Contains($"127.0.0.1:{port}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await app.Client.GetAsync("/")).ProblemAsync(HttpStatusCode.ServiceUnavailable);
        await (await app.Client.GetAsync("api/chips")).ProblemAsync(HttpStatusCode.Unauthorized);
    }
}
