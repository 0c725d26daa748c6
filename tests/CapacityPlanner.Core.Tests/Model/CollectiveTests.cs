using CapacityPlanner.Core.Network;

namespace CapacityPlanner.Core.Tests.Model;

/// <summary>Ring collective costs (formula sheet §7.1) and group layout.</summary>
public sealed class CollectiveTests
{
    [Fact]
    public void Ring_all_reduce_moves_2_n_minus_1_over_n_of_the_buffer()
    {
        var t = Collectives.Ring(CollectiveKind.AllReduce, 8, 1e9, 100e9, 0);
        Assert.Equal(2 * 7.0 / 8 * 1e9 / 100e9, t, 12);
    }

    [Fact]
    public void All_gather_and_reduce_scatter_cost_half_an_all_reduce_plus_latency()
    {
        var ag = Collectives.Ring(CollectiveKind.AllGather, 16, 4e9, 50e9, 1e-5);
        var ar = Collectives.Ring(CollectiveKind.AllReduce, 16, 4e9, 50e9, 1e-5);
        Assert.Equal(ar, 2 * ag, 12);
        Assert.Equal(15 * 1e-5 + 15.0 / 16 * 4e9 / 50e9, ag, 12);
    }

    [Fact]
    public void Single_rank_groups_cost_nothing()
    {
        Assert.Equal(0, Collectives.Ring(CollectiveKind.AllReduce, 1, 1e9, 1e9, 1e-5));
    }

    [Theory]
    [InlineData(8, 1, 8, 8, 1)]      // TP=8 in an 8-GPU node
    [InlineData(16, 8, 8, 1, 16)]    // DP of 16 with TP=8 inside: one rank per node
    [InlineData(32, 2, 8, 4, 8)]     // DP of 32 with TP=2: four ranks per node, eight nodes
    [InlineData(4, 1, 72, 4, 1)]     // NVL72 domain
    public void Group_layout_places_ranks_on_domains(int size, long stride, int domain, int local, int domains)
    {
        var g = GroupLayout.Of(size, stride, domain);
        Assert.Equal(local, g.LocalRanks);
        Assert.Equal(domains, g.Domains);
    }

    [Fact]
    public void Crossing_the_scale_out_network_is_slower_than_staying_in_the_domain()
    {
        var fabric = new FabricModel(240e9, 3.4e-6, 0, 25e9 * 0.75, 14e-6, 8.4e-6, [new("leaf", 256, 1, 0.3e-6)]);
        var inside = Collectives.Time(CollectiveKind.AllReduce, GroupLayout.Of(8, 1, 8), 1e9, fabric);
        var across = Collectives.Time(CollectiveKind.AllReduce, GroupLayout.Of(8, 8, 8), 1e9, fabric);
        Assert.True(across > 5 * inside, $"across {across} vs inside {inside}");
    }

    [Fact]
    public void Oversubscribed_tiers_cut_bandwidth()
    {
        var tiers = new List<CapacityPlanner.Core.Planning.NetworkTier> { new("leaf", 64, 2, 0), new("spine", 100000, 1, 0) };
        var fabric = new FabricModel(240e9, 3.4e-6, 0, 50e9, 14e-6, 0, tiers);
        Assert.Equal(50e9, fabric.ScaleOutFor(32).BytesPerSecond);
        Assert.Equal(25e9, fabric.ScaleOutFor(128).BytesPerSecond);
    }
}
