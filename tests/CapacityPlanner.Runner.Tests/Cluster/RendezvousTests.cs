using CapacityPlanner.Runner;
using CapacityPlanner.Runner.Cluster;
using CapacityPlanner.Measurements;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Runner.Tests.Cluster;

/// <summary>Ranks on threads of this process, talking over real sockets on 127.0.0.1 only.</summary>
public sealed class RendezvousTests
{
    private static LaunchInfo Launch(int rank, int world, int port) => new(rank, world, rank, "127.0.0.1", port, "flags");

    /// <summary>Runs <paramref name="body"/> as <paramref name="world"/> ranks, each joining the rendezvous first.</summary>
    private static T[] RunRanks<T>(int world, Func<RankGroup, T> body, byte[]? payload = null, double timeoutSeconds = 20)
    {
        var port = Loopback.FreePort();
        var tasks = Enumerable.Range(0, world).Select(rank => Task.Factory.StartNew(() =>
        {
            using var g = RankGroup.Join(Launch(rank, world, port), rank == 0 ? payload ?? [] : [], TimeSpan.FromSeconds(timeoutSeconds), $"host{rank % 2}");
            return body(g);
        }, TaskCreationOptions.LongRunning)).ToArray();
        Assert.True(Task.WaitAll(tasks, TimeSpan.FromSeconds(60)), "ranks did not finish in time");
        return tasks.Select(t => t.Result).ToArray();
    }

