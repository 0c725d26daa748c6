using System.Diagnostics;
using CapacityPlanner.Measurements;
using CapacityPlanner.TestSupport;
using CapacityPlanner.Cli.Tests.Support;

namespace CapacityPlanner.Cli.Tests.Commands;

/// <summary>The real binary launched as three ranks (torchrun-style variables) on 127.0.0.1.</summary>
public sealed class MultiProcessBenchTests
{
    [Fact]
    public async Task Three_processes_rendezvous_on_loopback_and_rank_0_writes_one_result_with_tcp_collectives()
    {
        const int world = 3;
        var port = Loopback.FreePort();
        var procs = Enumerable.Range(0, world).Select(rank => BenchTestSupport.StartCapplan(
            ["bench", "--backend", "cpu", "--suite", "collectives", "--quick", "--json", "--rendezvous-timeout", "60"],
            new Dictionary<string, string>
            {
                ["RANK"] = rank.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["WORLD_SIZE"] = world.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["LOCAL_RANK"] = rank.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["MASTER_ADDR"] = "127.0.0.1",
                ["MASTER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            })).ToList();
        try
        {
            var outputs = procs.Select(p => (Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync())).ToList();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            foreach (var p in procs) await p.WaitForExitAsync(cts.Token);
            for (var r = 0; r < world; r++) Assert.True(procs[r].ExitCode == 0, $"rank {r}: {await outputs[r].Err}");

            var json = await outputs[0].Out;
            Assert.Empty(BenchTestSupport.SchemaErrors(json));
            var result = BenchResultJson.Deserialize(json);
            Assert.Equal(world, result.Cluster!.WorldSize);
            Assert.Equal("torchrun", result.Cluster.Launcher);
            Assert.Equal($"127.0.0.1:{port}", result.Cluster.Rendezvous);
            Assert.Equal([0, 1, 2], result.Cluster.Ranks.Select(x => x.Rank));
            Assert.Equal(3, result.Devices.Count);                          // one CPU "device" per rank, merged on rank 0
            Assert.Equal([0, 1, 2], result.Devices.Select(d => d.Rank));
            Assert.Equal(4 * 3, result.Collectives.Count);                  // 4 collectives × 3 quick sizes, recorded once
            Assert.All(result.Collectives, c =>
            {
                Assert.Equal(world, c.Ranks);
                Assert.Equal("tcp", c.Transport);
                Assert.Equal(0, c.Wrong);
                Assert.True(c.BusbwGBps > 0);
                Assert.Equal(c.AlgbwGBps * BusBandwidth.Factor(c.Collective, world), c.BusbwGBps, 9);
            });
            for (var r = 1; r < world; r++)
            {
                Assert.Equal("", (await outputs[r].Out).Trim());                  // only rank 0 writes the document
                Assert.Contains($"rank {r} of {world} sent its results to rank 0", await outputs[r].Err, StringComparison.Ordinal);
            }
        }
        finally
        {
            foreach (var p in procs)
            {
                if (!p.HasExited) p.Kill();
                p.Dispose();
            }
        }
    }
}
