using System.Globalization;

namespace CapacityPlanner.Web.Shared.Scenario;

/// <summary>What a bounded numeric input needs of its field: label, units, bounds, spinner step and the check.</summary>
/// <typeparam name="T">int or double.</typeparam>
public interface IBoundedFieldSpec<T> where T : struct
{
    /// <summary>Label with units.</summary>
    string DisplayLabel { get; }
    /// <summary>The accepted range as text.</summary>
    string Range { get; }
    /// <summary>Unit.</summary>
    string Unit { get; }
    /// <summary>Helper text, or null.</summary>
    string? Hint { get; }
    /// <summary>False when the field may be left empty.</summary>
    bool Required { get; }
    /// <summary>Stable <c>data-testid</c>.</summary>
    string TestId { get; }
    /// <summary>Smallest accepted value.</summary>
    T Min { get; }
    /// <summary>Largest accepted value.</summary>
    T Max { get; }
    /// <summary>Spinner step.</summary>
    T Step { get; }
    /// <summary>The validation message for a value, or null when it is acceptable.</summary>
    string? Check(T? value);
}

/// <summary>A bounded integer field of the planner form.</summary>
/// <param name="Path">JSON path of the field in the scenario document; estimate errors with this path show on the field.</param>
/// <param name="Label">Label without units.</param>
/// <param name="Unit">Unit shown in the label.</param>
/// <param name="Min">Smallest accepted value.</param>
/// <param name="Max">Largest accepted value.</param>
/// <param name="Required">False when the field may be left empty.</param>
/// <param name="TestId">Stable <c>data-testid</c> of the input.</param>
/// <param name="Hint">Helper text shown under the field when it has no error.</param>
public sealed record NumericFieldSpec(string Path, string Label, string Unit, int Min, int Max, bool Required, string TestId, string? Hint = null)
    : IBoundedFieldSpec<int>
{
    /// <summary>Spinner step (whole numbers).</summary>
    public int Step => 1;

    /// <summary>Label with units, e.g. "Global batch (sequences)".</summary>
    public string DisplayLabel => $"{Label} ({Unit})";

    /// <summary>"1–1,024" for helper texts and messages.</summary>
    public string Range => string.Create(CultureInfo.InvariantCulture, $"{Min:N0}–{Max:N0}");

    /// <summary>The validation message for a value, or null when it is acceptable.</summary>
    public string? Check(int? value) => value switch
    {
        null when Required => $"{Label} is required ({Range} {Unit}).",
        null => null,
        { } v when v < Min || v > Max => string.Create(CultureInfo.InvariantCulture, $"{Label} must be between {Min:N0} and {Max:N0} {Unit}; got {v:N0}."),
        _ => null,
    };
}

