using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Network;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Workload;

namespace CapacityPlanner.Core.Estimation;

/// <summary>
/// The analytic step-time and memory model: workload × execution plan × system → estimate.
/// Structure follows Calculon (Isaev et al. 2023): per-layer compute, memory-bound work and per-axis
/// communication for one micro-batch on the busiest pipeline stage, then the pipeline schedule
/// (Narayanan et al. 2021 §2.2), then data-parallel reduction and the optimizer.
/// </summary>
public static class Estimator
{
    /// <summary>Estimates a resolved scenario with the shipped defaults.</summary>
    public static Estimate Estimate(ResolvedScenario scenario) => Estimate(scenario, ModelDefaults.Standard);

    /// <summary>Estimates a resolved scenario.</summary>
    public static Estimate Estimate(ResolvedScenario scenario, ModelDefaults defaults)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(defaults);
        var model = scenario.Model;
        var errors = PlanValidator.Validate(scenario);
        var warnings = PlanValidator.Warnings(scenario);
        var hbm = scenario.System.Chip.HbmCapacityGiB;
        if (errors.Count > 0)
        {
            return new Estimate
            {
                Feasible = false,
                Errors = errors,
                Warnings = warnings,
                HbmCapacityGiB = hbm,
                TotalParameters = model.TotalParameters,
                ActiveParameters = model.ActiveParameters,
            };
        }

        var context = new CostContext(scenario, defaults);
        var spec = PlanSpec.From(scenario.Plan);
        if (scenario.Plan.ZeroShardScope == ZeroShardScope.Auto && context.HybridShardingApplies(spec))
        {
            // Auto: the faster of full and hybrid sharding among those that fit (what a team would configure).
            var hybrid = spec with { ShardWithinDomain = true };
            var fullFits = context.PeakMemory(spec).Total <= scenario.System.Chip.HbmCapacityBytes;
            var hybridFits = context.PeakMemory(hybrid).Total <= scenario.System.Chip.HbmCapacityBytes;
            if ((hybridFits && !fullFits) || (hybridFits && fullFits && context.Evaluate(hybrid).StepSeconds < context.Evaluate(spec).StepSeconds))
            {
                spec = hybrid;
                warnings = [.. warnings, "ZeRO-3 shards within each scale-up domain and replicates across domains (hybrid sharding): faster here than sharding over every data-parallel rank. Set parallelism.zeroShardScope to force one."];
            }
        }
        var cost = context.Evaluate(spec);
        var memory = context.Memory(spec);
        var errorList = new List<ScenarioError>();
        var memoryTotal = memory.TotalGiB;
        if (memoryTotal > hbm)
        {
            errorList.Add(new ScenarioError("$.parallelism",
                $"Out of memory: needs {memoryTotal:F1} GiB per GPU but {scenario.System.Chip.Id} has {hbm:F0} GiB (over by {memoryTotal - hbm:F1} GiB: " +
                $"weights {memory.WeightsGiB:F1}, gradients {memory.GradientsGiB:F1}, optimizer {memory.OptimizerStatesGiB:F1}, activations {memory.ActivationsGiB:F1}). " +
                MemoryAdvice(scenario.Plan)));
        }

        var n = (double)scenario.System.Gpus;
        var training = scenario.Training;
        var tokensPerStep = (double)training.GlobalBatchSequences * model.SequenceLength;
        var modelFlops = tokensPerStep * model.ModelFlopsPerToken;
        var hardwareFlops = modelFlops + tokensPerStep * context.RecomputeFlopsPerToken(scenario.Plan.Recompute);
        var step = cost.StepSeconds;
        var peak = scenario.System.Chip.PeakFor(training.Precision) ?? double.NaN;
        var comm = cost.ToCommunication();
        var computeSeconds = cost.ComputeTotalSeconds;
        double? timeDays = null, gpuHours = null;
        if (training.Tokens is { } tokens && tokens > 0)
        {
            var seconds = tokens / tokensPerStep * step;
            timeDays = seconds / Units.SecondsPerDay;
            gpuHours = seconds / Units.SecondsPerHour * n;
        }
        return new Estimate
        {
            Feasible = errorList.Count == 0,
            Errors = errorList,
            Warnings = warnings,
            StepTimeSeconds = step,
            TokensPerSecond = tokensPerStep / step,
            ModelTflopsPerGpu = modelFlops / step / n / Units.Tera,
            HardwareTflopsPerGpu = hardwareFlops / step / n / Units.Tera,
            Mfu = modelFlops / step / n / peak,
            MfuByConvention = FlopConventions.All.ToDictionary(c => c, c => tokensPerStep * model.FlopsPerToken(c) / step / n / peak),
            Hfu = hardwareFlops / step / n / peak,
            MemoryPerGpuGiB = memoryTotal,
            HbmCapacityGiB = hbm,
            ComputeToCommunicationRatio = comm.TotalLinkSeconds > 0 ? computeSeconds / comm.TotalLinkSeconds : null,
            ComputeToExposedCommunicationRatio = comm.TotalExposedSeconds > 0 ? computeSeconds / comm.TotalExposedSeconds : null,
            TimeToTrainDays = timeDays,
            GpuHours = gpuHours,
            Breakdown = new StepBreakdown(cost.ComputeSeconds, cost.RecomputeSeconds, cost.MemoryBoundSeconds, cost.BubbleSeconds, cost.OptimizerSeconds, comm),
            Memory = memory,
            MicroBatches = context.MicroBatches(spec),
            ResolvedPlan = spec.ToPlan(),
            TotalParameters = model.TotalParameters,
            ActiveParameters = model.ActiveParameters,
            ModelFlopsPerStep = modelFlops,
        };
    }

    private static string MemoryAdvice(ParallelismPlan plan)
    {
        var tips = new List<string>();
        if (plan.Recompute != RecomputeMode.Full) tips.Add("recompute=full");
        if (plan.ZeroStage < 3) tips.Add($"zeroStage {plan.ZeroStage + 1}");
        if (plan.MicroBatchSize > 1) tips.Add("a smaller microBatchSize");
        if (plan.Tensor < 8) tips.Add("more tensor parallelism");
        tips.Add("more pipeline stages");
        tips.Add("a larger-memory chip");
        return "Try " + string.Join(", ", tips) + ".";
    }
}

