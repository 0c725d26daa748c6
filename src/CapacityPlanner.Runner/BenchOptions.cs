namespace CapacityPlanner.Runner;

/// <summary>What a benchmark run measures and how (parsed from <c>capplan bench</c>'s arguments by the CLI).</summary>
internal sealed record BenchOptions
{
    public static readonly string[] AllSuites = ["gemm", "memory", "host", "collectives"];
    public static readonly string[] AllDtypes = ["bf16", "fp16", "tf32", "fp8"];

    public string Backend { get; init; } = "auto";
    public IReadOnlyList<string> Suites { get; init; } = AllSuites;
    public bool Quick { get; init; }
    public bool Json { get; init; }
    public string? Output { get; init; }
    public IReadOnlyList<string> LibPaths { get; init; } = [];
    public int? Device { get; init; }
    public IReadOnlyList<string> Dtypes { get; init; } = AllDtypes;
    public IReadOnlyList<long>? GemmSizes { get; init; }
    public int? Threads { get; init; }
    public int? Rank { get; init; }
    public int? WorldSize { get; init; }
    public int? LocalRank { get; init; }
    public string? MasterAddr { get; init; }
    public int? MasterPort { get; init; }
    public double RendezvousTimeoutSeconds { get; init; } = 300;
}
