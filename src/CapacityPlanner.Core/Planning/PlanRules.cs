using CapacityPlanner.Core.Workload;

namespace CapacityPlanner.Core.Planning;

/// <summary>A structural rule a parallelism plan must satisfy against its model, batch and cluster.</summary>
public enum PlanRule
{
    /// <summary>tensor × pipeline × context × data equals the GPU count.</summary>
    ProductMatchesGpus,
    /// <summary>TP divides the attention heads.</summary>
    TensorDividesHeads,
    /// <summary>TP divides or is a multiple of the KV heads (split or replicated evenly).</summary>
    TensorFitsKvHeads,
    /// <summary>TP divides the FFN width.</summary>
    TensorDividesFfn,
    /// <summary>CP divides the sequence length.</summary>
    ContextDividesSequence,
    /// <summary>Context parallelism needs a stack that runs it (<see cref="SoftwareStack.ContextParallel"/>).</summary>
    StackRunsContextParallel,
    /// <summary>Every pipeline stage holds at least one layer.</summary>
    PipelineWithinLayers,
    /// <summary>
    /// Every virtual-stage chunk holds at least one layer, or the embedding or the loss: stacks that balance the pipeline
    /// count those two as layers of the split (Megatron-Core <c>account_for_embedding_in_pipeline_split</c> and
    /// <c>account_for_loss_in_pipeline_split</c>; TorchTitan's input/output weights; Llama 3 §3.3.2 runs 126 layers in
    /// 16 × 8 chunks), so pipeline × virtual stages may reach layers + 2.
    /// </summary>
    ChunksWithinLayers,
    /// <summary>Virtual stages need pipeline parallelism.</summary>
    VirtualStagesNeedPipeline,
    /// <summary>Virtual stages need a stack whose pipeline engine runs an interleaved schedule (<see cref="SoftwareStack.Interleaving"/>).</summary>
    StackInterleaves,
    /// <summary>The global batch divides into micro-batch × DP.</summary>
    BatchDivides,
    /// <summary>EP needs a Mixture-of-Experts model.</summary>
    ExpertNeedsMoe,
    /// <summary>EP divides the experts.</summary>
    ExpertDividesExperts,
    /// <summary>EP divides data × context (expert groups carved out of the data-parallel ranks), or tensor × data × context
    /// (folded over the TP ranks with whole experts, Megatron-Core MoE parallel folding; <see cref="PlanSpec.ExpertTensor"/>).</summary>
    ExpertDividesDataContext,
    /// <summary>The ZeRO stage is 0–3.</summary>
    ZeroStageKnown,
    /// <summary>The stack runs the plan's ZeRO stage (<see cref="SoftwareStack.ZeroStages"/>).</summary>
    StackRunsZeroStage,
    /// <summary>Activation offloading leaves at least one layer on the GPU (Megatron-Core: fewer layers than the model's).</summary>
    OffloadWithinLayers,
    /// <summary>Activation offloading needs a stack that offloads (<see cref="SoftwareStack.ActivationOffload"/>).</summary>
    StackOffloads,
    /// <summary>Activation offloading runs without pipeline parallelism and without recompute (Megatron-Core's
    /// TransformerConfig rejects both).</summary>
    OffloadAlone,
    /// <summary>
    /// An interleaved schedule (virtual stages) needs at least as many micro-batches per step as pipeline stages:
    /// Megatron-Core's requires microbatch_group_size_per_vp_stage to lie in [PP, M] (pipeline_parallel/schedules.py),
    /// Megatron-LM 2021–23 and PyTorch's interleaved 1F1B (TorchTitan) a multiple of PP.
    /// </summary>
    InterleavedNeedsMicroBatches,
}

/// <summary>
/// The one table of structural plan rules, used by the validator (every violation of a given plan, with the field and a
/// sentence) and by the search (the first violation at each loop level, to prune and to count rejections). Each rule's
/// predicate reads only the plan fields its group names (and the software stack, which the search never changes), so the
/// search can check a group as soon as those are chosen.
/// </summary>
public static class PlanRules
{
    /// <summary>Rules that read only TP.</summary>
    public static ReadOnlySpan<PlanRule> TensorRules => [PlanRule.TensorDividesHeads, PlanRule.TensorFitsKvHeads, PlanRule.TensorDividesFfn];

    /// <summary>Rules that read only CP.</summary>
    public static ReadOnlySpan<PlanRule> ContextRules => [PlanRule.ContextDividesSequence, PlanRule.StackRunsContextParallel];

    /// <summary>Rules that read PP and virtual stages.</summary>
    public static ReadOnlySpan<PlanRule> PipelineRules => [PlanRule.PipelineWithinLayers, PlanRule.ChunksWithinLayers, PlanRule.VirtualStagesNeedPipeline, PlanRule.StackInterleaves];

