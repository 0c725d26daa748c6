using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Network;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Workload;

namespace CapacityPlanner.Core.Estimation;

// The cost model, split by concern: this file holds the scenario-wide figures and the pipeline schedule;
// CostContext.Layer.cs the per-layer compute and TP/CP/EP traffic, CostContext.DataParallel.cs gradient reduction,
// ZeRO and the optimizer, CostContext.Memory.cs memory per GPU. Formulas: docs/model.md.
/// <summary>Precomputed workload and hardware figures for costing plans of one scenario.</summary>
internal sealed partial class CostContext
{
    private readonly TransformerModel _m;
    private readonly TrainingConfig _training;
    private readonly ClusterSystem _system;
    private readonly ModelDefaults _d;
    private readonly FabricModel _fabric;
    private readonly double _peakMath;       // FLOP/s for linear-layer GEMMs in the training precision
    private readonly double _peak16;         // FLOP/s for attention and logits (kept in 16-bit under FP8 recipes)
    private readonly double _expPerSecond;   // the chip's softmax exponentials per second (0: unknown)
    private readonly double _gemmMax;        // chip's best fraction of peak × sustained fraction × in-model fraction
    private readonly double _attentionMax;   // chip's best fraction of peak × sustained fraction (fused attention's base)
    private readonly double _lowPrecisionFactor;
    private readonly double _hbmBytesPerSecond;
    private readonly int _qa;                // bytes per activation element
    private readonly int _qw;                // bytes per weight element (16-bit copy)
    private readonly bool _lowPrecision;
    private readonly SoftwareStack _stack;
    private readonly bool _expertParallelOverlap;
    private readonly ExpertDispatch _expertDispatch;
    private readonly bool _moeHostLaunchWaits;
    private readonly double _qg;             // bytes per gradient element in the data-parallel reduction
    private readonly double _attentionKernel; // fused attention kernel's throughput relative to the native kernel
    private readonly double _hostLinkBytesPerSecond; // GPU ↔ host memory, per direction (activation offloading)
    private readonly double _hostMemoryBytes;        // host memory one GPU can fill with offloaded activations
    private readonly RecomputeModules? _recomputeModules; // what selective recompute reruns, Megatron-Core's way; null: the stack's own policy
    // Per-layer parameter counts the hot path reads on every evaluation (TransformerModel sums its projections each time).
    private readonly double _attentionAndNormParameters;   // attention projections and norms of one layer
    private readonly double _replicatedAttentionParameters; // of which whole on every tensor-parallel rank (MLA's down-projections)
    private readonly double _attentionProjectionOutputWidth;
    private readonly AttentionProjection[] _projections;   // the model's attention projections, listed once

