namespace CapacityPlanner.Measurements;

/// <summary>
/// One benchmark result document (<c>wwwroot/schemas/bench-result-v1.schema.json</c>): what ran where, with host,
/// device, driver and library fingerprints and every measurement. Written by <c>capplan bench</c> and by the
/// importers of nccl-tests, nvbandwidth and mamf-finder output. Units: seconds, bytes, GB = 1e9 bytes, TFLOP/s = 1e12.
/// </summary>
public sealed record BenchResult
{
    /// <summary>The schema version this library writes and reads.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>Schema version of the document (1).</summary>
    public int SchemaVersion { get; set; } = CurrentSchemaVersion;

    /// <summary>Producer: <c>capplan-bench</c>, <c>nccl-tests</c>, <c>nvbandwidth</c> or <c>mamf-finder</c>.</summary>
    public string Source { get; set; } = BenchSources.CapplanBench;

    /// <summary>Version of the producer, when known (capplan's assembly version, nccl-tests version, …).</summary>
    public string? SourceVersion { get; set; }

    /// <summary>When the document was produced (UTC).</summary>
    public DateTimeOffset CreatedUtc { get; set; }

    /// <summary>Backend that measured: <c>cuda</c>, <c>cpu</c>, or <c>import</c> for converted tool output.</summary>
    public string Backend { get; set; } = "cpu";

    /// <summary>Backend that was asked for (<c>auto</c>, <c>cuda</c>, <c>cpu</c>).</summary>
    public string? RequestedBackend { get; set; }

    /// <summary>Why this backend was chosen (for <c>auto</c>: why CUDA was or was not used).</summary>
    public string? BackendReason { get; set; }

    /// <summary>True for a <c>--quick</c> run (fewer shapes, sizes and repetitions).</summary>
    public bool Quick { get; set; }

    /// <summary>The suites a result may name (<see cref="Suites"/>).</summary>
    public static readonly IReadOnlyList<string> KnownSuites = ["gemm", "memory", "host", "collectives"];

    /// <summary>Most devices a result may list (all ranks of a large multi-node run fit).</summary>
    public const int MaxDevices = 4096;

    /// <summary>Most entries of each measurement list (GEMM shapes, memory, host transfers, collectives).</summary>
    public const int MaxMeasurements = 65536;

    /// <summary>Most entries of the other lists (libraries, transfer matrices, skipped items, warnings).</summary>
    public const int MaxListEntries = 1024;

    /// <summary>Suites that were asked for.</summary>
    public IReadOnlyList<string> Suites { get; set; } = [];

    /// <summary>The machine of rank 0 (or the one the imported output came from, where it says).</summary>
    public HostInfo? Host { get; set; }

    /// <summary>Devices measured (GPUs, or the CPU for the CPU backend), over all ranks.</summary>
    public IReadOnlyList<DeviceInfo> Devices { get; set; } = [];

    /// <summary>Driver and runtime versions.</summary>
    public SoftwareInfo? Software { get; set; }

    /// <summary>Every native library probed: where it was looked for, where it was found, its version.</summary>
    public IReadOnlyList<LibraryInfo> Libraries { get; set; } = [];

    /// <summary>Ranks of a multi-process run (world size 1 for a single process).</summary>
    public ClusterInfo? Cluster { get; set; }

    /// <summary>Matrix-multiply measurements.</summary>
    public IReadOnlyList<GemmMeasurement> Gemm { get; set; } = [];

    /// <summary>Device-memory bandwidth measurements (copy, triad).</summary>
    public IReadOnlyList<MemoryMeasurement> Memory { get; set; } = [];

    /// <summary>Host↔device transfer measurements.</summary>
    public IReadOnlyList<HostTransferMeasurement> HostTransfers { get; set; } = [];

    /// <summary>Collective measurements (one per message size and placement).</summary>
    public IReadOnlyList<CollectiveMeasurement> Collectives { get; set; } = [];

    /// <summary>Bandwidth matrices (nvbandwidth tests).</summary>
    public IReadOnlyList<TransferMatrix> TransferMatrices { get; set; } = [];

    /// <summary>Suites or tests that did not run, and why.</summary>
    public IReadOnlyList<SkippedItem> Skipped { get; set; } = [];

    /// <summary>Conditions that make figures less trustworthy (throttling, unstable warm-up, idle siblings, …).</summary>
    public IReadOnlyList<string> Warnings { get; set; } = [];

