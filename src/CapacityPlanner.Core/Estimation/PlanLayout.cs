using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Network;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Workload;

namespace CapacityPlanner.Core.Estimation;

/// <summary>Group layouts of every parallel axis for a plan under its rank placement.</summary>
internal readonly struct PlanLayout
{
    public readonly GroupLayout Tensor;
    public readonly GroupLayout Context;
    public readonly GroupLayout Expert;
    public readonly GroupLayout DataDense;
    /// <summary>ZeRO-3 shard group: all of <see cref="DataDense"/>, or its members inside one scale-up domain (hybrid).</summary>
    public readonly GroupLayout Shard;
    /// <summary>Hybrid sharding's replicas: one member per scale-up domain (size 1 without hybrid sharding).</summary>
    public readonly GroupLayout Replica;
    public readonly GroupLayout DataExpert;
    public readonly GroupLayout Pipeline;

    /// <summary>True when sharding ZeRO-3 within each scale-up domain leaves more than one replica (hybrid sharding is a real choice).</summary>
    public static bool HybridShardingApplies(PlanSpec plan, int domainGpus) =>
        plan.ZeroStage == 3 && new PlanLayout(plan with { ShardWithinDomain = true }, domainGpus).Replica.Size > 1;

    public PlanLayout(PlanSpec plan, int domainGpus)
    {
        // Strides follow the placement order (innermost first). EP is carved from the DP×CP ranks, so in the
        // default order TP, CP, EP, DP, PP the EP group uses the ranks right after CP and DP continues outside it.
        long stride = 1;
        GroupLayout tensor = default, context = default, expert = default, data = default, pipeline = default;
        long dataStride = 1, contextStride = 1, tensorStride = 1;
        for (var i = 0; i < 5; i++)
        {
            switch (plan.AxisAt(i))
            {
                case ParallelAxis.Tensor:
                    tensorStride = stride;
                    tensor = GroupLayout.Of(plan.Tensor, stride, domainGpus);
                    stride *= plan.Tensor;
                    break;
                case ParallelAxis.Context:
                    context = GroupLayout.Of(plan.Context, stride, domainGpus);
                    contextStride = stride;
                    stride *= plan.Context;
                    break;
                case ParallelAxis.Expert:
                    expert = GroupLayout.Of(plan.Expert, stride, domainGpus);
                    break;
                case ParallelAxis.Data:
                    dataStride = stride;
                    data = GroupLayout.Of(plan.Data, stride, domainGpus);
                    stride *= plan.Data;
                    break;
                case ParallelAxis.Pipeline:
                    pipeline = GroupLayout.Of(plan.Pipeline, stride, domainGpus);
                    stride *= plan.Pipeline;
                    break;
            }
        }
        Tensor = tensor;
        Context = context;
        // Folded expert groups (Megatron-Core MoE parallel folding) take the TP ranks first, then the ranks outside them.
        Expert = plan.ExpertFoldsTensor ? GroupLayout.Of(plan.Expert, tensorStride, domainGpus) : expert;
        Pipeline = pipeline;
        // Dense gradients reduce over DP×CP (CP ranks hold identical weights).
        var denseSize = plan.Data * plan.Context;
        DataDense = plan.Context > 1
            ? GroupLayout.Of(denseSize, Math.Min(contextStride, dataStride), domainGpus)
            : data;
        if (plan.ShardWithinDomain && plan.ZeroStage == 3 && DataDense.Domains > 1 && DataDense.LocalRanks > 1)
        {
            Shard = new GroupLayout(DataDense.LocalRanks, DataDense.LocalRanks, 1, Math.Min(domainGpus, DataDense.SpanGpus));
            Replica = new GroupLayout(DataDense.Domains, 1, DataDense.Domains, DataDense.SpanGpus);
        }
        else
        {
            Shard = DataDense;
            Replica = new GroupLayout(1, 1, 1, 1);
        }
        // Expert gradients reduce over the ranks that hold the same experts: DP×CP / EP, or TP×DP×CP / EP when folded.
        var expertDp = Math.Max(1, denseSize * plan.ExpertFoldFactor / Math.Max(1, plan.Expert));
        DataExpert = plan.ExpertFoldsTensor
            ? GroupLayout.Of(expertDp, tensorStride * plan.Expert, domainGpus)
            : GroupLayout.Of(expertDp, Math.Min(contextStride, dataStride) * plan.Expert, domainGpus);
    }
}

/// <summary>Where a plan's parallel groups land (the one rank placement, <see cref="PlanLayout"/>), for callers outside the model.</summary>
public static class RankPlacement
{
    /// <summary>
    /// True when every group of <paramref name="axis"/> stays inside one scale-up domain of
    /// <paramref name="scaleUpDomainGpus"/> GPUs; false when it runs over the scale-out network. The data axis is the
    /// dense gradient group (DP × CP).
    /// </summary>
    public static bool StaysInScaleUpDomain(ParallelismPlan plan, ParallelAxis axis, int scaleUpDomainGpus)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var layout = new PlanLayout(PlanSpec.From(plan), scaleUpDomainGpus);
        return axis switch
        {
            ParallelAxis.Tensor => layout.Tensor.IsLocal,
            ParallelAxis.Context => layout.Context.IsLocal,
            ParallelAxis.Expert => layout.Expert.IsLocal,
            ParallelAxis.Pipeline => layout.Pipeline.IsLocal,
            _ => layout.DataDense.IsLocal,
        };
    }
}
