using System.Globalization;
using CapacityPlanner.Runner.Cluster;
using CapacityPlanner.Measurements;

namespace CapacityPlanner.Runner.Cpu;

/// <summary>
/// The CPU backend: managed SIMD SGEMM and STREAM copy/triad, measured with the same harness as the GPU path, and
/// collectives over TCP between ranks. It runs anywhere, so the whole runner is tested without a GPU.
/// </summary>
internal sealed class CpuBackend : IBenchBackend
{
    private const int Seed = 1234;
    private readonly int _threads;
    private readonly int _rank;

    public CpuBackend(int threads, int rank, IReadOnlyList<LibraryInfo>? probedLibraries = null)
    {
        _threads = Math.Max(1, threads);
        _rank = rank;
        Devices = [HostProbe.CpuDevice(rank, _threads)];
        Libraries = probedLibraries ?? [];
    }

    public string Name => "cpu";
    public IReadOnlyList<DeviceInfo> Devices { get; }
    public SoftwareInfo? Software => null;
    public IReadOnlyList<LibraryInfo> Libraries { get; }
    public byte[] CreateRootPayload() => [];

    /// <summary>Square sizes of the GEMM sweep.</summary>
    public static IReadOnlyList<long> GemmSizes(bool quick) => quick ? [256, 512, 1024] : [256, 384, 512, 768, 1024, 1536, 2048];

    public void RunGemm(SuiteContext context, BenchRecorder recorder)
    {
        var dtypes = context.Options.Dtypes.Where(d => d != "fp32").ToList();
        if (dtypes.Count > 0)
        {
            recorder.Skip("gemm " + string.Join(",", dtypes), "the CPU backend measures fp32 only (no bf16/fp16/tf32/fp8 matrix units)");
        }
        if (SimdGemm.Width == 0) recorder.Warn("no SIMD acceleration on this CPU: the GEMM runs a scalar kernel.");
        var sizes = context.Options.GemmSizes ?? GemmSizes(context.Options.Quick);
        // A buffer larger than the last-level cache is written between timed iterations (outside the timing).
        var flush = new byte[FlushBytes()];
        foreach (var size in sizes)
        {
            var n = (int)size;
            var a = RandomNormal((long)n * n, Seed);
            var b = RandomNormal((long)n * n, Seed + 1);
            var c = new float[(long)n * n];
            using var gemm = new SimdGemm(n, n, n, _threads);
            var r = Harness.Run(
                context.Settings,
                () => Harness.Time(() => gemm.Multiply(a, b, c)),
                () => Array.Fill(flush, (byte)1),
                count => Harness.Time(() =>
                {
                    for (var i = 0; i < count; i++) gemm.Multiply(a, b, c);
                }));
            if (!Check(a, b, c, n)) recorder.Warn($"fp32 GEMM {n}³ returned wrong values.");
            var m = r.Gemm(_rank, 0, "fp32", n, n, n) with
            {
                Layout = "NN row-major",
                Kernel = SimdGemm.Kernel + $", {_threads} threads",
                Fill = $"normal(0,1), seed {Seed}",
            };
            recorder.Gemm.Add(m);
            if (!r.Stable) recorder.Warn($"fp32 GEMM {n}³: warm-up did not reach stable timings.");
            recorder.Progress(string.Create(CultureInfo.InvariantCulture, $"  gemm fp32 {n}x{n}x{n}: {m.MedianTflops * 1000:0.0} GFLOP/s median, {m.BurstTflops * 1000:0.0} burst, spread {r.Time.Spread:P0}"));
        }
    }

