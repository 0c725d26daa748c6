using System.Text.Json;
using CapacityPlanner.Measurements.Import;
using CapacityPlanner.Measurements;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Measurements.Tests;

public sealed class BenchResultJsonTests
{
    private static readonly Lazy<JsonDocument> s_schema = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.RepoRoot(), "wwwroot", "schemas", "bench-result-v1.schema.json"))));

    internal static List<string> SchemaErrors(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return SchemaValidator.Validate(s_schema.Value.RootElement, doc.RootElement);
    }

    /// <summary>A document with every field set, so that the schema's additionalProperties: false sees all of them.</summary>
    internal static BenchResult Full()
    {
        var stats = SampleStats.From([1e-3, 1.1e-3, 0.9e-3, 1.05e-3]);
        var telemetry = new TelemetrySample { SmClockMHz = 1980, MemClockMHz = 2619, PowerWatts = 690, PowerLimitWatts = 700, TemperatureC = 61, ClockEventReasons = 4, ClockEventReasonNames = ["sw_power_cap"] };
        return new BenchResult
        {
            Source = BenchSources.CapplanBench,
            SourceVersion = "1.0.0",
            CreatedUtc = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            Backend = "cuda",
            RequestedBackend = "auto",
            BackendReason = "libcuda.so.1 loaded; 1 device",
            Quick = true,
            Suites = ["gemm", "memory", "host", "collectives"],
            Host = new HostInfo { Hostname = "n1", Os = "Linux", Kernel = "6.8", Architecture = "X64", CpuModel = "Xeon", LogicalCores = 224, MemoryBytes = 2L << 40, Runtime = ".NET 10", Libc = "glibc 2.35" },
            Devices = [new DeviceInfo { Rank = 0, Index = 0, Kind = "gpu", Name = "NVIDIA H100 80GB HBM3", Host = "n1", Uuid = "GPU-1", PciBusId = "0000:18:00.0", ComputeCapability = "9.0", Multiprocessors = 132, MemoryBytes = 85_000_000_000, CacheBytes = 52_428_800, MaxSmClockMHz = 1980, PowerLimitWatts = 700, PcieGeneration = 5, PcieWidth = 16, Features = "sm_90" }],
            Software = new SoftwareInfo { DriverVersion = "580.95.05", CudaDriverVersion = 13000, CudaRuntimeVersion = 13000, Versions = new Dictionary<string, string> { ["nccl"] = "2.27.3" } },
            Libraries = [new LibraryInfo { Name = "cuda", Found = true, Soname = "libcuda.so.1", Path = "/usr/lib/x86_64-linux-gnu/libcuda.so.1", FoundBy = "system", Version = "13000", Tried = ["lib-path: none"], MissingExports = ["cuEventElapsedTime_v2"], Error = null }],
            Cluster = new ClusterInfo { WorldSize = 2, Launcher = "torchrun", Rendezvous = "127.0.0.1:29500", Nodes = 1, Ranks = [new RankInfo { Rank = 0, LocalRank = 0, Host = "n1", Pid = 10, Device = 0 }, new RankInfo { Rank = 1, LocalRank = 1, Host = "n1", Pid = 11, Device = 1 }] },
            Gemm = [new GemmMeasurement { Rank = 0, Device = 0, Dtype = "bf16", M = 8192, N = 8192, K = 8192, Flops = 2.0 * 8192 * 8192 * 8192, Layout = "TN", Kernel = "cublasLt", Fill = "normal(0,1)", CacheFlushed = true, WarmupIterations = 20, WarmupStable = true, Time = stats, MedianTflops = 700, MeanTflops = 695, BurstTflops = 760, SustainedTflops = 680, SustainedWindowSeconds = 2, Telemetry = telemetry }],
            Memory = [new MemoryMeasurement { Kind = "triad", BufferBytes = 1 << 30, BytesPerIteration = 3.0 * (1 << 30), Convention = "STREAM", TrafficFactor = 1, Time = stats, MedianGBps = 3000, BestGBps = 3100, Telemetry = telemetry }],
            HostTransfers = [new HostTransferMeasurement { Direction = "h2d", Pinned = true, Bytes = 1 << 28, Engine = "ce", Time = stats, MedianGBps = 55, BestGBps = 56, Telemetry = telemetry }],
            Collectives = [new CollectiveMeasurement { Collective = "all_reduce", Dtype = "float", RedOp = "sum", Ranks = 2, Nodes = 1, SizeBytes = 1 << 20, Count = 1 << 18, InPlace = false, TimeUs = 20, AlgbwGBps = 52.4, BusbwGBps = 52.4, Wrong = 0, Transport = "nccl", Table = 0 }],
            TransferMatrices = [new TransferMatrix { Test = "device_to_device_memcpy_read_ce", Description = "memcpy CE", Unit = "GB/s", RowLabels = ["0", "1"], ColumnLabels = ["0", "1"], Values = [[null, 389.7], [389.6, null]], Sum = 779.3, Status = "ok" }],
            Skipped = [new SkippedItem("host", "no device")],
            Warnings = ["clock throttled"],
            Environment = new Dictionary<string, string> { ["NCCL_DEBUG"] = "INFO" },
            Import = new ImportInfo { Tool = "nccl-tests", FileName = "a.txt", Tables = 1, Rows = 2, SkippedLines = 0, Reported = new Dictionary<string, double> { ["avgBusBandwidth"] = 1.5 } },
        };
    }

    [Fact]
    public void A_full_document_round_trips_and_matches_the_schema()
    {
        var json = BenchResultJson.Serialize(Full());
        Assert.Empty(SchemaErrors(json));
        var back = BenchResultJson.Deserialize(json);
        Assert.Equal(json, BenchResultJson.Serialize(back));
        Assert.Equal(700, back.Gemm[0].MedianTflops);
        Assert.Null(back.TransferMatrices[0].Values[0][0]);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), back.CreatedUtc);
        Assert.Contains("\"schemaVersion\": 1", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"error\": null", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nccl-tests", "nccl-tests-all-reduce-2nodes.txt")]
    [InlineData("nccl-tests", "nccl-tests-all-gather-old-format.txt")]
    [InlineData("nccl-tests", "nccl-tests-mpirun-tagged-two-tables.txt")]
    [InlineData("nccl-tests", "nccl-tests-report.json")]
    [InlineData("nvbandwidth", "nvbandwidth-v0.8.txt")]
    [InlineData("nvbandwidth", "nvbandwidth.json")]
    [InlineData("mamf-finder", "mamf-finder-v2.log")]
    [InlineData("mamf-finder", "mamf-finder-v4.log")]
    public void Every_import_matches_the_schema_and_round_trips(string tool, string file)
    {
        var r = BenchImporter.Import(tool, Fixtures.Read(file), file);
        var json = BenchResultJson.Serialize(r);
        Assert.Empty(SchemaErrors(json));
        Assert.Equal(json, BenchResultJson.Serialize(BenchResultJson.Deserialize(json)));
        Assert.Equal("import", r.Backend);
        Assert.Equal(file, r.Import!.FileName);
    }

    [Fact]
    public void A_minimal_document_keeps_the_defaults_of_every_absent_field()
    {
        var r = BenchResultJson.Deserialize("""
            { "schemaVersion": 1, "source": "capplan-bench", "backend": "cpu", "createdUtc": "2026-01-01T00:00:00Z",
              "memory": [ { "kind": "triad", "medianGBps": 10, "bestGBps": 11 } ] }
            """);
        Assert.Equal(BenchSources.CapplanBench, r.Source);
        Assert.Empty(r.Gemm);
        Assert.Empty(r.Collectives);
        Assert.Empty(r.Warnings);
        Assert.Empty(r.Environment);
        Assert.Equal(1, r.Memory[0].TrafficFactor);                        // default, not 0
        Assert.Equal("", r.Memory[0].Convention);
    }

    [Theory]
    [InlineData("{}", "$.schemaVersion: is required; $.source: is required; $.createdUtc: is required; $.backend: is required")]
    [InlineData("""{ "schemaVersion": 1, "source": "capplan-bench", "backend": "cpu" }""", "$.createdUtc: is required")]
    [InlineData("""{ "schemaVersion": 1, "source": null, "backend": "cpu", "createdUtc": "2026-01-01T00:00:00Z" }""", "$.source: is required")]
    public void A_document_without_the_schemas_required_members_is_refused_not_filled_with_defaults(string json, string expected)
    {
        Assert.False(BenchResultJson.TryDeserialize(json, out var result, out var error));
        Assert.Null(result);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_schema_version_is_refused_with_the_supported_one_named()
    {
        var json = BenchResultJson.Serialize(Full()).Replace("\"schemaVersion\": 1", "\"schemaVersion\": 2", StringComparison.Ordinal);
        var ex = Assert.Throws<BenchResultFormatException>(() => BenchResultJson.Deserialize(json));
        Assert.Contains("reads version 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_json_reports_line_and_path()
    {
        var ok = BenchResultJson.TryDeserialize("{\n \"schemaVersion\": 1,\n \"gemm\": [ { \"m\": \"x\" } ]\n}", out _, out var error);
        Assert.False(ok);
        Assert.Contains("line 3", error, StringComparison.Ordinal);
        Assert.Contains("$.gemm", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Semantic_checks_catch_impossible_figures()
    {
        var bad = Full() with { Backend = "tpu", Collectives = [new CollectiveMeasurement { Ranks = 0 }] };
        var errors = BenchResultJson.Validate(bad);
        Assert.Contains(errors, e => e.Contains("$.backend", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("$.collectives[0].ranks", StringComparison.Ordinal));
    }

    [Fact]
    public void Statistics_are_median_min_max_and_spread()
    {
        var s = SampleStats.From([4.0, 1.0, 3.0, 2.0]);
        Assert.Equal(2.5, s.Median);
        Assert.Equal(1, s.Min);
        Assert.Equal(4, s.Max);
        Assert.Equal(2.5, s.Mean);
        Assert.Equal(1.2, s.Spread, 12);
        Assert.Equal(Math.Sqrt(5.0 / 3) / 2.5, s.Cv, 12);
    }

    [Fact]
    public void Benchmark_documents_follow_the_strict_json_rule_of_scenarios()
    {
        // Duplicate keys and lone surrogates are refused with their path, as in scenario documents (the contracts' StrictJson).
        Assert.False(BenchResultJson.TryDeserialize("""{"schemaVersion":1,"schemaVersion":1}""", out _, out var benchError));
        Assert.Contains("$.schemaVersion", benchError, StringComparison.Ordinal);
        Assert.Contains("duplicate key", benchError, StringComparison.Ordinal);
        Assert.False(BenchResultJson.TryDeserialize("""{"schemaVersion":1,"source":"\ud800"}""", out _, out benchError));
        Assert.Contains("$.source", benchError, StringComparison.Ordinal);
    }
}
