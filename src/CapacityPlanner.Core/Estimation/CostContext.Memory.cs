using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Network;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Workload;

namespace CapacityPlanner.Core.Estimation;

/// <summary>Memory per GPU: model states per ZeRO stage, activations per recompute policy and schedule (docs/model.md §Schedule and memory).</summary>
internal sealed partial class CostContext
{
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

    /// <summary>Host memory one GPU can fill with offloaded activations (catalog hostLink.memoryGiBPerGpu, else the model default).</summary>
    public double HostMemoryBytes => _hostMemoryBytes;

    /// <summary>
    /// Host memory the offloaded layers' saved activations take per GPU: every offloaded layer of the micro-batch in flight
    /// (offloading runs without pipelining, so one micro-batch is in flight; PlanRule.OffloadAlone).
    /// </summary>
    public double OffloadedActivationBytes(PlanSpec plan) =>
        plan.ActivationOffloadLayers > 0 ? plan.ActivationOffloadLayers * PerLayerActivationBytes(plan) : 0;

    /// <summary>
    /// The fewest layers whose activations must go to host memory for <paramref name="plan"/> to fit in
    /// <paramref name="capacityBytes"/> per GPU, or 0 where offloading cannot make it fit: the plan cannot offload
    /// (pipelining, recompute, a stack without it: PlanRule.OffloadAlone, StackOffloads), every layer would have to go, or
    /// the offloaded activations would not fit in the host's memory. Offloading k layers frees k − 1 layers' saved
    /// activations (one layer's copy is in flight) and the allocator's share of them, so the count follows from the
    /// overflow; the exact memory is checked. <paramref name="peakBytes"/> is the plan's memory without offloading, which the
    /// caller has already costed. Allocation-free (the search's hot path).
    /// </summary>
    public int OffloadLayersToFit(PlanSpec plan, double peakBytes, double capacityBytes)
    {
        if (!_stack.ActivationOffload || plan.Pipeline != 1 || plan.Recompute != RecomputeMode.None) return 0;
        var none = plan with { ActivationOffloadLayers = 0 };
        var over = peakBytes - capacityBytes;
        if (over <= 0) return 0;
        var perLayer = PerLayerActivationBytes(none);
        if (perLayer <= 0) return 0;
        var needed = Math.Ceiling(over / (perLayer * _stack.FragmentationFactor)) + 1;
        if (needed >= _m.Layers || needed * perLayer > _hostMemoryBytes) return 0;
        // The count is exact up to rounding; two more tries cover it.
        for (var k = (int)needed; k < _m.Layers && k <= needed + 2; k++)
        {
            var offloaded = plan with { ActivationOffloadLayers = k };
            if (OffloadedActivationBytes(offloaded) > _hostMemoryBytes) return 0;
            if (PeakMemory(offloaded).Total <= capacityBytes) return k;
        }
        return 0;
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
        var dzExpert = Math.Max(1.0, dz * plan.ExpertFoldFactor / plan.Expert);
        // Mixed precision (ZeRO §3.1): 16-bit weights and gradients plus fp32 states; FP8 keeps an extra 1-byte weight copy,
        // or only the FP8 weights where the stack gathers FP8 parameters (masters stay in the sharded optimizer state).
        // Stacks that hold fp32 parameters (FSDP2 mixed precision, JAX weight_dtype float32) keep no sharded 16-bit or FP8
        // copy: the parameters are the optimizer's fp32 masters (counted with its states) and their gradients are fp32;
        // below ZeRO-3 the 16-bit compute copy stays gathered for the step (FSDP reshard_after_forward=False).
        double w, g, o = opt.StateBytesPerParameter;
        if (_stack.Fp32Parameters && _qw < 4)
        {
            w = plan.ZeroStage >= 3 ? 0 : _qw;
            g = 4;
        }
        else
        {
            w = _lowPrecision ? (_stack.LowPrecisionParameters ? 1 : _qw + 1) : _qw;
            g = _qw;
        }
        double Shard(double p, double dp, double bytes, int minStage) => plan.ZeroStage >= minStage ? p * bytes / dp : p * bytes;
        var weights = Shard(dense, dz, w, 3) + Shard(expert, dzExpert, w, 3);
        var grads = Shard(dense, dz, g, 2) + Shard(expert, dzExpert, g, 2);
        var states = Shard(dense, dz, o, 1) + Shard(expert, dzExpert, o, 1);
        if (plan.ZeroStage == 3 && plan.Pipeline > 1 && _stack.Zero3UnshardedAcrossMicroBatches)
        {
            // The stage's parameters stay gathered between micro-batches and its gradients accumulate unsharded in the
            // reduce type until the last backward (TorchTitan with pipeline parallelism; software-stacks.json).
            weights += (dense + expert) * _qw;
            grads = (dense + expert) * Math.Max(g, _stack.GradientReduceBytes);
        }
        else if (plan.ZeroStage == 3)
        {
            // The current layer's full parameters plus the prefetched next ones, the prefetch capped by the live-parameter
            // budget (DeepSpeed stage3_max_live_parameters = 1e9 by default; FSDP prefetches one wrapped unit).
            var layer = AttentionAndNormParametersPerRank(plan.Tensor) + Math.Max(_m.DenseMlpParameters / plan.Tensor,
                _m.Moe is null ? 0 : _m.Moe.Experts * _m.ExpertParameters / plan.Expert / plan.ExpertTensor);
            weights += (layer + Math.Min(layer, 1e9)) * _qw;
        }

        var activations = withActivations ? ActivationBytes(plan, firstStage, lastStage) : 0;
        var workspace = _stack.WorkspaceGiB * Units.GiB;
        var subtotal = weights + grads + states + activations;
        var fragmentation = subtotal * (_stack.FragmentationFactor - 1);
        return new StageMemoryBytes(weights, grads, states, activations, workspace + fragmentation);
    }

