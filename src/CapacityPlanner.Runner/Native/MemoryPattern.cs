namespace CapacityPlanner.Runner.Native;

/// <summary>
/// The values the device-memory kernels are checked with before they are timed ("correct first": a kernel that skips or
/// repeats elements would report a bandwidth it never moved). Every float is a small integer derived from its own index,
/// so any element written from the wrong place, or not written, differs; the triad's results stay below 2²² and are
/// therefore exact in float32 (b + 3·c with b, c &lt; 2²⁰).
/// </summary>
internal static class MemoryPattern
{
    /// <summary>b[f] of the triad (a = b + s·c), by float index.</summary>
    public static float B(long f) => f & 0xFFFFF;

    /// <summary>c[f] of the triad, by float index (a different walk than b, so swapped operands are caught).</summary>
    public static float C(long f) => ((f >> 3) ^ (f * 7)) & 0xFFFFF;

    /// <summary>What the triad writes into a[f] for scalar s (exact for s = 3).</summary>
    public static float Triad(long f, float s) => B(f) + s * C(f);

    /// <summary>Fills <paramref name="chunk"/> with b or c values for the floats starting at index <paramref name="first"/>.</summary>
    public static void Fill(Span<float> chunk, long first, Func<long, float> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        for (var i = 0; i < chunk.Length; i++) chunk[i] = value(first + i);
    }

    /// <summary>The first float index in <paramref name="chunk"/> (starting at <paramref name="first"/>) whose value is not the expected one, or -1.</summary>
    public static long FirstMismatch(ReadOnlySpan<float> chunk, long first, Func<long, float> expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        for (var i = 0; i < chunk.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(chunk[i]) != BitConverter.SingleToInt32Bits(expected(first + i))) return first + i;
        }
        return -1;
    }
}
