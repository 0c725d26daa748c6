using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Workload;

namespace CapacityPlanner.Core.Roofline;

/// <summary>What kind of kernel an operation is.</summary>
public enum OperationKind
{
    /// <summary>A matrix multiplication [M × K]·[K × N].</summary>
    Gemm,
    /// <summary>The fused attention core (scores, softmax, context) of a FlashAttention-style kernel.</summary>
    Attention,
    /// <summary>An element-wise kernel (norm, activation function, residual add): a few FLOPs per element read.</summary>
    Elementwise,
}

/// <summary>One chip's roofline for one precision (formula sheet §8).</summary>
/// <param name="Precision">Math precision.</param>
/// <param name="PeakFlopsPerSecond">Dense peak C [FLOP/s].</param>
/// <param name="HbmBytesPerSecond">HBM bandwidth W_hbm [B/s].</param>
/// <param name="RidgeFlopsPerByte">Ridge point I* = C / W_hbm [FLOP/B]: operations with a higher arithmetic intensity are compute-bound.</param>
public sealed record ChipRoofline(Precision Precision, double PeakFlopsPerSecond, double HbmBytesPerSecond, double RidgeFlopsPerByte)
{
    /// <summary>Attainable FLOP/s at an arithmetic intensity: min(C, AI·W_hbm).</summary>
    public double AttainableFlopsPerSecond(double arithmeticIntensity) =>
        Math.Min(PeakFlopsPerSecond, Math.Max(0, arithmeticIntensity) * HbmBytesPerSecond);

    /// <summary>True when an operation of this intensity is limited by math, not by HBM.</summary>
    public bool IsComputeBound(double arithmeticIntensity) => arithmeticIntensity >= RidgeFlopsPerByte;
}

/// <summary>
/// One kernel of a Transformer layer on one GPU (after tensor-parallel sharding), with its arithmetic intensity.
/// For a GEMM [M × K]·[K × N] with element size q: FLOPs = 2·M·N·K, bytes = q·(M·K + K·N + M·N),
/// AI = 2·M·N·K / (q·(M·K + K·N + M·N)) (formula sheet §8, HSYM "Matrix multiplication").
/// </summary>
/// <param name="Name">Short name, e.g. "QKV projection".</param>
/// <param name="Kind">GEMM, attention or element-wise.</param>
/// <param name="Flops">Forward FLOPs of one call on one GPU.</param>
/// <param name="Bytes">HBM bytes it moves (reads and writes).</param>
/// <param name="M">GEMM rows (tokens); 0 for other kinds.</param>
/// <param name="N">GEMM output columns; 0 for other kinds.</param>
/// <param name="K">GEMM inner dimension; 0 for other kinds.</param>
/// <param name="Description">What the shape is, e.g. "[tokens × h]·[h × 3h/t]".</param>
public sealed record RooflineOperation(string Name, OperationKind Kind, double Flops, double Bytes, double M, double N, double K, string Description)
{
    /// <summary>Arithmetic intensity [FLOP/B].</summary>
    public double ArithmeticIntensity => Bytes > 0 ? Flops / Bytes : 0;

    /// <summary>Time on a roofline: max(FLOPs / C, bytes / W) [s].</summary>
    public double RooflineSeconds(ChipRoofline roofline)
    {
        ArgumentNullException.ThrowIfNull(roofline);
        return Math.Max(Flops / roofline.PeakFlopsPerSecond, Bytes / roofline.HbmBytesPerSecond);
    }
}

/// <summary>The smallest micro-batch that keeps every layer GEMM above the ridge point.</summary>
/// <param name="Tokens">Smallest tokens per micro-batch (per GPU, after context parallelism) for which every GEMM is compute-bound; null when no batch is large enough (a weight dimension is itself below the ridge).</param>
/// <param name="Sequences">The same as whole sequences of the model's length (rounded up); null when <paramref name="Tokens"/> is.</param>
/// <param name="LimitingGemm">The GEMM that needs the most tokens.</param>
/// <param name="RidgeFlopsPerByte">The ridge point it was computed against.</param>
public sealed record ComputeBoundBatch(double? Tokens, int? Sequences, string? LimitingGemm, double RidgeFlopsPerByte);