/// <summary>A bounded decimal field (token budget, network rates, chip figures).</summary>
/// <param name="Path">JSON path of the field in the scenario document; estimate errors with this path show on the field.</param>
/// <param name="Label">Label without units.</param>
/// <param name="Unit">Unit shown in the label.</param>
/// <param name="Min">Smallest accepted value.</param>
/// <param name="Max">Largest accepted value.</param>
/// <param name="Required">False when the field may be left empty.</param>
/// <param name="TestId">Stable <c>data-testid</c> of the input.</param>
/// <param name="Hint">Helper text shown under the field when it has no error.</param>
/// <param name="Step">Spinner step.</param>
public sealed record DecimalFieldSpec(string Path, string Label, string Unit, double Min, double Max, bool Required, string TestId, string? Hint = null, double Step = 1)
    : IBoundedFieldSpec<double>
{
    /// <summary>Label with units, e.g. "Scale-out NIC (Gb/s per GPU)".</summary>
    public string DisplayLabel => $"{Label} ({Unit})";

    /// <summary>"1–100,000" for helper texts and messages.</summary>
    public string Range => $"{Format(Min)}–{Format(Max)}";

    /// <summary>The validation message for a value, or null when it is acceptable.</summary>
    public string? Check(double? value) => value switch
    {
        null when Required => $"{Label} is required ({Range} {Unit}).",
        null => null,
        { } v when double.IsNaN(v) || v < Min || v > Max => $"{Label} must be between {Format(Min)} and {Format(Max)} {Unit}; got {Format(v)}.",
        _ => null,
    };

    /// <summary>Invariant short form of a bound: "0.05", "1,000".</summary>
    public static string Format(double v) => Math.Abs(v) >= 1000
        ? v.ToString("N0", CultureInfo.InvariantCulture)
        : v.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>A choice of a select field.</summary>
/// <param name="Value">Value written to the scenario.</param>
/// <param name="Text">Short text shown in the field.</param>
/// <param name="Description">What the choice means, shown in the list and under the field.</param>
public sealed record Choice<T>(T Value, string Text, string Description);

/// <summary>The fields of the planner form with their JSON paths, units and bounds.</summary>
public static class PlannerFields
{
    /// <summary>JSON path of the model preset.</summary>
    public const string PresetPath = "$.model.preset";
    /// <summary>JSON path of the chip.</summary>
    public const string ChipPath = "$.system.chip";
    /// <summary>JSON path of the precision.</summary>
    public const string PrecisionPath = "$.training.precision";

    /// <summary>Path of the software-stack field.</summary>
    public const string StackPath = "$.training.stack";
    /// <summary>JSON path of the ZeRO stage.</summary>
    public const string ZeroStagePath = "$.parallelism.zeroStage";
    /// <summary>JSON path of the recompute mode.</summary>
    public const string RecomputePath = "$.parallelism.recompute";
    /// <summary>JSON path of sequence parallelism.</summary>
    public const string SequenceParallelPath = "$.parallelism.sequenceParallel";
    /// <summary>JSON path of the rank placement.</summary>
    public const string PlacementPath = "$.parallelism.placement";

    /// <summary>GPUs in the cluster.</summary>
    public static NumericFieldSpec Gpus { get; } = new("$.system.gpus", "GPU count", "GPUs", 1, 1_000_000, true, "gpus");

    /// <summary>Sequences per optimizer step.</summary>
    public static NumericFieldSpec GlobalBatch { get; } = new("$.training.globalBatchSequences", "Global batch", "sequences", 1, 16_777_216, true, "global-batch");

    /// <summary>Tensor-parallel degree.</summary>
    public static NumericFieldSpec Tensor { get; } = new("$.parallelism.tensor", "Tensor parallel", "GPUs", 1, 1024, true, "tensor",
        "Must divide the attention heads.");

    /// <summary>Pipeline-parallel degree.</summary>
    public static NumericFieldSpec Pipeline { get; } = new("$.parallelism.pipeline", "Pipeline parallel", "stages", 1, 1024, true, "pipeline");

    /// <summary>Data-parallel degree (optional).</summary>
    public static NumericFieldSpec Data { get; } = new("$.parallelism.data", "Data parallel", "replicas", 1, 1_000_000, false, "data",
        "Leave empty to derive GPUs ÷ (TP × PP).");

    /// <summary>Sequences per micro-batch.</summary>
    public static NumericFieldSpec MicroBatch { get; } = new("$.parallelism.microBatchSize", "Micro-batch", "sequences", 1, 65_536, true, "micro-batch");

    /// <summary>Context-parallel degree (ring attention).</summary>
    public static NumericFieldSpec Context { get; } = new("$.parallelism.context", "Context parallel", "GPUs", 1, 1024, true, "context",
        "Splits the sequence; must divide it.");

    /// <summary>Expert-parallel degree.</summary>
    public static NumericFieldSpec Expert { get; } = new("$.parallelism.expert", "Expert parallel", "GPUs", 1, 1024, true, "expert",
        "MoE models only; divides the experts and DP × CP.");

    /// <summary>Interleaved pipeline chunks per stage.</summary>
    public static NumericFieldSpec VirtualStages { get; } = new("$.parallelism.virtualStages", "Virtual stages", "chunks", 1, 128, true, "virtual-stages",
        "Interleaved 1F1B: bubble ÷ v.");

    /// <summary>Layers whose activations are offloaded to host memory (Megatron-Core CPU offloading).</summary>
    public static NumericFieldSpec ActivationOffloadLayers { get; } = new("$.parallelism.activationOffloadLayers", "Offloaded layers", "layers", 0, 100_000, false, "activation-offload-layers",
        "Activations kept in host memory; Megatron-Core, no PP, no recompute.");

    /// <summary>GPUs per scale-up domain (NVLink, NVL72, ICI).</summary>
    public static NumericFieldSpec ScaleUpDomain { get; } = new("$.system.network.scaleUpDomainGpus", "Scale-up domain", "GPUs", 1, 1_000_000, false, "scale-up-domain",
        "Empty: the chip's (8 for HGX, 72 for NVL72).");

    /// <summary>Transformer layers.</summary>
    public static NumericFieldSpec Layers { get; } = new("$.model.layers", "Layers", "layers", 1, 1000, false, "layers");

    /// <summary>Model width.</summary>
    public static NumericFieldSpec HiddenSize { get; } = new("$.model.hiddenSize", "Hidden size", "elements", 64, 262_144, false, "hidden-size");

    /// <summary>Query heads.</summary>
    public static NumericFieldSpec AttentionHeads { get; } = new("$.model.attentionHeads", "Attention heads", "heads", 1, 4096, false, "attention-heads");

    /// <summary>Key/value heads (GQA).</summary>
    public static NumericFieldSpec KvHeads { get; } = new("$.model.kvHeads", "KV heads", "heads", 1, 4096, false, "kv-heads");

    /// <summary>Dense MLP width.</summary>
    public static NumericFieldSpec FfnHiddenSize { get; } = new("$.model.ffnHiddenSize", "FFN width", "elements", 64, 2_000_000, false, "ffn-hidden-size");

    /// <summary>Vocabulary.</summary>
    public static NumericFieldSpec VocabSize { get; } = new("$.model.vocabSize", "Vocabulary", "tokens", 1, 10_000_000, false, "vocab-size");

    /// <summary>Training sequence length.</summary>
    public static NumericFieldSpec SequenceLength { get; } = new("$.model.sequenceLength", "Sequence length", "tokens", 16, 10_000_000, false, "sequence-length");

    /// <summary>Attention head width where it is not hidden ÷ heads.</summary>
    public static NumericFieldSpec HeadDim { get; } = new("$.model.headDim", "Head width", "elements", 1, 4096, false, "head-dim");

    /// <summary>Training tokens for time-to-train, in billions.</summary>
    public static DecimalFieldSpec TokensBillions { get; } = new("$.training.tokens", "Token budget", "billion tokens", 0.001, 1e9, false, "tokens",
        "For time-to-train and GPU-hours.", 10);

    /// <summary>Scale-out NIC rate per GPU.</summary>
    public static DecimalFieldSpec ScaleOutGbps { get; } = new("$.system.scaleOutGbpsPerGpu", "Scale-out NIC", "Gb/s per GPU", 1, 100_000, false, "scale-out-gbps",
        "Empty: the chip's NIC.", 100);

    /// <summary>What fits in X MW (facility power: TDP × server power × PUE); the cluster is sized to it.</summary>
    public static DecimalFieldSpec PowerCapMw { get; } = new("$.sites.powerCapMw", "Power cap", "MW", 0.001, 1_000_000, false, "power-cap-mw",
        "What fits: the cluster is sized to the cap. Empty: the GPUs above.", 1);

    /// <summary>Oversubscription of the spine and core tiers above each 256-GPU leaf.</summary>
    public static DecimalFieldSpec Oversubscription { get; } = new("$.system.network.tiers", "Oversubscription", ": 1", 1, 64, false, "oversubscription",
        "Above each 256-GPU leaf; empty or 1: non-blocking.", 1);

    /// <summary>Model shape fields (empty: the preset's value).</summary>
    public static IReadOnlyList<NumericFieldSpec> ModelShape { get; } = [Layers, HiddenSize, AttentionHeads, KvHeads, FfnHiddenSize, VocabSize, SequenceLength, HeadDim];

    /// <summary>Every numeric field.</summary>
    public static IReadOnlyList<NumericFieldSpec> Numeric { get; } =
        [Gpus, GlobalBatch, Tensor, Pipeline, Data, MicroBatch, Context, Expert, VirtualStages, ActivationOffloadLayers, ScaleUpDomain, .. ModelShape];

    /// <summary>Every decimal field.</summary>
    public static IReadOnlyList<DecimalFieldSpec> Decimal { get; } = [TokensBillions, ScaleOutGbps, Oversubscription, PowerCapMw];

    /// <summary>Rank placements, innermost axis first.</summary>
    public static IReadOnlyList<Choice<string>> Placements { get; } =
    [
        new("default", "TP, CP, EP, DP, PP", "Pipeline stages outermost (Megatron default)."),
        new("pipeline-inside-data", "TP, CP, EP, PP, DP", "Pipeline inside data parallel: DP groups span the cluster."),
    ];

    /// <summary>Training precisions offered by the form.</summary>
    public static IReadOnlyList<Choice<string>> Precisions { get; } =
    [
        new("bf16", "BF16", "bfloat16 GEMMs, the usual choice."),
        new("fp16", "FP16", "IEEE half GEMMs with loss scaling."),
        new("fp8", "FP8", "8-bit GEMMs (Hopper and later); 16-bit activations."),
        new("fp4", "FP4", "NVFP4 GEMMs (Blackwell); 16-bit activations."),
    ];

    /// <summary>Software stacks (data file software-stacks.json).</summary>
    public static IReadOnlyList<Choice<string>> Stacks { get; } =
    [
        new("auto", "Auto", "MaxText on TPUs, the Megatron-LM paper stack on Volta/Ampere (DeepSpeed for ZeRO-2/3 there), Megatron-Core with Transformer Engine elsewhere."),
        .. Core.Planning.SoftwareStackCatalog.Standard.Stacks.Select(s => new Choice<string>(s.Id, s.Id, s.Name)),
    ];

    /// <summary>ZeRO stages.</summary>
    public static IReadOnlyList<Choice<int>> ZeroStages { get; } =
    [
        new(0, "Stage 0", "Every data-parallel rank keeps all states."),
        new(1, "Stage 1", "Shards optimizer states across data-parallel ranks."),
        new(2, "Stage 2", "Shards optimizer states and gradients."),
        new(3, "Stage 3", "Shards states, gradients and weights (FSDP)."),
    ];

    /// <summary>A yes/no field that may also defer to the preset or the stack ("default").</summary>
    public static IReadOnlyList<Choice<string>> PresetFlag { get; } =
    [
        new("default", "The preset's", "As the model preset has it."),
        new("yes", "Yes", ""),
        new("no", "No", ""),
    ];

    /// <summary>TP communication overlap choices (training.tpCommOverlap).</summary>
    public static IReadOnlyList<Choice<string>> TpOverlap { get; } =
    [
        new("default", "The stack's", "What the software stack does at this precision."),
        new("yes", "On", "TP all-gathers and reduce-scatters pipelined with the GEMMs."),
        new("no", "Off", "TP collectives on the critical path."),
    ];

    /// <summary>How a MoE model's local experts run (training.fusedExpertKernels).</summary>
    public static IReadOnlyList<Choice<string>> ExpertKernels { get; } =
    [
        new("default", "The stack's", "What the software stack runs: Megatron-Core (2024–25 releases) one expert at a time, TorchTitan and MaxText fused."),
        new("yes", "Fused", "Every local expert in one grouped kernel that reads the tokens per expert on the device (NVIDIA's 2026 MXFP8 recipes, MLPerf v6.0): no host launch waits."),
        new("no", "Per expert", "Each local expert's kernels launched by the host after the layer's device-to-host sync; the GPU waits where they are short."),
    ];

    /// <summary>Optimizers (training.optimizer).</summary>
    public static IReadOnlyList<Choice<string>> Optimizers { get; } =
        [.. Contracts.Scenarios.ScenarioParser.Optimizers.Select(o => new Choice<string>(o, o, ""))];

    /// <summary>Where ZeRO-3 shards (parallelism.zeroShardScope).</summary>
    public static IReadOnlyList<Choice<string>> ZeroShardScopes { get; } =
    [
        new("auto", "Auto", "The faster of the two that fits."),
        new("all", "All ranks", "Across every data-parallel rank (FSDP full shard)."),
        new("domain", "Scale-up domain", "Within each NVLink/ICI domain, replicated across domains (hybrid shard)."),
    ];

    /// <summary>Activation recompute modes.</summary>
    public static IReadOnlyList<Choice<string>> RecomputeModes { get; } =
    [
        new("none", "None", "Stores every activation."),
        new("selective", "Selective", "Recomputes the attention core in the backward pass."),
        new("full", "Full", "Stores layer inputs and recomputes whole layers."),
    ];

    /// <summary>Labels of the choice fields, by the JSON path they write.</summary>
    private static readonly Dictionary<string, string> s_choiceLabels = new(StringComparer.Ordinal)
    {
        [PresetPath] = "Model preset",
        [ChipPath] = "Chip",
        [PrecisionPath] = "Precision",
        [StackPath] = "Software stack",
        [ZeroStagePath] = "ZeRO stage",
        [RecomputePath] = "Activation recompute",
        [SequenceParallelPath] = "Sequence parallelism",
        [PlacementPath] = "Placement",
        ["$.model"] = "Model",
        ["$.training"] = "Training",
        ["$.system"] = "System",
        ["$.parallelism"] = "Parallelism plan",
    };

    /// <summary>
    /// The label the user sees on the form for an error's JSON path ("$.parallelism.data" → "Data parallel
    /// (replicas)"): the field itself, else the nearest enclosing field or section ("$.system.network.tiers[0]" →
    /// "Oversubscription (: 1)"), else the path's last name in words.
    /// </summary>
    public static string FieldLabel(string? path)
    {
        if (string.IsNullOrWhiteSpace(path) || path == "$") return "Scenario";
        for (var p = path; p.Length > 1;)
        {
            if (Numeric.FirstOrDefault(f => f.Path == p) is { } n) return n.DisplayLabel;
            if (Decimal.FirstOrDefault(f => f.Path == p) is { } d) return d.DisplayLabel;
            if (s_choiceLabels.TryGetValue(p, out var label))
            {
                // A section ("$.model") names itself and, when the path goes deeper, the field in words.
                return p == path || p.Count(c => c == '.') > 1 ? label : $"{label}: {Words(LastName(path)).ToLowerInvariant()}";
            }
            var cut = Math.Max(p.LastIndexOf('.'), p.LastIndexOf('['));
            if (cut <= 1) break;
            p = p[..cut];
        }
        var last = LastName(path);
        return last.Length == 0 ? "Scenario" : Words(last);
    }

    private static string LastName(string path) => path.Split('.', '[').Last(s => s.Length > 0 && !char.IsDigit(s[0])).TrimStart('$');

    // "scaleOutGbpsPerGpu" → "Scale out gbps per gpu".
    private static string Words(string camel)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var c in camel)
        {
            if (char.IsUpper(c) && sb.Length > 0) sb.Append(' ').Append(char.ToLowerInvariant(c));
            else sb.Append(sb.Length == 0 ? char.ToUpperInvariant(c) : c);
        }
        return sb.ToString();
    }

    /// <summary>A message with every JSON path in it ("$.parallelism.data") replaced by the field's label.</summary>
    public static string WithFieldLabels(string message) =>
        string.IsNullOrEmpty(message) ? message : s_pathInText.Replace(message, m => "\u201c" + FieldLabel(m.Value) + "\u201d");

    private static readonly System.Text.RegularExpressions.Regex s_pathInText =
        new(@"\$(\.[A-Za-z][A-Za-z0-9]*|\[\d+\])+", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
}
