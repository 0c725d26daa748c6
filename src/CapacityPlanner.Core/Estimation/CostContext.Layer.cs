using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Network;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Workload;

namespace CapacityPlanner.Core.Estimation;

/// <summary>Per-layer compute (GEMMs, attention, memory-bound kernels) and TP/CP/EP traffic of one micro-batch (docs/model.md §Compute, §Communication).</summary>
internal sealed partial class CostContext
{
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
        var context = _m.ContextWidth;
        var wBytes = _lowPrecision ? 1 : _qw;

        // Attention projections (TransformerModel.AttentionProjectionAt): MHA/GQA QKV [T×h]·[h×(q+2kv)/t] and output
        // [T×q/t]·[q/t×h]; MLA's down-projections run whole on each rank's own tokens under SP (on every token without it),
        // its up-projections column-parallel, its output row-parallel. The GEMMs' input elements per token feed the FP8 casts.
        var fwd = 0.0;
        var upProjections = 0.0; // MLA's column-parallel up-projections alone (what mla_up_proj recompute reruns)
        var projectionInputs = 0.0;
        foreach (var p in _projections)
        {
            var (rows, n, k) = p.Split switch
            {
                ProjectionSplit.Column => (tokens, p.Out / t, p.In),
                ProjectionSplit.Row => (tokens, p.Out, p.In / t),
                _ => (plan.SequenceParallel ? tokens / t : tokens, p.Out, p.In),
            };
            var time = Gemm(rows, n, k, LinearPrecision, wBytes);
            fwd += time;
            if (_m.IsMlaUpProjection(p)) upProjections += time;
            projectionInputs += rows / tokens * k;
        }

        // Attention core (16-bit). CP splits the queries; keys and values rotate around the ring.
        var localHeads = Math.Max(1.0, _m.AttentionHeads / t);
        double attnFwd, attnBwd, attnMemFwd = 0, attnMemBwd = 0;
        if (_training.Attention == AttentionKernel.Flash)
        {
            // Fused causal kernel: 2·T·s·(q + q_context)/t·κ FLOPs (4·T·s·q/t without MLA), no s×s tensor in HBM; backward
            // recomputes the scores.
            // Matmuls at the 16-bit peak; the softmax's exponentials slow the kernel where the chip's special-function units keep
            // up less well than on the kernels the efficiency was measured on (ExponentialFactor).
            var attnFlops = 2 * tokens * _m.SequenceLength * ((q + context) / t) * _d.CausalWorkFraction;
            var attnRate = _peak16 * _attentionMax * _d.AttentionKernelRelativeEfficiency * _attentionKernel * _d.GemmSizeCurve.At(attnFlops / localHeads);
            var perScore = 2 * (q + context) / _m.AttentionHeads;
            var reference = _d.AttentionReferenceHeadFlopsPerScore;
            var matmuls = attnFlops / attnRate;
            attnFwd = matmuls * ExponentialFactor(perScore, reference);
            attnBwd = matmuls * _d.AttentionBackwardToForward / _d.AttentionBackwardRelativeEfficiency
                * ExponentialFactor(perScore * _d.AttentionBackwardToForward, reference * _d.AttentionBackwardToForward);
        }
        else
        {
            // Batched GEMMs per head: scores [T×d_h]·[d_h×s] and context [T×s]·[s×d_h] over the full s×s product,
            // with the scores, softmax and dropout passing through HBM (Korthikanti et al. 2022 §4.1).
            var dh = q / _m.AttentionHeads;
            var dv = context / _m.AttentionHeads;
            var perHead = Gemm(tokens, _m.SequenceLength, dh, SixteenBit, _qa) + Gemm(tokens, dv, _m.SequenceLength, SixteenBit, _qa);
            attnFwd = localHeads * perHead;
            attnBwd = 2 * attnFwd;
            var scores = localHeads * tokens * _m.SequenceLength;
            var dropout = !_m.GatedMlp;
            attnMemFwd = scores * (_d.UnfusedBytesForward + (dropout ? _d.UnfusedDropoutBytes.Forward : 0)) / _hbmBytesPerSecond;
            attnMemBwd = scores * (_d.UnfusedBytesBackward + (dropout ? _d.UnfusedDropoutBytes.Backward : 0)) / _hbmBytesPerSecond;
        }