    public void RunMemory(SuiteContext context, BenchRecorder recorder)
    {
        // 3 arrays of 64 MiB (quick) or 256 MiB: far above private caches; on machines whose shared L3 is larger the
        // figure includes L3 hits, which the device's cacheBytes lets a reader judge.
        var elements = context.Options.Quick ? 8L << 20 : 32L << 20;
        using var k = new StreamKernels(elements, _threads);
        const double scalar = 3.0;
        var copy = Harness.Run(context.Settings, () => Harness.Time(k.Copy), null, n => Harness.Time(() => { for (var i = 0; i < n; i++) k.Copy(); }));
        Add("copy", 2.0 * k.BufferBytes, "STREAM copy c = a: 2·N·8 bytes (read a, write c; write-allocate not counted)", copy);
        var triad = Harness.Run(context.Settings, () => Harness.Time(() => k.Triad(scalar)), null, n => Harness.Time(() => { for (var i = 0; i < n; i++) k.Triad(scalar); }));
        if (!k.CheckTriad(scalar)) recorder.Warn("triad returned wrong values.");
        Add("triad", 3.0 * k.BufferBytes, "STREAM triad a = b + s·c: 3·N·8 bytes (read b and c, write a; write-allocate not counted)", triad);

        void Add(string kind, double bytes, string convention, HarnessResult r)
        {
            var m = new MemoryMeasurement
            {
                Rank = _rank,
                Device = 0,
                Kind = kind,
                BufferBytes = k.BufferBytes,
                BytesPerIteration = bytes,
                Convention = convention,
                TrafficFactor = 1,
                Time = r.Time,
                MedianGBps = bytes / r.Time.Median / 1e9,
                BestGBps = bytes / r.Time.Min / 1e9,
            };
            recorder.Memory.Add(m);
            recorder.Progress(string.Create(CultureInfo.InvariantCulture, $"  memory {kind}: {m.MedianGBps:0.0} GB/s median, {m.BestGBps:0.0} best ({k.BufferBytes / (1024 * 1024)} MiB arrays, {_threads} threads)"));
        }
    }

    public void RunHost(SuiteContext context, BenchRecorder recorder) =>
        recorder.Skip("host", "the CPU backend has no device: host↔device copies need CUDA");

    public void RunCollectives(SuiteContext context, BenchRecorder recorder)
    {
        if (context.Group is not { WorldSize: > 1 } group)
        {
            recorder.Skip("collectives", "one rank: launch several (torchrun, srun, mpirun, or RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT) to measure collectives over TCP");
            return;
        }
        TcpCollectives.RunSuite(group, context, recorder);
    }

    private static int FlushBytes()
    {
        var llc = HostProbe.CpuDevice(0, 1).CacheBytes ?? (32L << 20);
        // Twice the last-level cache, capped: a 480 MiB shared L3 (VMs report the host's) would make every flush slow.
        return (int)Math.Clamp(2 * llc, 8L << 20, 64L << 20);
    }

    /// <summary>Normally distributed floats (Box–Muller) from a fixed seed.</summary>
    internal static float[] RandomNormal(long count, int seed)
    {
        var rng = new Random(seed);
        var v = new float[count];
        for (long i = 0; i < count; i += 2)
        {
            var u1 = 1.0 - rng.NextDouble();
            var u2 = rng.NextDouble();
            var r = Math.Sqrt(-2.0 * Math.Log(u1));
            v[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < count) v[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
        }
        return v;
    }

    /// <summary>Spot-checks a few elements of C against a dot product in double precision.</summary>
    private static bool Check(float[] a, float[] b, float[] c, int n)
    {
        var rng = new Random(7);
        for (var t = 0; t < 8; t++)
        {
            var i = rng.Next(n);
            var j = rng.Next(n);
            double sum = 0, mag = 0;
            for (var k = 0; k < n; k++)
            {
                sum += (double)a[(long)i * n + k] * b[(long)k * n + j];
                mag += Math.Abs((double)a[(long)i * n + k] * b[(long)k * n + j]);
            }
            if (Math.Abs(c[(long)i * n + j] - sum) > 1e-4 * mag + 1e-3) return false;
        }
        return true;
    }

    public void Dispose() { }
}