/// <summary>Result of costing one plan (all seconds per optimizer step).</summary>
/// <summary>Seconds per optimizer step by part, with link and exposed time per communication axis.</summary>
/// <param name="StepSeconds">Step time.</param>
/// <param name="ComputeSeconds">Forward and backward math.</param>
/// <param name="RecomputeSeconds">Recomputation.</param>
/// <param name="MemoryBoundSeconds">Memory-bound kernels.</param>
/// <param name="BubbleSeconds">Pipeline bubble.</param>
/// <param name="OptimizerSeconds">Optimizer update.</param>
/// <param name="TpLink">TP link time.</param>
/// <param name="TpExposed">TP exposed time.</param>
/// <param name="CpLink">CP link time.</param>
/// <param name="CpExposed">CP exposed time.</param>
/// <param name="EpLink">EP link time.</param>
/// <param name="EpExposed">EP exposed time.</param>
/// <param name="PpLink">PP link time.</param>
/// <param name="PpExposed">PP exposed time.</param>
/// <param name="DpLink">DP link time.</param>
/// <param name="DpExposed">DP exposed time.</param>
public readonly record struct StepCost(
    double StepSeconds,
    double ComputeSeconds,
    double RecomputeSeconds,
    double MemoryBoundSeconds,
    double BubbleSeconds,
    double OptimizerSeconds,
    double TpLink, double TpExposed,
    double CpLink, double CpExposed,
    double EpLink, double EpExposed,
    double PpLink, double PpExposed,
    double DpLink, double DpExposed)
{
    /// <summary>All communication link time.</summary>
    public double LinkSeconds => TpLink + CpLink + EpLink + PpLink + DpLink;

    /// <summary>All exposed communication time.</summary>
    public double ExposedSeconds => TpExposed + CpExposed + EpExposed + PpExposed + DpExposed;

    /// <summary>Math and memory-bound kernel time.</summary>
    public double ComputeTotalSeconds => ComputeSeconds + RecomputeSeconds + MemoryBoundSeconds;

    /// <summary>As the public breakdown record.</summary>
    public CommunicationBreakdown ToCommunication() => new(
        new CommunicationTime(TpLink, TpExposed), new CommunicationTime(CpLink, CpExposed), new CommunicationTime(EpLink, EpExposed),
        new CommunicationTime(PpLink, PpExposed), new CommunicationTime(DpLink, DpExposed));
}

/// <summary>Memory of one stage in bytes.</summary>
internal readonly record struct StageMemoryBytes(double Weights, double Gradients, double States, double Activations, double Workspace)
{
    public double Total => Weights + Gradients + States + Activations + Workspace;
}

/// <summary>Per-micro-batch times of one pipeline stage.</summary>
internal struct StageTimes
{
    public double Forward;          // GEMMs + attention, forward
    public double Backward;         // GEMMs + attention, backward
    public double Recompute;        // recomputed forward math
    public double MemoryBound;      // element-wise kernels, forward + backward (+ recompute)
    public double TpLink, TpExposed;
    public double CpLink, CpExposed;
    public double EpLink, EpExposed;
    public double PpLink, PpExposed;
    public double Zero3Link, Zero3Exposed;

    public readonly double Total => Forward + Backward + Recompute + MemoryBound + TpExposed + CpExposed + EpExposed + PpExposed + Zero3Exposed;
}