        // MLP.
        double mlpFwd;
        double downFwd;         // the down-projection GEMMs alone (the layer's last projection)
        double ffnElements;     // FFN activation elements per token on this GPU (for element-wise traffic)
        double gemmInputs;      // GEMM input elements per token (for FP8 casts)
        var up = _m.MlpMatrices - 1;
        if (!moe)
        {
            var f = _m.FfnHiddenSize / t;
            downFwd = Gemm(tokens, h, f, LinearPrecision, wBytes);
            mlpFwd = Gemm(tokens, up * f, h, LinearPrecision, wBytes) + downFwd;
            ffnElements = f;
            gemmInputs = projectionInputs + h + f;
        }
        else
        {
            var cfg = _m.Moe!;
            var e = plan.Expert;
            var localExperts = Math.Max(1.0, (double)cfg.Experts / e);
            // Each GPU receives as many token-expert pairs as it sends under balanced routing, padded to capacity. With
            // the experts split over TP every TP rank runs its shard of them on the TP group's tokens; folded over the TP
            // ranks (expert TP 1) each rank runs whole experts on its own 1/TP of the tokens: the same FLOPs, other shapes.
            var etp = (double)plan.ExpertTensor;
            var routed = tokens * etp / t * cfg.ExpertsPerToken * cfg.CapacityFactor;
            var perExpert = routed / localExperts;
            var fe = cfg.ExpertFfnHiddenSize / etp;
            var expertDown = Gemm(perExpert, h, fe, LinearPrecision, wBytes);
            mlpFwd = localExperts * (Gemm(perExpert, up * fe, h, LinearPrecision, wBytes) + expertDown);
            downFwd = localExperts * expertDown;
            if (cfg.SharedExperts > 0)
            {
                var fs = (double)cfg.SharedExperts * cfg.ExpertFfnHiddenSize / t;
                var sharedDown = Gemm(tokens, h, fs, LinearPrecision, wBytes);
                mlpFwd += Gemm(tokens, up * fs, h, LinearPrecision, wBytes) + sharedDown;
                downFwd += sharedDown;
            }
            mlpFwd += Gemm(tokens, cfg.Experts, h, SixteenBit, _qa); // router
            // Expert activations per token of the TP group: topk × f / TP whichever way the experts are split.
            ffnElements = cfg.ExpertsPerToken * cfg.CapacityFactor * cfg.ExpertFfnHiddenSize / t + (double)cfg.SharedExperts * cfg.ExpertFfnHiddenSize / t;
            gemmInputs = projectionInputs + h * (1 + cfg.ExpertsPerToken * cfg.CapacityFactor) + ffnElements;
            // After the layer's device-to-host sync of the tokens per expert the host launches each local expert's kernels
            // in turn, and the GPU, idle at the sync, waits for them (NVIDIA's DeepSeek-V3 on GB200 account; docs/model.md
            // §Compute, calibration.json derived.moeHostSecondsPerLocalExpert). Fused expert kernels launch nothing per expert.
            if (_moeHostLaunchWaits)
            {
                s.Host = localExperts * (_lowPrecision ? _d.MoeHostSecondsPerLocalExpert.LowPrecision : _d.MoeHostSecondsPerLocalExpert.SixteenBit);
            }
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

        // MoE token permutation: each token copied once per routed expert and grouped by expert, the expert outputs
        // gathered back into a weighted sum; with EP and several local experts the received tokens are also sorted by
        // expert and back (Megatron-Core token_dispatcher.py). The backward moves the gradients the same way.
        var permuteFwd = 0.0;
        if (moe)
        {
            var cfg = _m.Moe!;
            var localExperts = (double)cfg.Experts / Math.Max(1, plan.Expert);
            var perPair = _d.MoePermuteElementsPerRoutedToken + (plan.Expert > 1 && localExperts > 1 ? _d.MoeChunkSortElementsPerRoutedToken : 0);
            var moeTokens = tokens / (plan.SequenceParallel ? t : 1);
            permuteFwd = moeTokens * (cfg.ExpertsPerToken * cfg.CapacityFactor * perPair + 1) * h * _qa / _hbmBytesPerSecond;
            s.MemoryBound += 2 * permuteFwd;
        }

        // Tensor parallel: 2 all-reduces forward, 2 backward (or AG+RS pairs under SP, same bytes), on the critical path
        // (Korthikanti et al. 2022 §4.2.2).
        // One pass is the forward's gather and scatter of a block's input and output (or their all-reduce without SP). MLA
        // gathers only its latents before the up-projections (and reduces only their gradient in backward), so its
        // attention passes average the latent-wide and the h-wide collective.
        double TpPair(double width)
        {
            var bytes = tokens * width * _qa;
            return plan.SequenceParallel
                ? Collectives.Time(CollectiveKind.AllGather, layout.Tensor, bytes, _fabric) + Collectives.Time(CollectiveKind.ReduceScatter, layout.Tensor, bytes, _fabric)
                : Collectives.Time(CollectiveKind.AllReduce, layout.Tensor, bytes, _fabric);
        }
        double tpOne = 0, tpAttention = 0;
        if (plan.Tensor > 1)
        {
            tpOne = TpPair(h);
            tpAttention = _m.AttentionInputWidth == h ? tpOne : (tpOne + TpPair(_m.AttentionInputWidth)) / 2;
        }
        double attentionPasses = 2, mlpPasses = 2;

        // Context parallel: ring attention passes K/V blocks c−1 times forward, twice that backward; hidden behind attention math.
        if (c > 1)
        {
            var block = tokens * ((_m.KeyWidth + _m.ValueWidth) / t) * _qa;
            var steps = c - 1;
            var oneStep = Collectives.Time(CollectiveKind.PointToPoint, layout.Context, block, _fabric);
            var fwdComm = steps * oneStep;
            var bwdComm = 2 * fwdComm;
            s.CpLink = fwdComm + bwdComm;
            var hidden = Math.Min(fwdComm, attnFwd) + Math.Min(bwdComm, attnBwd);
            s.CpExposed = s.CpLink - hidden + _d.OverlapSlowdown * hidden;
        }

        // Expert parallel: dispatch and combine all-to-all, forward and backward (formula sheet §6.5). FP8 recipes
        // quantise tokens before dispatch (DeepSeek-V3 §3.3); the combine stays in 16 bits. Each waits for its own
        // layer unless the stack runs one micro-batch's forward beside another's backward so that the all-to-all of one
        // hides behind the math of the other (DeepSeek-V3 DualPipe, Megatron-Core overlap_moe_expert_parallel_comm:
        // opt-in, software-stacks.json expertParallelOverlap); that needs a second micro-batch in flight.
        if (moe && plan.Expert > 1)
        {
            var cfg = _m.Moe!;
            var sendTokens = tokens / (plan.SequenceParallel ? t : 1);
            var perToken = sendTokens * cfg.ExpertsPerToken * cfg.CapacityFactor * h;
            double dispatch, combine;
            var ep = layout.Expert;
            var dispatchBytes = _lowPrecision ? 1 : _qa; // FP8 recipes quantise tokens before dispatch; the combine stays 16-bit
            if (_expertDispatch == ExpertDispatch.PerDomain && !ep.IsLocal)
            {
                // One copy per token and remote domain its experts sit in crosses the network; inside each domain the copies
                // fan out to the experts' ranks (each of the k copies moves unless its expert is on the receiving rank).
                var remote = sendTokens * MoeRouting.RemoteDomainsPerToken(cfg, ep.Domains) * h;
                var inside = perToken * (ep.LocalRanks - 1) / ep.LocalRanks;
                dispatch = Collectives.Exchange(ep, inside * dispatchBytes, remote * dispatchBytes, _fabric);
                combine = Collectives.Exchange(ep, inside * _qa, remote * _qa, _fabric);
            }
            else
            {
                dispatch = Collectives.Time(CollectiveKind.AllToAll, ep, perToken * dispatchBytes, _fabric);
                combine = Collectives.Time(CollectiveKind.AllToAll, ep, perToken * _qa, _fabric);
            }
            s.EpLink = 2 * (dispatch + combine);
            if (_expertParallelOverlap && (plan.Pipeline > 1 || MicroBatches(plan) > 1))
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
        var recomputeSkips = _stack.RecomputeDropsUnusedOutputs ? downFwd : 0;
        switch (plan.Recompute)
        {
            case RecomputeMode.Full:
                // The forward again; a stack whose recompute drops unused outputs (JAX remat) skips the down-projection
                // and the tensor-parallel reduction after it (software-stacks.json recomputeDropsUnusedOutputs).
                s.Recompute = s.Forward - recomputeSkips;
                s.MemoryBound += elementFwd + attnMemFwd + permuteFwd;
                attentionPasses += 1;
                mlpPasses += _stack.RecomputeDropsUnusedOutputs ? 0 : 1;
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
            case RecomputeMode.Selective when _recomputeModules is { } modules:
                // Megatron-Core's recompute_modules (default core_attn). The attention core: Korthikanti et al. 2022 §5; a fused
                // kernel keeps no s×s tensors, so there is nothing extra: its backward already re-derives the scores
                // (AttentionBackwardToForward).
                if (modules.HasFlag(RecomputeModules.CoreAttention) && _training.Attention == AttentionKernel.Unfused)
                {
                    s.Recompute += attnFwd;
                    s.MemoryBound += attnMemFwd;
                }
                // The two norms read their input and write their output again.
                if (modules.HasFlag(RecomputeModules.Layernorm)) s.MemoryBound += tokens * 2 * 2 * hiddenShare * _qa / _hbmBytesPerSecond;
                // MLA's up-projections (and RoPE, element-wise on the queries and keys) run again.
                if (modules.HasFlag(RecomputeModules.MlaUpProjection) && _m.Mla is not null)
                {
                    s.Recompute += upProjections;
                    s.MemoryBound += tokens * 2 * (q + _m.KeyWidth) / t * _qa / _hbmBytesPerSecond;
                }
                // The dense MLP block (checkpointed at its input) runs forward again, activation included.
                if (modules.HasFlag(RecomputeModules.Mlp) && !moe)
                {
                    s.Recompute += mlpFwd;
                    s.MemoryBound += tokens * ffnAccesses * ffnElements * _qa / _hbmBytesPerSecond;
                }
                // The routed experts' activation function runs again.
                if (modules.HasFlag(RecomputeModules.MoeActivation) && moe)
                {
                    s.MemoryBound += tokens * ffnAccesses * ffnElements * _qa / _hbmBytesPerSecond;
                }
                break;
        }
        s.TpLink = attentionPasses * tpAttention + mlpPasses * tpOne;
        s.TpExposed = s.TpLink;
        if (_training.TensorParallelOverlap && s.TpLink > 0)
        {
            // Chunked all-gather/reduce-scatter pipelined with the adjoining linear-layer GEMMs (TE userbuffers, async TP):
            // hidden up to the GEMM time, the hidden part still slowing the GEMMs.
            var gemms = 3 * (fwd + mlpFwd) + (plan.Recompute == RecomputeMode.Full ? fwd + mlpFwd - recomputeSkips : 0);
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
            var layerParams = AttentionAndNormParametersPerRank(plan.Tensor)
                + (moe ? _m.MoeSharedAndRouterParameters : _m.DenseMlpParameters) / t
                + (moe ? _m.Moe!.Experts * _m.ExpertParameters / plan.Expert / plan.ExpertTensor : 0);
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
        var fwd = Gemm(tokens, (double)_m.VocabSize / t, _m.HiddenSize, SixteenBit, _qa);
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
}