    /// <summary>Relevant environment variables (NCCL_*, CUDA_VISIBLE_DEVICES, …), secrets removed.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; set; } = new Dictionary<string, string>();

    /// <summary>Details of an imported document; null for native runs.</summary>
    public ImportInfo? Import { get; set; }
}

/// <summary>Producer names used in <see cref="BenchResult.Source"/>.</summary>
public static class BenchSources
{
    /// <summary>capplan bench.</summary>
    public const string CapplanBench = "capplan-bench";
    /// <summary>NVIDIA nccl-tests (all_reduce_perf, …).</summary>
    public const string NcclTests = "nccl-tests";
    /// <summary>NVIDIA nvbandwidth.</summary>
    public const string Nvbandwidth = "nvbandwidth";
    /// <summary>stas00/ml-engineering mamf-finder.py.</summary>
    public const string MamfFinder = "mamf-finder";
}

/// <summary>The machine a result was measured on.</summary>
public sealed record HostInfo
{
    /// <summary>Host name.</summary>
    public string? Hostname { get; set; }
    /// <summary>Operating system description.</summary>
    public string? Os { get; set; }
    /// <summary>Kernel release.</summary>
    public string? Kernel { get; set; }
    /// <summary>CPU architecture (x64, arm64).</summary>
    public string? Architecture { get; set; }
    /// <summary>CPU model name.</summary>
    public string? CpuModel { get; set; }
    /// <summary>Logical processors available to the process.</summary>
    public int? LogicalCores { get; set; }
    /// <summary>Physical memory in bytes.</summary>
    public long? MemoryBytes { get; set; }
    /// <summary>.NET runtime that ran capplan.</summary>
    public string? Runtime { get; set; }
    /// <summary>glibc version, when known.</summary>
    public string? Libc { get; set; }
}

/// <summary>One measured device: a GPU, or the CPU for the CPU backend.</summary>
public sealed record DeviceInfo
{
    /// <summary>Rank that owns the device (0 for a single process).</summary>
    public int Rank { get; set; }
    /// <summary>Device index on its host (CUDA ordinal).</summary>
    public int Index { get; set; }
    /// <summary><c>gpu</c> or <c>cpu</c>.</summary>
    public string Kind { get; set; } = "gpu";
    /// <summary>Device name as the driver reports it.</summary>
    public string Name { get; set; } = "";
    /// <summary>Host the device is on.</summary>
    public string? Host { get; set; }
    /// <summary>UUID, when known.</summary>
    public string? Uuid { get; set; }
    /// <summary>PCI bus id, when known.</summary>
    public string? PciBusId { get; set; }
    /// <summary>Compute capability ("9.0").</summary>
    public string? ComputeCapability { get; set; }
    /// <summary>Streaming multiprocessors (GPU) or cores (CPU).</summary>
    public int? Multiprocessors { get; set; }
    /// <summary>Device memory in bytes.</summary>
    public long? MemoryBytes { get; set; }
    /// <summary>L2 (GPU) or last-level (CPU) cache bytes, when known.</summary>
    public long? CacheBytes { get; set; }
    /// <summary>Maximum SM clock in MHz, when known.</summary>
    public double? MaxSmClockMHz { get; set; }
    /// <summary>Enforced power limit in watts, when known.</summary>
    public double? PowerLimitWatts { get; set; }
    /// <summary>Current PCIe link generation, when known.</summary>
    public int? PcieGeneration { get; set; }
    /// <summary>Current PCIe link width, when known.</summary>
    public int? PcieWidth { get; set; }
    /// <summary>SIMD/ISA features the CPU backend used.</summary>
    public string? Features { get; set; }
}

/// <summary>Driver and runtime versions.</summary>
public sealed record SoftwareInfo
{
    /// <summary>NVIDIA driver version (NVML), e.g. "580.95.05".</summary>
    public string? DriverVersion { get; set; }
    /// <summary>CUDA version the driver supports (cuDriverGetVersion), e.g. 13000.</summary>
    public int? CudaDriverVersion { get; set; }
    /// <summary>CUDA runtime version, when known (imports).</summary>
    public int? CudaRuntimeVersion { get; set; }
    /// <summary>Other framework versions (torch, cuda, nccl headers, …) by name.</summary>
    public IReadOnlyDictionary<string, string> Versions { get; set; } = new Dictionary<string, string>();
}

