using System.Text.Json;
using CapacityPlanner.Core.Hardware;

namespace CapacityPlanner.Core.Planning;

/// <summary>When a stack's data-parallel gradient reduction and parameter gathers run.</summary>
public enum DataParallelOverlap
{
    /// <summary>After the last micro-batch's backward, on the critical path (DeepSpeed's pipeline engine).</summary>
    AfterBackward,
    /// <summary>Bucketed, beside the last micro-batch's backward (Megatron-LM 2021–22 DDP).</summary>
    LastMicroBatch,
    /// <summary>
    /// Per model chunk or layer: each chunk's gradients reduce as its last backward ends (spread over the interleaved
    /// cooldown), parameters gather during the next step's warm-up forwards (Megatron-Core overlap_grad_reduce and
    /// overlap_param_gather, FSDP2 prefetch, XLA asynchronous collectives).
    /// </summary>
    PerChunk,
}

/// <summary>Which fused attention kernel a stack calls.</summary>
public enum FusedAttentionKernel
{
    /// <summary>A kernel written for the architecture's own tensor-core path (cuDNN, FlashAttention-3, Pallas splash).</summary>
    Native,
    /// <summary>FlashAttention-2 (PyTorch SDPA's default backend): synchronous tensor-core instructions on every architecture.</summary>
    FlashAttention2,
}

/// <summary>Where a stack puts the extra layers when they do not divide evenly over the pipeline stages.</summary>
public enum UnevenLayerSplit
{
    /// <summary>The middle stages (the earliest first); the first and last stages, which hold the embedding and the loss, get fewer.</summary>
    MiddleStages,
    /// <summary>The first stages (DeepSpeed's partition_uniform).</summary>
    FirstStages,
}

/// <summary>How a stack's MoE token dispatcher moves tokens to the ranks that hold their experts.</summary>
public enum ExpertDispatch
{
    /// <summary>One copy per (token, expert) pair, each sent to the expert's rank (Megatron-Core's alltoall dispatcher,
    /// DeepSpeed-MoE, TorchTitan, MaxText): a token routed to several experts in one remote scale-up domain crosses the
    /// network once per expert.</summary>
    AllToAll,
    /// <summary>One copy per token and destination scale-up domain over the network, fanned out to the experts' ranks inside
    /// the domain and reduced there on the way back (DeepEP and HybridEP behind Megatron-Core's flex dispatcher; DeepSeek-V3 §3.2.2).</summary>
    PerDomain,
}

/// <summary>Reads expert-dispatch names of scenario documents and data files.</summary>
public static class ExpertDispatches
{
    /// <summary>Every name <see cref="TryParse"/> accepts, in the order messages list them.</summary>
    public static readonly IReadOnlyList<string> Names = ["allToAll", "perDomain"];

    /// <summary>"allToAll" or "perDomain" (case-insensitive); false for anything else.</summary>
    public static bool TryParse(string? name, out ExpertDispatch dispatch)
    {
        dispatch = (name ?? "").ToLowerInvariant() switch
        {
            "alltoall" => ExpertDispatch.AllToAll,
            "perdomain" => ExpertDispatch.PerDomain,
            _ => (ExpertDispatch)(-1),
        };
        return Enum.IsDefined(dispatch);
    }

    /// <summary>The name a document writes for <paramref name="dispatch"/>.</summary>
    public static string Name(ExpertDispatch dispatch) => dispatch == ExpertDispatch.PerDomain ? "perDomain" : "allToAll";
}

/// <summary>What a stack recomputes under <c>recompute: selective</c>.</summary>
public enum SelectiveRecompute
{
    /// <summary>The attention core (scores, softmax, context): Megatron (Korthikanti et al. 2022 §5).</summary>
    AttentionCore,
    /// <summary>Every second matmul and every non-matmul op (TorchTitan's per-op policy).</summary>
    EveryOtherMatmul,
    /// <summary>Everything but the projection outputs (MaxText remat_policy minimal).</summary>
    Projections,
}

