using System.Globalization;

namespace CapacityPlanner.Web.Estimates;

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
{
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
    /// <summary>JSON path of the ZeRO stage.</summary>
    public const string ZeroStagePath = "$.parallelism.zeroStage";
    /// <summary>JSON path of the recompute mode.</summary>
    public const string RecomputePath = "$.parallelism.recompute";

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

    /// <summary>Every numeric field.</summary>
    public static IReadOnlyList<NumericFieldSpec> Numeric { get; } = [Gpus, GlobalBatch, Tensor, Pipeline, Data, MicroBatch];

    /// <summary>Training precisions offered by the form.</summary>
    public static IReadOnlyList<Choice<string>> Precisions { get; } =
    [
        new("bf16", "BF16", "bfloat16 GEMMs, the usual choice."),
        new("fp16", "FP16", "IEEE half GEMMs with loss scaling."),
        new("fp8", "FP8", "8-bit GEMMs (Hopper and later); 16-bit activations."),
    ];

    /// <summary>ZeRO stages.</summary>
    public static IReadOnlyList<Choice<int>> ZeroStages { get; } =
    [
        new(0, "Stage 0", "Every data-parallel rank keeps all states."),
        new(1, "Stage 1", "Shards optimizer states across data-parallel ranks."),
        new(2, "Stage 2", "Shards optimizer states and gradients."),
        new(3, "Stage 3", "Shards states, gradients and weights (FSDP)."),
    ];

    /// <summary>Activation recompute modes.</summary>
    public static IReadOnlyList<Choice<string>> RecomputeModes { get; } =
    [
        new("none", "None", "Stores every activation."),
        new("selective", "Selective", "Recomputes the attention core in the backward pass."),
        new("full", "Full", "Stores layer inputs and recomputes whole layers."),
    ];
}
