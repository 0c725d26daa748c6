using CapacityPlanner.Runner.Native;

namespace CapacityPlanner.Runner.Tests.Native;

/// <summary>The check a CUDA GEMM's output passes before its rate is reported: sampled outputs against a float64 reference.</summary>
public sealed class GemmCheckTests
{
    private const int M = 48, N = 40, K = 96;

    [Fact]
    public void Positions_cover_the_corners_and_stay_inside_the_matrix()
    {
        var p = GemmCheck.Positions(M, N, 1234);
        Assert.Equal(GemmCheck.Samples, p.Length);
        Assert.Contains((0L, 0L), p);
        Assert.Contains((M - 1L, N - 1L), p);
        Assert.All(p, x => Assert.True(x.I is >= 0 and < M && x.J is >= 0 and < N));
        Assert.Equal(p, GemmCheck.Positions(M, N, 1234));
    }

    [Theory]
    [InlineData("bf16")]
    [InlineData("fp16")]
    [InlineData("fp8")]
    [InlineData("tf32")]
    public void A_right_product_passes_and_a_wrong_layout_or_an_unwritten_output_fails(string dtype)
    {
        var (a, b) = (Stored(M * K, dtype, 1), Stored(K * N, dtype, 2));
        // C = Aᵀ·B with A stored k×m and B k×n, column-major (the runner's TN layout); output rounded as the GEMM writes it.
        var right = Sample((i, j) => Round(Dot(a, i * K, 1, b, j * K, dtype), dtype));
        var expected = Sample((i, j) => GemmCheck.Dot(a.AsSpan((int)(i * K * Bytes(dtype)), K * Bytes(dtype)), b.AsSpan((int)(j * K * Bytes(dtype)), K * Bytes(dtype)), K, dtype));
        Assert.Null(GemmCheck.Compare(right, expected, "gemm"));

        // A read as if it were not transposed (row i of a column-major k×m walks with stride m).
        var wrongLayout = Sample((i, j) => Round(Dot(a, i, M, b, j * K, dtype), dtype));
        var message = GemmCheck.Compare(wrongLayout, expected, "gemm bf16 test");
        Assert.NotNull(message);
        Assert.Contains("relative error", message, StringComparison.Ordinal);

        // One tile never written keeps the NaN poison.
        var unwritten = (double[])right.Clone();
        unwritten[17] = double.NaN;
        Assert.Contains("left output sample 17", GemmCheck.Compare(unwritten, expected, "gemm"), StringComparison.Ordinal);
    }

    private static double[] Sample(Func<long, long, double> value) => [.. GemmCheck.Positions(M, N, 1234).Select(p => value(p.I, p.J))];

    private static int Bytes(string dtype) => dtype switch { "tf32" => 4, "fp8" => 1, _ => 2 };

    private static byte[] Stored(int count, string dtype, int seed)
    {
        var rng = new Random(seed);
        var bytes = new byte[count * Bytes(dtype)];
        for (var i = 0; i < count; i++)
        {
            var v = (float)(rng.NextDouble() * 2 - 1);
            switch (dtype)
            {
                case "tf32": BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), v); break;
                case "fp8": bytes[i] = LowPrecision.ToFp8E4M3(v); break;
                case "fp16": BitConverter.TryWriteBytes(bytes.AsSpan(i * 2), LowPrecision.ToFp16(v)); break;
                default: BitConverter.TryWriteBytes(bytes.AsSpan(i * 2), LowPrecision.ToBf16(v)); break;
            }
        }
        return bytes;
    }

    private static double Dot(byte[] a, long aStart, long aStride, byte[] b, long bStart, string dtype)
    {
        var sum = 0f;
        for (long p = 0; p < K; p++) sum += (float)(GemmCheck.Decode(a, aStart + p * aStride, dtype) * GemmCheck.Decode(b, bStart + p, dtype));
        return sum;
    }

    private static double Round(double v, string dtype) => dtype switch
    {
        "tf32" => (float)v,
        "fp16" => (double)(Half)v,
        _ => LowPrecision.FromBf16(LowPrecision.ToBf16((float)v)),
    };
}
