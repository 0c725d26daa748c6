using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using CapacityPlanner.Web.ApiTests.Infrastructure;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>
/// Crash durability against the real server process: eight concurrent writers (each its own owner) save scenarios,
/// measured runs and chips while the server is killed with SIGKILL, twice; after each restart on the same database every
/// write the server acknowledged (201) is there, unchanged and still its writer's, and SQLite's integrity check is ok.
/// The same runs on PostgreSQL (<see cref="PostgresDurabilityTests"/>).
/// </summary>
public abstract class DurabilitySuite(ITestOutputHelper output)
{
    private const int Writers = 8;
    private const int Rounds = 2;

    /// <summary>Environment settings of the server's database.</summary>
    protected abstract Task<Dictionary<string, string>> DatabaseAsync();

    /// <summary>Checks the database files after the last kill (SQLite: <c>PRAGMA integrity_check</c>).</summary>
    protected abstract Task CheckIntegrityAsync();

    private sealed record Ack(string Kind, string Id, string Name, int Writer);

    private static string Token(int writer) => new string((char)('a' + writer), 42) + "A";

    [Fact]
    public async Task Every_acknowledged_write_survives_kill_9_under_concurrent_writers()
    {
        var settings = await DatabaseAsync();
        var acks = new ConcurrentBag<Ack>();
        var failures = new ConcurrentBag<string>();
        var attempted = 0;
        for (var round = 1; round <= Rounds; round++)
        {
            var server = await ServerProcess.StartAsync(settings);
            try
            {
                await VerifyAsync(server, acks);     // everything from earlier rounds is there after the restart
                using var stop = new CancellationTokenSource();
                var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteAsync(server, w, round, acks, failures, () => Interlocked.Increment(ref attempted), stop.Token))).ToArray();
                // Let the writers get going, then kill the server mid-write.
                var until = Stopwatch.StartNew();
                while (until.Elapsed < TimeSpan.FromSeconds(20) && acks.Count(a => a.Id.Length > 0 && a.Name.Contains($"r{round}-", StringComparison.Ordinal)) < 60) await Task.Delay(50);
                server.Kill();
                await Task.Delay(300);
                await stop.CancelAsync();
                await Task.WhenAll(writers);
            }
            finally
            {
                await server.DisposeAsync();
            }
        }
        var final = await ServerProcess.StartAsync(settings);
        try
        {
            await VerifyAsync(final, acks);
        }
        finally
        {
            final.Kill();
        }
        await CheckIntegrityAsync();
        output.WriteLine($"{Rounds} kill -9 rounds, {Writers} writers: {attempted} writes sent, {acks.Count} acknowledged " +
                         $"({acks.Count(a => a.Kind == "scenario")} scenarios, {acks.Count(a => a.Kind == "run")} runs, {acks.Count(a => a.Kind == "chip")} chips), all intact; " +
                         $"{failures.Count} unacknowledged (cut off by the kill)");
        Assert.True(acks.Count >= 60 * Rounds, $"only {acks.Count} writes acknowledged");
        Assert.DoesNotContain(failures, f => f.StartsWith('5'));     // refused connections only, never a server error
    }

    private static async Task WriteAsync(ServerProcess server, int writer, int round, ConcurrentBag<Ack> acks, ConcurrentBag<string> failures, Func<int> count, CancellationToken stop)
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(writer));
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var name = $"w{writer}-r{round}-{i}";
            var (kind, request) = (i % 8) switch
            {
                3 => ("run", new HttpRequestMessage(HttpMethod.Post, "api/runs") { Content = Http.Content(Http.MeasuredRun(name)) }),
                7 => ("chip", new HttpRequestMessage(HttpMethod.Put, $"api/chips/{name}") { Content = Http.Content($$"""{ "baseOn": "h100-sxm", "name": "{{name}}" }""") }),
                _ => ("scenario", new HttpRequestMessage(HttpMethod.Post, "api/scenarios") { Content = Http.Content(Http.Gpt3Named(name)) }),
            };
            count();
            try
            {
                using var response = await http.SendAsync(request, stop);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    var id = kind == "chip" ? name : (await response.JsonAsync()).GetProperty("id").GetString()!;
                    acks.Add(new Ack(kind, id, name, writer));
                }
                else
                {
                    failures.Add($"{(int)response.StatusCode} {kind}");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or OperationCanceledException)
            {
                failures.Add($"{kind}: {ex.GetType().Name}");
                if (stop.IsCancellationRequested) return;
                await Task.Delay(20, CancellationToken.None);
            }
        }
    }

    private static async Task VerifyAsync(ServerProcess server, ConcurrentBag<Ack> acks)
    {
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        foreach (var ack in acks)
        {
            var url = ack.Kind switch
            {
                "scenario" => $"api/scenarios/{ack.Id}",
                "run" => $"api/runs/{ack.Id}",
                _ => $"api/chips/{ack.Id}",
            };
            var body = await (await anonymous.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
            var name = ack.Kind == "chip" ? body.GetProperty("id").GetString() : body.GetProperty("summary").GetProperty("name").GetString();
            Assert.Equal(ack.Name, name);
        }
        // Still each writer's own: its list has every scenario it was acknowledged.
        for (var w = 0; w < Writers; w++)
        {
            var mine = acks.Where(a => a.Writer == w && a.Kind == "scenario").Select(a => a.Id).ToHashSet();
            if (mine.Count == 0) continue;
            using var owner = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
            owner.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(w));
            var listed = new HashSet<string>();
            for (var page = 1; ; page++)
            {
                var list = await (await owner.GetAsync($"api/scenarios?pageSize=100&page={page}")).ExpectAsync(HttpStatusCode.OK);
                var items = list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToList();
                listed.UnionWith(items);
                if (items.Count < 100) break;
            }
            Assert.Superset(mine, listed);
        }
    }
}

/// <summary><see cref="DurabilitySuite"/> on a SQLite file.</summary>
public sealed class SqliteDurabilityTests(ITestOutputHelper output) : DurabilitySuite(output), IDisposable
{
    private readonly TempDirectory _dir = new();

    private string DatabasePath => _dir.File("durable.db");

    protected override Task<Dictionary<string, string>> DatabaseAsync() => Task.FromResult(new Dictionary<string, string>
    {
        ["Database__Provider"] = "Sqlite",
        ["Database__SqlitePath"] = DatabasePath,
    });

    protected override async Task CheckIntegrityAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", (string?)await command.ExecuteScalarAsync());
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary><see cref="DurabilitySuite"/> on a database of the suite's PostgreSQL server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresDurabilityTests(PostgresServer server, ITestOutputHelper output) : DurabilitySuite(output)
{
    protected override async Task<Dictionary<string, string>> DatabaseAsync() => new()
    {
        ["Database__Provider"] = "Postgres",
        ["ConnectionStrings__CapacityPlanner"] = await server.CreateDatabaseAsync("durable"),
    };

    protected override Task CheckIntegrityAsync() => Task.CompletedTask;     // PostgreSQL's WAL recovery; the reads above are the check
}
