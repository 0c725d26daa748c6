using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using CapacityPlanner.Runner.Cluster;
using CapacityPlanner.Measurements;

namespace CapacityPlanner.Runner.Native;

/// <summary>
/// The CUDA backend: cuBLASLt GEMMs (BF16, FP16, TF32, FP8 where the GPU has it), the PTX copy/triad kernels and the
/// copy engine for device memory, pinned host↔device copies, and NCCL collectives, all timed with CUDA events on one
/// stream (collectives with the wall clock over back-to-back launches, as nccl-tests does), with NVML telemetry.
/// Every entry point is resolved with TryGetExport; a missing library or symbol skips its suite with the reason.
/// </summary>
internal sealed unsafe class CudaBackend : IBenchBackend
{
    private const int Seed = 1234;
    private const int PoolElements = 1 << 20;
    private readonly CudaDriverApi _cu;
    private readonly CublasLtApi? _lt;
    private readonly NcclApi? _nccl;
    private readonly NvmlApi? _nvml;
    private readonly string? _ltReason, _ncclReason;
    private readonly int _device, _deviceCount, _cc, _smCount;
    private readonly long _l2Bytes;
    private readonly IntPtr _ctx, _stream, _start, _stop, _nvmlDevice;
    private readonly int _rank;
    private bool _disposed;

    public string Name => "cuda";
    public IReadOnlyList<DeviceInfo> Devices { get; }
    public SoftwareInfo? Software { get; }
    public IReadOnlyList<LibraryInfo> Libraries { get; }