/// <summary>A native library that was probed.</summary>
public sealed record LibraryInfo
{
    /// <summary>Short name (cuda, nvml, cublasLt, nccl).</summary>
    public string Name { get; set; } = "";
    /// <summary>True when it loaded.</summary>
    public bool Found { get; set; }
    /// <summary>Soname that loaded (libcublasLt.so.13).</summary>
    public string? Soname { get; set; }
    /// <summary>Full path that loaded, or the soname when the system loader found it.</summary>
    public string? Path { get; set; }
    /// <summary>Which probe step found it (lib-path, system, site-packages, cuda-home).</summary>
    public string? FoundBy { get; set; }
    /// <summary>Version the library reports.</summary>
    public string? Version { get; set; }
    /// <summary>Every location tried, in order, with its outcome.</summary>
    public IReadOnlyList<string> Tried { get; set; } = [];
    /// <summary>Entry points that the library does not export (their features are skipped).</summary>
    public IReadOnlyList<string> MissingExports { get; set; } = [];
    /// <summary>Why it is not usable, when not.</summary>
    public string? Error { get; set; }
}

/// <summary>The ranks of a run.</summary>
public sealed record ClusterInfo
{
    /// <summary>Processes in the run.</summary>
    public int WorldSize { get; set; } = 1;
    /// <summary>How the ranks were launched: single, torchrun, slurm, mpirun, flags.</summary>
    public string Launcher { get; set; } = "single";
    /// <summary>Rendezvous address (host:port), when several ranks ran.</summary>
    public string? Rendezvous { get; set; }
    /// <summary>Nodes (distinct hosts) in the run.</summary>
    public int Nodes { get; set; } = 1;
    /// <summary>Every rank.</summary>
    public IReadOnlyList<RankInfo> Ranks { get; set; } = [];
}

/// <summary>One rank of a run.</summary>
public sealed record RankInfo
{
    /// <summary>Global rank.</summary>
    public int Rank { get; set; }
    /// <summary>Rank on its node.</summary>
    public int LocalRank { get; set; }
    /// <summary>Host name.</summary>
    public string Host { get; set; } = "";
    /// <summary>Process id.</summary>
    public int? Pid { get; set; }
    /// <summary>Device index the rank used.</summary>
    public int? Device { get; set; }
}

/// <summary>Repetition statistics of one timed quantity (seconds per iteration unless stated).</summary>
public sealed record SampleStats
{
    /// <summary>Timed samples.</summary>
    public int Count { get; set; }
    /// <summary>Median.</summary>
    public double Median { get; set; }
    /// <summary>Minimum.</summary>
    public double Min { get; set; }
    /// <summary>Maximum.</summary>
    public double Max { get; set; }
    /// <summary>Arithmetic mean.</summary>
    public double Mean { get; set; }
    /// <summary>Sample standard deviation.</summary>
    public double StdDev { get; set; }
    /// <summary>Coefficient of variation (stdDev / mean).</summary>
    public double Cv { get; set; }
    /// <summary>Spread (max − min) / median.</summary>
    public double Spread { get; set; }

    /// <summary>Statistics of a set of samples (at least one).</summary>
    public static SampleStats From(IReadOnlyList<double> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) throw new ArgumentException("At least one sample is needed.", nameof(samples));
        var sorted = samples.OrderBy(x => x).ToArray();
        var n = sorted.Length;
        var median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
        var mean = sorted.Average();
        var variance = n > 1 ? sorted.Sum(x => (x - mean) * (x - mean)) / (n - 1) : 0;
        var sd = Math.Sqrt(variance);
        return new SampleStats
        {
            Count = n,
            Median = median,
            Min = sorted[0],
            Max = sorted[^1],
            Mean = mean,
            StdDev = sd,
            Cv = mean > 0 ? sd / mean : 0,
            Spread = median > 0 ? (sorted[^1] - sorted[0]) / median : 0,
        };
    }
}

/// <summary>Device state read while a test ran (NVML).</summary>
public sealed record TelemetrySample
{
    /// <summary>SM clock in MHz.</summary>
    public double? SmClockMHz { get; set; }
    /// <summary>Memory clock in MHz.</summary>
    public double? MemClockMHz { get; set; }
    /// <summary>Board power in watts.</summary>
    public double? PowerWatts { get; set; }
    /// <summary>Enforced power limit in watts.</summary>
    public double? PowerLimitWatts { get; set; }
    /// <summary>GPU temperature in °C.</summary>
    public double? TemperatureC { get; set; }
    /// <summary>Raw clock-event (throttle) reason bit mask.</summary>
    public ulong? ClockEventReasons { get; set; }
    /// <summary>Names of the set clock-event reasons.</summary>
    public IReadOnlyList<string> ClockEventReasonNames { get; set; } = [];
}

