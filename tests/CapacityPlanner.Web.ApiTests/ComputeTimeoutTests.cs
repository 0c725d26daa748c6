using System.Diagnostics;
using System.Net;
using CapacityPlanner.Web.ApiTests.Infrastructure;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>A search, sweep or budget that runs past Api:ComputeTimeoutSeconds is cancelled with a 503 problem saying so.</summary>
public sealed class ComputeTimeoutTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private TestApp? _app;

    public async Task InitializeAsync()
    {
        var settings = TestApp.Sqlite(_dir.File("t.db"));
        settings["Api:ComputeTimeoutSeconds"] = "0.001";
        _app = await TestApp.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        _dir.Dispose();
    }

    [Theory]
    [InlineData("api/search?top=5&exhaustive=true", "search")]
    [InlineData("api/sweep?gpus=8..131072", "sweep")]
    public async Task A_long_computation_is_cancelled_with_a_clear_503(string url, string what)
    {
        var sw = Stopwatch.StartNew();
        // No parallelism fields: the whole plan space is searched (tens of milliseconds at least, against a 1 ms limit).
        var open = System.Text.Json.Nodes.JsonNode.Parse(Http.Gpt3)!.AsObject();
        open.Remove("parallelism");
        var response = await _app!.Client.PostJsonAsync(url, open.ToJsonString());
        var problem = await response.ProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"answered after {sw.Elapsed.TotalSeconds:F1} s");
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains($"The {what} was cancelled after 0.001 s", detail, StringComparison.Ordinal);
        Assert.Equal(0.001, problem.GetProperty("timeoutSeconds").GetDouble());

        // Estimates (microseconds) are not gated, and the app keeps serving.
        await (await _app.Client.PostJsonAsync("api/estimate", Http.Gpt3)).ExpectAsync(HttpStatusCode.OK);
    }
}
