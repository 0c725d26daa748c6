using System.Text.Json;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Core.Estimation;

/// <summary>Optimizer cost figures.</summary>
/// <param name="StateBytesPerParameter">Optimizer-state bytes per parameter beyond 16-bit weights and gradients.</param>
/// <param name="UpdateBytesMovedPerParameter">HBM bytes the update kernel moves per parameter.</param>
/// <param name="NewtonSchulzSteps">Muon's orthogonalisation iterations (0 for others).</param>
/// <param name="MatmulFlopsPerParameter">Matrix-multiply FLOPs per parameter per step outside Newton–Schulz
/// (Shampoo/SOAP: statistics and preconditioning of each block), run at the chip's GEMM rate.</param>
public sealed record OptimizerCost(double StateBytesPerParameter, double UpdateBytesMovedPerParameter, int NewtonSchulzSteps, double MatmulFlopsPerParameter = 0);

/// <summary>
/// Cost-model constants shared by all chips, read from the embedded <c>model-defaults.json</c>
/// (every figure there names its source).
/// </summary>
public sealed record ModelDefaults
{
    /// <summary>GEMM efficiency relative to the chip's best, by GEMM FLOPs.</summary>
    public required EfficiencyCurve GemmSizeCurve { get; init; }
    /// <summary>Fraction of MAMF reached by GEMMs inside a training step.</summary>
    public required double GemmInModelFraction { get; init; }
    /// <summary>FP8/FP4 GEMM efficiency relative to BF16's fraction of peak.</summary>
    public required double LowPrecisionRelativeEfficiency { get; init; }
    /// <summary>Fused attention kernel throughput relative to in-model GEMMs.</summary>
    public required double AttentionKernelRelativeEfficiency { get; init; }
    /// <summary>FlashAttention-2's throughput relative to the native fused kernel on <see cref="FlashAttention2SlowArchitectures"/>.</summary>
    public double FlashAttention2RelativeEfficiency { get; init; } = 1.0;
    /// <summary>Architectures whose fast tensor-core path FlashAttention-2 does not use.</summary>
    public IReadOnlyList<string> FlashAttention2SlowArchitectures { get; init; } = [];
    /// <summary>Share of a fused attention kernel's exponentials (softmax) that overlaps its matmuls (model-defaults.json
    /// attention.softmaxExponentials.overlap); the rest adds to its time.</summary>
    public double AttentionExponentialOverlap { get; init; } = 1.0;
    /// <summary>Peak matmul FLOPs per peak exponential of the chip and precision the kernel efficiency was measured on (H100 BF16).</summary>
    public double AttentionReferenceMatmulFlopsPerExp { get; init; } = 1.0;
    /// <summary>Matmul FLOPs per softmax score forward of the reference kernels (head width 128: 512).</summary>
    public double AttentionReferenceHeadFlopsPerScore { get; init; } = 512;
    /// <summary>Attention backward FLOPs / forward FLOPs (flash attention recomputes scores).</summary>
    public required double AttentionBackwardToForward { get; init; }
    /// <summary>Fused attention backward throughput relative to its forward.</summary>
    public required double AttentionBackwardRelativeEfficiency { get; init; }
    /// <summary>Fraction of the s×s product a causal kernel computes.</summary>
    public required double CausalWorkFraction { get; init; }
    /// <summary>Unfused attention: HBM bytes per score element, forward, without dropout.</summary>
    public required double UnfusedBytesForward { get; init; }
    /// <summary>Unfused attention: HBM bytes per score element, backward, without dropout.</summary>
    public required double UnfusedBytesBackward { get; init; }
    /// <summary>Unfused attention: dropout bytes per score element (forward, backward).</summary>
    public required (double Forward, double Backward) UnfusedDropoutBytes { get; init; }
    /// <summary>Element-wise HBM bytes per hidden element per layer (forward).</summary>
    public required double ElementwiseBytesPerHidden { get; init; }
    /// <summary>Element-wise HBM bytes per FFN element, plain MLP.</summary>
    public required double ElementwiseBytesPerFfnPlain { get; init; }
    /// <summary>Element-wise HBM bytes per FFN element, gated MLP.</summary>
    public required double ElementwiseBytesPerFfnGated { get; init; }
    /// <summary>Backward/forward ratio of element-wise traffic.</summary>
    public required double ElementwiseBackwardToForward { get; init; }
    /// <summary>Activation elements of h moved per routed token-expert pair by MoE permute and unpermute, forward (model-defaults.json).</summary>
    public required double MoePermuteElementsPerRoutedToken { get; init; }
    /// <summary>More elements per routed pair where the all-to-all dispatcher sorts received tokens by local expert and back.</summary>
    public required double MoeChunkSortElementsPerRoutedToken { get; init; }
    /// <summary>Quantisation bytes per GEMM input element for FP8/FP4.</summary>
    public required double LowPrecisionCastBytes { get; init; }
    /// <summary>Quantisation bytes per GEMM input element for NVFP4 (two layouts, block scales, amax pass).</summary>
    public required double Fp4CastBytes { get; init; }
    /// <summary>Fixed latency of one collective call.</summary>
    public required double CollectiveBaseLatencySeconds { get; init; }
    /// <summary>Fraction of the last micro-batch's backward that hides the gradient reduce.</summary>
    public required double GradientOverlapFraction { get; init; }
    /// <summary>Share of TP communication pipelined with GEMMs (userbuffers, async TP) that still slows them.</summary>
    public double TensorParallelOverlapSlowdown { get; init; } = 0.45;
    /// <summary>Share of overlapped communication time that still slows compute.</summary>
    public required double OverlapSlowdown { get; init; }
    /// <summary>
    /// GPU math and memory-bound seconds per layer and micro-batch below which the model was far too optimistic on published
    /// runs; such estimates carry a warning (model-defaults.json validatedRange).
    /// </summary>
    public double MinValidatedSecondsPerLayerMicroBatch { get; init; }
    /// <summary>Fixed per-GPU memory for contexts, workspaces, communication buffers.</summary>
    public required double WorkspaceGiB { get; init; }
    /// <summary>Allocator fragmentation multiplier.</summary>
    public required double FragmentationFactor { get; init; }
    /// <summary>GPU-to-host bandwidth per direction where the chip's catalog entry gives none (PCIe 5.0 x16).</summary>
    public required double HostLinkBytesPerSecond { get; init; }
    /// <summary>Host memory per GPU for offloaded activations where the chip's catalog entry gives none (2 TB per 8-GPU node).</summary>
    public required double HostMemoryGiBPerGpu { get; init; }
    /// <summary>Default scale-out tiers.</summary>
    public required IReadOnlyList<NetworkTier> DefaultTiers { get; init; }
    /// <summary>Optimizer costs.</summary>
    public required IReadOnlyDictionary<OptimizerKind, OptimizerCost> Optimizers { get; init; }
    /// <summary>
    /// Seconds per local expert, MoE layer and micro-batch (forward and backward) that the GPU waits for the host to launch
    /// the expert's kernels after the layer's token-count sync, with FP8/FP4 GEMMs (quantisation kernels per expert) and with
    /// 16-bit GEMMs; only on stacks with <see cref="Planning.SoftwareStack.MoeHostLaunchesPerLocalExpert"/> (calibration.json).
    /// </summary>
    public (double LowPrecision, double SixteenBit) MoeHostSecondsPerLocalExpert { get; init; }