    public CostContext(ResolvedScenario scenario, ModelDefaults defaults)
    {
        _m = scenario.Model;
        _training = scenario.Training;
        _system = scenario.System;
        _d = defaults;
        var chip = _system.Chip;
        _fabric = FabricModel.For(_system, defaults.CollectiveBaseLatencySeconds) with { AggregateNics = _training.EffectiveStack.NicAggregation };
        _lowPrecision = _training.Precision.IsLowPrecision();
        _peakMath = chip.PeakFor(_training.Precision) ?? 0;
        _peak16 = _lowPrecision ? chip.PeakFor(Precision.Bf16) ?? chip.PeakFor(Precision.Fp16) ?? _peakMath : _peakMath;
        _expPerSecond = chip.ExpPerSecond;
        // The isolated best GEMM rate times what sustained load keeps of it (power cap). Fused attention kernels are
        // benchmarked on training shapes (FlashAttention-2/3, cuDNN), so their rate starts there
        // (model-defaults.json attention.kernelRelativeEfficiency); GEMMs also lose what a training step takes from them
        // (docs/model.md, Compute; the in-model fraction fitted on A100 runs, calibration.json).
        _attentionMax = chip.Efficiency.GemmMaxFraction * chip.Efficiency.SustainedGemmFraction;
        _gemmMax = _attentionMax * defaults.GemmInModelFraction;
        _lowPrecisionFactor = _lowPrecision ? defaults.LowPrecisionRelativeEfficiency : 1.0;
        _hbmBytesPerSecond = chip.HbmBandwidthBytesPerSecond * chip.Efficiency.HbmFraction;
        _qa = _training.Precision.ActivationBytes();
        _qw = _training.Precision is Precision.Fp32 or Precision.Tf32 ? 4 : _training.Precision == Precision.Fp64 ? 8 : 2;
        _stack = _training.EffectiveStack;
        _expertParallelOverlap = _training.ExpertParallelOverlap;
        _expertDispatch = _training.ExpertDispatch;
        _moeHostLaunchWaits = _training.MoeHostLaunchWaits(chip);
        // FP16 runs reduce loss-scaled 16-bit gradients; BF16/FP8/FP4 recipes reduce in the stack's gradient type.
        _qg = _qw > 2 ? _qw : _training.Precision == Precision.Fp16 ? 2 : Math.Max(2, _stack.GradientReduceBytes);
        _attentionKernel = _stack.FusedAttentionKernel == FusedAttentionKernel.FlashAttention2
            && defaults.FlashAttention2SlowArchitectures.Contains(chip.Architecture, StringComparer.OrdinalIgnoreCase)
            ? defaults.FlashAttention2RelativeEfficiency : 1.0;
        _hostLinkBytesPerSecond = chip.HostLinkBytesPerSecond > 0 ? chip.HostLinkBytesPerSecond : defaults.HostLinkBytesPerSecond;
        _hostMemoryBytes = (chip.HostMemoryGiBPerGpu > 0 ? chip.HostMemoryGiBPerGpu : defaults.HostMemoryGiBPerGpu) * Units.GiB;
        // Megatron-style stacks recompute the listed modules (default: the attention core); stacks with a per-op policy keep it.
        _recomputeModules = _training.RecomputeModules
            ?? (_stack.SelectiveRecompute == SelectiveRecompute.AttentionCore ? RecomputeModules.CoreAttention : null);
        _attentionAndNormParameters = _m.AttentionParametersPerLayer + _m.NormParametersPerLayer;
        _replicatedAttentionParameters = _m.ReplicatedAttentionParametersPerLayer;
        _attentionProjectionOutputWidth = _m.AttentionProjectionOutputWidth;
        _projections = new AttentionProjection[_m.AttentionProjectionCount];
        for (var i = 0; i < _projections.Length; i++) _projections[i] = _m.AttentionProjectionAt(i);
    }

    /// <summary>
    /// How much longer a fused attention kernel takes than its matmuls alone account for, relative to the kernels its
    /// efficiency was measured on (model-defaults.json attention.softmaxExponentials): each score needs one exponential on
    /// the special-function units; rho is their time over the matmuls' at peak rates, (peak / exponential rate) / matmul
    /// FLOPs per score, and the part of it that does not overlap adds. Never below 1: the efficiency was measured on A100 and
    /// H100 kernels that already pay their own; where a chip or precision is more exponential-bound than H100 in BF16
    /// (Blackwell's 4.9 T/s beside 2.25–2.5 PFLOP/s BF16; head width 64 anywhere) the kernel slows. <paramref name="flopsPerScore"/>
    /// is the matmul FLOPs per score of the pass (forward 2·(d_qk + d_v); the backward recomputes one exponential per score
    /// beside 2.5× the forward's FLOPs).
    /// </summary>
    private double ExponentialFactor(double flopsPerScore, double referenceFlopsPerScore)
    {
        if (_expPerSecond <= 0 || flopsPerScore <= 0) return 1;
        var exposed = 1 - _d.AttentionExponentialOverlap;
        var rho = _peak16 / _expPerSecond / flopsPerScore;
        var reference = _d.AttentionReferenceMatmulFlopsPerExp / referenceFlopsPerScore;
        return Math.Max(1, (1 + exposed * rho) / (1 + exposed * reference));
    }

    /// <summary>Attention and norm parameters of one layer on each of <paramref name="tensor"/> ranks
    /// (<see cref="TransformerModel.AttentionAndNormParametersPerRank"/>, from the cached counts).</summary>
    private double AttentionAndNormParametersPerRank(int tensor) =>
        TransformerModel.PerRank(_attentionAndNormParameters, _replicatedAttentionParameters, tensor);

    public int MicroBatches(PlanSpec plan) => _training.GlobalBatchSequences / (plan.MicroBatchSize * plan.Data);

