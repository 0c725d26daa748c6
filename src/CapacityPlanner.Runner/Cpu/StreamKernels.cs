using System.Numerics;
using System.Runtime.InteropServices;

namespace CapacityPlanner.Runner.Cpu;

/// <summary>
/// STREAM-style kernels over native, 64-byte-aligned double arrays, split into contiguous chunks per thread
/// (first touch by the same partition). Copy c = a counts 2·N·8 bytes; triad a = b + s·c counts 3·N·8
/// (McCalpin's convention: no write-allocate traffic counted).
/// </summary>
internal sealed unsafe class StreamKernels : IDisposable
{
    private readonly double* _a, _b, _c;
    private readonly long _n;
    private readonly int _parts;
    private readonly ParallelOptions _options;
    private bool _disposed;

    public StreamKernels(long elements, int threads)
    {
        if (elements <= 0) throw new ArgumentOutOfRangeException(nameof(elements));
        _n = elements;
        _parts = Math.Max(1, threads);
        _options = new ParallelOptions { MaxDegreeOfParallelism = _parts };
        var bytes = (nuint)(elements * sizeof(double));
        _a = (double*)NativeMemory.AlignedAlloc(bytes, 64);
        _b = (double*)NativeMemory.AlignedAlloc(bytes, 64);
        _c = (double*)NativeMemory.AlignedAlloc(bytes, 64);
        ForEachChunk((start, count) =>
        {
            new Span<double>(_a + start, (int)count).Fill(1.0);
            new Span<double>(_b + start, (int)count).Fill(2.0);
            new Span<double>(_c + start, (int)count).Fill(0.5);
        });
    }

    public long Elements => _n;
    public long BufferBytes => _n * sizeof(double);

    /// <summary>c = a.</summary>
    public void Copy() => ForEachChunk((start, count) =>
        Buffer.MemoryCopy(_a + start, _c + start, count * sizeof(double), count * sizeof(double)));

    /// <summary>a = b + scalar·c.</summary>
    public void Triad(double scalar) => ForEachChunk((start, count) =>
    {
        var a = _a + start;
        var b = _b + start;
        var c = _c + start;
        var s = new Vector<double>(scalar);
        var w = Vector<double>.Count;
        long i = 0;
        for (; i + w <= count; i += w)
        {
            var vb = Vector.Load(b + i);
            var vc = Vector.Load(c + i);
            Vector.Store(vb + s * vc, a + i);
        }
        for (; i < count; i++) a[i] = b[i] + scalar * c[i];
    });

    /// <summary>Checks a triad result: every sampled element of a equals b + s·c.</summary>
    public bool CheckTriad(double scalar)
    {
        for (long i = 0; i < _n; i += Math.Max(1, _n / 4096))
        {
            if (Math.Abs(_a[i] - (_b[i] + scalar * _c[i])) > 1e-12) return false;
        }
        return true;
    }

    private void ForEachChunk(Action<long, long> body)
    {
        var chunk = (_n + _parts - 1) / _parts;
        // Chunks stay below 2^31 elements for the Span-based helpers.
        chunk = Math.Min(chunk, int.MaxValue / 2);
        var pieces = (int)((_n + chunk - 1) / chunk);
        Parallel.For(0, pieces, _options, p =>
        {
            var start = p * chunk;
            var count = Math.Min(chunk, _n - start);
            if (count > 0) body(start, count);
        });
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        NativeMemory.AlignedFree(_a);
        NativeMemory.AlignedFree(_b);
        NativeMemory.AlignedFree(_c);
    }
}