/// <summary>
/// Rooflines of chips and the arithmetic intensity of a Transformer's kernels: the ridge point per precision,
/// where each layer operation sits, and the smallest micro-batch that keeps the GEMMs compute-bound
/// (formula sheet §8; Austin et al., <i>How to Scale Your Model</i>, "Rooflines").
/// </summary>
public static class RooflineModel
{
    /// <summary>FLOPs per element of a normalisation (mean, variance, scale, shift).</summary>
    public const double NormFlopsPerElement = 5;

    /// <summary>FLOPs per output element of an MLP activation (GeLU tanh approximation, or SiLU × gate).</summary>
    public const double ActivationFlopsPerElement = 8;

    /// <summary>
    /// Dense roofline of a chip for one precision: peak ÷ HBM bandwidth. Null when the chip has no dense peak for
    /// that precision or no HBM bandwidth.
    /// </summary>
    public static ChipRoofline? For(ChipSpec chip, Precision precision)
    {
        ArgumentNullException.ThrowIfNull(chip);
        if (chip.PeakFor(precision) is not { } peak || chip.HbmBandwidthBytesPerSecond <= 0) return null;
        return new ChipRoofline(precision, peak, chip.HbmBandwidthBytesPerSecond, peak / chip.HbmBandwidthBytesPerSecond);
    }

    /// <summary>The chip's rooflines for every precision it supports, in catalog precision order.</summary>
    public static IReadOnlyList<ChipRoofline> ForAllPrecisions(ChipSpec chip)
    {
        ArgumentNullException.ThrowIfNull(chip);
        return PrecisionExtensions.All.Select(p => For(chip, p)).OfType<ChipRoofline>().ToList();
    }

    /// <summary>Ridge point I* = C / W_hbm [FLOP/B], or null when the chip lacks the precision.</summary>
    public static double? RidgePoint(ChipSpec chip, Precision precision) => For(chip, precision)?.RidgeFlopsPerByte;

    /// <summary>Bytes of one GEMM operand element in a precision (FP8 1, FP4 ½, 16-bit 2, TF32/FP32 4, FP64 8).</summary>
    public static double GemmElementBytes(Precision precision) => precision switch
    {
        Precision.Fp4 => 0.5,
        Precision.Fp8 => 1,
        Precision.Bf16 or Precision.Fp16 => 2,
        Precision.Tf32 or Precision.Fp32 => 4,
        Precision.Fp64 => 8,
        _ => 2,
    };