    /// <summary>Extra FLOPs per token that recomputation adds (hardware minus model FLOPs), Korthikanti et al. 2022 §6 convention.</summary>
    public double RecomputeFlopsPerToken(RecomputeMode mode) => mode switch
    {
        RecomputeMode.Full => _m.ForwardFlopsPerToken - _m.LogitsFlopsPerToken - (_stack.RecomputeDropsUnusedOutputs ? _m.DownProjectionFlopsPerToken : 0),
        // What the time model reruns, so that hardware FLOPs and time agree (CostContext.Layer: the recompute cases).
        RecomputeMode.Selective when _stack.SelectiveRecompute == SelectiveRecompute.EveryOtherMatmul =>
            (_m.ForwardFlopsPerToken - _m.LogitsFlopsPerToken - _m.Layers * _m.AttentionCoreFlopsPerToken) / 2,
        RecomputeMode.Selective when _stack.SelectiveRecompute == SelectiveRecompute.Projections => _m.Layers * _m.AttentionCoreFlopsPerToken,
        RecomputeMode.Selective when _recomputeModules is { } modules => SelectiveRecomputeFlopsPerToken(modules),
        RecomputeMode.Selective => RecomputedAttentionCoreFlopsPerToken,
        _ => 0,
    };

    // The attention core's scores are computed again only by an unfused kernel; a fused (flash) kernel keeps no s×s tensors
    // and its backward re-derives them anyway, so recomputing its "core" adds nothing (Korthikanti et al. 2022 §5).
    private double RecomputedAttentionCoreFlopsPerToken =>
        _training.Attention == AttentionKernel.Unfused ? _m.Layers * _m.AttentionCoreFlopsPerToken : 0;

    // The GEMM and attention FLOPs that the listed modules rerun (norms and activation functions add none).
    private double SelectiveRecomputeFlopsPerToken(RecomputeModules modules)
    {
        var flops = 0.0;
        if (modules.HasFlag(RecomputeModules.CoreAttention)) flops += RecomputedAttentionCoreFlopsPerToken;
        if (modules.HasFlag(RecomputeModules.MlaUpProjection))
        {
            foreach (var p in _projections)
            {
                if (_m.IsMlaUpProjection(p)) flops += _m.Layers * 2 * p.In * p.Out;
            }
        }
        if (modules.HasFlag(RecomputeModules.Mlp)) flops += _m.DenseMlpLayers * _m.DenseMlpFlopsPerToken;
        return flops;
    }

    /// <summary>A GEMM in the run's precision (the linear layers: FP8/FP4 where the run is), else in 16 bits.</summary>
    private const bool LinearPrecision = true;

    /// <summary>A GEMM kept in 16 bits whatever the run's precision (attention scores, router, logits).</summary>
    private const bool SixteenBit = false;

    /// <summary>
    /// Time of one GEMM [M×K]·[K×N], in the run's precision or in 16 bits, with the size-dependent efficiency (the chip's
    /// low-precision curve for FP8/FP4 GEMMs where it has one) and an HBM roofline.
    /// </summary>
    private double Gemm(double mDim, double nDim, double kDim, bool runPrecision, int elementBytes)
    {
        if (mDim <= 0 || nDim <= 0 || kDim <= 0) return 0;
        var lowPrecision = runPrecision && _lowPrecision;
        var peak = runPrecision ? _peakMath : _peak16;
        var flops = 2 * mDim * nDim * kDim;
        var eff = _gemmMax * (lowPrecision ? _lowPrecisionFactor : 1.0) * ModelEfficiency(flops, lowPrecision);
        var compute = flops / (peak * eff);
        var bytes = (mDim * kDim + kDim * nDim + mDim * nDim) * elementBytes;
        var memory = bytes / _hbmBytesPerSecond;
        return Math.Max(compute, memory);
    }

    private double ModelEfficiency(double flops, bool lowPrecision)
    {
        var curve = lowPrecision ? _system.Chip.Efficiency.LowPrecisionGemmCurve ?? _system.Chip.Efficiency.GemmCurve : _system.Chip.Efficiency.GemmCurve;
        // A measured curve replaces both the shape and the MAMF fraction; express it relative to _gemmMax.
        return curve is null ? _d.GemmSizeCurve.At(flops) : curve.At(flops) / Math.Max(1e-9, _system.Chip.Efficiency.GemmMaxFraction);
    }

