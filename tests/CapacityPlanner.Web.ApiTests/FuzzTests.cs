using System.Diagnostics;
using System.Net;
using System.Text;
using CapacityPlanner.Web.ApiTests.Infrastructure;
using Xunit.Abstractions;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>
/// Bounded, seeded fuzzing over loopback: 10,000 mutated bodies (lone surrogates, duplicate keys, truncation, wrong
/// types, deep nesting, huge numbers, random bytes) across every endpoint that reads a body. No answer may be a 5xx
/// other than the documented 503 (compute time limit), and none may take longer than 15 s; the server (in this process)
/// keeps its managed heap bounded: it grows by less than 256 MiB over the run. The counts and memory are printed.
/// </summary>
public sealed class FuzzTests(SqliteAppFixture fixture, ITestOutputHelper output) : IClassFixture<SqliteAppFixture>
{
    private const int Requests = 10_000;

    private static readonly string[] Seeds =
    [
        Http.Gpt3,
        Http.Example("llama3-70b-1024-h100.json"),
        Http.Example("budget-30b-half-year.json"),
        """{ "baseOn": "h100-sxm", "name": "fuzz chip", "hbmCapacityGiB": 141, "gemmCurve": [{ "flops": 1e9, "fraction": 0.3 }] }""",
        """{ "schemaVersion": 1, "source": "capplan bench", "createdUtc": "2026-01-01T00:00:00Z", "backend": "cpu", "suites": ["gemm"], "devices": [{ "name": "cpu" }], "memory": [{ "kind": "triad", "medianGBps": 10, "bestGBps": 11 }] }""",
        """{ "name": "renamed" }""",
        "{ \"name\": \"fuzz run\", \"metric\": \"stepTimeSeconds\", \"measured\": 20, \"scenario\": " + Http.Gpt3 + " }",
    ];

    private static readonly string[] Fragments =
    [
        "\\ud800", "\\udfff", "\\u0000", "\"", "\\", "{", "}", "[", "]", ",", ":", "null", "true", "1e308", "-1", "1e-400",
        "99999999999999999999999", "\"x\":1,\"x\":2", "NaN", "😀", "\u200b", "<a href=x>", "%00", "\t", "/* c */",
        new string('[', 100), new string('{', 40), "\"" + new string('a', 5000) + "\"",
    ];

    private static string Mutate(Random random, string seed)
    {
        var text = seed;
        var steps = random.Next(1, 4);
        for (var i = 0; i < steps; i++)
        {
            var at = random.Next(text.Length + 1);
            text = random.Next(6) switch
            {
                0 => text[..at] + Fragments[random.Next(Fragments.Length)] + text[at..],
                1 => text[..at],                                                          // truncated
                2 => at < text.Length ? text[..at] + text[Math.Min(text.Length, at + random.Next(1, 20))..] : text,
                3 => text.Replace("\"name\"", "\"name\": \"a\", \"name\"", StringComparison.Ordinal),   // duplicate key
                4 => text[..at] + (char)random.Next(0, 0xFFFF) + text[at..],             // any UTF-16 unit, lone surrogates included
                _ => System.Text.RegularExpressions.Regex.Replace(text, @"-?\d+(\.\d+)?([eE][-+]?\d+)?", _ => random.Next(4) switch
                {
                    0 => "-1",
                    1 => "1e300",
                    2 => "\"7\"",
                    _ => "0",
                }, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1)),
            };
        }
        return text;
    }

    [Fact]
    public async Task Ten_thousand_mutated_requests_get_no_5xx_and_none_takes_longer_than_15_seconds()
    {
        var random = new Random(14);
        var client = fixture.App.Client;
        var saved = await (await client.PostJsonAsync("api/scenarios", Http.Gpt3Named("fuzz target"))).ExpectAsync(HttpStatusCode.Created);
        var id = saved.GetProperty("id").GetString();
        (string Method, string Url, int Seed)[] targets =
        [
            ("POST", "api/estimate", 0), ("POST", "api/estimate", 1), ("POST", "api/search?top=1", 0), ("POST", "api/sweep?gpus=8..64", 1),
            ("POST", "api/budget", 2), ("POST", "api/scenarios", 0), ("PUT", "api/chips/fuzz-chip", 3), ("POST", "api/benchmarks", 4),
            ("PATCH", $"api/scenarios/{id}", 5), ("POST", "api/runs", 6),
        ];
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var statuses = new Dictionary<int, int>();
        var serverErrors = new List<string>();
        var slowest = TimeSpan.Zero;
        var total = Stopwatch.StartNew();
        for (var i = 0; i < Requests; i++)
        {
            var (method, url, seed) = targets[random.Next(targets.Length)];
            var body = Mutate(random, Seeds[seed]);
            using var request = new HttpRequestMessage(new HttpMethod(method), url)
            {
                // Encoding.UTF8 turns a lone surrogate char into U+FFFD; escapes (\ud800) reach the server as written.
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            var watch = Stopwatch.StartNew();
            using var response = await client.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            watch.Stop();
            if (watch.Elapsed > slowest) slowest = watch.Elapsed;
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            if (status >= 500 && status != 503 && serverErrors.Count < 10) serverErrors.Add($"{method} {url} → {status}: {body[..Math.Min(300, body.Length)]}");
        }
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        var growthMiB = (heapAfter - heapBefore) / (1024.0 * 1024);
        output.WriteLine($"fuzz: {Requests:N0} requests in {total.Elapsed.TotalSeconds:F1} s, slowest {slowest.TotalMilliseconds:F0} ms; " +
                         string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")) +
                         $"; managed heap {heapBefore / 1048576.0:F0} → {heapAfter / 1048576.0:F0} MiB ({growthMiB:+0;-0} MiB), working set {Environment.WorkingSet / 1048576.0:F0} MiB");
        Assert.True(serverErrors.Count == 0, string.Join("\n", serverErrors));
        Assert.True(slowest < TimeSpan.FromSeconds(15), $"slowest answer took {slowest}");
        Assert.True(growthMiB < 256, $"the managed heap grew by {growthMiB:F0} MiB over the fuzz run");
        Assert.True(statuses.Where(s => s.Key is >= 400 and < 500).Sum(s => s.Value) > Requests / 2, "most mutated bodies should be refused");
    }
}