    /// <summary>Rules that read the micro-batch and DP (and, for the interleaved schedule, PP and virtual stages, chosen before them).</summary>
    public static ReadOnlySpan<PlanRule> BatchRules => [PlanRule.BatchDivides, PlanRule.InterleavedNeedsMicroBatches];

    /// <summary>Rules that read EP, DP and CP.</summary>
    public static ReadOnlySpan<PlanRule> ExpertRules => [PlanRule.ExpertNeedsMoe, PlanRule.ExpertDividesExperts, PlanRule.ExpertDividesDataContext];

    /// <summary>Pipeline units beyond the layers: the embedding and the loss may each take a chunk (<see cref="PlanRule.ChunksWithinLayers"/>).</summary>
    public const int NonLayerPipelineUnits = 2;

    /// <summary>
    /// True when <paramref name="pipeline"/> × <paramref name="virtualStages"/> chunks hold equal shares: of the layers, or of
    /// the layers plus the embedding and the loss (the one rule the validator's warning and the search's candidates use).
    /// </summary>
    public static bool ChunksSplitEvenly(int layers, int pipeline, int virtualStages)
    {
        var chunks = (long)pipeline * virtualStages;
        return layers % chunks == 0 || (layers + NonLayerPipelineUnits) % chunks == 0;
    }

    /// <summary>Micro-batches each pipeline runs per step: global batch / (micro-batch × DP).</summary>
    private static long MicroBatchesPerStep(long globalBatch, in PlanSpec plan) => globalBatch / Math.Max(1L, (long)plan.MicroBatchSize * plan.Data);

    /// <summary>Number of rules (for counting rejections by rule).</summary>
    public static int Count => (int)PlanRule.InterleavedNeedsMicroBatches + 1;

