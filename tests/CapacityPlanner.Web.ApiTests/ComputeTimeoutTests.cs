using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
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

    // The calibration to a user's runs is quadratic in them: a heavy computation under the same limit.
    [Fact]
    public async Task Calibrating_to_stored_runs_past_the_compute_limit_is_a_503()
    {
        foreach (var (name, measured) in new[] { ("a", 18.0), ("b", 20.0), ("c", 23.0), ("d", 25.0) })
        {
            var run = JsonNode.Parse(Http.MeasuredRun(name))!;
            run["measured"] = measured;
            await (await _app!.Client.PostJsonAsync("api/runs", run.ToJsonString())).ExpectAsync(HttpStatusCode.Created);
        }

        var problem = await (await _app!.Client.PostAsync("api/runs/calibration", null)).ProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Contains("took too long", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Equal(0.001, problem.GetProperty("timeoutSeconds").GetDouble());
    }
}

/// <summary>The gate's work sees its token cancelled when the time limit passes, so abandoned work stops.</summary>
public sealed class ComputeGateTests
{
    [Fact]
    public async Task Work_past_the_limit_is_answered_at_once_and_then_told_to_stop()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new CapacityPlanner.Web.Api.ApiOptions { ComputeTimeoutSeconds = 0.05 });
        var gate = new CapacityPlanner.Web.Api.ComputeGate(options);
        using var stopped = new ManualResetEventSlim();
        var (done, _) = await gate.RunAsync(token =>
        {
            // Runs until told to stop; a gate that never cancels would leave this spinning (and the wait below fails).
            while (!token.IsCancellationRequested) Thread.SpinWait(1000);
            stopped.Set();
            token.ThrowIfCancellationRequested();
            return 1;
        }, CancellationToken.None);
        Assert.False(done);
        Assert.True(stopped.Wait(TimeSpan.FromSeconds(30)), "the abandoned work was never cancelled");

        // The slot came back: the next call runs.
        var (again, value) = await gate.RunAsync(_ => 42, CancellationToken.None);
        Assert.True(again);
        Assert.Equal(42, value);
    }
}
