using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Network;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Workload;

namespace CapacityPlanner.Core.Estimation;

/// <summary>Data-parallel gradient reduction, ZeRO sharding and the optimizer step (docs/model.md §Communication).</summary>
internal sealed partial class CostContext
{
    /// <summary>Parameters held by one GPU of the first stage: (dense params, expert params) after TP/PP/EP sharding.</summary>
    private (double Dense, double Expert) StageParameters(PlanSpec plan, bool firstStage, bool lastStage)
    {
        var (first, _, last) = StageLayers(plan);
        var layers = firstStage ? first : last;
        var moeShare = _m.Layers == 0 ? 0 : (double)_m.MoeLayers / _m.Layers;
        var perLayerDense = _attentionAndNormParameters;
        var denseMlp = _m.DenseMlpParameters;
        var dense = layers * (perLayerDense + (1 - moeShare) * denseMlp + moeShare * _m.MoeSharedAndRouterParameters);
        var expert = _m.Moe is null ? 0 : layers * moeShare * _m.Moe.Experts * _m.ExpertParameters / plan.Expert;
        var embedding = (double)_m.VocabSize * _m.HiddenSize;
        if (firstStage) dense += embedding;
        if (lastStage && (!_m.TiedEmbeddings || plan.Pipeline > 1)) dense += embedding; // tied embeddings are duplicated on the last stage under PP
        // Experts split over the expert tensor-parallel degree: TP, or 1 where the expert groups fold over the TP ranks. MLA's
        // down-projections and latent norms are whole on every tensor-parallel rank.
        return (TransformerModel.PerRank(dense, layers * _replicatedAttentionParameters, plan.Tensor), expert / plan.ExpertTensor);
    }

    private (double Link, double Exposed) DataParallelTime(PlanSpec plan, PlanLayout layout, in StageTimes first, int m, double bubble)
    {
        var (dense, expert) = StageParameters(plan, firstStage: true, lastStage: plan.Pipeline == 1);
        var qg = _qg;
        double link = 0, exposedBwd = 0, exposedFwd = 0, extraExposed = 0;
        double bwdWindow, fwdWindow;
        var bwdEach = first.Backward;
        switch (_stack.DataParallelOverlap)
        {
            case DataParallelOverlap.AfterBackward:
                bwdWindow = fwdWindow = 0;
                break;
            case DataParallelOverlap.PerChunk:
                // Each chunk's buckets reduce as its last backward ends: beside the last micro-batch's backward and the
                // first stage's idle cooldown (half the bubble); parameters gather beside the next step's first forward
                // and the warm-up idle half.
                bwdWindow = first.Backward * _d.GradientOverlapFraction + bubble / 2;
                fwdWindow = first.Forward + bubble / 2;
                break;
            default:
                bwdWindow = first.Backward * _d.GradientOverlapFraction;
                fwdWindow = first.Forward;
                break;
        }
        void Reduce(double parameters, in GroupLayout group)
        {
            if (group.Size <= 1 || parameters <= 0) return;
            double grad, gather = 0;
            // Gradients reduce (and parameters gather) in buckets, each a collective of its own that pays the ring's
            // latency (Megatron-Core DDP buckets of max(40M, 1M·DP) parameters; DeepSpeed reduce_bucket_size).
            var buckets = _stack.GradientBucketParameters > 0
                ? Math.Max(1.0, Math.Ceiling(parameters / Math.Max(_stack.GradientBucketParameters, _stack.GradientBucketParametersPerRank * group.Size)))
                : 1.0;
            switch (plan.ZeroStage)
            {
                case 0:
                    grad = buckets * Collectives.Time(CollectiveKind.AllReduce, group, parameters / buckets * qg, _fabric);
                    break;
                case 1:
                // ZeRO-2 whose chunks reduce-scatter once per step (MegaScale §3.2) costs what the distributed optimizer does.
                case 2 when _stack.Zero2ReducesOncePerChunk:
                    grad = buckets * Collectives.Time(CollectiveKind.ReduceScatter, group, parameters / buckets * qg, _fabric);
                    gather = buckets * Collectives.Time(CollectiveKind.AllGather, group, parameters / buckets * ParameterGatherBytes, _fabric);
                    break;
                case 2:
                {
                    // Sharded gradients cannot accumulate locally: every micro-batch reduce-scatters its gradients
                    // during its own backward (ZeRO §5.2; DeepSpeed refuses ZeRO-2 with pipeline parallelism for this reason).
                    var perMicroBatch = Collectives.Time(CollectiveKind.ReduceScatter, group, parameters * qg, _fabric);
                    var hiddenEach = Math.Min(perMicroBatch, bwdEach * _d.GradientOverlapFraction);
                    var earlier = (m - 1) * (perMicroBatch - hiddenEach + _d.OverlapSlowdown * hiddenEach);
                    link += (m - 1) * perMicroBatch;
                    extraExposed += earlier;
                    grad = perMicroBatch;
                    gather = Collectives.Time(CollectiveKind.AllGather, group, parameters * _qw, _fabric);
                    break;
                }
                default:
                    return; // ZeRO-3 is costed per layer.
            }
            link += grad + gather;
            exposedBwd += grad;
            exposedFwd += gather;
        }
        Reduce(dense, layout.DataDense);
        if (plan.ZeroStage == 3 && layout.Replica.Size > 1)
        {
            // Hybrid sharding: each GPU all-reduces its shard of the gradients with its replicas in other domains, once per step.
            var ar = Collectives.Time(CollectiveKind.AllReduce, layout.Replica, dense / layout.Shard.Size * qg, _fabric);
            link += ar;
            exposedBwd += ar;
        }
        Reduce(expert, layout.DataExpert);
        var hiddenB = Math.Min(exposedBwd, bwdWindow);
        var hiddenF = Math.Min(exposedFwd, fwdWindow);
        var exposed = exposedBwd - hiddenB + exposedFwd - hiddenF + _d.OverlapSlowdown * (hiddenB + hiddenF) + extraExposed;
        return (link, exposed);
    }

