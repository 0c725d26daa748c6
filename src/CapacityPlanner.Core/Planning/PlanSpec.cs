namespace CapacityPlanner.Core.Planning;

/// <summary>
/// A parallelism plan as a value type for the search's hot path (no allocation per candidate).
/// Same fields as <see cref="ParallelismPlan"/>; the rank placement is packed, 3 bits per axis, innermost first.
/// <see cref="ShardWithinDomain"/> is the resolved ZeRO-3 shard scope (hybrid sharding when true);
/// <see cref="ActivationOffloadLayers"/> the layers whose activations go to host memory (the search sets it only where a plan would not fit otherwise).
/// </summary>
public readonly record struct PlanSpec(
    int Tensor,
    int Pipeline,
    int Data,
    int Context,
    int Expert,
    bool SequenceParallel,
    int VirtualStages,
    int MicroBatchSize,
    int ZeroStage,
    RecomputeMode Recompute,
    int PackedPlacement,
    bool ShardWithinDomain = false,
    int ActivationOffloadLayers = 0)
{
    /// <summary>The default placement (TP, CP, EP, DP, PP) packed.</summary>
    public static readonly int DefaultPlacement = Pack(ParallelismPlan.DefaultPlacement);

    /// <summary>Placement order with the pipeline inside data parallelism (TP, CP, EP, PP, DP).</summary>
    public static readonly IReadOnlyList<ParallelAxis> PipelineInsideDataOrder = [ParallelAxis.Tensor, ParallelAxis.Context, ParallelAxis.Expert, ParallelAxis.Pipeline, ParallelAxis.Data];

    /// <summary><see cref="PipelineInsideDataOrder"/> packed.</summary>
    public static readonly int PipelineInsideData = Pack(PipelineInsideDataOrder);

    /// <summary>Total GPUs.</summary>
    public long Gpus => (long)Tensor * Pipeline * Data * Context;

    /// <summary>
    /// Tensor-parallel degree of the expert layers: the attention's TP where the expert groups fit in data × context (the
    /// Megatron-Core default, expert_tensor_parallel_size = TP), else 1: the expert groups fold over the tensor × data ×
    /// context ranks with the experts unsplit (MoE parallel folding, expert_tensor_parallel_size = 1).
    /// </summary>
    public int ExpertTensor => Expert <= 1 || (long)Data * Context % Expert == 0 ? Tensor : 1;

    /// <summary>True when the expert groups fold over the tensor-parallel ranks (<see cref="ExpertTensor"/> is 1 under TP).</summary>
    public bool ExpertFoldsTensor => Tensor > 1 && ExpertTensor == 1;

    /// <summary>
    /// How many more ranks hold each expert's shard than data × context alone gives: TP where the expert groups fold over
    /// the TP ranks, else 1. The expert data-parallel group is data × context × this / EP.
    /// </summary>
    public int ExpertFoldFactor => Tensor / ExpertTensor;

    /// <summary>The axis at placement position <paramref name="index"/> (0 = innermost).</summary>
    public ParallelAxis AxisAt(int index) => (ParallelAxis)((PackedPlacement >> (3 * index)) & 7);

    /// <summary>Packs a placement order.</summary>
    public static int Pack(IReadOnlyList<ParallelAxis> order)
    {
        ArgumentNullException.ThrowIfNull(order);
        var packed = 0;
        for (var i = 0; i < order.Count; i++) packed |= (int)order[i] << (3 * i);
        return packed;
    }

    /// <summary>From the public record.</summary>
    public static PlanSpec From(ParallelismPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new(plan.Tensor, plan.Pipeline, plan.Data, plan.Context, plan.Expert, plan.SequenceParallel, plan.VirtualStages,
            plan.MicroBatchSize, plan.ZeroStage, plan.Recompute, Pack(plan.Placement), plan.ZeroShardScope == ZeroShardScope.Domain,
            plan.ActivationOffloadLayers);
    }

    /// <summary>To the public record.</summary>
    public ParallelismPlan ToPlan()
    {
        var order = new ParallelAxis[5];
        for (var i = 0; i < 5; i++) order[i] = AxisAt(i);
        return new ParallelismPlan(Tensor, Pipeline, Data, Context, Expert, SequenceParallel, VirtualStages, MicroBatchSize, ZeroStage, Recompute, order,
            ZeroStage == 3 ? (ShardWithinDomain ? ZeroShardScope.Domain : ZeroShardScope.All) : ZeroShardScope.Auto,
            ActivationOffloadLayers);
    }
}
