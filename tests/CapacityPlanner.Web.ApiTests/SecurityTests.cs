using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.ApiTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>
/// Security headers on every response (CSP with a script nonce that the page's own inline import map carries,
/// nosniff, Referrer-Policy, no Server header), and the API's cross-site protection: state-changing requests from
/// another origin are refused with 403, bodies that are not declared JSON with 415, and no CORS header is sent unless
/// an origin is configured.
/// </summary>
public sealed partial class SecurityHeaderAndCrossSiteTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private HttpClient Client => fixture.App.Client;

    [GeneratedRegex("script-src 'self' 'nonce-([A-Za-z0-9+/=]+)'")]
    private static partial Regex ScriptNonce();

    [Theory]
    [InlineData("/")]
    [InlineData("/api/chips")]
    [InlineData("/api/no-such-endpoint")]
    [InlineData("/openapi/v1.json")]
    public async Task Every_response_has_the_security_headers_and_no_server_header(string url)
    {
        using var response = await Client.GetAsync(url);
        Assert.False(response.Headers.Contains("Server"), "Server: " + string.Join(",", response.Headers.TryGetValues("Server", out var v) ? v : []));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("strict-origin-when-cross-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Matches(ScriptNonce(), csp);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src 'self' 'unsafe-inline'", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_pages_inline_import_map_carries_the_nonce_of_its_own_response_only()
    {
        using var first = await Client.GetAsync("/");
        var nonce = ScriptNonce().Match(first.Headers.GetValues("Content-Security-Policy").Single()).Groups[1].Value;
        var html = await first.Content.ReadAsStringAsync();
        Assert.Contains($"<script type=\"importmap\" nonce=\"{nonce}\"", html, StringComparison.Ordinal);
        // Every inline script has that nonce; every other script is a same-origin file.
        foreach (Match script in Regex.Matches(html, "<script(?<attrs>[^>]*)>"))
        {
            var attrs = script.Groups["attrs"].Value;
            Assert.True(attrs.Contains($"nonce=\"{nonce}\"", StringComparison.Ordinal) || Regex.IsMatch(attrs, "src=\"(?!https?:|//)"), attrs);
        }
        using var second = await Client.GetAsync("/");
        Assert.NotEqual(nonce, ScriptNonce().Match(second.Headers.GetValues("Content-Security-Policy").Single()).Groups[1].Value);
    }

    private static HttpRequestMessage Post(string url, HttpContent? content, string? origin = null, string? fetchSite = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        if (origin is not null) request.Headers.Add("Origin", origin);
        if (fetchSite is not null) request.Headers.Add("Sec-Fetch-Site", fetchSite);
        return request;
    }

    private async Task<int> CountAsync() =>
        (await (await Client.GetAsync("api/scenarios?pageSize=1")).ExpectAsync(HttpStatusCode.OK)).GetProperty("total").GetInt32();

    [Fact]
    public async Task Another_origin_cannot_create_or_change_anything()
    {
        var saved = await (await Client.PostJsonAsync("api/scenarios", Http.Gpt3Named("cross-site target"))).ExpectAsync(HttpStatusCode.Created);
        var id = saved.GetProperty("id").GetString();
        var before = await CountAsync();

        // A page elsewhere: fetch with a JSON body (the Origin header says where it comes from)…
        var refused = await (await Client.SendAsync(Post("api/scenarios", Http.Content(Http.Gpt3), origin: "https://evil.example"))).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("another origin (https://evil.example)", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // …a form post to duplicate, a request that only says it is cross-site, a DELETE and a chip PUT from there.
        await (await Client.SendAsync(Post($"api/scenarios/{id}/duplicate", null, origin: "null"))).ProblemAsync(HttpStatusCode.Forbidden);
        await (await Client.SendAsync(Post("api/scenarios", Http.Content(Http.Gpt3), fetchSite: "cross-site"))).ProblemAsync(HttpStatusCode.Forbidden);
        using (var delete = new HttpRequestMessage(HttpMethod.Delete, $"api/scenarios/{id}"))
        {
            delete.Headers.Add("Origin", "http://127.0.0.1:1");
            await (await Client.SendAsync(delete)).ProblemAsync(HttpStatusCode.Forbidden);
        }
        using (var put = new HttpRequestMessage(HttpMethod.Put, "api/chips/evil-chip") { Content = Http.Content("""{ "baseOn": "h100-sxm" }""") })
        {
            put.Headers.Add("Origin", "https://evil.example");
            await (await Client.SendAsync(put)).ProblemAsync(HttpStatusCode.Forbidden);
        }
        Assert.Equal(before, await CountAsync());
        await (await Client.GetAsync($"api/scenarios/{id}")).ExpectAsync(HttpStatusCode.OK);
        await (await Client.GetAsync("api/chips/evil-chip")).ProblemAsync(HttpStatusCode.NotFound);

        // The server's own pages (same origin) and clients that send no Origin still can.
        var own = fixture.App.BaseAddress.GetLeftPart(UriPartial.Authority);
        await (await Client.SendAsync(Post("api/scenarios", Http.Content(Http.Gpt3Named("same origin")), origin: own, fetchSite: "same-origin"))).ExpectAsync(HttpStatusCode.Created);
        await (await Client.PostAsync($"api/scenarios/{id}/duplicate", null)).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task State_changing_bodies_must_be_declared_json()
    {
        var saved = await (await Client.PostJsonAsync("api/scenarios", Http.Gpt3Named("content types"))).ExpectAsync(HttpStatusCode.Created);
        var id = saved.GetProperty("id").GetString();
        var before = await CountAsync();

        // fetch(…, { mode: 'no-cors', body: new Blob([json]) }): a body without a Content-Type.
        var blob = new ByteArrayContent(Encoding.UTF8.GetBytes(Http.Gpt3));
        Assert.Null(blob.Headers.ContentType);
        var noType = await (await Client.PostAsync("api/scenarios", blob)).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("without a Content-Type", noType.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // text/plain and an HTML form (urlencoded or multipart), on save, duplicate, rename and chip PUT.
        await (await Client.PostAsync("api/scenarios", Http.Content(Http.Gpt3, "text/plain"))).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
        await (await Client.PostAsync($"api/scenarios/{id}/duplicate", new FormUrlEncodedContent([new("name", "x")]))).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
        using var multipart = new MultipartFormDataContent { { new StringContent(Http.Gpt3), "file", "s.json" } };
        await (await Client.PostAsync("api/scenarios", multipart)).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
        await (await Client.PatchAsync($"api/scenarios/{id}", Http.Content("""{ "name": "x" }""", "text/plain"))).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
        await (await Client.PutAsync("api/chips/form-chip", new FormUrlEncodedContent([new("baseOn", "h100-sxm")]))).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(before, await CountAsync());
        await (await Client.GetAsync("api/chips/form-chip")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task No_cors_headers_are_sent_when_no_origin_is_configured()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "api/scenarios");
        preflight.Headers.Add("Origin", "https://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type");
        using var response = await Client.SendAsync(preflight);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        using var get = new HttpRequestMessage(HttpMethod.Get, "api/chips");
        get.Headers.Add("Origin", "https://evil.example");
        using var read = await Client.SendAsync(get);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.False(read.Headers.Contains("Access-Control-Allow-Origin"));
    }
}

/// <summary>With <c>Cors:AllowedOrigins</c> set, that origin (and only it) may call the API from a browser.</summary>
public sealed class ConfiguredCorsTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private TestApp? _app;

    public async Task InitializeAsync()
    {
        var settings = TestApp.Sqlite(_dir.File("cors.db"));
        settings["Cors:AllowedOrigins:0"] = "https://tools.example";
        _app = await TestApp.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task The_configured_origin_gets_cors_and_may_write_others_may_not()
    {
        var client = _app!.Client;
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "api/scenarios");
        preflight.Headers.Add("Origin", "https://tools.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type");
        using var allowed = await client.SendAsync(preflight);
        Assert.Equal("https://tools.example", Assert.Single(allowed.Headers.GetValues("Access-Control-Allow-Origin")));

        using var post = new HttpRequestMessage(HttpMethod.Post, "api/scenarios") { Content = Http.Content(Http.Gpt3) };
        post.Headers.Add("Origin", "https://tools.example");
        using var created = await client.SendAsync(post);
        await created.ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("https://tools.example", Assert.Single(created.Headers.GetValues("Access-Control-Allow-Origin")));

        using var other = new HttpRequestMessage(HttpMethod.Post, "api/scenarios") { Content = Http.Content(Http.Gpt3) };
        other.Headers.Add("Origin", "https://evil.example");
        await (await client.SendAsync(other)).ProblemAsync(HttpStatusCode.Forbidden);
    }
}

/// <summary>
/// Per-client limits on writes and heavy computations (settings <c>RateLimits:*</c>): past the limit a client gets 429
/// with Retry-After and a message, while reads, single estimates and other clients go on.
/// </summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private TestApp? _app;

    public async Task InitializeAsync()
    {
        var settings = TestApp.Sqlite(_dir.File("limits.db"));
        settings["RateLimits:WritesPerWindow"] = "3";
        settings["RateLimits:ComputationsPerWindow"] = "2";
        settings["RateLimits:WindowSeconds"] = "600";
        _app = await TestApp.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        _dir.Dispose();
    }

    // A client whose connections come from another loopback address (127.0.0.2): another client to the server.
    private HttpClient OtherClient() => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = _app!.BaseAddress };

    [Fact]
    public async Task Writes_and_heavy_computations_are_limited_per_client()
    {
        var client = _app!.Client;
        for (var i = 0; i < 3; i++)
        {
            await (await client.PostJsonAsync("api/scenarios", Http.Gpt3Named($"limited {i}"))).ExpectAsync(HttpStatusCode.Created);
        }
        using var refused = await client.PostJsonAsync("api/scenarios", Http.Gpt3Named("one too many"));
        var problem = await refused.ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("3 writes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(refused.Headers.RetryAfter?.Delta is { TotalSeconds: > 0 and <= 600 }, refused.Headers.RetryAfter?.ToString());
        await (await client.PutAsync("api/chips/limited-chip", Http.Content("""{ "baseOn": "h100-sxm" }"""))).ProblemAsync(HttpStatusCode.TooManyRequests);

        // Computations count apart from writes.
        for (var i = 0; i < 2; i++) await (await client.PostJsonAsync("api/search?top=1", Http.Gpt3)).ExpectAsync(HttpStatusCode.OK);
        var computeProblem = await (await client.PostJsonAsync("api/sweep?gpus=8..64", Http.Gpt3)).ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("2 heavy computations", computeProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await client.PostJsonAsync("api/budget", Http.Example("budget-30b-half-year.json"))).ProblemAsync(HttpStatusCode.TooManyRequests);

        // Reads and single estimates are not limited.
        for (var i = 0; i < 10; i++) await (await client.PostJsonAsync("api/estimate", Http.Gpt3)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, (await (await client.GetAsync("api/scenarios")).ExpectAsync(HttpStatusCode.OK)).GetProperty("total").GetInt32());

        // Another client has its own allowance.
        using var other = OtherClient();
        await (await other.PostJsonAsync("api/scenarios", Http.Gpt3Named("other client"))).ExpectAsync(HttpStatusCode.Created);
        await (await other.PostJsonAsync("api/search?top=1", Http.Gpt3)).ExpectAsync(HttpStatusCode.OK);
    }
}

/// <summary>
/// Links always open: the request-line limit fits the longest token the decoder accepts, a saved scenario whose state
/// link is 8–16 K characters opens through /s/{id} (no 414), and a state too big for a link falls back to the id route.
/// </summary>
public sealed class LongLinkTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    // Page settings of random (incompressible) text, so that the state token has about the length wanted.
    private static Dictionary<string, string> RandomPage(int values, int seed)
    {
        var random = new Random(seed);
        var page = new Dictionary<string, string>();
        for (var i = 0; i < values; i++)
        {
            var bytes = new byte[3000];
            random.NextBytes(bytes);
            page[$"note{i}"] = Convert.ToBase64String(bytes);
        }
        return page;
    }

    private async Task<string> SaveAsync(Dictionary<string, string> page)
    {
        var (snapshot, errors) = ScenarioSnapshot.Create(Http.Gpt3Named("long link"), pageSettings: page);
        Assert.True(snapshot is not null, string.Join("; ", errors.Select(e => $"{e.Path}: {e.Message}")));
        var saved = await fixture.App.Services.GetRequiredService<ScenarioStore>().SaveAsync(snapshot);
        return saved.Id;
    }

    [Fact]
    public void The_request_line_limit_agrees_with_the_link_decoder()
    {
        var kestrel = fixture.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>>().Value;
        var longest = $"GET /?s={new string('A', Contracts.Sharing.ScenarioLink.MaxTokenLength)} HTTP/1.1\r\n";
        Assert.True(kestrel.Limits.MaxRequestLineSize >= longest.Length, $"{kestrel.Limits.MaxRequestLineSize} < {longest.Length}");
        Assert.False(kestrel.AddServerHeader);
    }

    [Fact]
    public async Task A_state_link_between_8_and_16_K_characters_opens_through_its_short_link()
    {
        var id = await SaveAsync(RandomPage(3, seed: 14));
        using var redirect = await fixture.App.Client.GetAsync($"s/{id}");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        var location = redirect.Headers.Location!.OriginalString;
        Assert.StartsWith("/?s=v1.", location, StringComparison.Ordinal);
        Assert.InRange(location.Length, 8 * 1024 + 1, Contracts.Sharing.ScenarioLink.MaxTokenLength + 4);
        using var page = await fixture.App.Client.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);     // was 414: Kestrel's 8 KB request line
    }

    [Fact]
    public async Task A_state_too_big_for_a_link_opens_by_id()
    {
        var id = await SaveAsync(RandomPage(8, seed: 15));
        using var redirect = await fixture.App.Client.GetAsync($"s/{id}");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/?id=" + id, redirect.Headers.Location!.OriginalString);
        using var page = await fixture.App.Client.GetAsync(redirect.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Theory]
    [InlineData("api/estimate")]
    [InlineData("api/scenarios")]
    public async Task Names_have_length_limits(string url)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(Http.Gpt3)!;
        node["model"]!["name"] = new string('m', 10_000);
        var errors = await (await fixture.App.Client.PostJsonAsync(url, node.ToJsonString())).ValidationErrorsAsync();
        Assert.Contains("at most 200", errors["$.model.name"][0], StringComparison.Ordinal);

        node = System.Text.Json.Nodes.JsonNode.Parse(Http.Gpt3)!;
        node["system"]!["chip"] = System.Text.Json.Nodes.JsonNode.Parse($$"""{ "id": "{{new string('c', 150)}}", "baseOn": "a100-sxm-80gb" }""");
        using var response = await fixture.App.Client.PostJsonAsync(url, node.ToJsonString());
        if (url == "api/scenarios") Assert.Contains("at most 100", (await response.ValidationErrorsAsync())["$.system.chip.id"][0], StringComparison.Ordinal);
        else Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

/// <summary>Benchmark documents with oversized arrays or unknown suites are refused; the parsed-document cache is bounded.</summary>
public sealed class BenchmarkDocumentLimitTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private TestApp? _app;
    private const long CacheBytes = 4096;

    public async Task InitializeAsync()
    {
        var settings = TestApp.Sqlite(_dir.File("bench.db"));
        settings["Api:BenchmarkCacheBytes"] = CacheBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _app = await TestApp.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        _dir.Dispose();
    }

    private static string Document(string extra) => $$"""{ "schemaVersion": 1, "source": "capplan bench", "createdUtc": "2026-01-01T00:00:00Z", "backend": "cpu", "memory": [{ "kind": "triad", "medianGBps": 10, "bestGBps": 11 }]{{extra}} }""";

    [Fact]
    public async Task Oversized_arrays_and_unknown_suites_are_400s()
    {
        var client = _app!.Client;
        var devices = string.Join(",", Enumerable.Repeat("""{ "name": "x" }""", 20_000));
        var tooMany = await (await client.PostJsonAsync("api/benchmarks", Document($", \"devices\": [{devices}]"))).ValidationErrorsAsync();
        Assert.Contains("20,000 entries", tooMany["$.devices"][0], StringComparison.Ordinal);

        var suites = string.Join(",", Enumerable.Repeat("\"x\"", 20_000));
        var manySuites = await (await client.PostJsonAsync("api/benchmarks", Document($", \"suites\": [{suites}]"))).ValidationErrorsAsync();
        Assert.True(manySuites.ContainsKey("$.suites"));
        Assert.True(manySuites.Values.Sum(v => v.Length) <= 101);

        var unknown = await (await client.PostJsonAsync("api/benchmarks", Document(", \"suites\": [\"gemm\", \"x\"]"))).ValidationErrorsAsync();
        Assert.Contains("\"x\" is not a suite", unknown["$.suites[1]"][0], StringComparison.Ordinal);

        await (await client.PostJsonAsync("api/benchmarks", Document(", \"suites\": [\"gemm\", \"collectives\"], \"devices\": [{ \"name\": \"cpu\" }]"))).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(1, (await (await client.GetAsync("api/benchmarks")).ExpectAsync(HttpStatusCode.OK)).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task The_parsed_document_cache_stays_within_its_bound()
    {
        var client = _app!.Client;
        var ids = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var warnings = string.Join(",", Enumerable.Range(0, 20).Select(w => $"\"warning {i}-{w} padding the document to several hundred bytes\""));
            var created = await (await client.PostJsonAsync("api/benchmarks", Document($", \"warnings\": [{warnings}]"))).ExpectAsync(HttpStatusCode.Created);
            ids.Add(created.GetProperty("id").GetString()!);
        }
        var service = _app.Services.GetRequiredService<Web.Features.Benchmarks.BenchmarkCalibrationService>();
        foreach (var id in ids) Assert.NotNull(await service.LoadAsync(id));
        var rows = await service.ListAsync();
        Assert.Equal(12, rows.Count);
        Assert.InRange(service.DocumentCache.Weight, 1, CacheBytes);
        Assert.InRange(service.DocumentCache.Count, 1, 11);
        // An evicted document is read again when asked for.
        foreach (var id in ids) Assert.NotNull(await service.LoadAsync(id));
    }
}