    /// <summary>Bytes per parameter a ZeRO/distributed-optimizer all-gather moves.</summary>
    private double ParameterGatherBytes => _lowPrecision && _stack.LowPrecisionParameters ? 1 : _qw;

    private double OptimizerTime(PlanSpec plan)
    {
        var (dense, expert) = StageParameters(plan, firstStage: true, lastStage: plan.Pipeline == 1);
        var opt = _d.Optimizers[_training.Optimizer];
        var shard = plan.ZeroStage >= 1 ? ShardSize(plan) : 1.0;
        var expertShard = plan.ZeroStage >= 1 ? Math.Max(1.0, (double)plan.Data * plan.Context * plan.ExpertFoldFactor / plan.Expert) : 1.0;
        var bytes = (dense / shard + expert / expertShard) * opt.UpdateBytesMovedPerParameter;
        var seconds = bytes / _hbmBytesPerSecond;
        if (opt.NewtonSchulzSteps > 0)
        {
            // Newton–Schulz on an m×n block costs ≈ 4·m²·n + 2·m³ FLOPs, ≈ 6·h per parameter per iteration for square h×h blocks (formula sheet §4, Muon).
            var flops = (dense / shard + expert / expertShard) * 6.0 * _m.HiddenSize * opt.NewtonSchulzSteps;
            seconds += flops / (_peak16 * _gemmMax);
        }
        if (opt.MatmulFlopsPerParameter > 0)
        {
            seconds += (dense / shard + expert / expertShard) * opt.MatmulFlopsPerParameter / (_peak16 * _gemmMax);
        }
        return seconds;
    }

    /// <summary>Ranks that share one copy of the sharded states: all DP×CP ranks, or those inside one domain (hybrid ZeRO-3).</summary>
    private double ShardSize(PlanSpec plan)
    {
        var all = (double)plan.Data * plan.Context;
        if (!plan.ShardWithinDomain || plan.ZeroStage != 3) return all;
        return new PlanLayout(plan, _system.ScaleUpDomainGpus).Shard.Size;
    }

    /// <summary>True when hybrid sharding differs from full sharding for this plan (ZeRO-3 over several domains).</summary>
    public bool HybridShardingApplies(PlanSpec plan)
    {
        return PlanLayout.HybridShardingApplies(plan, _system.ScaleUpDomainGpus);
    }
}
