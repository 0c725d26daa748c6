using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CapacityPlanner.Runner.Cpu;

/// <summary>
/// Single-precision GEMM C = A·B (row-major) in managed SIMD: A is packed into row panels of 6, B into column panels
/// of two vectors (32 floats with AVX-512, 16 with AVX2), and a 6 × 2-vector register tile accumulates with fused
/// multiply-add along K. Column panels are spread over threads. Packing is part of the timed work, as in BLAS.
/// </summary>
internal sealed unsafe class SimdGemm : IDisposable
{
    private const int Mr = 6;
    private readonly int _m, _n, _k, _nr, _rowPanels, _colPanels, _threads;
    private readonly float* _ap;
    private readonly float* _bp;
    private bool _disposed;

    /// <summary>Vector width in floats that the kernel uses.</summary>
    public static int Width => Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 0;

    /// <summary>Description of the kernel for the result document.</summary>
    public static string Kernel => Width switch
    {
        16 => "managed SIMD SGEMM, 6x32 register tile, Vector512 FMA",
        8 => "managed SIMD SGEMM, 6x16 register tile, Vector256 FMA",
        _ => "managed scalar SGEMM (no SIMD acceleration)",
    };

    public SimdGemm(int m, int n, int k, int threads)
    {
        if (m <= 0 || n <= 0 || k <= 0) throw new ArgumentOutOfRangeException(nameof(m), "GEMM dimensions must be positive.");
        _m = m;
        _n = n;
        _k = k;
        _threads = Math.Max(1, threads);
        _nr = Math.Max(1, Width) * 2;
        _rowPanels = (m + Mr - 1) / Mr;
        _colPanels = (n + _nr - 1) / _nr;
        _ap = (float*)NativeMemory.AlignedAlloc((nuint)((long)_rowPanels * Mr * k * sizeof(float)), 64);
        _bp = (float*)NativeMemory.AlignedAlloc((nuint)((long)_colPanels * _nr * k * sizeof(float)), 64);
    }

    /// <summary>C = A·B with A m×k, B k×n, C m×n, all row-major.</summary>
    public void Multiply(float[] a, float[] b, float[] c)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(c);
        if (a.Length < (long)_m * _k || b.Length < (long)_k * _n || c.Length < (long)_m * _n) throw new ArgumentException("Matrix buffers are too small.");
        var options = new ParallelOptions { MaxDegreeOfParallelism = _threads };
        fixed (float* pa = a, pb = b, pc = c)
        {
            var A = pa;
            var B = pb;
            var C = pc;
            Parallel.For(0, _rowPanels, options, q => PackA(A, q));
            Parallel.For(0, _colPanels, options, p => PackB(B, p));
            Parallel.For(0, _colPanels, options, p =>
            {
                var tile = stackalloc float[Mr * 32];
                for (var q = 0; q < _rowPanels; q++) Tile(q, p, C, tile);
            });
        }
    }

    private void PackA(float* a, int q)
    {
        var dst = _ap + (long)q * Mr * _k;
        for (var kk = 0; kk < _k; kk++)
        {
            for (var r = 0; r < Mr; r++)
            {
                var row = q * Mr + r;
                dst[kk * Mr + r] = row < _m ? a[(long)row * _k + kk] : 0f;
            }
        }
    }

    private void PackB(float* b, int p)
    {
        var dst = _bp + (long)p * _nr * _k;
        var col0 = p * _nr;
        var cols = Math.Min(_nr, _n - col0);
        for (var kk = 0; kk < _k; kk++)
        {
            var src = b + (long)kk * _n + col0;
            var d = dst + (long)kk * _nr;
            for (var j = 0; j < cols; j++) d[j] = src[j];
            for (var j = cols; j < _nr; j++) d[j] = 0f;
        }
    }

    private void Tile(int q, int p, float* c, float* tile)
    {
        var ap = _ap + (long)q * Mr * _k;
        var bp = _bp + (long)p * _nr * _k;
        var row0 = q * Mr;
        var col0 = p * _nr;
        var rows = Math.Min(Mr, _m - row0);
        var cols = Math.Min(_nr, _n - col0);
        var full = rows == Mr && cols == _nr;
        // Full tiles are written straight into C; edge tiles go through a scratch tile.
        var dst = full ? c + (long)row0 * _n + col0 : tile;
        var ld = full ? _n : _nr;
        switch (Width)
        {
            case 16: Kernel512(ap, bp, dst, ld); break;
            case 8: Kernel256(ap, bp, dst, ld); break;
            default: KernelScalar(ap, bp, dst, ld); break;
        }
        if (!full)
        {
            for (var r = 0; r < rows; r++)
            {
                for (var j = 0; j < cols; j++) c[(long)(row0 + r) * _n + col0 + j] = tile[r * _nr + j];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Kernel512(float* a, float* b, float* c, int ld)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (var kk = 0; kk < _k; kk++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            a += Mr;
            b += 32;
        }
        c00.Store(c); c01.Store(c + 16); c += ld;
        c10.Store(c); c11.Store(c + 16); c += ld;
        c20.Store(c); c21.Store(c + 16); c += ld;
        c30.Store(c); c31.Store(c + 16); c += ld;
        c40.Store(c); c41.Store(c + 16); c += ld;
        c50.Store(c); c51.Store(c + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Kernel256(float* a, float* b, float* c, int ld)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (var kk = 0; kk < _k; kk++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]); c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]); c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
            a += Mr;
            b += 16;
        }
        c00.Store(c); c01.Store(c + 8); c += ld;
        c10.Store(c); c11.Store(c + 8); c += ld;
        c20.Store(c); c21.Store(c + 8); c += ld;
        c30.Store(c); c31.Store(c + 8); c += ld;
        c40.Store(c); c41.Store(c + 8); c += ld;
        c50.Store(c); c51.Store(c + 8);
    }

    private void KernelScalar(float* a, float* b, float* c, int ld)
    {
        var acc = stackalloc float[Mr * 2];
        new Span<float>(acc, Mr * 2).Clear();
        for (var kk = 0; kk < _k; kk++)
        {
            for (var r = 0; r < Mr; r++)
            {
                for (var j = 0; j < _nr; j++) acc[r * _nr + j] += a[kk * Mr + r] * b[kk * _nr + j];
            }
        }
        for (var r = 0; r < Mr; r++)
        {
            for (var j = 0; j < _nr; j++) c[r * ld + j] = acc[r * _nr + j];
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        NativeMemory.AlignedFree(_ap);
        NativeMemory.AlignedFree(_bp);
    }
}