    /// <summary>Layer counts on the first, busiest-middle and last pipeline stage.</summary>
    // When the layers do not divide evenly, stacks that balance the pipeline (Megatron-Core, TorchTitan; Llama 3 §3.3.2)
    // give the extra layers to the middle stages, the earliest first, so the first stage (embedding, most in-flight
    // micro-batches) and the last (logits, loss) hold fewer; DeepSpeed gives them to the first stages
    // (software-stacks.json unevenLayerSplit; docs/model.md §Schedule and memory).
    private (int First, int Max, int Last) StageLayers(PlanSpec plan)
    {
        var p = plan.Pipeline;
        var first = LayersOnStage(plan, 0);
        // The earliest middle stage is the fullest one (extra layers fill the middle stages from the front).
        return (first, p > 2 ? Math.Max(first, LayersOnStage(plan, 1)) : first, LayersOnStage(plan, p - 1));
    }

    /// <summary>Layers on pipeline stage <paramref name="stage"/> (0-based): the one place the split rule lives.</summary>
    private int LayersOnStage(PlanSpec plan, int stage)
    {
        var p = plan.Pipeline;
        if (p == 1) return _m.Layers;
        var baseLayers = _m.Layers / p;
        var extra = _m.Layers % p;
        if (_stack.UnevenLayerSplit == UnevenLayerSplit.FirstStages) return baseLayers + (stage < extra ? 1 : 0);
        var toMiddle = Math.Min(extra, p - 2);
        if (stage == 0) return baseLayers + (extra > toMiddle ? 1 : 0);
        if (stage == p - 1) return baseLayers;
        return baseLayers + (stage <= toMiddle ? 1 : 0);
    }

    /// <summary>Costs one plan. Assumes the plan passed <see cref="PlanValidator"/>.</summary>
    public StepCost Evaluate(PlanSpec plan)
    {
        var t = plan.Tensor;
        var p = plan.Pipeline;
        var v = plan.VirtualStages;
        var m = MicroBatches(plan);
        var (firstLayers, maxLayers, lastLayers) = StageLayers(plan);
        var layout = new PlanLayout(plan, _system.ScaleUpDomainGpus);

        // Per-layer, per-micro-batch costs (dense and MoE variants).
        var dense = CachedLayerTimes(plan, layout, moe: false);
        var moeLayer = _m.Moe is null ? dense : CachedLayerTimes(plan, layout, moe: true);
        var moeShare = _m.Layers == 0 ? 0 : (double)_m.MoeLayers / _m.Layers;

        StageTimes Stage(int layers, bool withLogits, bool withEmbedding)
        {
            var s = new StageTimes();
            // Leading dense layers sit on the first stages; spread the mix evenly for simplicity.
            Add(ref s, dense, layers * (1 - moeShare));
            Add(ref s, moeLayer, layers * moeShare);
            if (withLogits) AddLogits(ref s, plan);
            if (withEmbedding) AddEmbedding(ref s, plan);
            // Pipeline point-to-point: one activation tensor forward and one gradient backward per chunk boundary, each stage
            // sending and receiving both. Engines that batch the send and the receive with one neighbour wait for two
            // transfers per micro-batch and chunk, engines with four blocking calls for four (software-stacks.json
            // pipelineTransfersPerMicroBatch; docs/model.md §Communication).
            if (p > 1)
            {
                var bytes = (double)plan.MicroBatchSize * _m.SequenceLength / plan.Context * _m.HiddenSize * _qa;
                // Scatter/gather: each TP rank sends 1/t (Narayanan et al. 2021 §4.1); engines without it send the whole tensor.
                if (_stack.PipelineScatterGather || plan.SequenceParallel) bytes /= t;
                var one = Collectives.Time(CollectiveKind.PointToPoint, layout.Pipeline, bytes, _fabric);
                var link = _stack.PipelineTransfersPerMicroBatch * v * one;
                s.PpLink += link;
                if (_stack.PipelineP2pOverlap && v > 1)
                {
                    // Interleaved schedules post the next chunk's send/receive before computing the current one.
                    var hidden = Math.Min(link, s.Forward + s.Backward);
                    s.PpExposed += link - hidden + _d.OverlapSlowdown * hidden;
                }
                else
                {
                    s.PpExposed += link;
                }
            }
            return s;
        }

        var first = Stage(firstLayers, withLogits: p == 1, withEmbedding: true);
        var last = p == 1 ? first : Stage(lastLayers, withLogits: true, withEmbedding: false);
        var stage = first.Total >= last.Total ? first : last;
        if (p > 2 && maxLayers > Math.Max(firstLayers, lastLayers))
        {
            // A middle stage with an extra layer may set the pace.
            var middle = Stage(maxLayers, withLogits: false, withEmbedding: false);
            if (middle.Total > stage.Total) stage = middle;
        }
        // ZeRO-3 gathers and reduce-scatters run per micro-batch, or once per step where the stack keeps the stage's
        // parameters gathered across micro-batches (software-stacks.json zero3UnshardedAcrossMicroBatches).
        var zero3Rounds = p > 1 && _stack.Zero3UnshardedAcrossMicroBatches ? 1 : m;
        var perMicroBatch = zero3Rounds == m ? stage.Total : stage.Total - stage.Zero3Exposed;

        // Pipeline schedule: (m + (p−1)/v) micro-batch slots on the busiest stage (Narayanan et al. 2021 §2.2.2).
        var bubble = (p - 1) / (double)v * perMicroBatch;

        // Data-parallel gradient reduction and ZeRO gathers for the first stage (it finishes its backward last).
        var (dpLink, dpExposed) = DataParallelTime(plan, layout, first, m, bubble);
        var optimizer = OptimizerTime(plan);

        // Stacks without gradient-accumulation fusion add each micro-batch's 16-bit weight gradients into fp32 buffers in
        // a separate pass (read 2 B, read and write 4 B per parameter); Megatron fuses it into the weight-gradient GEMM.
        if (m > 1 && _stack.GradientAccumulationBytes > 0 && _training.Precision != Precision.Fp16)
        {
            var (denseParams, expertParams) = StageParameters(plan, firstStage: true, lastStage: plan.Pipeline == 1);
            optimizer += (m - 1) * (denseParams + expertParams) * _stack.GradientAccumulationBytes / _hbmBytesPerSecond;
        }
        var offload = m * OffloadWaits(plan, dense, moeLayer, moeShare);
        var stepSeconds = m * perMicroBatch + (zero3Rounds == m ? 0 : stage.Zero3Exposed) + bubble + dpExposed + optimizer + offload;
        return new StepCost(
            stepSeconds,
            m * (stage.Forward + stage.Backward),
            m * stage.Recompute,
            m * stage.MemoryBound,
            bubble,
            optimizer,
            m * stage.TpLink, m * stage.TpExposed,
            m * stage.CpLink, m * stage.CpExposed,
            m * stage.EpLink, m * stage.EpExposed,
            m * stage.PpLink, m * stage.PpExposed,
            dpLink + zero3Rounds * stage.Zero3Link, dpExposed + zero3Rounds * stage.Zero3Exposed,
            m * stage.Host,
            offload);
    }