/// <summary>
/// What a training framework actually runs (data file <c>software-stacks.json</c>, every capability with its source):
/// the attention kernel, which communication overlaps with compute, the pipeline engine, FP8 activation storage and
/// memory overheads.
/// </summary>
/// <param name="Id">Stack id as named in scenarios (<c>training.stack</c>).</param>
/// <param name="Name">Display name.</param>
/// <param name="Attention">Attention kernel the stack runs.</param>
/// <param name="FusedAttentionKernel">Which fused kernel implements flash attention.</param>
/// <param name="TensorParallelOverlap">TP collectives are pipelined with the adjoining GEMMs.</param>
/// <param name="Fp4TensorParallelOverlap">That pipelining also runs under an FP4 (NVFP4) recipe; false where the stack's overlap
/// cannot move FP4-quantised inputs (Transformer Engine's userbuffers all-gather takes FP8 and MXFP8 only).</param>
/// <param name="DataParallelOverlap">When gradient reduction and parameter gathers run.</param>
/// <param name="PipelineP2pOverlap">Pipeline sends/receives run beside compute.</param>
/// <param name="PipelineScatterGather">Activations between stages are sent split over the TP ranks.</param>
/// <param name="PipelineTransfersPerMicroBatch">Stage-to-stage transfers on a stage's critical path per micro-batch and chunk:
/// 2 when the send and the receive with one neighbour go in one batched call, 4 when each is a blocking call of its own.</param>
/// <param name="Interleaving">The pipeline engine supports virtual stages.</param>
/// <param name="LowPrecisionActivationStorage">FP8/FP4 recipes keep the quantised GEMM inputs for backward instead of 16-bit copies.</param>
/// <param name="DeallocatePipelineOutputs">A chunk's output is freed once sent to the next stage.</param>
/// <param name="GradientReduceBytes">Bytes per gradient element in the data-parallel reduction.</param>
/// <param name="ElementwiseTrafficFactor">Share of the standalone element-wise HBM traffic left after the stack's fusion.</param>
/// <param name="WorkspaceGiB">Fixed per-device memory for runtime, workspaces and communication buffers.</param>
/// <param name="FragmentationFactor">Allocator fragmentation multiplier.</param>
/// <param name="NicAggregation">Collectives over a group spread one buffer over every NIC of a node (else each GPU's traffic leaves through its own NIC).</param>
/// <param name="LowPrecisionParameters">FP8 recipes hold the weights in FP8 only (FP32 masters in the optimizer) and gather 1-byte parameters.</param>
/// <param name="SelectiveRecompute">What <c>recompute: selective</c> recomputes.</param>
/// <param name="GradientBucketParameters">Parameters per data-parallel bucket (0: the whole buffer in one collective).</param>
/// <param name="GradientBucketParametersPerRank">Bucket growth per data-parallel rank (Megatron: 1M·DP).</param>
/// <param name="GradientAccumulationBytes">HBM bytes per parameter per extra micro-batch to accumulate gradients (0 when fused into the GEMM).</param>
/// <param name="LossBytesPerLogit">Bytes per logit live at the loss on the last stage (logits and the softmax/cross-entropy tensors kept together).</param>
/// <param name="Zero3UnshardedAcrossMicroBatches">Under ZeRO-3 with pipeline parallelism, the stage's parameters stay gathered and its gradients unsharded for the whole step; gathers and reduce-scatters run once per step.</param>
/// <param name="UnevenLayerSplit">Which pipeline stages take the extra layers of an uneven split.</param>
/// <param name="Fp32Parameters">The parameters are held in fp32 and are the optimizer's masters (cast to 16 bits or FP8 per use, no
/// separate 16-bit or FP8 weight copy); their gradients are fp32.</param>
/// <param name="LossBytesPerLogitVocabParallel">Bytes per logit at the loss when the vocabulary is split over tensor-parallel ranks, where the
/// stack computes that loss differently (null: <paramref name="LossBytesPerLogit"/>).</param>
/// <param name="ZeroStages">The ZeRO stages the stack runs (null: all four).</param>
/// <param name="ZeroStagesWithPipeline">The ZeRO stages it runs with pipeline parallelism (null: <paramref name="ZeroStages"/>).</param>
/// <param name="RecomputeDropsUnusedOutputs">Full recompute re-runs only what the backward needs (JAX remat's dead-code elimination):
/// the layer's last projection, whose output only feeds the residual add, is not computed again.</param>
/// <param name="Zero2ReducesOncePerChunk">Under ZeRO-2 each model chunk reduce-scatters its gradients once per step, after its
/// last backward, and gathers its parameters once (MegaScale §3.2), instead of a reduce-scatter per micro-batch.</param>
/// <param name="ExpertParallelOverlap">The MoE dispatch and combine all-to-all of one micro-batch run beside another micro-batch's
/// compute (Megatron-Core <c>overlap_moe_expert_parallel_comm</c>, DeepSeek-V3's DualPipe); false: each waits for its own layer.</param>
/// <param name="ActivationOffload">The stack can copy chosen layers' saved activations to host memory after their forward and
/// back before their backward (Megatron-Core with Transformer Engine's CPU offload context).</param>
/// <param name="MoeHostLaunchesPerLocalExpert">After each MoE layer's device-to-host sync of the tokens per expert, the host launches
/// every local expert's kernels one by one (Megatron-Core with Transformer Engine's grouped linear), and the GPU waits for those
/// launches where its kernels are shorter than them (model-defaults/calibration: moeHostSecondsPerLocalExpert).</param>
/// <param name="ExpertDispatch">How the MoE token dispatcher moves tokens across scale-up domains.</param>
/// <param name="FusedExpertKernels">The local experts' GEMMs, activation and quantisation run as fused grouped kernels that read the
/// tokens per expert on the device (Transformer Engine's op fuser with the CuTe DSL grouped MLP, torch._grouped_mm, megablox), so
/// nothing is launched per expert and no <paramref name="MoeHostLaunchesPerLocalExpert"/> waits remain.</param>
/// <param name="FusedExpertKernelsLowPrecisionArchitectures">Chip architectures on which the stack runs fused expert kernels under
/// FP8/FP4 although <paramref name="FusedExpertKernels"/> is false elsewhere (for a profile of releases that fuse on some chips only, as
/// NVIDIA's 2026 MXFP8 recipes do on Blackwell; the shipped Megatron-Core profile, its 2024–25 releases, lists none).</param>
/// <param name="SelectiveRecomputeModules">The stack's selective recompute takes a list of modules (Megatron-Core
/// <c>recompute_modules</c>: core_attn by default), which a scenario may name (<c>training.recomputeModules</c>).</param>
/// <param name="GradientAccumulation">The stack splits a replica's share of the global batch into micro-batches (Megatron, DeepSpeed,
/// TorchTitan); false: a step is one forward and backward pass over the whole share (MaxText's default).</param>
/// <param name="TensorParallelShardsActivations">The stack keeps the activations between tensor-parallel blocks split over the
/// tensor ranks whether or not a plan says <c>sequenceParallel</c> (MaxText: its logical axis rules put the embedding dimension
/// of every activation on the tensor axis); costed as sequence parallelism, the same all-gather and reduce-scatter around each block.</param>
/// <param name="ContextParallel">The stack splits a sequence over context-parallel ranks (Megatron-Core, TorchTitan, MaxText); false
/// where it has no such group (Megatron-LM 2021–23, MegaScale, DeepSpeed's pipeline engine).</param>
public sealed record SoftwareStack(
    string Id,
    string Name,
    AttentionKernel Attention,
    FusedAttentionKernel FusedAttentionKernel,
    bool TensorParallelOverlap,
    DataParallelOverlap DataParallelOverlap,
    bool PipelineP2pOverlap,
    bool PipelineScatterGather,
    int PipelineTransfersPerMicroBatch,
    bool Interleaving,
    bool LowPrecisionActivationStorage,
    bool DeallocatePipelineOutputs,
    double GradientReduceBytes,
    double ElementwiseTrafficFactor,
    double WorkspaceGiB,
    double FragmentationFactor,
    bool NicAggregation,
    bool LowPrecisionParameters,
    SelectiveRecompute SelectiveRecompute,
    double GradientBucketParameters,
    double GradientBucketParametersPerRank,
    double GradientAccumulationBytes,
    double LossBytesPerLogit,
    bool Zero3UnshardedAcrossMicroBatches,
    UnevenLayerSplit UnevenLayerSplit = UnevenLayerSplit.MiddleStages,
    bool Fp32Parameters = false,
    double? LossBytesPerLogitVocabParallel = null,
    IReadOnlyList<int>? ZeroStages = null,
    IReadOnlyList<int>? ZeroStagesWithPipeline = null,
    bool GradientAccumulation = true,
    bool RecomputeDropsUnusedOutputs = false,
    bool Zero2ReducesOncePerChunk = false,
    bool ExpertParallelOverlap = false,
    bool MoeHostLaunchesPerLocalExpert = false,
    bool Fp4TensorParallelOverlap = true,
    bool ActivationOffload = false,
    ExpertDispatch ExpertDispatch = ExpertDispatch.AllToAll,
    bool FusedExpertKernels = false,
    IReadOnlyList<string>? FusedExpertKernelsLowPrecisionArchitectures = null,
    bool SelectiveRecomputeModules = false,
    bool TensorParallelShardsActivations = false,
    bool ContextParallel = true)
{
    /// <summary>Whether the stack runs the local experts as fused grouped kernels at <paramref name="precision"/> on a chip of
    /// <paramref name="architecture"/> (the default when a scenario does not set <c>training.fusedExpertKernels</c>).</summary>
    public bool FusesExpertsOn(string architecture, Precision precision) =>
        FusedExpertKernels
        || (precision.IsLowPrecision() && FusedExpertKernelsLowPrecisionArchitectures is { } archs
            && archs.Contains(architecture, StringComparer.OrdinalIgnoreCase));

    /// <summary>Whether the stack pipelines TP collectives with GEMMs at <paramref name="precision"/> (the default when a
    /// scenario does not set <c>training.tpCommOverlap</c>).</summary>
    public bool OverlapsTensorParallelAt(Precision precision) =>
        TensorParallelOverlap && (precision != Precision.Fp4 || Fp4TensorParallelOverlap);

    /// <summary>
    /// The plan as the stack runs it: unchanged, or, for a stack without gradient accumulation, with one micro-batch per
    /// step holding each data-parallel replica's share of <paramref name="globalBatch"/>, and for a stack that always splits
    /// activations over the tensor ranks, with sequence parallelism. The one place those rules live (validation, estimate
    /// and search all go through it).
    /// </summary>
    public PlanSpec Runs(in PlanSpec plan, long globalBatch)
    {
        var run = GradientAccumulation ? plan : plan with { MicroBatchSize = StepMicroBatch(globalBatch, plan.Data) };
        return TensorParallelShardsActivations && run.Tensor > 1 && !run.SequenceParallel ? run with { SequenceParallel = true } : run;
    }

    /// <summary>The micro-batch of a stack without gradient accumulation: the replica's share of the global batch (at least 1).</summary>
    public static int StepMicroBatch(long globalBatch, int data) => (int)Math.Clamp(globalBatch / Math.Max(1, data), 1, int.MaxValue);

    /// <summary>True when the stack runs ZeRO stage <paramref name="stage"/> (with pipeline parallelism when <paramref name="pipelined"/>).</summary>
    public bool RunsZeroStage(int stage, bool pipelined = false) => ZeroStagesRun(pipelined).Contains(stage);

    /// <summary>The ZeRO stages the stack runs, for messages ("0, 1").</summary>
    public string ZeroStagesText(bool pipelined = false) => string.Join(", ", ZeroStagesRun(pipelined));

    private IReadOnlyList<int> ZeroStagesRun(bool pipelined) => (pipelined ? ZeroStagesWithPipeline ?? ZeroStages : ZeroStages) ?? s_allZeroStages;

    private static readonly int[] s_allZeroStages = [0, 1, 2, 3];

    /// <summary>Bytes per logit live at the loss with the vocabulary split over <paramref name="tensorParallel"/> ranks.</summary>
    public double LossBytesPerLogitAt(int tensorParallel) =>
        tensorParallel > 1 ? LossBytesPerLogitVocabParallel ?? LossBytesPerLogit : LossBytesPerLogit;
}

