using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Web.Shared.Scenario;

/// <summary>
/// Form-level checks that must pass before a scenario document is built: required fields and bounds.
/// Everything about whether the plan fits the model and cluster is left to Core, so the web and the CLI agree.
/// </summary>
public static class PlannerInputValidator
{
    /// <summary>Every form error, addressed by the JSON path the field writes.</summary>
    public static IReadOnlyList<ScenarioError> Validate(PlannerInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new List<ScenarioError>();
        if (string.IsNullOrWhiteSpace(input.PresetId)) errors.Add(new(PlannerFields.PresetPath, "Choose a model preset."));
        if (string.IsNullOrWhiteSpace(input.ChipId)) errors.Add(new(PlannerFields.ChipPath, "Choose a chip."));
        if (!PlannerFields.Precisions.Any(p => p.Value == input.Precision))
        {
            errors.Add(new(PlannerFields.PrecisionPath, $"Choose a precision: {string.Join(", ", PlannerFields.Precisions.Select(p => p.Value))}."));
        }
        if (!PlannerFields.Stacks.Any(st => st.Value == input.Stack))
        {
            errors.Add(new(PlannerFields.StackPath, $"Choose a software stack: {string.Join(", ", PlannerFields.Stacks.Select(st => st.Value))}."));
        }
        if (!PlannerFields.ZeroStages.Any(z => z.Value == input.ZeroStage))
        {
            errors.Add(new(PlannerFields.ZeroStagePath, "Choose a ZeRO stage from 0 to 3."));
        }
        if (!PlannerFields.RecomputeModes.Any(r => r.Value == input.Recompute))
        {
            errors.Add(new(PlannerFields.RecomputePath, $"Choose a recompute mode: {string.Join(", ", PlannerFields.RecomputeModes.Select(r => r.Value))}."));
        }
        if (!PlannerFields.Placements.Any(p => p.Value == input.Placement))
        {
            errors.Add(new(PlannerFields.PlacementPath, $"Choose a placement: {string.Join(", ", PlannerFields.Placements.Select(p => p.Value))}."));
        }
        Check(PlannerFields.Gpus, input.Gpus, errors);
        Check(PlannerFields.GlobalBatch, input.GlobalBatchSequences, errors);
        Check(PlannerFields.Tensor, input.Tensor, errors);
        Check(PlannerFields.Pipeline, input.Pipeline, errors);
        Check(PlannerFields.Data, input.Data, errors);
        Check(PlannerFields.MicroBatch, input.MicroBatchSize, errors);
        Check(PlannerFields.Context, input.Context, errors);
        Check(PlannerFields.Expert, input.Expert, errors);
        Check(PlannerFields.VirtualStages, input.VirtualStages, errors);
        Check(PlannerFields.ActivationOffloadLayers, input.ActivationOffloadLayers, errors);
        Check(PlannerFields.ScaleUpDomain, input.ScaleUpDomainGpus, errors);
        Check(PlannerFields.Layers, input.Layers, errors);
        Check(PlannerFields.HiddenSize, input.HiddenSize, errors);
        Check(PlannerFields.AttentionHeads, input.AttentionHeads, errors);
        Check(PlannerFields.KvHeads, input.KvHeads, errors);
        Check(PlannerFields.FfnHiddenSize, input.FfnHiddenSize, errors);
        Check(PlannerFields.VocabSize, input.VocabSize, errors);
        Check(PlannerFields.SequenceLength, input.SequenceLength, errors);
        Check(PlannerFields.HeadDim, input.HeadDim, errors);
        Check(PlannerFields.TokensBillions, input.TokensBillions, errors);
        Check(PlannerFields.ScaleOutGbps, input.ScaleOutGbpsPerGpu, errors);
        Check(PlannerFields.PowerCapMw, input.PowerCapMw, errors);
        Check(PlannerFields.Oversubscription, input.Oversubscription, errors);
        return errors;
    }

    private static void Check(NumericFieldSpec field, int? value, List<ScenarioError> errors)
    {
        if (field.Check(value) is { } message) errors.Add(new(field.Path, message));
    }

    private static void Check(DecimalFieldSpec field, double? value, List<ScenarioError> errors)
    {
        if (field.Check(value) is { } message) errors.Add(new(field.Path, message));
    }
}