/// <summary>One GEMM shape in one precision: D = A·B with A M×K, B K×N.</summary>
public sealed record GemmMeasurement
{
    /// <summary>Rank that measured (0 for single-process runs).</summary>
    public int Rank { get; set; }
    /// <summary>Device index.</summary>
    public int Device { get; set; }
    /// <summary>Input precision: bf16, fp16, tf32, fp8, fp32.</summary>
    public string Dtype { get; set; } = "bf16";
    /// <summary>Rows of A and D.</summary>
    public long M { get; set; }
    /// <summary>Columns of B and D.</summary>
    public long N { get; set; }
    /// <summary>Inner dimension.</summary>
    public long K { get; set; }
    /// <summary>FLOPs of one GEMM: 2·M·N·K.</summary>
    public double Flops { get; set; }
    /// <summary>Operand layout (TN = A transposed, B not).</summary>
    public string? Layout { get; set; }
    /// <summary>Kernel or library that ran it.</summary>
    public string? Kernel { get; set; }
    /// <summary>Input fill (random normal with its seed).</summary>
    public string? Fill { get; set; }
    /// <summary>True when a buffer larger than the last-level cache was written between timed iterations.</summary>
    public bool CacheFlushed { get; set; }
    /// <summary>Warm-up iterations before timing.</summary>
    public int WarmupIterations { get; set; }
    /// <summary>True when warm-up reached stable timings before its cap.</summary>
    public bool WarmupStable { get; set; }
    /// <summary>Per-iteration time statistics (seconds); null for imports that only give rates.</summary>
    public SampleStats? Time { get; set; }
    /// <summary>Throughput at the median time, TFLOP/s.</summary>
    public double MedianTflops { get; set; }
    /// <summary>Mean throughput, TFLOP/s, when known.</summary>
    public double? MeanTflops { get; set; }
    /// <summary>Burst throughput (fastest iteration), TFLOP/s.</summary>
    public double BurstTflops { get; set; }
    /// <summary>Sustained throughput over a back-to-back window, TFLOP/s, when measured.</summary>
    public double? SustainedTflops { get; set; }
    /// <summary>Length of the sustained window in seconds.</summary>
    public double? SustainedWindowSeconds { get; set; }
    /// <summary>Device state during the test.</summary>
    public TelemetrySample? Telemetry { get; set; }
}

/// <summary>Device-memory bandwidth of one kernel.</summary>
public sealed record MemoryMeasurement
{
    /// <summary>Rank that measured.</summary>
    public int Rank { get; set; }
    /// <summary>Device index.</summary>
    public int Device { get; set; }
    /// <summary>copy, triad, copy-engine (cuMemcpyDtoD), device-local-copy (nvbandwidth).</summary>
    public string Kind { get; set; } = "triad";
    /// <summary>Bytes of each array.</summary>
    public long BufferBytes { get; set; }
    /// <summary>Bytes counted per iteration (see <see cref="Convention"/>).</summary>
    public double BytesPerIteration { get; set; }
    /// <summary>How bytes are counted, in words.</summary>
    public string Convention { get; set; } = "";
    /// <summary>Memory traffic actually moved per counted byte (2 when a copy is counted once).</summary>
    public double TrafficFactor { get; set; } = 1;
    /// <summary>Per-iteration time statistics; null for imports.</summary>
    public SampleStats? Time { get; set; }
    /// <summary>Counted bytes / median time, GB/s.</summary>
    public double MedianGBps { get; set; }
    /// <summary>Counted bytes / fastest time, GB/s.</summary>
    public double BestGBps { get; set; }
    /// <summary>Device state during the test.</summary>
    public TelemetrySample? Telemetry { get; set; }
}