/// <summary>The shipped software stacks and the rule that picks one when a scenario says "auto".</summary>
public sealed class SoftwareStackCatalog
{
    /// <summary>The value of <c>training.stack</c> that applies <see cref="ResolveAuto"/>.</summary>
    public const string Auto = "auto";

    private static readonly Lazy<SoftwareStackCatalog> s_standard = new(() => Parse(EmbeddedData.Read("software-stacks.json")));

    private readonly Dictionary<string, SoftwareStack> _byId;
    private readonly string _tpuVendor;
    private readonly HashSet<string> _legacyArchitectures;
    private readonly string _legacyStack, _tpuStack, _defaultStack;
    private readonly IReadOnlyList<string> _zeroStageStacks;

    private readonly IReadOnlyDictionary<string, string> _caseFamilies;

    private SoftwareStackCatalog(IReadOnlyList<SoftwareStack> stacks, string tpuVendor, IEnumerable<string> legacyArchitectures, string legacy, string tpu, string fallback, IReadOnlyList<string> zeroStageStacks,
        IReadOnlyDictionary<string, string> caseFamilies)
    {
        _caseFamilies = caseFamilies;
        Stacks = stacks;
        _byId = stacks.ToDictionary(s => s.Id, StringComparer.Ordinal);
        _tpuVendor = tpuVendor;
        _legacyArchitectures = new HashSet<string>(legacyArchitectures, StringComparer.OrdinalIgnoreCase);
        _legacyStack = legacy;
        _tpuStack = tpu;
        _defaultStack = fallback;
        _zeroStageStacks = zeroStageStacks;
        foreach (var id in (string[])[legacy, tpu, fallback, .. zeroStageStacks])
        {
            if (!_byId.ContainsKey(id)) throw new FormatException($"software-stacks.json: autoRule names unknown stack \"{id}\".");
        }
        foreach (var (family, id) in caseFamilies)
        {
            if (!_byId.ContainsKey(id)) throw new FormatException($"software-stacks.json: caseFamilies maps \"{family}\" to unknown stack \"{id}\".");
        }
    }

