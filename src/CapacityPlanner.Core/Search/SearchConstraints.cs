using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Core.Search;

/// <summary>
/// What the search keeps fixed, typed: the plan fields a scenario states (a null field is searched). The scenario
/// contract builds it from a document's <c>parallelism</c> section in one place, so the search never compares document
/// strings.
/// </summary>
public sealed record SearchConstraints
{
    /// <summary>No field fixed: search everything.</summary>
    public static readonly SearchConstraints None = new();

    /// <summary>TP degree.</summary>
    public int? Tensor { get; init; }
    /// <summary>PP degree.</summary>
    public int? Pipeline { get; init; }
    /// <summary>DP degree.</summary>
    public int? Data { get; init; }
    /// <summary>CP degree.</summary>
    public int? Context { get; init; }
    /// <summary>EP degree.</summary>
    public int? Expert { get; init; }
    /// <summary>Sequence parallelism (searched as "on when TP &gt; 1" when null).</summary>
    public bool? SequenceParallel { get; init; }
    /// <summary>Virtual stages per pipeline rank.</summary>
    public int? VirtualStages { get; init; }
    /// <summary>Micro-batch size.</summary>
    public int? MicroBatchSize { get; init; }
    /// <summary>ZeRO stage.</summary>
    public int? ZeroStage { get; init; }
    /// <summary>Recompute mode.</summary>
    public RecomputeMode? Recompute { get; init; }
    /// <summary>Where ZeRO-3 shards (auto: both full and hybrid sharding are tried).</summary>
    public ZeroShardScope ShardScope { get; init; } = ZeroShardScope.Auto;
    /// <summary>Rank placement, innermost first.</summary>
    public IReadOnlyList<ParallelAxis>? Placement { get; init; }
}