    /// <summary>A GEMM [M × K]·[K × N] with element size q bytes.</summary>
    public static RooflineOperation Gemm(string name, double m, double k, double n, double elementBytes, string description)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var flops = 2 * m * n * k;
        var bytes = elementBytes * (m * k + k * n + m * n);
        return new RooflineOperation(name, OperationKind.Gemm, flops, bytes, m, n, k, description);
    }

    /// <summary>Arithmetic intensity of a GEMM: 2·M·N·K / (q·(M·K + K·N + M·N)).</summary>
    public static double GemmIntensity(double m, double k, double n, double elementBytes) =>
        2 * m * n * k / (elementBytes * (m * k + k * n + m * n));

    /// <summary>
    /// The forward kernels of one Transformer layer on one GPU for a micro-batch of
    /// <paramref name="microBatchSequences"/> sequences, tensor-parallel degree <paramref name="tensor"/> and context-parallel
    /// degree <paramref name="context"/>: the four GEMMs (QKV, attention output, MLP up and down; for MoE models the
    /// routed-expert GEMMs at the tokens one expert receives), the logits GEMM, the fused attention core and the main
    /// element-wise kernels.
    /// </summary>
    public static IReadOnlyList<RooflineOperation> LayerOperations(TransformerModel model, int microBatchSequences, int tensor, Precision precision, int context = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(microBatchSequences, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tensor, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(context, 1);
        var q = GemmElementBytes(precision);
        var qa = (double)precision.ActivationBytes();
        var s = (double)model.SequenceLength / context;
        var tokens = microBatchSequences * s;
        var t = (double)tensor;
        var h = (double)model.HiddenSize;
        var ops = new List<RooflineOperation>();
        for (var i = 0; i < model.AttentionProjectionCount; i++)
        {
            // The same projections the estimator costs (TransformerModel.AttentionProjectionAt); replicated ones (MLA's
            // down-projections) at their whole width on every rank.
            var p = model.AttentionProjectionAt(i);
            var (k, n) = p.Split switch
            {
                ProjectionSplit.Column => (p.In, p.Out / t),
                ProjectionSplit.Row => (p.In / t, p.Out),
                _ => (p.In, p.Out),
            };
            var shape = model.Mla is null
                ? (i == 0 ? "[tokens × h]·[h × (q + 2kv)/t]" : "[tokens × q/t]·[q/t × h]")
                : p.Split switch
                {
                    ProjectionSplit.Column => FormattableString.Invariant($"[tokens × {p.In:0}]·[{p.In:0} × {p.Out:0}/t]"),
                    ProjectionSplit.Row => FormattableString.Invariant($"[tokens × {p.In:0}/t]·[{p.In:0}/t × {p.Out:0}]"),
                    _ => FormattableString.Invariant($"[tokens × {p.In:0}]·[{p.In:0} × {p.Out:0}] (whole on every rank)"),
                };
            ops.Add(Gemm(p.Name, tokens, k, n, q, shape));
        }
        var upWidth = (model.MlpMatrices - 1) * (double)model.FfnHiddenSize;
        if (model.DenseMlpLayers > 0)
        {
            ops.Add(Gemm("MLP up" + (model.GatedMlp ? " + gate" : ""), tokens, h, upWidth / t, q, model.GatedMlp ? "[tokens × h]·[h × 2F/t]" : "[tokens × h]·[h × F/t]"));
            ops.Add(Gemm("MLP down", tokens, model.FfnHiddenSize / t, h, q, "[tokens × F/t]·[F/t × h]"));
        }
        if (model.Moe is { } moe)
        {
            // Each routed expert sees tokens·k/E of the micro-batch (perfect balance); its GEMMs are as thin as that.
            var expertTokens = Math.Max(1, tokens * moe.ExpertsPerToken / moe.Experts);
            var fe = (double)moe.ExpertFfnHiddenSize;
            ops.Add(Gemm("Expert up" + (model.GatedMlp ? " + gate" : ""), expertTokens, h, (model.MlpMatrices - 1) * fe / t, q,
                $"[tokens·k/E × h]·[h × {(model.GatedMlp ? "2" : "")}F_e/t], k/E = {moe.ExpertsPerToken}/{moe.Experts}"));
            ops.Add(Gemm("Expert down", expertTokens, fe / t, h, q, "[tokens·k/E × F_e/t]·[F_e/t × h]"));
        }
        ops.Add(Gemm("Logits", tokens, h, model.VocabSize / t, q, "[tokens × h]·[h × V/t] (last stage only)"));

        // Flash attention: causal scores and context, 2·2·s·q FLOPs per token halved by the causal mask; HBM traffic is
        // Q, K, V in and O out (no s×s tensor), so the intensity grows with s (formula sheet §8, HSYM transformers Q4).
        var attentionFlops = 0.5 * 2 * tokens * s * (model.QueryWidth + model.ContextWidth) / t;
        var attentionBytes = qa * tokens * (model.QueryWidth + model.KeyWidth + model.ValueWidth + model.ContextWidth) / t;
        ops.Add(new RooflineOperation("Attention core (flash)", OperationKind.Attention, attentionFlops, attentionBytes, 0, 0, 0,
            "softmax(QKᵀ)·V fused, causal; reads Q, K, V and writes O"));

        // Element-wise kernels read and write activations once: a few FLOPs per several bytes.
        ops.Add(new RooflineOperation("Norm", OperationKind.Elementwise, NormFlopsPerElement * tokens * h, 2 * qa * tokens * h, 0, 0, 0,
            model.GatedMlp ? "RMSNorm: read and write [tokens × h]" : "LayerNorm: read and write [tokens × h]"));
        var activationOut = model.FfnHiddenSize / t;
        var activationIn = (model.MlpMatrices - 1) * activationOut;
        ops.Add(new RooflineOperation(model.GatedMlp ? "SwiGLU" : "GeLU", OperationKind.Elementwise, ActivationFlopsPerElement * tokens * activationOut,
            qa * tokens * (activationIn + activationOut), 0, 0, 0, model.GatedMlp ? "silu(gate)·up over [tokens × F/t]" : "gelu over [tokens × F/t]"));
        ops.Add(new RooflineOperation("Residual add", OperationKind.Elementwise, tokens * h, 3 * qa * tokens * h, 0, 0, 0,
            "two [tokens × h] inputs, one output"));
        return ops;
    }

    /// <summary>
    /// Smallest tokens T for which a GEMM [T × K]·[K × N] reaches intensity <paramref name="ridge"/>:
    /// 2·T·K·N ≥ I*·q·(T·K + K·N + T·N) ⇔ T ≥ I*·q·K·N / (2·K·N − I*·q·(K + N)). Null when the weight shape itself
    /// caps the intensity below the ridge (the denominator is not positive), however many tokens there are.
    /// </summary>
    public static double? MinimumTokensForGemm(double k, double n, double elementBytes, double ridge)
    {
        var denominator = 2 * k * n - ridge * elementBytes * (k + n);
        if (denominator <= 0) return null;
        return ridge * elementBytes * k * n / denominator;
    }

    /// <summary>
    /// The smallest micro-batch (tokens per GPU, and whole sequences) that puts every layer GEMM of the model at or
    /// above the chip's ridge point for the precision; logits and experts included. The "GPUs need large batches"
    /// argument: below it the tensor cores wait on HBM. For a dense bf16 model with wide layers this is ≈ I* tokens.
    /// </summary>
    public static ComputeBoundBatch SmallestComputeBoundBatch(TransformerModel model, ChipRoofline roofline, int tensor, int context = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(roofline);
        var q = GemmElementBytes(roofline.Precision);
        var ridge = roofline.RidgeFlopsPerByte;
        // The weight shapes do not depend on the batch: take them from a one-sequence layout.
        double? worst = 0;
        string? limiting = null;
        foreach (var op in LayerOperations(model, 1, tensor, roofline.Precision, context).Where(o => o.Kind == OperationKind.Gemm))
        {
            var needed = MinimumTokensForGemm(op.K, op.N, q, ridge);
            if (needed is null)
            {
                return new ComputeBoundBatch(null, null, op.Name, ridge);
            }
            // Expert GEMMs see only k/E of the micro-batch's tokens.
            var scale = op.Name.StartsWith("Expert", StringComparison.Ordinal) && model.Moe is { } moe
                ? (double)moe.Experts / moe.ExpertsPerToken
                : 1;
            var tokens = needed.Value * scale;
            if (tokens > worst)
            {
                worst = tokens;
                limiting = op.Name;
            }
        }
        var tokensNeeded = Math.Ceiling(worst!.Value);
        var sequenceTokens = (double)model.SequenceLength / context;
        var sequences = (int)Math.Max(1, Math.Ceiling(tokensNeeded / sequenceTokens));
        return new ComputeBoundBatch(tokensNeeded, sequences, limiting, ridge);
    }
}