    /// <summary>
    /// Per micro-batch, the GPU's wait for activation offloading (docs/model.md §Schedule and memory): each offloaded layer's
    /// saved activations go to host memory while the next layer's forward runs and come back while the later layer's
    /// backward runs (Transformer Engine's CPU offload context keeps one layer's copy in flight); a copy longer than the
    /// layer it hides behind stalls the step. Copy engines move the data, so a hidden copy costs the math nothing.
    /// </summary>
    private double OffloadWaits(PlanSpec plan, in StageTimes dense, in StageTimes moe, double moeShare)
    {
        if (plan.ActivationOffloadLayers <= 0) return 0;
        var copy = PerLayerActivationBytes(plan) / _hostLinkBytesPerSecond;
        var forward = (1 - moeShare) * dense.Forward + moeShare * moe.Forward;
        var backward = (1 - moeShare) * dense.Backward + moeShare * moe.Backward;
        return plan.ActivationOffloadLayers * (Math.Max(0, copy - forward) + Math.Max(0, copy - backward));
    }

    private static void Add(ref StageTimes s, in StageTimes layer, double count)
    {
        if (count <= 0) return;
        s.Forward += layer.Forward * count;
        s.Backward += layer.Backward * count;
        s.Recompute += layer.Recompute * count;
        s.MemoryBound += layer.MemoryBound * count;
        s.Host += layer.Host * count;
        s.TpLink += layer.TpLink * count;
        s.TpExposed += layer.TpExposed * count;
        s.CpLink += layer.CpLink * count;
        s.CpExposed += layer.CpExposed * count;
        s.EpLink += layer.EpLink * count;
        s.EpExposed += layer.EpExposed * count;
        s.Zero3Link += layer.Zero3Link * count;
        s.Zero3Exposed += layer.Zero3Exposed * count;
    }

    /// <summary>Tokens one GPU processes per micro-batch (CP splits the sequence).</summary>
    private double LocalTokens(PlanSpec plan) => (double)plan.MicroBatchSize * _m.SequenceLength / plan.Context;
}