    /// <summary>True when <paramref name="plan"/> satisfies <paramref name="rule"/> for this model, batch and GPU count.</summary>
    public static bool Holds(PlanRule rule, TransformerModel model, long globalBatch, long gpus, SoftwareStack stack, in PlanSpec plan)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stack);
        return rule switch
        {
            PlanRule.ProductMatchesGpus => plan.Gpus == gpus,
            PlanRule.TensorDividesHeads => model.AttentionHeads % plan.Tensor == 0,
            PlanRule.TensorFitsKvHeads => model.KvHeads == model.AttentionHeads || model.KvHeads % plan.Tensor == 0 || plan.Tensor % model.KvHeads == 0,
            PlanRule.TensorDividesFfn => model.FfnHiddenSize % plan.Tensor == 0,
            PlanRule.ContextDividesSequence => model.SequenceLength % plan.Context == 0,
            PlanRule.StackRunsContextParallel => plan.Context <= 1 || stack.ContextParallel,
            PlanRule.PipelineWithinLayers => plan.Pipeline <= model.Layers,
            PlanRule.ChunksWithinLayers => plan.VirtualStages <= 1 || plan.Pipeline > model.Layers || (long)plan.Pipeline * plan.VirtualStages <= model.Layers + (long)NonLayerPipelineUnits,
            PlanRule.VirtualStagesNeedPipeline => plan.VirtualStages <= 1 || plan.Pipeline > 1,
            PlanRule.StackInterleaves => plan.VirtualStages <= 1 || stack.Interleaving,
            PlanRule.BatchDivides => globalBatch % ((long)plan.MicroBatchSize * plan.Data) == 0,
            PlanRule.ExpertNeedsMoe => plan.Expert <= 1 || model.Moe is not null,
            PlanRule.ExpertDividesExperts => plan.Expert <= 1 || model.Moe is null || model.Moe.Experts % plan.Expert == 0,
            PlanRule.ExpertDividesDataContext => plan.Expert <= 1 || model.Moe is null || ((long)plan.Data * plan.Context) % plan.Expert == 0
                || ((long)plan.Tensor * plan.Data * plan.Context) % plan.Expert == 0,
            PlanRule.ZeroStageKnown => plan.ZeroStage is >= 0 and <= 3,
            PlanRule.StackRunsZeroStage => plan.ZeroStage is < 0 or > 3 || stack.RunsZeroStage(plan.ZeroStage, plan.Pipeline > 1),
            PlanRule.OffloadWithinLayers => plan.ActivationOffloadLayers <= 0 || plan.ActivationOffloadLayers < model.Layers,
            PlanRule.StackOffloads => plan.ActivationOffloadLayers <= 0 || stack.ActivationOffload,
            PlanRule.OffloadAlone => plan.ActivationOffloadLayers <= 0 || (plan.Pipeline == 1 && plan.Recompute == RecomputeMode.None),
            PlanRule.InterleavedNeedsMicroBatches => plan.VirtualStages <= 1 || plan.Pipeline <= 1 || MicroBatchesPerStep(globalBatch, plan) >= plan.Pipeline,
            _ => true,
        };
    }

    /// <summary>The first rule of <paramref name="group"/> the plan breaks, or null.</summary>
    public static PlanRule? FirstViolation(ReadOnlySpan<PlanRule> group, TransformerModel model, long globalBatch, long gpus, SoftwareStack stack, in PlanSpec plan)
    {
        foreach (var rule in group)
        {
            if (!Holds(rule, model, globalBatch, gpus, stack, plan)) return rule;
        }
        return null;
    }

    /// <summary>Every rule the plan breaks, in rule order.</summary>
    public static IEnumerable<PlanRule> Violations(TransformerModel model, long globalBatch, long gpus, SoftwareStack stack, PlanSpec plan)
    {
        for (var i = 0; i < Count; i++)
        {
            var rule = (PlanRule)i;
            // A pipeline longer than the model already says every chunk cannot hold a layer.
            if (rule == PlanRule.ChunksWithinLayers && plan.Pipeline > model.Layers) continue;
            if (!Holds(rule, model, globalBatch, gpus, stack, plan)) yield return rule;
        }
    }

    /// <summary>The parallelism field a person changes to fix the rule.</summary>
    public static string Field(PlanRule rule) => rule switch
    {
        PlanRule.ProductMatchesGpus => "data",
        PlanRule.TensorDividesHeads or PlanRule.TensorFitsKvHeads or PlanRule.TensorDividesFfn => "tensor",
        PlanRule.ContextDividesSequence or PlanRule.StackRunsContextParallel => "context",
        PlanRule.PipelineWithinLayers => "pipeline",
        PlanRule.ChunksWithinLayers or PlanRule.VirtualStagesNeedPipeline or PlanRule.StackInterleaves => "virtualStages",
        PlanRule.BatchDivides => "microBatchSize",
        PlanRule.ExpertNeedsMoe or PlanRule.ExpertDividesExperts or PlanRule.ExpertDividesDataContext => "expert",
        PlanRule.OffloadWithinLayers or PlanRule.StackOffloads or PlanRule.OffloadAlone => "activationOffloadLayers",
        PlanRule.InterleavedNeedsMicroBatches => "virtualStages",
        _ => "zeroStage",
    };

    /// <summary>Why this plan breaks the rule and how to fix it.</summary>
    public static string Explain(PlanRule rule, TransformerModel model, long globalBatch, long gpus, SoftwareStack stack, in PlanSpec p)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stack);
        var denom = (long)p.MicroBatchSize * p.Data;
        return rule switch
        {
            PlanRule.ProductMatchesGpus => $"tensor × pipeline × context × data = {p.Tensor} × {p.Pipeline} × {p.Context} × {p.Data} = {p.Gpus}, but system.gpus = {gpus}. Make the product equal the GPU count.",
            PlanRule.TensorDividesHeads => $"TP={p.Tensor} does not divide {model.AttentionHeads} attention heads; use a divisor of {model.AttentionHeads}.",
            PlanRule.TensorFitsKvHeads => $"TP={p.Tensor} neither divides nor is a multiple of {model.KvHeads} KV heads, so KV heads cannot be split or replicated evenly.",
            PlanRule.TensorDividesFfn => $"TP={p.Tensor} does not divide the FFN width {model.FfnHiddenSize}.",
            PlanRule.ContextDividesSequence => $"CP={p.Context} does not divide the sequence length {model.SequenceLength}.",
            PlanRule.StackRunsContextParallel => $"CP={p.Context}, but {stack.Name} (training.stack '{stack.Id}') has no context parallelism. Set context to 1, or name a stack that runs it in training.stack (megatron-core, torchtitan or maxtext).",
            PlanRule.PipelineWithinLayers => $"PP={p.Pipeline} stages exceed the model's {model.Layers} layers; every stage needs at least one layer.",
            PlanRule.ChunksWithinLayers => $"{p.Pipeline} stages × {p.VirtualStages} virtual stages = {(long)p.Pipeline * p.VirtualStages} chunks exceed the model's {model.Layers} layers plus the embedding and the loss; every chunk needs at least one of them. Use at most {(model.Layers + NonLayerPipelineUnits) / p.Pipeline} virtual stages.",
            PlanRule.VirtualStagesNeedPipeline => "virtualStages > 1 needs pipeline parallelism (pipeline ≥ 2).",
            PlanRule.StackInterleaves => $"virtualStages = {p.VirtualStages}, but {stack.Name} has no interleaved pipeline schedule (training.stack '{stack.Id}' runs plain 1F1B). Set virtualStages to 1, or choose a stack that runs virtual stages.",
            PlanRule.BatchDivides => $"global batch {globalBatch} is not divisible by micro-batch {p.MicroBatchSize} × data-parallel {p.Data} = {denom}; choose a global batch that is a multiple of {denom}.",
            PlanRule.ExpertNeedsMoe => $"EP={p.Expert} needs a Mixture-of-Experts model; this model is dense. Set expert to 1.",
            PlanRule.ExpertDividesExperts => $"EP={p.Expert} does not divide {model.Moe?.Experts} experts.",
            PlanRule.ExpertDividesDataContext => $"EP={p.Expert} must divide data × context = {(long)p.Data * p.Context} (expert groups are carved out of the data-parallel ranks), or tensor × data × context = {(long)p.Tensor * p.Data * p.Context} with the experts unsplit over TP (MoE parallel folding).",
            PlanRule.StackRunsZeroStage => $"zeroStage {p.ZeroStage}, but {stack.Name} (training.stack '{stack.Id}') runs ZeRO stages {stack.ZeroStagesText(p.Pipeline > 1)} only{(p.Pipeline > 1 && stack.RunsZeroStage(p.ZeroStage) ? " with pipeline parallelism" : "")}. Use one of those, or name a stack that runs ZeRO-{p.ZeroStage} in training.stack.",
            PlanRule.OffloadWithinLayers => $"activationOffloadLayers = {p.ActivationOffloadLayers}, but the model has {model.Layers} layers; offload fewer than {model.Layers} (at least one layer's activations stay on the GPU).",
            PlanRule.StackOffloads => $"activationOffloadLayers = {p.ActivationOffloadLayers}, but {stack.Name} (training.stack '{stack.Id}') does not offload activations to host memory. Set it to 0, or name a stack that does (megatron-core).",
            PlanRule.OffloadAlone => $"activationOffloadLayers = {p.ActivationOffloadLayers} needs pipeline = 1 and recompute = none (Megatron-Core runs CPU offloading without pipeline parallelism or activation recompute); this plan has pipeline = {p.Pipeline} and recompute = {p.Recompute.ToString().ToLowerInvariant()}.",
            PlanRule.InterleavedNeedsMicroBatches => $"virtualStages = {p.VirtualStages} runs the interleaved schedule, which needs at least pipeline = {p.Pipeline} micro-batches per step; this plan has {MicroBatchesPerStep(globalBatch, p)} (global batch {globalBatch} / (micro-batch {p.MicroBatchSize} × data {p.Data})). Megatron-Core refuses fewer (microbatch_group_size_per_vp_stage must lie in [PP, M]). Set virtualStages to 1, or use a smaller micro-batch, less data parallelism or a larger global batch.",
            _ => $"zeroStage {p.ZeroStage} is not 0, 1, 2 or 3.",
        };
    }

    /// <summary>The rule as a search rejection reason (about every candidate it rejected, not one plan).</summary>
    public static string Summary(PlanRule rule, TransformerModel model, long globalBatch)
    {
        ArgumentNullException.ThrowIfNull(model);
        return rule switch
        {
            PlanRule.ProductMatchesGpus => "tensor × pipeline × context × data is not the GPU count",
            PlanRule.TensorDividesHeads => $"TP does not divide {model.AttentionHeads} attention heads",
            PlanRule.TensorFitsKvHeads => $"TP does not divide or replicate {model.KvHeads} KV heads",
            PlanRule.TensorDividesFfn => $"TP does not divide the FFN width {model.FfnHiddenSize}",
            PlanRule.ContextDividesSequence => $"CP does not divide the sequence length {model.SequenceLength}",
            PlanRule.StackRunsContextParallel => "context parallelism on a stack without it",
            PlanRule.PipelineWithinLayers => $"PP exceeds {model.Layers} layers",
            PlanRule.ChunksWithinLayers => $"pipeline × virtual stages exceed {model.Layers} layers + embedding + loss",
            PlanRule.VirtualStagesNeedPipeline => "virtual stages without pipeline parallelism",
            PlanRule.StackInterleaves => "virtual stages on a stack without an interleaved schedule",
            PlanRule.BatchDivides => $"global batch {globalBatch} not divisible by micro-batch × DP",
            PlanRule.ExpertNeedsMoe or PlanRule.ExpertDividesExperts or PlanRule.ExpertDividesDataContext => "EP does not divide the experts or (tensor ×) data × context",
            PlanRule.StackRunsZeroStage => "ZeRO stage the software stack does not run",
            PlanRule.OffloadWithinLayers or PlanRule.StackOffloads or PlanRule.OffloadAlone => "activation offloading the plan or stack cannot run",
            PlanRule.InterleavedNeedsMicroBatches => "interleaved pipeline with fewer micro-batches per step than stages",
            _ => "ZeRO stage outside 0–3",
        };
    }
}
