using CapacityPlanner.Measurements;

namespace CapacityPlanner.Measurements.Tests;

public sealed class BusBandwidthTests
{
    [Theory]
    [InlineData("all_reduce", 2, 1.0)]
    [InlineData("all_reduce", 8, 1.75)]
    [InlineData("all_reduce", 16, 1.875)]
    [InlineData("all_gather", 8, 0.875)]
    [InlineData("reduce_scatter", 4, 0.75)]
    [InlineData("alltoall", 16, 0.9375)]
    [InlineData("broadcast", 8, 1.0)]
    [InlineData("reduce", 8, 1.0)]
    [InlineData("sendrecv", 2, 1.0)]
    [InlineData("all_reduce", 1, 0.0)]
    [InlineData("all_gather", 1, 0.0)]
    public void Factors_are_nccl_tests_ones(string collective, int n, double factor) =>
        Assert.Equal(factor, BusBandwidth.Factor(collective, n), 12);

    [Fact]
    public void Real_published_row_matches_within_print_rounding()
    {
        // nccl-tests all_reduce on 2 × 8 H100 (nccl-tests output format and busbw factors: NVIDIA/nccl-tests doc/PERFORMANCE.md):
        // 8589934592 B in 47535 µs → algbw 180.71, busbw 338.82.
        var algbw = BusBandwidth.AlgbwGBps(8589934592, 47535e-6);
        var busbw = BusBandwidth.BusbwGBps("all_reduce", 16, 8589934592, 47535e-6);
        Assert.Equal(180.71, algbw, 2);
        Assert.Equal(338.82, busbw, 1);
    }

    [Theory]
    [InlineData("all_reduce", 16)]
    [InlineData("all_reduce", 3)]
    [InlineData("all_gather", 8)]
    [InlineData("reduce_scatter", 64)]
    [InlineData("alltoall", 2)]
    public void Rank_count_is_recovered_from_the_ratio(string collective, int n)
    {
        var algbw = 100.0;
        var busbw = algbw * BusBandwidth.Factor(collective, n);
        Assert.Equal(n, BusBandwidth.InferRanks(collective, algbw, busbw));
    }

    [Fact]
    public void Factor_one_collectives_do_not_determine_n() =>
        Assert.Null(BusBandwidth.InferRanks("broadcast", 100, 100));

    [Theory]
    [InlineData("all_reduce_perf", "all_reduce")]
    [InlineData("AllReduce", "all_reduce")]
    [InlineData("allgather", "all_gather")]
    [InlineData("reduce_scatter_perf_mpi", "reduce_scatter")]
    [InlineData("alltoall_perf", "alltoall")]
    [InlineData("all-to-all", "alltoall")]
    public void Names_normalise(string name, string canonical) => Assert.Equal(canonical, BusBandwidth.Normalize(name));

    [Fact]
    public void Unknown_collective_is_an_error() =>
        Assert.Throws<ArgumentException>(() => BusBandwidth.Factor("frobnicate", 4));
}