    /// <summary>Saved activation bytes of one transformer layer for one micro-batch on one GPU (the per-layer term of
    /// <see cref="ActivationBytes"/>; what activation offloading moves to host memory and back).</summary>
    private double PerLayerActivationBytes(PlanSpec plan)
    {
        var t = (double)plan.Tensor;
        var sp = plan.SequenceParallel && plan.Tensor > 1;
        var tokens = LocalTokens(plan);
        var h = (double)_m.HiddenSize;
        var q = _m.QueryWidth;
        var context = _m.ContextWidth;
        var scale = _qa / 2.0;
        var dropout = !_m.GatedMlp; // GPT-style models train with dropout masks (1 byte each), Llama-style without
        var mask = dropout ? 1.0 : 0.0;
        // Bytes per token, in units of h elements at 2 bytes (KORT's sbh coefficients).
        var replicated = 4 + 2 + 2 + 2 * mask;   // two norm inputs, attention and MLP block inputs, residual dropout masks
        if (_m.Mla is { } mla)
        {
            // MLA's latents on each rank's own tokens (sequence-sharded under SP): the query and key/value latents' norm
            // inputs and outputs (the up-projections' inputs) and the shared RoPE key.
            replicated += 2 * (2.0 * (mla.QLoraRank ?? 0) + 2.0 * mla.KvLoraRank + mla.QkRopeHeadDim) / h;
        }
        // Megatron-Core's selective recompute modules drop what they rerun (the default, core_attn, drops the unfused
        // kernel's score tensors below): layernorm the two norm outputs (the block inputs above), mla_up_proj the queries,
        // keys and values, mlp the dense MLP's intermediates, moe_act the routed experts' activation outputs.
        var modules = plan.Recompute == RecomputeMode.Selective ? _recomputeModules : null;
        bool Drops(RecomputeModules module) => modules is { } m && m.HasFlag(module);
        if (Drops(RecomputeModules.Layernorm)) replicated -= 4;
        // Routed experts' FFN width per token (top-k × capacity × expert width), 0 for a dense model.
        var routedFfn = _m.Moe is { } moeShape ? moeShape.ExpertsPerToken * moeShape.CapacityFactor * moeShape.ExpertFfnHiddenSize : 0.0;
        double Sharded(bool moe)
        {
            var attn = Drops(RecomputeModules.MlaUpProjection) && _m.Mla is not null
                ? 2 * context / h                                        // attention output (Q, K, V rerun)
                : 2 * (q + _m.KeyWidth + _m.ValueWidth + context) / h;   // Q, K, V, attention output
            var routed = moe ? routedFfn : 0;
            var f = moe ? routed + (double)_m.Moe!.SharedExperts * _m.Moe.ExpertFfnHiddenSize : _m.FfnHiddenSize;
            var mlp = (_m.GatedMlp ? 6 : 4) * f / h;
            if (!moe && Drops(RecomputeModules.Mlp)) mlp = 0;
            if (moe && Drops(RecomputeModules.MoeActivation)) mlp -= 2 * routed / h;
            return attn + mlp;
        }
        var moeShare = _m.Layers == 0 ? 0 : (double)_m.MoeLayers / _m.Layers;
        var shardedCoeff = (1 - moeShare) * Sharded(false) + (moeShare > 0 ? moeShare * Sharded(true) : 0);
        if (_lowPrecision && _stack.LowPrecisionActivationStorage)
        {
            // FP8 recipes keep the quantised inputs of the QKV, projection, FC1 and FC2 GEMMs (1 byte instead of 2):
            // the two block inputs, the attention output and the FC2 input.
            if (!Drops(RecomputeModules.Layernorm)) replicated -= 2;
            // (An FC2 input that recompute drops is not stored at all.)
            var f2 = (Drops(RecomputeModules.Mlp) ? 0 : (1 - moeShare) * _m.FfnHiddenSize)
                + (moeShare > 0 && !Drops(RecomputeModules.MoeActivation) ? moeShare * routedFfn : 0);
            shardedCoeff -= context / h + f2 / h;
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
            var dropsScores = plan.Recompute == RecomputeMode.Selective && (_recomputeModules is not { } mods || mods.HasFlag(RecomputeModules.CoreAttention));
            var s2 = dropsScores ? 0 : tokens * _m.SequenceLength * (_m.AttentionHeads / t) * scoreBytes;
            perLayer = tokens * h * scale * perLayerCoeff + s2;
        }
        if (plan.Recompute == RecomputeMode.Selective && _stack.SelectiveRecompute != SelectiveRecompute.AttentionCore)
        {
            // Policies that keep (some) matmul outputs and the layer input, and recompute the rest (bytes per token in h units
            // of 2-byte elements): the layer input 2, Q/K/V 2(q+2kv)/h, the output projection 2, the MLP up-projections
            // (2 or 4)·f/h and the down-projection 2; TorchTitan's per-op policy keeps every other matmul output plus the
            // attention output 2q/h.
            var f = _m.FfnHiddenSize / h;
            var matmuls = 2 * _attentionProjectionOutputWidth / h + (_m.GatedMlp ? 4 : 2) * f + 2;
            var kept = _stack.SelectiveRecompute == SelectiveRecompute.EveryOtherMatmul ? 2 + matmuls / 2 + 2 * context / h : 2 + matmuls;
            perLayer = tokens * h * scale * kept / t;
        }

        return perLayer;
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
        var dropout = !_m.GatedMlp; // GPT-style models train with dropout masks (1 byte each), Llama-style without
        var perLayer = PerLayerActivationBytes(plan);
        var (firstLayers, _, lastLayers) = StageLayers(plan);
        var layers = (double)(firstStage ? firstLayers : lastLayers);
        var p = plan.Pipeline;
        var v = plan.VirtualStages;
        var m = MicroBatches(plan);
        double inFlight;
        if (p == 1) inFlight = 1;
        else if (firstStage)
        {
            // Micro-batches in flight on stage i: min(m, p−i) under 1F1B; under Megatron's interleaved schedule stage i runs
            // (p−i−1)·2 + (v−1)·p + 1 chunk forwards before its first backward, p + (p−2i−1)/v micro-batches' worth of its
            // layers (schedules.py get_pp_rank_microbatches). Never more than the m micro-batches of the step: with m ≤ p
            // every forward runs before the first backward. The first stage holds the most, unless a middle stage carries an
            // extra layer: take the largest product.
            // Megatron-Core's overlapped expert all-to-all (overlap_moe_expert_parallel_comm, interleaved schedule only)
            // runs one more chunk forward in the warm-up so that every 1F1B step pairs independent forward and backward
            // chunks (get_pp_rank_microbatches: num_warmup_microbatches + 1): 1/v of a micro-batch more.
            var extraWarmup = v > 1 && _expertParallelOverlap && _m.Moe is not null ? 1.0 / v : 0;
            double InFlightOn(int stage) => v > 1
                ? Math.Min(m, p + (p - 2.0 * stage - 1) / v + extraWarmup)
                : Math.Min(m, p - stage);
            inFlight = InFlightOn(0);
            var peak = layers * inFlight;
            var uneven = _m.Layers % p != 0;
            for (var i = 1; uneven && i < p - 1; i++)
            {
                var product = LayersOnStage(plan, i) * InFlightOn(i);
                if (product > peak) peak = product;
            }
            layers = peak / inFlight;
        }
        else inFlight = 1;

        // Final norm input, logits input and the loss's logit tensors (the stack's bytes per logit), vocabulary-parallel.
        var loss = lastStage ? tokens * (4 * h * _qa / 2 / (sp ? t : 1) + _stack.LossBytesPerLogitAt(plan.Tensor) * _m.VocabSize / t) : 0;
        double stored;
        if (plan.Recompute == RecomputeMode.Full)
        {
            // The checkpoints plus whichever is larger: the loss's tensors (live from the last forward until the loss's
            // backward has run) or one layer's recomputed working set (its backward starts after the loss's tensors are
            // freed); the two never coexist (formula sheet §3.2).
            var checkpoint = tokens * h * _qa / (sp ? t : 1);
            stored = checkpoint * layers * inFlight + Math.Max(perLayer, loss);
        }
        else
        {
            // Without full recompute the peak is the end of the last forward: every stored layer plus the loss's tensors.
            // Offloaded layers wait in host memory, one layer's copy in flight at a time (Transformer Engine's CPU offload
            // context waits for a layer's copy before the next one's; docs/model.md §Schedule and memory). Offloading
            // runs without pipeline parallelism (PlanRule.OffloadAlone), so every layer is on this stage.
            var offloaded = plan.ActivationOffloadLayers > 0 ? plan.ActivationOffloadLayers - 1 : 0;
            stored = perLayer * (layers * inFlight - offloaded) + loss;
        }

        if (p > 1 && !_stack.DeallocatePipelineOutputs)
        {
            // A pipeline engine that keeps each sent chunk output until that chunk's backward (only Megatron-Core frees its
            // storage once sent, deallocate_output_tensor) holds one residual-stream tensor per chunk forward in flight; the
            // receiving stage's copy is its first layer's stored input (formula sheet §3.2).
            stored += inFlight * v * tokens * h * _qa / (sp ? t : 1);
        }
        if (firstStage)
        {
            stored += tokens * 8 * inFlight;                          // int64 token ids
            if (dropout) stored += tokens * h * inFlight / (sp ? t : 1); // embedding dropout mask
        }
        return stored;
    }
}