    /// <summary>
    /// The stack a validation case's family names (who ran it and with which software), for a case whose scenario names
    /// none; null for families that ran several stacks or that auto already serves (the data file's caseFamilies).
    /// </summary>
    public string? StackForCaseFamily(string? family) =>
        family is null ? null : _caseFamilies.GetValueOrDefault(family);

    /// <summary>The shipped catalog.</summary>
    public static SoftwareStackCatalog Standard => s_standard.Value;

    /// <summary>Every stack, in file order.</summary>
    public IReadOnlyList<SoftwareStack> Stacks { get; }

    /// <summary>Ids a scenario may name, "auto" first.</summary>
    public IReadOnlyList<string> Ids => [Auto, .. Stacks.Select(s => s.Id)];

    /// <summary>The default Megatron-Core / Transformer Engine stack.</summary>
    public SoftwareStack Default => _byId[_defaultStack];

    /// <summary>A stack by id, or null.</summary>
    public SoftwareStack? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>
    /// The stack "auto" means on a chip: JAX/XLA on TPUs, the Megatron-LM paper stack on pre-Hopper NVIDIA parts,
    /// the current Megatron-Core / Transformer Engine stack elsewhere (see the data file's autoRule and its source).
    /// A plan whose ZeRO stage that stack lacks (<paramref name="zeroStage"/>) runs on the first of the rule's
    /// zeroStageStacks that has it: ZeRO-2 and ZeRO-3 on pre-Hopper parts were DeepSpeed's, ZeRO-2 with pipeline
    /// parallelism (which DeepSpeed refuses) MegaScale's.
    /// </summary>
    public SoftwareStack ResolveAuto(ChipSpec chip, int? zeroStage = null, bool pipelined = false)
    {
        ArgumentNullException.ThrowIfNull(chip);
        // The GPU stacks of zeroStageStacks do not run on TPUs: a ZeRO stage MaxText lacks stays invalid there.
        if (string.Equals(chip.Vendor, _tpuVendor, StringComparison.OrdinalIgnoreCase)) return _byId[_tpuStack];
        var stack = chip.Architecture is { } arch && _legacyArchitectures.Contains(arch) ? _byId[_legacyStack] : _byId[_defaultStack];
        if (zeroStage is { } z && !stack.RunsZeroStage(z, pipelined))
        {
            foreach (var other in _zeroStageStacks)
            {
                if (_byId[other].RunsZeroStage(z, pipelined)) return _byId[other];
            }
        }
        return stack;
    }