/// <summary>Host↔device copies.</summary>
public sealed record HostTransferMeasurement
{
    /// <summary>Rank that measured.</summary>
    public int Rank { get; set; }
    /// <summary>Device index.</summary>
    public int Device { get; set; }
    /// <summary>h2d, d2h or bidirectional.</summary>
    public string Direction { get; set; } = "h2d";
    /// <summary>True for pinned (page-locked) host memory.</summary>
    public bool Pinned { get; set; } = true;
    /// <summary>Bytes per copy.</summary>
    public long Bytes { get; set; }
    /// <summary>Copy engine (ce) or SM kernel (sm).</summary>
    public string? Engine { get; set; }
    /// <summary>Per-copy time statistics; null for imports.</summary>
    public SampleStats? Time { get; set; }
    /// <summary>Bytes / median time, GB/s.</summary>
    public double MedianGBps { get; set; }
    /// <summary>Bytes / fastest time, GB/s.</summary>
    public double BestGBps { get; set; }
    /// <summary>Device state during the test.</summary>
    public TelemetrySample? Telemetry { get; set; }
}

/// <summary>One collective at one message size (one row side of an nccl-tests table).</summary>
public sealed record CollectiveMeasurement
{
    /// <summary>all_reduce, all_gather, reduce_scatter, alltoall, broadcast, reduce, sendrecv.</summary>
    public string Collective { get; set; } = "all_reduce";
    /// <summary>Element type (float, bfloat16, …).</summary>
    public string? Dtype { get; set; }
    /// <summary>Reduction (sum) where applicable.</summary>
    public string? RedOp { get; set; }
    /// <summary>Ranks taking part.</summary>
    public int Ranks { get; set; }
    /// <summary>Distinct hosts taking part, when known.</summary>
    public int? Nodes { get; set; }
    /// <summary>nccl-tests "size": total bytes (max of send and receive buffers).</summary>
    public long SizeBytes { get; set; }
    /// <summary>nccl-tests "count" (per-rank for all_gather, reduce_scatter, alltoall).</summary>
    public long Count { get; set; }
    /// <summary>True for the in-place variant.</summary>
    public bool InPlace { get; set; }
    /// <summary>Time per operation in microseconds.</summary>
    public double TimeUs { get; set; }
    /// <summary>Algorithm bandwidth size/time in GB/s.</summary>
    public double AlgbwGBps { get; set; }
    /// <summary>Bus bandwidth algbw × nccl-tests' factor, GB/s.</summary>
    public double BusbwGBps { get; set; }
    /// <summary>Wrong elements found by validation, when checked.</summary>
    public long? Wrong { get; set; }
    /// <summary>Transport (nccl, tcp).</summary>
    public string? Transport { get; set; }
    /// <summary>Index of the table in an imported file (0-based).</summary>
    public int? Table { get; set; }
}

/// <summary>An nvbandwidth test: a matrix of bandwidths (GB/s) or latencies (ns).</summary>
public sealed record TransferMatrix
{
    /// <summary>Test name (host_to_device_memcpy_ce, …).</summary>
    public string Test { get; set; } = "";
    /// <summary>The tool's description line.</summary>
    public string? Description { get; set; }
    /// <summary>GB/s or ns.</summary>
    public string Unit { get; set; } = "GB/s";
    /// <summary>Row labels.</summary>
    public IReadOnlyList<string> RowLabels { get; set; } = [];
    /// <summary>Column labels.</summary>
    public IReadOnlyList<string> ColumnLabels { get; set; } = [];
    /// <summary>Cells; null where the tool printed N/A.</summary>
    public IReadOnlyList<IReadOnlyList<double?>> Values { get; set; } = [];
    /// <summary>The tool's SUM figure.</summary>
    public double? Sum { get; set; }
    /// <summary>ok, waived or error.</summary>
    public string Status { get; set; } = "ok";
}

/// <summary>A suite or test that did not run.</summary>
/// <param name="Suite">Suite (gemm, memory, host, collectives) or test name.</param>
/// <param name="Reason">Why.</param>
public sealed record SkippedItem(string Suite, string Reason);

/// <summary>Where an imported document came from.</summary>
public sealed record ImportInfo
{
    /// <summary>Tool (nccl-tests, nvbandwidth, mamf-finder).</summary>
    public string Tool { get; set; } = "";
    /// <summary>File name that was imported.</summary>
    public string? FileName { get; set; }
    /// <summary>Tables or test blocks found.</summary>
    public int Tables { get; set; }
    /// <summary>Data lines parsed.</summary>
    public int Rows { get; set; }
    /// <summary>Lines that looked like data but could not be parsed.</summary>
    public int SkippedLines { get; set; }
    /// <summary>The tool's own headline figures ("Avg bus bandwidth", MAMF, …) by name.</summary>
    public IReadOnlyDictionary<string, double> Reported { get; set; } = new Dictionary<string, double>();
}