    private CudaBackend(CudaDriverApi cu, int device, int deviceCount, int rank, List<LibraryInfo> libraries, CublasLtApi? lt, string? ltReason,
        NcclApi? nccl, string? ncclReason, NvmlApi? nvml, int driverVersion, string? nvmlDriver)
    {
        _cu = cu;
        _device = device;
        _deviceCount = deviceCount;
        _rank = rank;
        _lt = lt;
        _ltReason = ltReason;
        _nccl = nccl;
        _ncclReason = ncclReason;
        _nvml = nvml;
        IntPtr ctx, stream, start, stop;
        cu.Check(cu.cuDevicePrimaryCtxRetain(&ctx, device), "cuDevicePrimaryCtxRetain");
        cu.Check(cu.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
        cu.Check(cu.cuStreamCreate(&stream, CudaDriverApi.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        cu.Check(cu.cuEventCreate(&start, 0), "cuEventCreate");
        cu.Check(cu.cuEventCreate(&stop, 0), "cuEventCreate");
        _ctx = ctx;
        _stream = stream;
        _start = start;
        _stop = stop;
        _cc = cu.Attribute(device, CudaDriverApi.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR) * 10 + cu.Attribute(device, CudaDriverApi.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        _smCount = cu.Attribute(device, CudaDriverApi.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        _l2Bytes = cu.Attribute(device, CudaDriverApi.CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE);
        nuint total;
        cu.Check(cu.cuDeviceTotalMem(&total, device), "cuDeviceTotalMem_v2");
        var pci = cu.PciBusId(device);
        _nvmlDevice = nvml?.Device(pci, device) ?? IntPtr.Zero;
        var (gen, width) = nvml?.Pcie(_nvmlDevice) ?? (null, null);
        Devices =
        [
            new DeviceInfo
            {
                Rank = rank,
                Index = device,
                Kind = "gpu",
                Name = cu.DeviceName(device),
                Host = HostProbe.HostName(),
                Uuid = cu.Uuid(device),
                PciBusId = pci,
                ComputeCapability = $"{_cc / 10}.{_cc % 10}",
                Multiprocessors = _smCount,
                MemoryBytes = (long)total,
                CacheBytes = _l2Bytes,
                MaxSmClockMHz = nvml?.MaxSmClockMHz(_nvmlDevice),
                PowerLimitWatts = nvml?.PowerLimitWatts(_nvmlDevice),
                PcieGeneration = gen,
                PcieWidth = width,
                Features = $"sm_{_cc}",
            },
        ];
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        if (lt is not null) versions["cublasLt"] = lt.Version.ToString(CultureInfo.InvariantCulture);
        if (nccl is not null) versions["nccl"] = NcclApi.VersionText(nccl.VersionCode);
        Software = new SoftwareInfo { DriverVersion = nvmlDriver, CudaDriverVersion = driverVersion, Versions = versions };
        Libraries = libraries;
    }

    /// <summary>
    /// Loads the driver, initialises it and opens the device of this rank; false with the reason when CUDA cannot be
    /// used (library missing, cuInit failing, no device). Optional libraries (cuBLASLt, NCCL, NVML) are probed too.
    /// </summary>
    public static bool TryCreate(LibraryProbe probe, int device, bool deviceExplicit, int rank, out CudaBackend? backend, out string reason, out List<LibraryInfo> libraries)
    {
        backend = null;
        libraries = [];
        var cudaLib = probe.Find(LibrarySpec.Cuda);
        if (!cudaLib.Found)
        {
            libraries.Add(cudaLib.Info);
            reason = cudaLib.Info.Error ?? "libcuda.so.1 not found";
            return false;
        }
        var cu = new CudaDriverApi(cudaLib.Handle);
        var cudaInfo = cudaLib.Info with { MissingExports = cu.Exports.Missing };
        if (cu.Exports.MissingMessage() is { } missing)
        {
            libraries.Add(cudaInfo with { Error = missing });
            reason = missing;
            return false;
        }
        // cuDriverGetVersion needs no cuInit: the version is recorded even when the driver finds no GPU.
        int driverVersion = 0, count;
        if (cu.cuDriverGetVersion(&driverVersion) == 0) cudaInfo = cudaInfo with { Version = CudaDriverApi.VersionText(driverVersion) };
        var init = cu.cuInit(0);
        if (init != 0)
        {
            reason = $"cuInit failed: {cu.ErrorName(init)} (libcuda.so.1 loaded from {cudaLib.Info.Path}; no usable GPU, or a driver/kernel-module mismatch)";
            libraries.Add(cudaInfo with { Error = reason });
            return false;
        }
        cu.Check(cu.cuDeviceGetCount(&count), "cuDeviceGetCount");
        libraries.Add(cudaInfo);
        if (count == 0)
        {
            reason = "the CUDA driver found no device (CUDA_VISIBLE_DEVICES empty?)";
            return false;
        }
        if (device >= count)
        {
            if (deviceExplicit)
            {
                reason = $"device {device} requested (rank {rank}), but only {count} GPU(s) are visible";
                return false;
            }
            device %= count;
        }

        NvmlApi? nvml = null;
        string? nvmlDriver = null;
        var nvmlLib = probe.Find(LibrarySpec.Nvml);
        if (nvmlLib.Found)
        {
            nvml = new NvmlApi(nvmlLib.Handle);
            var err = nvml.Init();
            nvmlDriver = nvml.DriverVersion();
            libraries.Add(nvmlLib.Info with { Version = nvmlDriver, MissingExports = nvml.Exports.Missing, Error = err });
            if (err is not null) nvml = null;
        }
        else
        {
            libraries.Add(nvmlLib.Info);
        }

        CublasLtApi? lt = null;
        string? ltReason = null;
        var ltLib = probe.Find(LibrarySpec.CublasLt);
        if (ltLib.Found)
        {
            lt = new CublasLtApi(ltLib.Info.Soname ?? "libcublasLt", ltLib.Handle);
            ltReason = lt.Exports.MissingMessage();
            libraries.Add(ltLib.Info with { Version = lt.Version.ToString(CultureInfo.InvariantCulture), MissingExports = lt.Exports.Missing, Error = ltReason });
            if (ltReason is not null) lt = null;
        }
        else
        {
            ltReason = ltLib.Info.Error;
            libraries.Add(ltLib.Info);
        }

        NcclApi? nccl = null;
        string? ncclReason = null;
        var ncclLib = probe.Find(LibrarySpec.Nccl);
        if (ncclLib.Found)
        {
            nccl = new NcclApi(ncclLib.Handle);
            ncclReason = nccl.Exports.MissingMessage();
            libraries.Add(ncclLib.Info with { Version = NcclApi.VersionText(nccl.VersionCode), MissingExports = nccl.Exports.Missing, Error = ncclReason });
            if (ncclReason is not null) nccl = null;
        }
        else
        {
            ncclReason = ncclLib.Info.Error;
            libraries.Add(ncclLib.Info);
        }

        try
        {
            backend = new CudaBackend(cu, device, count, rank, libraries, lt, ltReason, nccl, ncclReason, nvml, driverVersion, nvmlDriver);
        }
        catch (NativeCallException ex)
        {
            nvml?.Dispose();
            reason = $"device {device} could not be opened: {ex.Message}";
            return false;
        }
        reason = $"CUDA driver {driverVersion / 1000}.{driverVersion % 1000 / 10}: {count} GPU(s) visible; rank {rank} uses device {device} ({backend.Devices[0].Name}, sm_{backend._cc})";
        return true;
    }

    public byte[] CreateRootPayload()
    {
        if (_nccl is null) return [];
        NcclUniqueId id = default;
        _nccl.Check(_nccl.ncclGetUniqueId(&id), "ncclGetUniqueId");
        return new ReadOnlySpan<byte>(&id, sizeof(NcclUniqueId)).ToArray();
    }

    // ---------------------------------------------------------------- timing helpers

    private double Elapsed()
    {
        _cu.Check(_cu.cuEventSynchronize(_stop), "cuEventSynchronize");
        float ms;
        _cu.Check(_cu.cuEventElapsedTime(&ms, _start, _stop), "cuEventElapsedTime");
        return ms / 1000.0;
    }

    /// <summary>Seconds of <paramref name="count"/> back-to-back launches between one event pair.</summary>
    private double TimeOnStream(Action enqueue, int count = 1)
    {
        _cu.Check(_cu.cuEventRecord(_start, _stream), "cuEventRecord");
        for (var i = 0; i < count; i++) enqueue();
        _cu.Check(_cu.cuEventRecord(_stop, _stream), "cuEventRecord");
        return Elapsed();
    }

    private TelemetrySample? Telemetry(BenchRecorder recorder, string test)
    {
        var t = _nvml?.Sample(_nvmlDevice);
        if (t?.ClockEventReasons is { } reasons && (reasons & NvmlApi.LimitingReasons) != 0)
        {
            recorder.Warn($"{test}: clocks limited by {string.Join(", ", NvmlApi.ReasonNames(reasons & NvmlApi.LimitingReasons))} while measuring.");
        }
        return t;
    }

    private ulong Alloc(long bytes, List<ulong> owned)
    {
        ulong p;
        _cu.Check(_cu.cuMemAlloc(&p, (nuint)bytes), $"cuMemAlloc_v2({bytes} bytes)");
        owned.Add(p);
        return p;
    }

    private void FreeAll(List<ulong> owned)
    {
        _cu.cuStreamSynchronize(_stream);
        foreach (var p in owned) _cu.cuMemFree(p);
        owned.Clear();
    }

    private long FreeMemory()
    {
        nuint free, total;
        return _cu.cuMemGetInfo(&free, &total) == 0 ? (long)free : 0;
    }

    private const long PatternChunkFloats = 4L << 20;

    /// <summary>Writes the check pattern into a device buffer, chunk by chunk from one host buffer.</summary>
    private void UploadPattern(ulong device, long bytes, Func<long, float> value)
    {
        var floats = bytes / sizeof(float);
        var host = new float[Math.Min(PatternChunkFloats, floats)];
        fixed (float* p = host)
        {
            for (long first = 0; first < floats; first += host.Length)
            {
                var count = (int)Math.Min(host.Length, floats - first);
                MemoryPattern.Fill(host.AsSpan(0, count), first, value);
                _cu.Check(_cu.cuMemcpyHtoD(device + (ulong)(first * sizeof(float)), p, (nuint)(count * sizeof(float))), "cuMemcpyHtoD_v2");
            }
        }
        // A pageable copy may return before its DMA lands; the kernels run on a non-blocking stream.
        _cu.Check(_cu.cuCtxSynchronize(), "cuCtxSynchronize");
    }

    /// <summary>Reads a device buffer back and compares it with the expected pattern; the reason to skip the kernel, or null when every float is right.</summary>
    private string? CheckPattern(ulong device, long bytes, Func<long, float> expected, string kernel)
    {
        var floats = bytes / sizeof(float);
        var host = new float[Math.Min(PatternChunkFloats, floats)];
        fixed (float* p = host)
        {
            for (long first = 0; first < floats; first += host.Length)
            {
                var count = (int)Math.Min(host.Length, floats - first);
                _cu.Check(_cu.cuMemcpyDtoHAsync(p, device + (ulong)(first * sizeof(float)), (nuint)(count * sizeof(float)), _stream), "cuMemcpyDtoHAsync_v2");
                _cu.Check(_cu.cuStreamSynchronize(_stream), "cuStreamSynchronize");
                var bad = MemoryPattern.FirstMismatch(host.AsSpan(0, count), first, expected);
                if (bad >= 0)
                {
                    return string.Create(CultureInfo.InvariantCulture,
                        $"the {kernel} wrote {host[bad - first]} at float {bad} of {floats}, expected {expected(bad)}: not timed, as its bandwidth would be wrong");
                }
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- GEMM

    private static IReadOnlyList<long> GemmSizes(bool quick) => quick ? [2048, 4096, 8192] : [1024, 2048, 3072, 4096, 6144, 8192, 12288, 16384];

    public void RunGemm(SuiteContext context, BenchRecorder recorder)
    {
        if (_lt is null)
        {
            recorder.Skip("gemm", _ltReason ?? "cuBLASLt not available");
            return;
        }
        _cu.Check(_cu.cuCtxSetCurrent(_ctx), "cuCtxSetCurrent");
        IntPtr handle;
        _lt.Check(_lt.cublasLtCreate(&handle), "cublasLtCreate");
        var owned = new List<ulong>();
        try
        {
            const long workspaceBytes = 32L << 20;
            var workspace = Alloc(workspaceBytes, owned);
            var flushBytes = Math.Max(256L << 20, 2 * _l2Bytes);
            var flush = Alloc(flushBytes, owned);
            var scale = Alloc(sizeof(float), owned);
            var one = 1.0f;
            _cu.Check(_cu.cuMemcpyHtoD(scale, &one, sizeof(float)), "cuMemcpyHtoD");
            foreach (var dtype in context.Options.Dtypes)
            {
                if (Unsupported(dtype) is { } why)
                {
                    recorder.Skip($"gemm {dtype}", why);
                    continue;
                }
                foreach (var size in context.Options.GemmSizes ?? GemmSizes(context.Options.Quick))
                {
                    try
                    {
                        var m = MeasureGemm(context, recorder, handle, dtype, size, size, size, workspace, workspaceBytes, flush, flushBytes, scale);
                        if (m is not null)
                        {
                            recorder.Gemm.Add(m);
                            recorder.Progress(string.Create(CultureInfo.InvariantCulture, $"  gemm {dtype} {size}x{size}x{size}: {m.MedianTflops:0.0} TFLOP/s median, {m.BurstTflops:0.0} burst, {m.SustainedTflops:0.0} sustained"));
                        }
                    }
                    catch (NativeCallException ex)
                    {
                        recorder.Skip($"gemm {dtype} {size}³", ex.Message);
                    }
                }
            }
        }
        finally
        {
            FreeAll(owned);
            _lt.cublasLtDestroy(handle);
        }
    }

    private string? Unsupported(string dtype) => dtype switch
    {
        "bf16" or "tf32" when _cc < 80 => $"{dtype} tensor cores need compute capability 8.0+, this GPU is {_cc / 10}.{_cc % 10}",
        "fp16" when _cc < 70 => $"fp16 tensor cores need compute capability 7.0+, this GPU is {_cc / 10}.{_cc % 10}",
        "fp8" when _cc < 89 => $"fp8 needs compute capability 8.9+ (Ada/Hopper), this GPU is {_cc / 10}.{_cc % 10}",
        "fp8" when _lt!.Version < 111100 => $"fp8 needs cuBLASLt 11.11+ (CUDA 11.8), found {_lt.Version}",
        "fp32" => "fp32 (non-tensor) GEMMs are not part of the CUDA suite; use tf32",
        _ => null,
    };

    private GemmMeasurement? MeasureGemm(SuiteContext context, BenchRecorder recorder, IntPtr handle, string dtype, long m, long n, long k,
        ulong workspace, long workspaceBytes, ulong flush, long flushBytes, ulong scale)
    {
        var (_, _, _, inBytes, outBytes) = GemmDescriptors.Types(dtype);
        var need = (m * k + k * n) * inBytes + m * n * outBytes;
        if (need > FreeMemory() * 0.9)
        {
            recorder.Skip($"gemm {dtype} {m}x{n}x{k}", $"needs {need >> 20} MiB, more than the free device memory");
            return null;
        }
        var lt = _lt!;
        var owned = new List<ulong>();
        GemmDescriptors? plan = null;
        var scratch = (byte*)NativeMemory.AllocZeroed(128);
        try
        {
            var a = Alloc(k * m * inBytes, owned);
            var b = Alloc(k * n * inBytes, owned);
            var c = Alloc(m * n * outBytes, owned);
            Upload(a, k * m, dtype, Seed);
            Upload(b, k * n, dtype, Seed + 1);
            _cu.Check(_cu.cuMemsetD8Async(c, 0, (nuint)(m * n * outBytes), _stream), "cuMemsetD8Async");
            plan = GemmDescriptors.Create(lt, dtype, m, n, k, scale, workspaceBytes);
            var (desc, la, lb, lc, pref) = (plan.Operation, plan.LayoutA, plan.LayoutB, plan.LayoutC, plan.Preference);
            const int requested = 4;
            var results = stackalloc CublasLtHeuristicResult[requested];
            int returned;
            lt.Check(lt.cublasLtMatmulAlgoGetHeuristic(handle, desc, la, lb, lc, lc, pref, context.Options.Quick ? 1 : requested, results, &returned), "cublasLtMatmulAlgoGetHeuristic");
            if (returned == 0) throw new NativeCallException($"cuBLASLt has no algorithm for {dtype} {m}x{n}x{k} TN");

            var alpha = (float*)scratch;
            var beta = alpha + 1;
            *alpha = 1f;
            *beta = 0f;
            var algo = (ulong*)(scratch + 64);
            var d = desc;
            var (pa, pb, pc) = (la, lb, lc);
            var stream = _stream;
            void Matmul() => lt.Check(lt.cublasLtMatmul(handle, d, alpha, a, pa, b, pb, beta, c, pc, c, pc, algo, workspace, (nuint)workspaceBytes, stream), "cublasLtMatmul");

            // With several candidates (full runs), keep the fastest of a short trial, as the top heuristic is not always best.
            var best = 0;
            if (returned > 1)
            {
                var bestTime = double.MaxValue;
                for (var i = 0; i < returned; i++)
                {
                    new Span<ulong>(results[i].Algo, 8).CopyTo(new Span<ulong>(algo, 8));
                    Matmul();
                    var t = TimeOnStream(Matmul, 3);
                    if (t < bestTime) { bestTime = t; best = i; }
                }
            }
            new Span<ulong>(results[best].Algo, 8).CopyTo(new Span<ulong>(algo, 8));
            var test = $"gemm {dtype} {m}x{n}x{k}";
            // Correct first: poison the output (0xFF bytes are NaN in every output precision), run once, compare samples.
            _cu.Check(_cu.cuMemsetD8Async(c, 0xFF, (nuint)(m * n * outBytes), _stream), "cuMemsetD8Async");
            Matmul();
            if (CheckGemm(dtype, a, b, c, m, n, k, inBytes, outBytes, test) is { } wrong)
            {
                recorder.Skip(test, wrong);
                return null;
            }
            var fill = 0;
            var r = Harness.Run(
                context.Settings,
                () => TimeOnStream(Matmul),
                () => _cu.Check(_cu.cuMemsetD8Async(flush, (byte)(++fill & 0xFF), (nuint)flushBytes, _stream), "cuMemsetD8Async"),
                count => TimeOnStream(Matmul, count));
            if (!r.Stable) recorder.Warn($"{test}: warm-up did not reach stable timings.");
            return r.Gemm(_rank, _device, dtype, m, n, k) with
            {
                Layout = "TN (column-major, A transposed)",
                Kernel = $"cublasLtMatmul, heuristic algorithm {best + 1} of {returned}, {workspaceBytes >> 20} MiB workspace" + (dtype == "fp8" ? ", E4M3 inputs, BF16 output, unit scales" : ""),
                Fill = $"normal(0,1), seed {Seed}, every element drawn ({PoolElements}-element seeded chunks)",
                Telemetry = Telemetry(recorder, test),
            };
        }
        finally
        {
            plan?.Dispose();
            FreeAll(owned);
            NativeMemory.Free(scratch);
        }
    }

    /// <summary>Reads back <see cref="GemmCheck.Samples"/> outputs of C = Aᵀ·B (column-major, A stored k×m) and the input columns they need.</summary>
    private string? CheckGemm(string dtype, ulong a, ulong b, ulong c, long m, long n, long k, int inBytes, int outBytes, string test)
    {
        var outType = dtype switch { "fp8" => "bf16", _ => dtype };
        var positions = GemmCheck.Positions(m, n, Seed);
        var columnA = new byte[k * inBytes];
        var columnB = new byte[k * inBytes];
        var element = new byte[outBytes];
        var got = new double[positions.Length];
        var expected = new double[positions.Length];
        _cu.Check(_cu.cuStreamSynchronize(_stream), "cuStreamSynchronize");
        for (var s = 0; s < positions.Length; s++)
        {
            var (i, j) = positions[s];
            fixed (byte* pa = columnA)
            fixed (byte* pb = columnB)
            fixed (byte* pc = element)
            {
                _cu.Check(_cu.cuMemcpyDtoHAsync(pa, a + (ulong)(i * k * inBytes), (nuint)columnA.Length, _stream), "cuMemcpyDtoHAsync_v2");
                _cu.Check(_cu.cuMemcpyDtoHAsync(pb, b + (ulong)(j * k * inBytes), (nuint)columnB.Length, _stream), "cuMemcpyDtoHAsync_v2");
                _cu.Check(_cu.cuMemcpyDtoHAsync(pc, c + (ulong)((i + j * m) * outBytes), (nuint)outBytes, _stream), "cuMemcpyDtoHAsync_v2");
                _cu.Check(_cu.cuStreamSynchronize(_stream), "cuStreamSynchronize");
            }
            got[s] = GemmCheck.Decode(element, 0, outType);
            expected[s] = GemmCheck.Dot(columnA, columnB, k, dtype);
        }
        return GemmCheck.Compare(got, expected, test);
    }

    /// <summary>
    /// Fills a device matrix with normally distributed values in the given precision, every element drawn (one seeded
    /// stream per <see cref="PoolElements"/>-element chunk, generated in parallel). The first runner tiled one 1 Mi-element
    /// pool over the matrix, so that in the TN layout every 128-column block of A and B held the same values and every
    /// thread block multiplied the same tiles; under the power cap a GEMM's clock depends on its data (a product of zeros
    /// ran 13 % faster on an H200 here), so the benchmark's data must be as random as a training step's.
    /// </summary>
    private void Upload(ulong device, long elements, string dtype, int seed)
    {
        var elementBytes = dtype switch { "tf32" => 4, "fp8" => 1, _ => 2 };
        var chunks = (elements + PoolElements - 1) / PoolElements;
        var batch = (int)Math.Clamp(Environment.ProcessorCount, 1, 16);
        var buffers = new byte[batch][];
        for (long first = 0; first < chunks; first += batch)
        {
            var n = (int)Math.Min(batch, chunks - first);
            var start = first;
            Parallel.For(0, n, i =>
            {
                var count = (int)Math.Min(PoolElements, elements - (start + i) * PoolElements);
                buffers[i] ??= new byte[PoolElements * elementBytes];
                Encode(Cpu.CpuBackend.RandomNormal(count, unchecked(seed * 1_000_003 + (int)(start + i))), dtype, buffers[i]);
            });
            for (var i = 0; i < n; i++)
            {
                var offset = (first + i) * PoolElements;
                var count = Math.Min(PoolElements, elements - offset);
                fixed (byte* p = buffers[i])
                {
                    _cu.Check(_cu.cuMemcpyHtoD(device + (ulong)(offset * elementBytes), p, (nuint)(count * elementBytes)), "cuMemcpyHtoD_v2");
                }
            }
        }
        _cu.Check(_cu.cuCtxSynchronize(), "cuCtxSynchronize");
    }

    /// <summary>Writes float values into <paramref name="target"/> in the benchmark precision (tf32 as float32, fp8 as E4M3).</summary>
    private static void Encode(float[] values, string dtype, byte[] target)
    {
        for (var i = 0; i < values.Length; i++)
        {
            switch (dtype)
            {
                case "tf32": BitConverter.TryWriteBytes(target.AsSpan(i * 4), values[i]); break;
                case "fp8": target[i] = LowPrecision.ToFp8E4M3(values[i]); break;
                case "fp16": BitConverter.TryWriteBytes(target.AsSpan(i * 2), LowPrecision.ToFp16(values[i])); break;
                default: BitConverter.TryWriteBytes(target.AsSpan(i * 2), LowPrecision.ToBf16(values[i])); break;
            }
        }
    }

    // ---------------------------------------------------------------- device memory

    public void RunMemory(SuiteContext context, BenchRecorder recorder)
    {
        _cu.Check(_cu.cuCtxSetCurrent(_ctx), "cuCtxSetCurrent");
        var owned = new List<ulong>();
        IntPtr module = 0;
        var args = (void**)NativeMemory.AllocZeroed((nuint)(8 * sizeof(void*)));
        var values = (ulong*)NativeMemory.AllocZeroed(8 * sizeof(ulong));
        try
        {
            var bytes = context.Options.Quick ? 256L << 20 : 1L << 30;
            bytes = Math.Min(bytes, FreeMemory() / 4) / 16 * 16;
            var n4 = (ulong)(bytes / 16);
            var a = Alloc(bytes, owned);
            var b = Alloc(bytes, owned);
            var c = Alloc(bytes, owned);
            // Never time on zeros: b and c hold the check pattern, a is poisoned until the triad writes it.
            _cu.Check(_cu.cuMemsetD8Async(a, 0xFF, (nuint)bytes, _stream), "cuMemsetD8Async");
            UploadPattern(b, bytes, MemoryPattern.B);
            UploadPattern(c, bytes, MemoryPattern.C);

            string? jitError = null;
            try
            {
                module = LoadPtx();
            }
            catch (NativeCallException ex)
            {
                jitError = ex.Message;
            }
            if (module != 0)
            {
                var copy = Function(module, Ptx.CopyKernel);
                var triad = Function(module, Ptx.TriadKernel);
                // One float4 per thread, the grid covers the array (Ptx's summary says why: a grid-stride loop reached 93 % of cudaMemcpy).
                const uint block = Ptx.ThreadsPerBlock;
                var blocks = ((long)n4 + block - 1) / block;
                if (blocks > int.MaxValue) throw new NativeCallException($"{bytes} bytes need {blocks} thread blocks, more than a launch takes");
                var grid = (uint)blocks;
                var scalar = 3.0f;
                void LaunchCopy()
                {
                    values[0] = c; values[1] = a; values[2] = n4;
                    args[0] = &values[0]; args[1] = &values[1]; args[2] = &values[2];
                    _cu.Check(_cu.cuLaunchKernel(copy, grid, 1, 1, block, 1, 1, 0, _stream, args, null), "cuLaunchKernel(copy)");
                }
                void LaunchTriad()
                {
                    values[0] = a; values[1] = b; values[2] = c; values[4] = n4;
                    *(float*)&values[3] = scalar;
                    args[0] = &values[0]; args[1] = &values[1]; args[2] = &values[2]; args[3] = &values[3]; args[4] = &values[4];
                    _cu.Check(_cu.cuLaunchKernel(triad, grid, 1, 1, block, 1, 1, 0, _stream, args, null), "cuLaunchKernel(triad)");
                }
                // Correct first: one triad (a = b + 3c) and one copy (b = a, then checked) against the pattern, before any timing.
                LaunchTriad();
                var triadError = CheckPattern(a, bytes, f => MemoryPattern.Triad(f, scalar), "triad kernel (a = b + s·c)");
                if (triadError is null)
                {
                    LaunchCheckCopy();
                    var copyError = CheckPattern(b, bytes, f => MemoryPattern.Triad(f, scalar), "copy kernel (dst = src)");
                    UploadPattern(b, bytes, MemoryPattern.B);
                    if (copyError is null) Add("copy", 2.0 * bytes, "copy kernel c = a, one float4 per thread, grid covering the array: 2·N·4 bytes (read a, write c)", LaunchCopy);
                    else recorder.Skip("memory copy", copyError);
                    Add("triad", 3.0 * bytes, "triad kernel a = b + s·c, one float4 per thread, grid covering the array: 3·N·4 bytes (read b and c, write a)", LaunchTriad);
                }
                else
                {
                    recorder.Skip("memory kernels", triadError);
                }

                void LaunchCheckCopy()
                {
                    values[0] = b; values[1] = a; values[2] = n4;
                    args[0] = &values[0]; args[1] = &values[1]; args[2] = &values[2];
                    _cu.Check(_cu.cuLaunchKernel(copy, grid, 1, 1, block, 1, 1, 0, _stream, args, null), "cuLaunchKernel(copy)");
                }
            }
            else
            {
                recorder.Skip("memory kernels", $"the driver did not JIT the PTX kernels: {jitError}");
            }
            Add("copy-engine", 2.0 * bytes, "cuMemcpyDtoDAsync: 2·N bytes (read + write), nvbandwidth would count N", () =>
                _cu.Check(_cu.cuMemcpyDtoDAsync(c, a, (nuint)bytes, _stream), "cuMemcpyDtoDAsync_v2"));

            void Add(string kind, double counted, string convention, Action launch)
            {
                var r = Harness.Run(context.Settings, () => TimeOnStream(launch), null, count => TimeOnStream(launch, count));
                var mm = new MemoryMeasurement
                {
                    Rank = _rank,
                    Device = _device,
                    Kind = kind,
                    BufferBytes = bytes,
                    BytesPerIteration = counted,
                    Convention = convention,
                    TrafficFactor = 1,
                    Time = r.Time,
                    MedianGBps = counted / r.Time.Median / 1e9,
                    BestGBps = counted / r.Time.Min / 1e9,
                    Telemetry = Telemetry(recorder, "memory " + kind),
                };
                recorder.Memory.Add(mm);
                recorder.Progress(string.Create(CultureInfo.InvariantCulture, $"  memory {kind}: {mm.MedianGBps:0} GB/s median, {mm.BestGBps:0} best ({bytes >> 20} MiB arrays)"));
            }
        }
        catch (NativeCallException ex)
        {
            recorder.Skip("memory", ex.Message);
        }
        finally
        {
            FreeAll(owned);
            if (module != 0) _cu.cuModuleUnload(module);
            NativeMemory.Free(args);
            NativeMemory.Free(values);
        }
    }

    private IntPtr LoadPtx()
    {
        var image = Encoding.ASCII.GetBytes(Ptx.Source + "\0");
        const int logSize = 8192;
        var log = (byte*)NativeMemory.AllocZeroed(logSize);
        try
        {
            var options = stackalloc int[2] { CudaDriverApi.CU_JIT_ERROR_LOG_BUFFER, CudaDriverApi.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES };
            var optionValues = stackalloc void*[2] { log, (void*)(nint)logSize };
            IntPtr module;
            fixed (byte* p = image)
            {
                var r = _cu.cuModuleLoadDataEx(&module, p, 2, options, optionValues);
                if (r != 0) throw new NativeCallException($"cuModuleLoadDataEx: {_cu.ErrorName(r)}: {Marshal.PtrToStringUTF8((IntPtr)log)?.Trim()}");
            }
            return module;
        }
        finally
        {
            NativeMemory.Free(log);
        }
    }

    private IntPtr Function(IntPtr module, string name)
    {
        var bytes = Encoding.ASCII.GetBytes(name + "\0");
        IntPtr f;
        fixed (byte* p = bytes)
        {
            _cu.Check(_cu.cuModuleGetFunction(&f, module, p), $"cuModuleGetFunction({name})");
        }
        return f;
    }

    // ---------------------------------------------------------------- host ↔ device

    public void RunHost(SuiteContext context, BenchRecorder recorder)
    {
        _cu.Check(_cu.cuCtxSetCurrent(_ctx), "cuCtxSetCurrent");
        var owned = new List<ulong>();
        void* host = null;
        try
        {
            var bytes = context.Options.Quick ? 256L << 20 : 1L << 30;
            bytes = Math.Min(bytes, FreeMemory() / 4);
            _cu.Check(_cu.cuMemAllocHost(&host, (nuint)bytes), "cuMemAllocHost_v2");
            new Span<byte>(host, (int)Math.Min(bytes, int.MaxValue)).Fill(1);
            var dev = Alloc(bytes, owned);
            var h = host;
            foreach (var direction in new[] { "h2d", "d2h" })
            {
                Action copy = direction == "h2d"
                    ? () => _cu.Check(_cu.cuMemcpyHtoDAsync(dev, h, (nuint)bytes, _stream), "cuMemcpyHtoDAsync_v2")
                    : () => _cu.Check(_cu.cuMemcpyDtoHAsync(h, dev, (nuint)bytes, _stream), "cuMemcpyDtoHAsync_v2");
                var r = Harness.Run(context.Settings, () => TimeOnStream(copy), null, count => TimeOnStream(copy, count));
                var m = new HostTransferMeasurement
                {
                    Rank = _rank,
                    Device = _device,
                    Direction = direction,
                    Pinned = true,
                    Bytes = bytes,
                    Engine = "ce",
                    Time = r.Time,
                    MedianGBps = bytes / r.Time.Median / 1e9,
                    BestGBps = bytes / r.Time.Min / 1e9,
                    Telemetry = Telemetry(recorder, "host " + direction),
                };
                recorder.HostTransfers.Add(m);
                recorder.Progress(string.Create(CultureInfo.InvariantCulture, $"  host {direction} (pinned): {m.MedianGBps:0.0} GB/s median"));
            }
        }
        catch (NativeCallException ex)
        {
            recorder.Skip("host", ex.Message);
        }
        finally
        {
            FreeAll(owned);
            if (host != null) _cu.cuMemFreeHost(host);
        }
    }

    // ---------------------------------------------------------------- NCCL collectives

    private sealed class Participant
    {
        public int Device;
        public IntPtr Context, Stream, Comm;
        public ulong Send, Recv;
    }

    public void RunCollectives(SuiteContext context, BenchRecorder recorder)
    {
        var group = context.Group;
        var ready = _nccl is not null && (group is null || group.WorldSize == 1 || group.RootPayload.Length == sizeof(NcclUniqueId));
        // Every rank must take part, or the others would wait in ncclCommInitRank for ever: agree first.
        if (group is { WorldSize: > 1 } && group.AllReduceMax(ready ? 0 : 1) > 0 && ready)
        {
            recorder.Skip("collectives", "NCCL is not usable on every rank (see the other ranks' libraries)");
            return;
        }
        if (!ready)
        {
            recorder.Skip("collectives", _nccl is null ? _ncclReason ?? "NCCL not available" : "rank 0 could not create an NCCL unique id (NCCL missing on rank 0?)");
            return;
        }
        var nccl = _nccl!;
        var world = group?.WorldSize ?? 1;
        var parts = new List<Participant>();
        try
        {
            var sizes = (context.Options.Quick ? new[] { 1L << 20, 16L << 20, 256L << 20 } : [8L << 10, 64L << 10, 512L << 10, 4L << 20, 32L << 20, 256L << 20, 1L << 30]).ToList();
            var maxBytes = Math.Min(sizes.Max(), FreeMemory() / 4);
            sizes = sizes.Where(s => s <= maxBytes).ToList();
            int nranks;
            if (world > 1)
            {
                NcclUniqueId id = default;
                group!.RootPayload.CopyTo(new Span<byte>(&id, sizeof(NcclUniqueId)));
                var p = new Participant { Device = _device, Context = _ctx, Stream = _stream };
                IntPtr comm;
                _cu.Check(_cu.cuCtxSetCurrent(_ctx), "cuCtxSetCurrent");
                nccl.Check(nccl.ncclCommInitRank(&comm, world, id, group.Rank), "ncclCommInitRank");
                p.Comm = comm;
                parts.Add(p);
                nranks = world;
            }
            else
            {
                // One process: every visible GPU joins (ncclCommInitAll); with one GPU this is a smoke test (busbw factor 0).
                var devs = Enumerable.Range(0, _deviceCount).ToArray();
                var comms = new IntPtr[devs.Length];
                fixed (IntPtr* pc = comms)
                fixed (int* pd = devs)
                {
                    nccl.Check(nccl.ncclCommInitAll(pc, devs.Length, pd), "ncclCommInitAll");
                }
                for (var i = 0; i < devs.Length; i++)
                {
                    IntPtr ctx = _ctx, stream = _stream;
                    if (devs[i] != _device)
                    {
                        _cu.Check(_cu.cuDevicePrimaryCtxRetain(&ctx, devs[i]), "cuDevicePrimaryCtxRetain");
                        _cu.Check(_cu.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
                        _cu.Check(_cu.cuStreamCreate(&stream, CudaDriverApi.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
                    }
                    parts.Add(new Participant { Device = devs[i], Context = ctx, Stream = stream, Comm = comms[i] });
                }
                nranks = devs.Length;
                if (nranks == 1) recorder.Warn("collectives on one GPU: NCCL runs with n = 1, busbw factor 0 (a smoke test, not a bandwidth figure).");
            }
            foreach (var p in parts)
            {
                _cu.Check(_cu.cuCtxSetCurrent(p.Context), "cuCtxSetCurrent");
                ulong s, r;
                _cu.Check(_cu.cuMemAlloc(&s, (nuint)maxBytes), "cuMemAlloc_v2");
                p.Send = s;
                _cu.Check(_cu.cuMemAlloc(&r, (nuint)maxBytes), "cuMemAlloc_v2");
                p.Recv = r;
                _cu.Check(_cu.cuMemsetD8Async(s, 0, (nuint)maxBytes, p.Stream), "cuMemsetD8Async");
            }
            var (warmup, iters) = context.Options.Quick ? (3, 10) : (5, 20);
            foreach (var name in new[] { "all_reduce", "all_gather", "reduce_scatter", "alltoall" })
            {
                if (name == "alltoall" && nccl.ncclAlltoAll == null && (nccl.ncclSend == null || nccl.ncclRecv == null))
                {
                    recorder.Skip("collectives alltoall", "NCCL has neither ncclAlltoAll (2.28+) nor ncclSend/ncclRecv");
                    continue;
                }
                foreach (var size in sizes)
                {
                    var perRank = name == "all_reduce" ? size / 4 : size / 4 / nranks;
                    if (perRank == 0) continue;
                    var total = name == "all_reduce" ? perRank * 4 : perRank * 4 * nranks;
                    void Launch()
                    {
                        nccl.Check(nccl.ncclGroupStart(), "ncclGroupStart");
                        foreach (var p in parts) Enqueue(name, p, (nuint)perRank, nranks);
                        nccl.Check(nccl.ncclGroupEnd(), "ncclGroupEnd");
                    }
                    void Sync()
                    {
                        foreach (var p in parts)
                        {
                            _cu.Check(_cu.cuCtxSetCurrent(p.Context), "cuCtxSetCurrent");
                            _cu.Check(_cu.cuStreamSynchronize(p.Stream), "cuStreamSynchronize");
                        }
                    }
                    for (var i = 0; i < warmup; i++) Launch();
                    Sync();
                    group?.Barrier();
                    var clock = Stopwatch.StartNew();
                    for (var i = 0; i < iters; i++) Launch();
                    Sync();
                    var elapsed = clock.Elapsed.TotalSeconds;
                    if (group is not null) elapsed = group.AllReduceMax(elapsed);
                    var seconds = elapsed / iters;
                    if ((group?.Rank ?? 0) != 0) continue;
                    var m = new CollectiveMeasurement
                    {
                        Collective = name,
                        Dtype = "float",
                        RedOp = name is "all_reduce" or "reduce_scatter" ? "sum" : null,
                        Ranks = nranks,
                        Nodes = group?.Nodes ?? 1,
                        SizeBytes = total,
                        Count = perRank,
                        InPlace = false,
                        TimeUs = seconds * 1e6,
                        AlgbwGBps = BusBandwidth.AlgbwGBps(total, seconds),
                        BusbwGBps = BusBandwidth.BusbwGBps(name, nranks, total, seconds),
                        Transport = "nccl",
                    };
                    recorder.Collectives.Add(m);
                    recorder.Progress(string.Create(CultureInfo.InvariantCulture, $"  {name} {total >> 10} KiB over {nranks} GPUs (nccl): {m.TimeUs:0} µs, busbw {m.BusbwGBps:0.0} GB/s"));
                }
            }
        }
        catch (NativeCallException ex)
        {
            recorder.Skip("collectives", ex.Message);
        }
        finally
        {
            foreach (var p in parts)
            {
                _cu.cuCtxSetCurrent(p.Context);
                _cu.cuStreamSynchronize(p.Stream);
                if (p.Send != 0) _cu.cuMemFree(p.Send);
                if (p.Recv != 0) _cu.cuMemFree(p.Recv);
                if (p.Comm != 0) nccl.ncclCommDestroy(p.Comm);
                if (p.Device != _device)
                {
                    _cu.cuStreamDestroy(p.Stream);
                    _cu.cuDevicePrimaryCtxRelease(p.Device);
                }
            }
            _cu.cuCtxSetCurrent(_ctx);
        }
    }

    private void Enqueue(string name, Participant p, nuint count, int nranks)
    {
        var n = _nccl!;
        switch (name)
        {
            case "all_reduce":
                n.Check(n.ncclAllReduce(p.Send, p.Recv, count, NcclApi.ncclFloat32, NcclApi.ncclSum, p.Comm, p.Stream), "ncclAllReduce");
                break;
            case "all_gather":
                n.Check(n.ncclAllGather(p.Send, p.Recv, count, NcclApi.ncclFloat32, p.Comm, p.Stream), "ncclAllGather");
                break;
            case "reduce_scatter":
                n.Check(n.ncclReduceScatter(p.Send, p.Recv, count, NcclApi.ncclFloat32, NcclApi.ncclSum, p.Comm, p.Stream), "ncclReduceScatter");
                break;
            default:
                if (n.ncclAlltoAll != null)
                {
                    n.Check(n.ncclAlltoAll(p.Send, p.Recv, count, NcclApi.ncclFloat32, p.Comm, p.Stream), "ncclAlltoAll");
                }
                else
                {
                    // nccl-tests alltoall.cu: one send and one receive per peer inside the group.
                    for (var peer = 0; peer < nranks; peer++)
                    {
                        var offset = (ulong)peer * count * 4;
                        n.Check(n.ncclSend(p.Send + offset, count, NcclApi.ncclFloat32, peer, p.Comm, p.Stream), "ncclSend");
                        n.Check(n.ncclRecv(p.Recv + offset, count, NcclApi.ncclFloat32, peer, p.Comm, p.Stream), "ncclRecv");
                    }
                }
                break;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _cu.cuCtxSetCurrent(_ctx);
        _cu.cuStreamSynchronize(_stream);
        _cu.cuEventDestroy(_start);
        _cu.cuEventDestroy(_stop);
        _cu.cuStreamDestroy(_stream);
        _cu.cuDevicePrimaryCtxRelease(_device);
        _nvml?.Dispose();
    }
}