    private static readonly Lazy<ModelDefaults> s_standard = new(() =>
    {
        var host = Validation.MoeHostFigures.Standard;
        return Validation.CalibratedConstants.Parse(EmbeddedData.Read("calibration.json")).ApplyTo(Parse(EmbeddedData.Read("model-defaults.json"))) with
        {
            MoeHostSecondsPerLocalExpert = (host.LowPrecision, host.SixteenBit),
        };
    });

    /// <summary>The shipped defaults.</summary>
    public static ModelDefaults Standard => s_standard.Value;

    /// <summary>Parses a defaults document.</summary>
    public static ModelDefaults Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        static double V(JsonElement e, string a, string b) => e.GetProperty(a).GetProperty(b).GetProperty("value").GetDouble();
        static double U(JsonElement e, string name) => e.GetProperty("attention").GetProperty("unfused").GetProperty(name).GetProperty("value").GetDouble();
        var curve = root.GetProperty("gemm").GetProperty("sizeCurve").GetProperty("points").EnumerateArray()
            .Select(p => (p.GetProperty("flops").GetDouble(), p.GetProperty("efficiency").GetDouble())).ToList();
        var tiers = root.GetProperty("network").GetProperty("defaultTiers").EnumerateArray()
            .Select(t => new NetworkTier(
                t.GetProperty("name").GetString()!,
                t.GetProperty("gpus").GetInt64(),
                t.GetProperty("oversubscription").GetDouble(),
                t.GetProperty("latencyMicroseconds").GetDouble() * Units.Microsecond)).ToList();
        var opt = root.GetProperty("optimizers");
        OptimizerCost O(string name)
        {
            var o = opt.GetProperty(name);
            return new OptimizerCost(
                o.GetProperty("stateBytes").GetDouble(),
                o.GetProperty("updateBytesMoved").GetDouble(),
                o.TryGetProperty("newtonSchulzSteps", out var ns) ? ns.GetInt32() : 0,
                o.TryGetProperty("matmulFlopsPerParameter", out var mm) ? mm.GetDouble() : 0);
        }
        return new ModelDefaults
        {
            GemmSizeCurve = new EfficiencyCurve(curve),
            GemmInModelFraction = V(root, "gemm", "inModelFraction"),
            LowPrecisionRelativeEfficiency = V(root, "gemm", "lowPrecisionRelativeEfficiency"),
            AttentionKernelRelativeEfficiency = V(root, "attention", "kernelRelativeEfficiency"),
            FlashAttention2RelativeEfficiency = V(root, "attention", "flashAttention2OnAsyncTensorCores"),
            FlashAttention2SlowArchitectures = root.GetProperty("attention").GetProperty("flashAttention2OnAsyncTensorCores").GetProperty("architectures")
                .EnumerateArray().Select(a => a.GetString()!).ToList(),
            AttentionBackwardToForward = V(root, "attention", "backwardToForwardFlops"),
            AttentionExponentialOverlap = V(root.GetProperty("attention"), "softmaxExponentials", "overlap"),
            AttentionReferenceMatmulFlopsPerExp = V(root.GetProperty("attention"), "softmaxExponentials", "referenceMatmulFlopsPerExp"),
            AttentionReferenceHeadFlopsPerScore = V(root.GetProperty("attention"), "softmaxExponentials", "referenceHeadFlopsPerScore"),
            AttentionBackwardRelativeEfficiency = V(root, "attention", "backwardRelativeEfficiency"),
            CausalWorkFraction = V(root, "attention", "causalWorkFraction"),
            UnfusedBytesForward = U(root, "gemmIoBytesForward") + U(root, "softmaxBytesForward"),
            UnfusedBytesBackward = U(root, "gemmIoBytesBackward") + U(root, "softmaxBytesBackward"),
            UnfusedDropoutBytes = (U(root, "dropoutBytesForward"), U(root, "dropoutBytesBackward")),
            ElementwiseBytesPerHidden = V(root, "elementwise", "bytesPerHiddenElement"),
            ElementwiseBytesPerFfnPlain = V(root, "elementwise", "bytesPerFfnElementPlain"),
            ElementwiseBytesPerFfnGated = V(root, "elementwise", "bytesPerFfnElementGated"),
            ElementwiseBackwardToForward = V(root, "elementwise", "backwardToForward"),
            MoePermuteElementsPerRoutedToken = V(root, "elementwise", "moePermuteElementsPerRoutedToken"),
            MoeChunkSortElementsPerRoutedToken = V(root, "elementwise", "moeChunkSortElementsPerRoutedToken"),
            LowPrecisionCastBytes = V(root, "elementwise", "lowPrecisionCastBytesPerGemmInputElement"),
            Fp4CastBytes = V(root, "elementwise", "fp4CastBytesPerGemmInputElement"),
            CollectiveBaseLatencySeconds = V(root, "collectives", "baseLatencyMicroseconds") * Units.Microsecond,
            GradientOverlapFraction = V(root, "collectives", "gradientOverlapFraction"),
            OverlapSlowdown = V(root, "collectives", "computeSlowdownWhileOverlapping"),
            MinValidatedSecondsPerLayerMicroBatch = V(root, "validatedRange", "minGpuSecondsPerLayerMicroBatch"),
            WorkspaceGiB = V(root, "memory", "workspaceGiB"),
            FragmentationFactor = V(root, "memory", "fragmentationFactor"),
            HostLinkBytesPerSecond = V(root, "memory", "hostLinkGBpsPerDirection") * Units.GB,
            HostMemoryGiBPerGpu = V(root, "memory", "hostMemoryGiBPerGpu"),
            DefaultTiers = tiers,
            Optimizers = new Dictionary<OptimizerKind, OptimizerCost>
            {
                [OptimizerKind.Adam] = O("adam"),
                [OptimizerKind.Sgd] = O("sgd"),
                [OptimizerKind.Adafactor] = O("adafactor"),
                [OptimizerKind.Muon] = O("muon"),
                [OptimizerKind.Shampoo] = O("shampoo"),
                [OptimizerKind.Soap] = O("soap"),
                [OptimizerKind.Lamb] = O("lamb"),
                [OptimizerKind.Lion] = O("lion"),
            },
        };
    }
}
