using System.Globalization;

namespace CapacityPlanner.Runner.Native;

/// <summary>
/// Checks a timed GEMM's output before its rate is reported ("correct first": a GEMM that skips tiles or reads the wrong
/// layout would report FLOPs it never did). The output is poisoned with NaN, the GEMM runs once, and
/// <see cref="Samples"/> elements (the four corners and seeded random positions) are compared with a float64 dot product
/// of the same stored inputs, read back from the device. The error is norm-wise over the samples, ‖out − ref‖ / ‖ref‖:
/// BF16/FP16/FP8 inputs are exact in fp32 products and the output rounds to 8–11 bits (≈ 2⁻⁹ relative), TF32 rounds
/// its inputs to 10 bits; 1e-2 is the bound for 16-bit operands (tools/gpu METHOD notes) and far under what a wrong
/// result gives (≈ 1.4 for an unrelated one, NaN for an unwritten one).
/// </summary>
internal static class GemmCheck
{
    public const int Samples = 64;
    public const double Tolerance = 1e-2;

    /// <summary>Output positions (row i of m, column j of n) to check: the four corners, then seeded random ones.</summary>
    public static (long I, long J)[] Positions(long m, long n, int seed)
    {
        var rng = new Random(seed);
        var p = new (long I, long J)[Samples];
        p[0] = (0, 0);
        p[1] = (m - 1, 0);
        p[2] = (0, n - 1);
        p[3] = (m - 1, n - 1);
        for (var s = 4; s < Samples; s++) p[s] = (rng.NextInt64(m), rng.NextInt64(n));
        return p;
    }

    /// <summary>Element <paramref name="index"/> of a buffer stored in the benchmark precision (fp8 = E4M3; tf32 is stored as float32).</summary>
    public static double Decode(ReadOnlySpan<byte> data, long index, string dtype) => dtype switch
    {
        "tf32" or "fp32" => BitConverter.ToSingle(data[checked((int)(index * 4))..]),
        "fp8" => LowPrecision.FromFp8E4M3(data[checked((int)index)]),
        "fp16" => (double)BitConverter.UInt16BitsToHalf(BitConverter.ToUInt16(data[checked((int)(index * 2))..])),
        _ => LowPrecision.FromBf16(BitConverter.ToUInt16(data[checked((int)(index * 2))..])),
    };

    /// <summary>Σ a[p]·b[p] in float64 over two stored columns of length k.</summary>
    public static double Dot(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, long k, string dtype)
    {
        var sum = 0.0;
        for (long p = 0; p < k; p++) sum += Decode(a, p, dtype) * Decode(b, p, dtype);
        return sum;
    }

    /// <summary>Why the GEMM's output is wrong, or null when the sampled elements match the float64 reference.</summary>
    public static string? Compare(ReadOnlySpan<double> got, ReadOnlySpan<double> expected, string what)
    {
        if (got.Length != expected.Length || got.Length == 0) throw new ArgumentException("one output per reference, at least one", nameof(got));
        double diff = 0, norm = 0;
        for (var s = 0; s < got.Length; s++)
        {
            if (!double.IsFinite(got[s]))
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"the {what} left output sample {s} at {got[s]} (expected {expected[s]:G6}): not timed, as its rate would be wrong");
            }
            diff += (got[s] - expected[s]) * (got[s] - expected[s]);
            norm += expected[s] * expected[s];
        }
        var error = Math.Sqrt(diff / Math.Max(norm, double.Epsilon));
        return error <= Tolerance
            ? null
            : string.Create(CultureInfo.InvariantCulture,
                $"the {what} is wrong: relative error {error:G3} over {got.Length} sampled outputs against a float64 reference (bound {Tolerance:G2}): not timed, as its rate would be wrong");
    }
}