    [Fact]
    public void Three_ranks_meet_and_share_the_table_the_payload_barriers_and_reductions()
    {
        var results = RunRanks(3, g =>
        {
            g.Barrier();
            var max = g.AllReduceMax(g.Rank * 1.5);
            var gathered = g.Gather([(byte)(10 + g.Rank)]);
            var bcast = g.Broadcast(g.Rank == 0 ? [7, 7] : []);
            return (g.Rank, Peers: g.Peers, g.RootPayload, max, gathered, bcast, g.Nodes);
        }, payload: [1, 2, 3]);
        foreach (var r in results)
        {
            Assert.Equal([0, 1, 2], r.Peers.Select(p => p.Rank));
            Assert.All(r.Peers, p => Assert.Equal("127.0.0.1", p.Address));
            Assert.Equal(["host0", "host1", "host0"], r.Peers.Select(p => p.Host));
            Assert.Equal(2, r.Nodes);
            Assert.Equal([1, 2, 3], r.RootPayload);
            Assert.Equal(3.0, r.max);
            Assert.Equal([7, 7], r.bcast);
        }
        Assert.Equal([[10], [11], [12]], results.Single(r => r.Rank == 0).gathered!);
        Assert.All(results.Where(r => r.Rank != 0), r => Assert.Null(r.gathered));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Tcp_collectives_are_correct_and_use_nccl_tests_factors(int world)
    {
        var results = RunRanks(world, g =>
        {
            var c = new TcpCollectives(g);
            // A size that does not divide evenly into ring chunks exercises the uneven chunk split.
            return TcpCollectives.Names.Select(name => c.Measure(name, 12_345 * 4, warmup: 1, iterations: 3)).ToList();
        });
        var rank0 = results[0];
        Assert.Equal(4, rank0.Count);
        foreach (var m in rank0)
        {
            Assert.Equal(0, m.Wrong);
            Assert.Equal(world, m.Ranks);
            Assert.Equal("tcp", m.Transport);
            Assert.True(m.TimeUs > 0 && m.AlgbwGBps > 0);
            Assert.Equal(m.SizeBytes / (m.TimeUs * 1e-6) / 1e9, m.AlgbwGBps, 6);
            Assert.Equal(m.AlgbwGBps * BusBandwidth.Factor(m.Collective, world), m.BusbwGBps, 9);
        }
        // nccl-tests' size: all_reduce counts the whole buffer, the others n × per-rank count.
        Assert.Equal(12_345 * 4, rank0.Single(m => m.Collective == "all_reduce").SizeBytes);
        Assert.Equal(12_345 / world * world * 4, rank0.Single(m => m.Collective == "all_gather").SizeBytes);
        // Every rank agrees on the timing (the slowest rank's).
        Assert.All(results, r => Assert.Equal(rank0.Select(m => m.TimeUs), r.Select(m => m.TimeUs)));
    }

    [Fact]
    public async Task Mismatched_world_sizes_fail_with_a_reason_on_both_sides()
    {
        var port = Loopback.FreePort();
        var root = Task.Run(() => Assert.Throws<RendezvousException>(() => RankGroup.Join(Launch(0, 2, port), [], TimeSpan.FromSeconds(20), "a")));
        var other = Task.Run(() => Assert.Throws<RendezvousException>(() => RankGroup.Join(new LaunchInfo(1, 3, 1, "127.0.0.1", port, "flags"), [], TimeSpan.FromSeconds(20), "b")));
        await Task.WhenAll(root, other).WaitAsync(TimeSpan.FromSeconds(40));
        Assert.Contains("reports world size 3, rank 0 has 2", (await root).Message, StringComparison.Ordinal);
        Assert.Contains("refused", (await other).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_rank_times_out_naming_it()
    {
        var port = Loopback.FreePort();
        var root = Task.Run(() => Assert.Throws<RendezvousException>(() => RankGroup.Join(Launch(0, 3, port), [], TimeSpan.FromSeconds(3), "a")));
        var one = Task.Run(() => Assert.ThrowsAny<Exception>(() => RankGroup.Join(Launch(1, 3, port), [], TimeSpan.FromSeconds(3), "b")));
        await Task.WhenAll(root, one).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("missing ranks 2", (await root).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rank_with_no_rank_0_times_out_with_the_address_it_tried()
    {
        var ex = Assert.Throws<RendezvousException>(() => RankGroup.Join(Launch(1, 2, Loopback.FreePort()), [], TimeSpan.FromSeconds(1), "b"));
        Assert.Contains("could not reach rank 0 at 127.0.0.1:", ex.Message, StringComparison.Ordinal);
    }

    private static BenchOptions NoFlags => new();

    [Fact]
    public void Torchrun_variables_are_read()
    {
        var env = new Dictionary<string, string> { ["RANK"] = "5", ["WORLD_SIZE"] = "16", ["LOCAL_RANK"] = "1", ["MASTER_ADDR"] = "10.0.0.7", ["MASTER_PORT"] = "29999" };
        var l = LaunchEnvironment.Detect(env.GetValueOrDefault, NoFlags);
        Assert.Equal(new LaunchInfo(5, 16, 1, "10.0.0.7", 29999, "torchrun"), l);
        Assert.Null(LaunchEnvironment.Validate(l));
    }

    [Fact]
    public void Openmpi_and_mpich_variables_are_read()
    {
        var ompi = new Dictionary<string, string> { ["OMPI_COMM_WORLD_RANK"] = "3", ["OMPI_COMM_WORLD_SIZE"] = "8", ["OMPI_COMM_WORLD_LOCAL_RANK"] = "3", ["MASTER_ADDR"] = "head" };
        Assert.Equal(new LaunchInfo(3, 8, 3, "head", 29500, "mpirun"), LaunchEnvironment.Detect(ompi.GetValueOrDefault, NoFlags));
        var pmi = new Dictionary<string, string> { ["PMI_RANK"] = "2", ["PMI_SIZE"] = "4", ["MPI_LOCALRANKID"] = "0", ["MASTER_ADDR"] = "head" };
        Assert.Equal(new LaunchInfo(2, 4, 0, "head", 29500, "mpirun"), LaunchEnvironment.Detect(pmi.GetValueOrDefault, NoFlags));
    }

    [Fact]
    public void Slurm_variables_give_the_first_node_as_rendezvous_host()
    {
        var env = new Dictionary<string, string> { ["SLURM_PROCID"] = "9", ["SLURM_NTASKS"] = "16", ["SLURM_LOCALID"] = "1", ["SLURM_JOB_NODELIST"] = "gpu[007-008,010],login1" };
        var l = LaunchEnvironment.Detect(env.GetValueOrDefault, NoFlags);
        Assert.Equal(new LaunchInfo(9, 16, 1, "gpu007", 29500, "slurm"), l);
        Assert.Equal("a-1-ib", LaunchEnvironment.FirstHost("a-[1-2]-ib,b"));
        Assert.Equal("node5", LaunchEnvironment.FirstHost("node5"));
    }

    [Fact]
    public void Flags_override_the_environment_and_bad_launches_are_explained()
    {
        var env = new Dictionary<string, string> { ["RANK"] = "5", ["WORLD_SIZE"] = "16", ["MASTER_ADDR"] = "x" };
        var flags = new BenchOptions { Rank = 1, WorldSize = 2, MasterAddr = "127.0.0.1", MasterPort = 4000 };
        Assert.Equal(new LaunchInfo(1, 2, 1, "127.0.0.1", 4000, "flags"), LaunchEnvironment.Detect(env.GetValueOrDefault, flags));
        Assert.Equal(LaunchInfo.Single, LaunchEnvironment.Detect(_ => null, NoFlags));

        Assert.Contains("MASTER_ADDR", LaunchEnvironment.Validate(new LaunchInfo(0, 4, 0, null, 29500, "torchrun")), StringComparison.Ordinal);
        Assert.Contains("outside world size", LaunchEnvironment.Validate(new LaunchInfo(4, 4, 0, "h", 29500, "torchrun")), StringComparison.Ordinal);
    }
}
