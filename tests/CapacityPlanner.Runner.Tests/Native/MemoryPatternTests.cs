using CapacityPlanner.Runner.Native;

namespace CapacityPlanner.Runner.Tests.Native;

/// <summary>The pattern the CUDA copy and triad kernels are checked against before they are timed.</summary>
public sealed class MemoryPatternTests
{
    [Fact]
    public void Triad_results_are_exact_in_float32_for_the_benchmark_scalar()
    {
        // 1 GiB of floats is 2^28 indices; sample across the whole range, the tails included.
        for (long f = 0; f < 1L << 28; f += 999_983)
        {
            Assert.Equal((double)MemoryPattern.B(f) + 3.0 * MemoryPattern.C(f), MemoryPattern.Triad(f, 3f));
        }
        Assert.Equal((double)MemoryPattern.B((1L << 28) - 1) + 3.0 * MemoryPattern.C((1L << 28) - 1), MemoryPattern.Triad((1L << 28) - 1, 3f));
    }

    [Fact]
    public void A_copy_from_the_wrong_element_or_an_unwritten_element_is_found()
    {
        const long first = 5L << 20;
        var chunk = new float[4096];
        MemoryPattern.Fill(chunk, first, MemoryPattern.B);
        Assert.Equal(-1, MemoryPattern.FirstMismatch(chunk, first, MemoryPattern.B));

        // One float4 read from the next element (an off-by-one in the index walk).
        var shifted = (float[])chunk.Clone();
        for (var i = 0; i < 4; i++) shifted[1000 + i] = chunk[1004 + i];
        Assert.Equal(first + 1000, MemoryPattern.FirstMismatch(shifted, first, MemoryPattern.B));

        // An element the kernel never wrote keeps the poison (0xFFFFFFFF, a NaN).
        var unwritten = (float[])chunk.Clone();
        unwritten[4095] = BitConverter.Int32BitsToSingle(-1);
        Assert.Equal(first + 4095, MemoryPattern.FirstMismatch(unwritten, first, MemoryPattern.B));

        // b and c differ, so swapped triad operands are caught too.
        var c = new float[4096];
        MemoryPattern.Fill(c, first, MemoryPattern.C);
        Assert.NotEqual(-1, MemoryPattern.FirstMismatch(c, first, MemoryPattern.B));
    }
}
