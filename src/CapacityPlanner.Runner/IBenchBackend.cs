using CapacityPlanner.Runner.Cluster;
using CapacityPlanner.Measurements;

namespace CapacityPlanner.Runner;

/// <summary>Collects what the suites measure, skip and warn about.</summary>
internal sealed class BenchRecorder(TextWriter progress, int rank)
{
    public int Rank { get; } = rank;
    public List<GemmMeasurement> Gemm { get; } = [];
    public List<MemoryMeasurement> Memory { get; } = [];
    public List<HostTransferMeasurement> HostTransfers { get; } = [];
    public List<CollectiveMeasurement> Collectives { get; } = [];
    public List<SkippedItem> Skipped { get; } = [];
    public List<string> Warnings { get; } = [];

    /// <summary>A progress line on standard error (rank 0 only, so that several ranks do not interleave).</summary>
    public void Progress(string line)
    {
        if (Rank == 0) progress.WriteLine(line);
    }

    public void Skip(string suite, string reason)
    {
        Skipped.Add(new SkippedItem(suite, reason));
        Progress($"  {suite}: skipped ({reason})");
    }

    public void Warn(string warning)
    {
        if (!Warnings.Contains(warning)) Warnings.Add(warning);
    }
}

/// <summary>What a suite needs besides the recorder.</summary>
/// <param name="Options">Command options.</param>
/// <param name="Settings">Warm-up and repetition settings.</param>
/// <param name="Group">The ranks of a multi-process run; null for a single process.</param>
internal sealed record SuiteContext(BenchOptions Options, HarnessSettings Settings, RankGroup? Group);

/// <summary>A measuring backend: CUDA (driver, cuBLASLt, NCCL, NVML) or CPU (managed SIMD).</summary>
internal interface IBenchBackend : IDisposable
{
    /// <summary>cuda or cpu.</summary>
    string Name { get; }

    /// <summary>Devices this process measures.</summary>
    IReadOnlyList<DeviceInfo> Devices { get; }

    /// <summary>Driver and runtime versions.</summary>
    SoftwareInfo? Software { get; }

    /// <summary>Libraries probed and loaded.</summary>
    IReadOnlyList<LibraryInfo> Libraries { get; }

    /// <summary>Bytes rank 0 hands every rank during the rendezvous (the NCCL unique id); empty when none.</summary>
    byte[] CreateRootPayload();

    void RunGemm(SuiteContext context, BenchRecorder recorder);
    void RunMemory(SuiteContext context, BenchRecorder recorder);
    void RunHost(SuiteContext context, BenchRecorder recorder);
    void RunCollectives(SuiteContext context, BenchRecorder recorder);
}