    /// <summary>Parses a stacks document.</summary>
    public static SoftwareStackCatalog Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        static JsonElement V(JsonElement e, string name) => e.GetProperty(name).GetProperty("value");
        var stacks = new List<SoftwareStack>();
        foreach (var s in root.GetProperty("stacks").EnumerateArray())
        {
            stacks.Add(new SoftwareStack(
                s.GetProperty("id").GetString()!,
                s.GetProperty("name").GetString()!,
                V(s, "attention").GetString() switch
                {
                    "flash" => AttentionKernel.Flash,
                    "unfused" => AttentionKernel.Unfused,
                    var other => throw new FormatException($"software-stacks.json: unknown attention kernel \"{other}\"."),
                },
                V(s, "fusedAttentionKernel").GetString() switch
                {
                    "native" => FusedAttentionKernel.Native,
                    "flashAttention2" => FusedAttentionKernel.FlashAttention2,
                    var other => throw new FormatException($"software-stacks.json: unknown fusedAttentionKernel \"{other}\"."),
                },
                V(s, "tensorParallelOverlap").GetBoolean(),
                V(s, "dataParallelOverlap").GetString() switch
                {
                    "afterBackward" => DataParallelOverlap.AfterBackward,
                    "lastMicroBatch" => DataParallelOverlap.LastMicroBatch,
                    "perChunk" => DataParallelOverlap.PerChunk,
                    var other => throw new FormatException($"software-stacks.json: unknown dataParallelOverlap \"{other}\"."),
                },
                V(s, "pipelineP2pOverlap").GetBoolean(),
                V(s, "pipelineScatterGather").GetBoolean(),
                V(s, "pipelineTransfersPerMicroBatch").GetInt32(),
                V(s, "interleaving").GetBoolean(),
                V(s, "lowPrecisionActivationStorage").GetBoolean(),
                V(s, "deallocatePipelineOutputs").GetBoolean(),
                V(s, "gradientReduceBytes").GetDouble(),
                V(s, "elementwiseTrafficFactor").GetDouble(),
                V(s, "workspaceGiB").GetDouble(),
                V(s, "fragmentationFactor").GetDouble(),
                V(s, "nicAggregation").GetBoolean(),
                V(s, "lowPrecisionParameters").GetBoolean(),
                V(s, "selectiveRecompute").GetString() switch
                {
                    "attentionCore" => SelectiveRecompute.AttentionCore,
                    "everyOtherMatmul" => SelectiveRecompute.EveryOtherMatmul,
                    "projections" => SelectiveRecompute.Projections,
                    var other => throw new FormatException($"software-stacks.json: unknown selectiveRecompute \"{other}\"."),
                },
                V(s, "gradientBucketParameters").GetDouble(),
                V(s, "gradientBucketParametersPerRank").GetDouble(),
                V(s, "gradientAccumulationBytes").GetDouble(),
                V(s, "lossBytesPerLogit").GetDouble(),
                V(s, "zero3UnshardedAcrossMicroBatches").GetBoolean(),
                V(s, "unevenLayerSplit").GetString() switch
                {
                    "middleStages" => UnevenLayerSplit.MiddleStages,
                    "firstStages" => UnevenLayerSplit.FirstStages,
                    var other => throw new FormatException($"software-stacks.json: unknown unevenLayerSplit \"{other}\"."),
                },
                V(s, "fp32Parameters").GetBoolean(),
                s.TryGetProperty("lossBytesPerLogitVocabParallel", out var vocabParallelLoss) ? vocabParallelLoss.GetProperty("value").GetDouble() : null,
                s.TryGetProperty("zeroStages", out var zero) ? [.. zero.GetProperty("value").EnumerateArray().Select(x => x.GetInt32())] : null,
                s.TryGetProperty("zeroStagesWithPipeline", out var zeroPipe) ? [.. zeroPipe.GetProperty("value").EnumerateArray().Select(x => x.GetInt32())] : null,
                !s.TryGetProperty("gradientAccumulation", out var accumulation) || accumulation.GetProperty("value").GetBoolean(),
                s.TryGetProperty("recomputeDropsUnusedOutputs", out var dce) && dce.GetProperty("value").GetBoolean(),
                s.TryGetProperty("zero2ReducesOncePerChunk", out var oncePerChunk) && oncePerChunk.GetProperty("value").GetBoolean(),
                V(s, "expertParallelOverlap").GetBoolean(),
                V(s, "moeHostLaunchesPerLocalExpert").GetBoolean(),
                !s.TryGetProperty("fp4TensorParallelOverlap", out var fp4Overlap) || fp4Overlap.GetProperty("value").GetBoolean(),
                V(s, "activationOffload").GetBoolean(),
                ExpertDispatches.TryParse(V(s, "expertDispatch").GetString(), out var dispatch)
                    ? dispatch
                    : throw new FormatException($"software-stacks.json: unknown expertDispatch \"{V(s, "expertDispatch").GetString()}\"; known: {string.Join(", ", ExpertDispatches.Names)}."),
                V(s, "fusedExpertKernels").GetBoolean(),
                s.GetProperty("fusedExpertKernels").TryGetProperty("lowPrecisionArchitectures", out var fusedArchs)
                    ? [.. fusedArchs.EnumerateArray().Select(a => a.GetString()!)]
                    : null,
                s.TryGetProperty("selectiveRecomputeModules", out var modules) && modules.GetProperty("value").GetBoolean(),
                s.TryGetProperty("tensorParallelShardsActivations", out var shards) && shards.GetProperty("value").GetBoolean(),
                V(s, "contextParallel").GetBoolean()));
        }
        var auto = root.GetProperty("autoRule");
        return new SoftwareStackCatalog(stacks,
            auto.GetProperty("tpuVendor").GetString()!,
            auto.GetProperty("legacyArchitectures").EnumerateArray().Select(a => a.GetString()!),
            auto.GetProperty("legacyStack").GetString()!,
            auto.GetProperty("tpuStack").GetString()!,
            auto.GetProperty("defaultStack").GetString()!,
            auto.TryGetProperty("zeroStageStacks", out var zeroStacks) ? [.. zeroStacks.EnumerateArray().Select(x => x.GetString()!)] : [],
            root.TryGetProperty("caseFamilies", out var families)
                ? families.GetProperty("stacks").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.OrdinalIgnoreCase)
                : new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));
    }
}
