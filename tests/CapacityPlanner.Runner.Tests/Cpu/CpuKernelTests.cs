using CapacityPlanner.Runner;
using CapacityPlanner.Runner.Cpu;
using CapacityPlanner.Runner.Native;

namespace CapacityPlanner.Runner.Tests.Cpu;

public sealed class CpuKernelTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 13, 5)]
    [InlineData(37, 50, 19)]
    [InlineData(64, 64, 64)]
    [InlineData(6, 33, 128)]
    public void Simd_gemm_matches_a_naive_product_including_edge_tiles(int m, int n, int k)
    {
        var a = CpuBackend.RandomNormal((long)m * k, 1);
        var b = CpuBackend.RandomNormal((long)k * n, 2);
        var c = new float[m * n];
        using (var g = new SimdGemm(m, n, k, threads: 2)) g.Multiply(a, b, c);
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double expected = 0;
                for (var p = 0; p < k; p++) expected += (double)a[i * k + p] * b[p * n + j];
                Assert.True(Math.Abs(c[i * n + j] - expected) < 1e-3 * Math.Sqrt(k) + 1e-4, $"C[{i},{j}] = {c[i * n + j]}, expected {expected}");
            }
        }
    }

    [Fact]
    public void Random_fill_is_normal_with_unit_variance()
    {
        var v = CpuBackend.RandomNormal(200_000, 42);
        var mean = v.Average(x => (double)x);
        var variance = v.Average(x => (x - mean) * (x - mean));
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(variance, 0.98, 1.02);
        Assert.Equal(v, CpuBackend.RandomNormal(200_000, 42));           // seeded: reproducible
    }

    [Fact]
    public void Stream_triad_computes_b_plus_s_times_c()
    {
        using var k = new StreamKernels(100_003, threads: 2);
        k.Copy();
        k.Triad(3.0);
        Assert.True(k.CheckTriad(3.0));
        Assert.Equal(100_003 * 8, k.BufferBytes);
    }

    [Fact]
    public void Harness_warms_up_until_stable_then_times_the_repetitions()
    {
        // A clock that starts slow (cold) and settles at 1 ms.
        var times = new Queue<double>([5e-3, 3e-3, 2e-3, 1.00e-3, 1.01e-3, 0.99e-3]);
        var flushes = 0;
        var settings = new HarnessSettings(MinWarmup: 2, MaxWarmup: 20, WarmupSeconds: 60, StableTolerance: 0.05, Repetitions: 5, MaxTimedSeconds: 60, SustainedSeconds: 0.01);
        var r = Harness.Run(settings, () => times.Count > 0 ? times.Dequeue() : 1e-3, () => flushes++, n => n * 1.1e-3);
        Assert.True(r.Stable);
        Assert.Equal(6, r.WarmupIterations);                               // stopped once the last three agreed
        Assert.Equal(5, r.Time.Count);
        Assert.Equal(1e-3, r.Time.Median, 12);
        Assert.Equal(11, flushes);                                          // before every warm-up and timed iteration
        Assert.Equal(1.1e-3, r.SustainedSecondsPerIteration!.Value, 12);
        Assert.InRange(r.SustainedWindowSeconds!.Value / 1.1e-3, 9.5, 11.5);  // ceil(0.01 s / 1 ms) iterations back to back
    }

    [Fact]
    public void Harness_gives_up_warming_at_its_cap_and_says_so()
    {
        var i = 0;
        var settings = new HarnessSettings(2, 8, 60, 0.01, 3, 60, 0);
        var r = Harness.Run(settings, () => ++i % 2 == 0 ? 1e-3 : 2e-3);
        Assert.False(r.Stable);
        Assert.Equal(8, r.WarmupIterations);
        Assert.Null(r.SustainedSecondsPerIteration);
    }

    [Theory]
    [InlineData(0.0f)]
    [InlineData(1.0f)]
    [InlineData(-2.5f)]
    [InlineData(448f)]
    [InlineData(0.0123f)]
    [InlineData(3.14159f)]
    public void Fp8_e4m3_round_trips_within_half_an_ulp(float x)
    {
        var back = LowPrecision.FromFp8E4M3(LowPrecision.ToFp8E4M3(x));
        var ulp = Math.Abs(x) < 1.0 / 64 ? Math.Pow(2, -9) : Math.Pow(2, Math.Floor(Math.Log2(Math.Abs(x))) - 3);
        Assert.True(Math.Abs(back - x) <= ulp / 2 + 1e-9, $"{x} → {back}");
        Assert.Equal(0x7E, LowPrecision.ToFp8E4M3(1e6f));                  // saturates at 448, never NaN
        Assert.Equal(1.0f, LowPrecision.FromBf16(LowPrecision.ToBf16(1.0f)));
    }
}