/// <summary>Precomputed workload and hardware figures for costing plans of one scenario.</summary>
internal sealed class CostContext
{
    private readonly TransformerModel _m;
    private readonly TrainingConfig _training;
    private readonly ClusterSystem _system;
    private readonly ModelDefaults _d;
    private readonly FabricModel _fabric;
    private readonly double _peakMath;       // FLOP/s for linear-layer GEMMs in the training precision
    private readonly double _peak16;         // FLOP/s for attention and logits (kept in 16-bit under FP8 recipes)
    private readonly double _gemmMax;        // chip's best fraction of peak × in-model fraction
    private readonly double _lowPrecisionFactor;
    private readonly double _hbmBytesPerSecond;
    private readonly int _qa;                // bytes per activation element
    private readonly int _qw;                // bytes per weight element (16-bit copy)
    private readonly bool _lowPrecision;
    private readonly SoftwareStack _stack;
    private readonly double _qg;             // bytes per gradient element in the data-parallel reduction

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
        _gemmMax = chip.Efficiency.GemmMaxFraction * defaults.GemmInModelFraction;
        _lowPrecisionFactor = _lowPrecision ? defaults.LowPrecisionRelativeEfficiency : 1.0;
        _hbmBytesPerSecond = chip.HbmBandwidthBytesPerSecond * chip.Efficiency.HbmFraction;
        _qa = _training.Precision.ActivationBytes();
        _qw = _training.Precision is Precision.Fp32 or Precision.Tf32 ? 4 : _training.Precision == Precision.Fp64 ? 8 : 2;
        _stack = _training.EffectiveStack;
        // FP16 runs reduce loss-scaled 16-bit gradients; BF16/FP8/FP4 recipes reduce in the stack's gradient type.
        _qg = _qw > 2 ? _qw : _training.Precision == Precision.Fp16 ? 2 : Math.Max(2, _stack.GradientReduceBytes);
    }

    public int MicroBatches(PlanSpec plan) => _training.GlobalBatchSequences / (plan.MicroBatchSize * plan.Data);

    /// <summary>Extra FLOPs per token that recomputation adds (hardware minus model FLOPs), Korthikanti et al. 2022 §6 convention.</summary>
    public double RecomputeFlopsPerToken(RecomputeMode mode) => mode switch
    {
        RecomputeMode.Full => _m.ForwardFlopsPerToken - _m.LogitsFlopsPerToken,
        RecomputeMode.Selective => _m.Layers * _m.AttentionCoreFlopsPerToken,
        _ => 0,
    };

    /// <summary>Time of one GEMM [M×K]·[K×N] in the given peak, with the size-dependent efficiency and an HBM roofline.</summary>
    private double Gemm(double mDim, double nDim, double kDim, double peak, double precisionFactor, int elementBytes)
    {
        if (mDim <= 0 || nDim <= 0 || kDim <= 0) return 0;
        var flops = 2 * mDim * nDim * kDim;
        var eff = _gemmMax * precisionFactor * ModelEfficiency(flops);
        var compute = flops / (peak * eff);
        var bytes = (mDim * kDim + kDim * nDim + mDim * nDim) * elementBytes;
        var memory = bytes / _hbmBytesPerSecond;
        return Math.Max(compute, memory);
    }

    private double ModelEfficiency(double flops)
    {
        var curve = _system.Chip.Efficiency.GemmCurve;
        // A measured curve replaces both the shape and the MAMF fraction; express it relative to _gemmMax.
        return curve is null ? _d.GemmSizeCurve.At(flops) : curve.At(flops) / Math.Max(1e-9, _system.Chip.Efficiency.GemmMaxFraction);
    }

    /// <summary>Layer counts on the first, busiest-middle and last pipeline stage.</summary>
    private (int First, int Max, int Last) StageLayers(PlanSpec plan)
    {
        var p = plan.Pipeline;
        var baseLayers = _m.Layers / p;
        var extra = _m.Layers % p;
        // Extra layers go to the earliest stages; the last stage also runs the logits.
        var first = baseLayers + (extra > 0 ? 1 : 0);
        var last = p == 1 ? _m.Layers : baseLayers;
        return (first, first, last);
    }

    /// <summary>Costs one plan. Assumes the plan passed <see cref="PlanValidator"/>.</summary>
    public StepCost Evaluate(PlanSpec plan)
    {
        var t = plan.Tensor;
        var p = plan.Pipeline;
        var v = plan.VirtualStages;
        var m = MicroBatches(plan);
        var (firstLayers, _, lastLayers) = StageLayers(plan);
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
            // Pipeline point-to-point: one activation tensor forward and one gradient backward per chunk boundary.
            if (p > 1)
            {
                var bytes = (double)plan.MicroBatchSize * _m.SequenceLength / plan.Context * _m.HiddenSize * _qa;
                // Scatter/gather: each TP rank sends 1/t (Narayanan et al. 2021 §4.1); engines without it send the whole tensor.
                if (_stack.PipelineScatterGather || plan.SequenceParallel) bytes /= t;
                var one = Collectives.Time(CollectiveKind.PointToPoint, layout.Pipeline, bytes, _fabric);
                var link = 2 * v * one;
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
        var perMicroBatch = stage.Total;

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
        var stepSeconds = m * perMicroBatch + bubble + dpExposed + optimizer;
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
            dpLink + m * stage.Zero3Link, dpExposed + m * stage.Zero3Exposed);
    }

    private static void Add(ref StageTimes s, in StageTimes layer, double count)
    {
        if (count <= 0) return;
        s.Forward += layer.Forward * count;
        s.Backward += layer.Backward * count;
        s.Recompute += layer.Recompute * count;
        s.MemoryBound += layer.MemoryBound * count;
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

    /// <summary>One transformer layer, one micro-batch, on one GPU.</summary>
    // The search varies the ZeRO stage innermost; everything but the ZeRO-3 gathers is the same for the four stages,
    // so one cached entry per layer kind saves most of the per-layer costing.
    private PlanSpec _cachedKey;
    private StageTimes _cachedDense, _cachedMoe;
    private bool _hasDense, _hasMoe;

    private StageTimes CachedLayerTimes(PlanSpec plan, PlanLayout layout, bool moe)
    {
        var key = plan with { ZeroStage = 0 };
        if (key != _cachedKey)
        {
            _cachedKey = key;
            _hasDense = _hasMoe = false;
        }
        StageTimes s;
        if (moe)
        {
            if (!_hasMoe) { _cachedMoe = LayerTimes(key, layout, moe: true); _hasMoe = true; }
            s = _cachedMoe;
        }
        else
        {
            if (!_hasDense) { _cachedDense = LayerTimes(key, layout, moe: false); _hasDense = true; }
            s = _cachedDense;
        }
        if (plan.ZeroStage == 3) AddZero3(ref s, plan, layout, moe);
        return s;
    }

    private StageTimes LayerTimes(PlanSpec plan, PlanLayout layout, bool moe)
    {
        var s = new StageTimes();
        var t = (double)plan.Tensor;
        var c = plan.Context;
        var tokens = LocalTokens(plan);
        var h = (double)_m.HiddenSize;
        var q = _m.QueryWidth;
        var kv = _m.KvWidth;
        var wBytes = _lowPrecision ? 1 : _qw;

        // Attention projections: QKV [T×h]·[h×(q+2kv)/t], output [T×q/t]·[q/t×h].
        var fwd = Gemm(tokens, (q + 2 * kv) / t, h, _peakMath, _lowPrecisionFactor, wBytes)
                + Gemm(tokens, h, q / t, _peakMath, _lowPrecisionFactor, wBytes);

        // Attention core (16-bit). CP splits the queries; keys and values rotate around the ring.
        var localHeads = Math.Max(1.0, _m.AttentionHeads / t);
        double attnFwd, attnBwd, attnMemFwd = 0, attnMemBwd = 0;
        if (_training.Attention == AttentionKernel.Flash)
        {
            // Fused causal kernel: 4·T·s·q/t·κ FLOPs, no s×s tensor in HBM; backward recomputes the scores.
            var attnFlops = 4 * tokens * _m.SequenceLength * (q / t) * _d.CausalWorkFraction;
            var attnRate = _peak16 * _gemmMax * _d.AttentionKernelRelativeEfficiency * _d.GemmSizeCurve.At(attnFlops / localHeads);
            attnFwd = attnFlops / attnRate;
            attnBwd = attnFwd * _d.AttentionBackwardToForward / _d.AttentionBackwardRelativeEfficiency;
        }
        else
        {
            // Batched GEMMs per head: scores [T×d_h]·[d_h×s] and context [T×s]·[s×d_h] over the full s×s product,
            // with the scores, softmax and dropout passing through HBM (Korthikanti et al. 2022 §4.1).
            var dh = _m.HeadDim;
            var perHead = Gemm(tokens, _m.SequenceLength, dh, _peak16, 1.0, _qa) + Gemm(tokens, dh, _m.SequenceLength, _peak16, 1.0, _qa);
            attnFwd = localHeads * perHead;
            attnBwd = 2 * attnFwd;
            var scores = localHeads * tokens * _m.SequenceLength;
            var dropout = !_m.GatedMlp;
            attnMemFwd = scores * (_d.UnfusedBytesForward + (dropout ? _d.UnfusedDropoutBytes.Forward : 0)) / _hbmBytesPerSecond;
            attnMemBwd = scores * (_d.UnfusedBytesBackward + (dropout ? _d.UnfusedDropoutBytes.Backward : 0)) / _hbmBytesPerSecond;
        }

        // MLP.
        double mlpFwd;
        double ffnElements;     // FFN activation elements per token on this GPU (for element-wise traffic)
        double gemmInputs;      // GEMM input elements per token (for FP8 casts)
        var up = _m.MlpMatrices - 1;
        if (!moe)
        {
            var f = _m.FfnHiddenSize / t;
            mlpFwd = Gemm(tokens, up * f, h, _peakMath, _lowPrecisionFactor, wBytes) + Gemm(tokens, h, f, _peakMath, _lowPrecisionFactor, wBytes);
            ffnElements = f;
            gemmInputs = h + q / t + h + f;
        }
        else
        {
            var cfg = _m.Moe!;
            var e = plan.Expert;
            var localExperts = Math.Max(1.0, (double)cfg.Experts / e);
            // Each GPU receives as many token-expert pairs as it sends under balanced routing, padded to capacity.
            var routed = tokens * cfg.ExpertsPerToken * cfg.CapacityFactor;
            var perExpert = routed / localExperts;
            var fe = cfg.ExpertFfnHiddenSize / t;
            var expert = Gemm(perExpert, up * fe, h, _peakMath, _lowPrecisionFactor, wBytes) + Gemm(perExpert, h, fe, _peakMath, _lowPrecisionFactor, wBytes);
            mlpFwd = localExperts * expert;
            if (cfg.SharedExperts > 0)
            {
                var fs = (double)cfg.SharedExperts * cfg.ExpertFfnHiddenSize / t;
                mlpFwd += Gemm(tokens, up * fs, h, _peakMath, _lowPrecisionFactor, wBytes) + Gemm(tokens, h, fs, _peakMath, _lowPrecisionFactor, wBytes);
            }
            mlpFwd += Gemm(tokens, cfg.Experts, h, _peak16, 1.0, _qa); // router
            ffnElements = cfg.ExpertsPerToken * cfg.CapacityFactor * fe + (double)cfg.SharedExperts * cfg.ExpertFfnHiddenSize / t;
            gemmInputs = h + q / t + h * (1 + cfg.ExpertsPerToken * cfg.CapacityFactor) + ffnElements;
        }

        s.Forward = fwd + attnFwd + mlpFwd;
        // Backward: input-gradient and weight-gradient GEMMs, each the forward's size; flash backward recomputes scores.
        s.Backward = 2 * (fwd + mlpFwd) + attnBwd;

        // Element-wise, memory-bound work: norms and residuals on h (sharded only under SP), activation on F/t.
        var hiddenShare = plan.SequenceParallel ? h / t : h;
        var ffnAccesses = _m.GatedMlp ? _d.ElementwiseBytesPerFfnGated : _d.ElementwiseBytesPerFfnPlain;
        var elementBytes = tokens * (_d.ElementwiseBytesPerHidden * hiddenShare + ffnAccesses * ffnElements) * _qa;
        elementBytes *= _stack.ElementwiseTrafficFactor;
        if (_lowPrecision) elementBytes += tokens * gemmInputs * (_training.Precision == Precision.Fp4 ? _d.Fp4CastBytes : _d.LowPrecisionCastBytes);
        var elementFwd = elementBytes / _hbmBytesPerSecond;
        s.MemoryBound = elementFwd * (1 + _d.ElementwiseBackwardToForward) + attnMemFwd + attnMemBwd;

        // Tensor parallel: 2 all-reduces forward, 2 backward (or AG+RS pairs under SP, same bytes), on the critical path
        // (Korthikanti et al. 2022 §4.2.2).
        var actBytes = tokens * h * _qa;
        double tpOne = 0;
        if (plan.Tensor > 1)
        {
            tpOne = plan.SequenceParallel
                ? Collectives.Time(CollectiveKind.AllGather, layout.Tensor, actBytes, _fabric) + Collectives.Time(CollectiveKind.ReduceScatter, layout.Tensor, actBytes, _fabric)
                : Collectives.Time(CollectiveKind.AllReduce, layout.Tensor, actBytes, _fabric);
        }
        var tpPasses = 4.0;

        // Context parallel: ring attention passes K/V blocks c−1 times forward, twice that backward; hidden behind attention math.
        if (c > 1)
        {
            var block = 2 * tokens * (kv / t) * _qa;
            var steps = c - 1;
            var oneStep = Collectives.Time(CollectiveKind.PointToPoint, layout.Context, block, _fabric);
            var fwdComm = steps * oneStep;
            var bwdComm = 2 * fwdComm;
            s.CpLink = fwdComm + bwdComm;
            var hidden = Math.Min(fwdComm, attnFwd) + Math.Min(bwdComm, attnBwd);
            s.CpExposed = s.CpLink - hidden + _d.OverlapSlowdown * hidden;
        }

        // Expert parallel: dispatch and combine all-to-all, forward and backward (formula sheet §6.5). FP8 recipes
        // quantise tokens before dispatch (DeepSeek-V3 §3.3); the combine stays in 16 bits. With pipeline parallelism
        // the 1F1B steady state runs one micro-batch's forward beside another's backward, so the all-to-all of one
        // hides behind the math of the other (DeepSeek-V3 DualPipe, Megatron-Core combined 1F1B overlap).
        if (moe && plan.Expert > 1)
        {
            var cfg = _m.Moe!;
            var sendTokens = tokens / (plan.SequenceParallel ? t : 1);
            var perToken = sendTokens * cfg.ExpertsPerToken * cfg.CapacityFactor * h;
            var dispatch = Collectives.Time(CollectiveKind.AllToAll, layout.Expert, perToken * (_lowPrecision ? 1 : _qa), _fabric);
            var combine = Collectives.Time(CollectiveKind.AllToAll, layout.Expert, perToken * _qa, _fabric);
            s.EpLink = 2 * (dispatch + combine);
            if (plan.Pipeline > 1)
            {
                var hidden = Math.Min(s.EpLink, s.Forward + s.Backward);
                s.EpExposed = s.EpLink - hidden + _d.OverlapSlowdown * hidden;
            }
            else
            {
                s.EpExposed = s.EpLink;
            }
        }

        // Recompute.
        switch (plan.Recompute)
        {
            case RecomputeMode.Full:
                s.Recompute = s.Forward;
                s.MemoryBound += elementFwd + attnMemFwd;
                tpPasses += 2;
                if (c > 1)
                {
                    s.CpLink += s.CpLink / 3;
                    s.CpExposed += s.CpExposed / 3;
                }
                if (moe && plan.Expert > 1)
                {
                    s.EpLink += s.EpLink / 2;
                    s.EpExposed += s.EpExposed / 2;
                }
                break;
            case RecomputeMode.Selective when _stack.SelectiveRecompute == SelectiveRecompute.EveryOtherMatmul:
                // Per-op policy: half the linear GEMMs and every element-wise op run again in backward.
                s.Recompute = (fwd + mlpFwd) / 2;
                s.MemoryBound += elementFwd;
                break;
            case RecomputeMode.Selective when _stack.SelectiveRecompute == SelectiveRecompute.Projections:
                // Projection outputs kept: the attention core and the element-wise ops run again.
                s.Recompute = attnFwd;
                s.MemoryBound += elementFwd + attnMemFwd;
                break;
            case RecomputeMode.Selective:
                // Recompute the attention core forward (Korthikanti et al. 2022 §5). A fused kernel keeps no s×s tensors,
                // so there is nothing extra: its backward already re-derives the scores (AttentionBackwardToForward).
                if (_training.Attention == AttentionKernel.Unfused)
                {
                    s.Recompute = attnFwd;
                    s.MemoryBound += attnMemFwd;
                }
                break;
        }
        s.TpLink = tpPasses * tpOne;
        s.TpExposed = s.TpLink;
        if (_training.TensorParallelOverlap && s.TpLink > 0)
        {
            // Chunked all-gather/reduce-scatter pipelined with the adjoining linear-layer GEMMs (TE userbuffers, async TP):
            // hidden up to the GEMM time, the hidden part still slowing the GEMMs.
            var gemms = 3 * (fwd + mlpFwd) + (plan.Recompute == RecomputeMode.Full ? fwd + mlpFwd : 0);
            var hidden = Math.Min(s.TpLink, gemms);
            s.TpExposed = s.TpLink - hidden + _d.TensorParallelOverlapSlowdown * hidden;
        }

        return s;
    }

    private void AddZero3(ref StageTimes s, PlanSpec plan, PlanLayout layout, bool moe)
    {
        var t = (double)plan.Tensor;
        // ZeRO-3: gather this layer's parameters for forward and backward, reduce-scatter its gradients; prefetch hides
        // them behind the layer's own math when the math is long enough.
        if (layout.Shard.Size > 1)
        {
            var layerParams = (_m.AttentionParametersPerLayer + _m.NormParametersPerLayer
                + (moe ? (_m.Moe!.Experts * _m.ExpertParameters / plan.Expert + _m.MoeSharedAndRouterParameters) : _m.DenseMlpParameters)) / t;
            var group = layout.Shard;
            var ag = Collectives.Time(CollectiveKind.AllGather, group, layerParams * _qw, _fabric);
            var rs = Collectives.Time(CollectiveKind.ReduceScatter, group, layerParams * _qg, _fabric);
            s.Zero3Link = ag + ag + rs;
            var fwdMath = s.Forward + s.MemoryBound / 3;
            var bwdMath = s.Backward + s.Recompute;
            var hiddenF = Math.Min(ag, fwdMath);
            var hiddenB = Math.Min(ag + rs, bwdMath);
            s.Zero3Exposed = (ag - hiddenF) + (ag + rs - hiddenB) + _d.OverlapSlowdown * (hiddenF + hiddenB);
        }
    }

    private void AddLogits(ref StageTimes s, PlanSpec plan)
    {
        var tokens = LocalTokens(plan);
        var t = plan.Tensor;
        // Logits stay in 16-bit under FP8 recipes; vocabulary-parallel over TP (Megatron).
        var fwd = Gemm(tokens, (double)_m.VocabSize / t, _m.HiddenSize, _peak16, 1.0, _qa);
        s.Forward += fwd;
        s.Backward += 2 * fwd;
        // Final norm plus fp32 softmax/cross-entropy over the local vocabulary slice: read logits, write probabilities, read back.
        var bytes = tokens * ((double)_m.VocabSize / t * (4 + 4 + 4) + 4.0 * _m.HiddenSize * _qa / 2);
        s.MemoryBound += bytes / _hbmBytesPerSecond * 2;
    }

    private void AddEmbedding(ref StageTimes s, PlanSpec plan)
    {
        var tokens = LocalTokens(plan);
        // Gather rows forward, scatter-add gradients backward: memory-bound.
        var bytes = tokens * _m.HiddenSize * _qa * 2.0;
        s.MemoryBound += bytes / _hbmBytesPerSecond * 3;
        if (plan.Tensor > 1)
        {
            // Vocabulary-parallel embedding ends with an all-reduce over TP (forward) and one backward.
            var layout = new PlanLayout(plan, _system.ScaleUpDomainGpus);
            var one = Collectives.Time(CollectiveKind.AllReduce, layout.Tensor, tokens * _m.HiddenSize * _qa, _fabric);
            s.TpLink += 2 * one;
            s.TpExposed += 2 * one;
        }
    }

    /// <summary>Parameters held by one GPU of the first stage: (dense params, expert params) after TP/PP/EP sharding.</summary>
    private (double Dense, double Expert) StageParameters(PlanSpec plan, bool firstStage, bool lastStage)
    {
        var (first, _, last) = StageLayers(plan);
        var layers = firstStage ? first : last;
        var moeShare = _m.Layers == 0 ? 0 : (double)_m.MoeLayers / _m.Layers;
        var perLayerDense = _m.AttentionParametersPerLayer + _m.NormParametersPerLayer;
        var denseMlp = _m.DenseMlpParameters;
        var dense = layers * (perLayerDense + (1 - moeShare) * denseMlp + moeShare * _m.MoeSharedAndRouterParameters);
        var expert = _m.Moe is null ? 0 : layers * moeShare * _m.Moe.Experts * _m.ExpertParameters / plan.Expert;
        var embedding = (double)_m.VocabSize * _m.HiddenSize;
        if (firstStage) dense += embedding;
        if (lastStage && (!_m.TiedEmbeddings || plan.Pipeline > 1)) dense += embedding; // tied embeddings are duplicated on the last stage under PP
        return (dense / plan.Tensor, expert / plan.Tensor);
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
        var expertShard = plan.ZeroStage >= 1 ? Math.Max(1.0, (double)plan.Data * plan.Context / plan.Expert) : 1.0;
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
        if (plan.ZeroStage != 3) return false;
        var layout = new PlanLayout(plan with { ShardWithinDomain = true }, _system.ScaleUpDomainGpus);
        return layout.Replica.Size > 1;
    }

    /// <summary>Memory per GPU on the busier of the first and last pipeline stages.</summary>
    public MemoryBreakdown Memory(PlanSpec plan)
    {
        var m = PeakMemory(plan);
        return new MemoryBreakdown(m.Weights / Units.GiB, m.Gradients / Units.GiB, m.States / Units.GiB, m.Activations / Units.GiB, m.Workspace / Units.GiB);
    }

    /// <summary>Bytes per GPU on the busier of the first and last stages, without allocating.</summary>
    public StageMemoryBytes PeakMemory(PlanSpec plan)
    {
        var first = StageMemory(plan, firstStage: true);
        if (plan.Pipeline == 1) return first;
        var last = StageMemory(plan, firstStage: false);
        return first.Total >= last.Total ? first : last;
    }

    /// <summary>Model-state bytes (weights, gradients, optimizer) of the first stage: a cheap lower bound on memory.</summary>
    public double StateBytesLowerBound(PlanSpec plan)
    {
        var s = StageMemory(plan, firstStage: true, withActivations: false);
        return s.Weights + s.Gradients + s.States;
    }

    private StageMemoryBytes StageMemory(PlanSpec plan, bool firstStage, bool withActivations = true)
    {
        var lastStage = !firstStage || plan.Pipeline == 1;
        var (dense, expert) = StageParameters(plan, firstStage, lastStage);
        var opt = _d.Optimizers[_training.Optimizer];
        var dz = ShardSize(plan);
        var dzExpert = Math.Max(1.0, dz / plan.Expert);
        // Mixed precision (ZeRO §3.1): 16-bit weights and gradients plus fp32 states; FP8 keeps an extra 1-byte weight copy,
        // or only the FP8 weights where the stack gathers FP8 parameters (masters stay in the sharded optimizer state).
        double w = _lowPrecision ? (_stack.LowPrecisionParameters ? 1 : _qw + 1) : _qw, g = _qw, o = opt.StateBytesPerParameter;
        double Shard(double p, double dp, double bytes, int minStage) => plan.ZeroStage >= minStage ? p * bytes / dp : p * bytes;
        var weights = Shard(dense, dz, w, 3) + Shard(expert, dzExpert, w, 3);
        var grads = Shard(dense, dz, g, 2) + Shard(expert, dzExpert, g, 2);
        var states = Shard(dense, dz, o, 1) + Shard(expert, dzExpert, o, 1);
        if (plan.ZeroStage == 3)
        {
            // The current layer's full parameters plus the prefetched next ones, the prefetch capped by the live-parameter
            // budget (DeepSpeed stage3_max_live_parameters = 1e9 by default; FSDP prefetches one wrapped unit).
            var layer = (_m.AttentionParametersPerLayer + _m.NormParametersPerLayer + Math.Max(_m.DenseMlpParameters,
                _m.Moe is null ? 0 : _m.Moe.Experts * _m.ExpertParameters / plan.Expert)) / plan.Tensor;
            weights += (layer + Math.Min(layer, 1e9)) * _qw;
        }

        var activations = withActivations ? ActivationBytes(plan, firstStage, lastStage) : 0;
        var workspace = _stack.WorkspaceGiB * Units.GiB;
        var subtotal = weights + grads + states + activations;
        var fragmentation = subtotal * (_stack.FragmentationFactor - 1);
        return new StageMemoryBytes(weights, grads, states, activations, workspace + fragmentation);
    }

    /// <summary>
    /// Stored activations on one stage (Korthikanti et al. 2022 §4, Table 2; flash attention drops the 5·a·s/h term
    /// and keeps fp32 row statistics), times the micro-batches in flight under 1F1B / interleaving (formula sheet §3.2).
    /// </summary>
    private double ActivationBytes(PlanSpec plan, bool firstStage, bool lastStage)
    {
        var t = (double)plan.Tensor;
        var sp = plan.SequenceParallel && plan.Tensor > 1;
        var tokens = LocalTokens(plan);
        var h = (double)_m.HiddenSize;
        var q = _m.QueryWidth;
        var kv = _m.KvWidth;
        var scale = _qa / 2.0;
        var dropout = !_m.GatedMlp; // GPT-style models train with dropout masks (1 byte each), Llama-style without
        var mask = dropout ? 1.0 : 0.0;
        // Bytes per token, in units of h elements at 2 bytes (KORT's sbh coefficients).
        var replicated = 4 + 2 + 2 + 2 * mask;   // two norm inputs, attention and MLP block inputs, residual dropout masks
        double Sharded(bool moe)
        {
            var attn = 2 * q / h + 4 * kv / h + 2 * q / h;              // Q, K, V, attention output
            double f;
            if (!moe) f = _m.FfnHiddenSize;
            else f = _m.Moe!.ExpertsPerToken * _m.Moe.CapacityFactor * _m.Moe.ExpertFfnHiddenSize + (double)_m.Moe.SharedExperts * _m.Moe.ExpertFfnHiddenSize;
            var mlp = (_m.GatedMlp ? 6 : 4) * f / h;
            return attn + mlp;
        }
        var moeShare = _m.Layers == 0 ? 0 : (double)_m.MoeLayers / _m.Layers;
        var shardedCoeff = (1 - moeShare) * Sharded(false) + (moeShare > 0 ? moeShare * Sharded(true) : 0);
        if (_lowPrecision && _stack.LowPrecisionActivationStorage)
        {
            // FP8 recipes keep the quantised inputs of the QKV, projection, FC1 and FC2 GEMMs (1 byte instead of 2):
            // the two block inputs, the attention output and the FC2 input.
            replicated -= 2;
            var f2 = (1 - moeShare) * _m.FfnHiddenSize + (moeShare > 0 ? moeShare * (_m.Moe!.ExpertsPerToken * _m.Moe.CapacityFactor * _m.Moe.ExpertFfnHiddenSize) : 0);
            shardedCoeff -= q / h + f2 / h;
        }
        var perLayerCoeff = sp ? (replicated + shardedCoeff) / t : replicated + shardedCoeff / t;
        double perLayer;
        if (_training.Attention == AttentionKernel.Flash)
        {
            var flashStats = 4.0 * (_m.AttentionHeads / t) / h;         // fp32 log-sum-exp per head and query row
            perLayer = tokens * h * scale * perLayerCoeff + tokens * h * flashStats;
        }
        else
        {
            // Softmax output (2 B), dropout mask (1 B) and dropout output (2 B) per score: 5·a·s²·b/t (KORT Table 2);
            // selective recompute drops exactly this term.
            var scoreBytes = (dropout ? 5.0 : 2.0) * scale;
            var s2 = plan.Recompute == RecomputeMode.Selective ? 0 : tokens * _m.SequenceLength * (_m.AttentionHeads / t) * scoreBytes;
            perLayer = tokens * h * scale * perLayerCoeff + s2;
        }
        if (plan.Recompute == RecomputeMode.Selective && _stack.SelectiveRecompute != SelectiveRecompute.AttentionCore)
        {
            // Policies that keep (some) matmul outputs and the layer input, and recompute the rest (bytes per token in h units
            // of 2-byte elements): the layer input 2, Q/K/V 2(q+2kv)/h, the output projection 2, the MLP up-projections
            // (2 or 4)·f/h and the down-projection 2; TorchTitan's per-op policy keeps every other matmul output plus the
            // attention output 2q/h.
            var f = _m.FfnHiddenSize / h;
            var matmuls = 2 * (q + 2 * kv) / h + 2 + (_m.GatedMlp ? 4 : 2) * f + 2;
            var kept = _stack.SelectiveRecompute == SelectiveRecompute.EveryOtherMatmul ? 2 + matmuls / 2 + 2 * q / h : 2 + matmuls;
            perLayer = tokens * h * scale * kept / t;
        }

        var (firstLayers, _, lastLayers) = StageLayers(plan);
        var layers = firstStage ? firstLayers : lastLayers;
        var p = plan.Pipeline;
        var v = plan.VirtualStages;
        var m = MicroBatches(plan);
        double inFlight;
        if (p == 1) inFlight = 1;
        else if (firstStage) inFlight = Math.Min(m, p) * (v > 1 ? 1 + (p - 1) / (double)(p * v) : 1);
        else inFlight = 1;

        double stored;
        if (plan.Recompute == RecomputeMode.Full)
        {
            var checkpoint = tokens * h * _qa / (sp ? t : 1);
            stored = checkpoint * layers * inFlight + perLayer; // plus one layer's working set during its backward
        }
        else
        {
            stored = perLayer * layers * inFlight;
        }

        if (firstStage)
        {
            stored += tokens * 8 * inFlight;                          // int64 token ids
            if (dropout) stored += tokens * h * inFlight / (sp ? t : 1); // embedding dropout mask
        }
        if (lastStage)
        {
            // Final norm input, logits input and fp32 logits for the loss, vocabulary-parallel.
            stored += tokens * (4 * h * _qa / 2 / (sp ? t : 1) + 4.0 * _m.VocabSize / t);
        }
        return stored;
    }
}

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

    public PlanLayout(PlanSpec plan, int domainGpus)
    {
        // Strides follow the placement order (innermost first). EP is carved from the DP×CP ranks, so in the
        // default order TP, CP, EP, DP, PP the EP group uses the ranks right after CP and DP continues outside it.
        long stride = 1;
        GroupLayout tensor = default, context = default, expert = default, data = default, pipeline = default;
        long dataStride = 1, contextStride = 1;
        for (var i = 0; i < 5; i++)
        {
            switch (plan.AxisAt(i))
            {
                case ParallelAxis.Tensor:
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
        Expert = expert;
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
        // Expert gradients reduce over the DP×CP ranks that hold the same experts.
        var expertDp = Math.Max(1, denseSize / Math.Max(1, plan.Expert));
        DataExpert = GroupLayout.Of(expertDp, Math.Min(contextStride, dataStride) * plan.Expert, domainGpus);
    }
}
