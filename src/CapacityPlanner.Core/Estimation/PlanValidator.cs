using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Core.Estimation;

/// <summary>
/// Structural checks of a plan against model and cluster (the rules of <see cref="PlanRules"/>, shared with the search).
/// Violations are results with a JSON path and a sentence a person understands, never exceptions.
/// </summary>
public static class PlanValidator
{
    /// <summary>Every violated constraint of the scenario's plan.</summary>
    public static IReadOnlyList<ScenarioError> Validate(ResolvedScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var errors = new List<ScenarioError>();
        var m = scenario.Model;
        var p = scenario.Plan;
        var sys = scenario.System;
        var tr = scenario.Training;
        const string P = "$.parallelism.";

        if (sys.Chip.PeakFor(tr.Precision) is null)
        {
            var supported = string.Join(", ", PrecisionExtensions.All.Where(x => sys.Chip.PeakFor(x) is not null).Select(x => x.ToId()));
            errors.Add(new("$.training.precision", $"{sys.Chip.Id} has no {tr.Precision.ToId()} peak; it supports {supported}."));
        }
        var stack = tr.EffectiveStack;
        var spec = scenario.RunPlan;
        foreach (var rule in PlanRules.Violations(m, tr.GlobalBatchSequences, sys.Gpus, stack, spec))
        {
            errors.Add(new(P + PlanRules.Field(rule), PlanRules.Explain(rule, m, tr.GlobalBatchSequences, sys.Gpus, stack, spec)));
        }
        return errors;
    }

    /// <summary>Non-fatal observations about a plan.</summary>
    public static IReadOnlyList<string> Warnings(ResolvedScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var w = new List<string>();
        var p = scenario.Plan;
        var sys = scenario.System;
        if (p.Tensor > sys.ScaleUpDomainGpus)
            w.Add($"TP={p.Tensor} spans more than one scale-up domain ({sys.ScaleUpDomainGpus} GPUs): its per-layer collectives cross the scale-out network.");
        if (p.SequenceParallel && p.Tensor == 1)
            w.Add("sequenceParallel has no effect with tensor = 1.");
        var stack = scenario.Training.EffectiveStack;
        var microBatch = scenario.RunPlan.MicroBatchSize;
        var microBatches = scenario.Training.GlobalBatchSequences / Math.Max(1, (long)microBatch * p.Data);
        if (microBatch != p.MicroBatchSize)
        {
            var perDevice = (long)p.MicroBatchSize * p.Tensor * p.Context == microBatch
                ? $" (as MaxText's per_device_batch_size, {p.MicroBatchSize} per device × tensor {p.Tensor} × context {p.Context} is that share)"
                : "";
            w.Add($"{stack.Name} runs a step as one forward and backward pass over each data-parallel replica's share of the global batch (no gradient accumulation): the micro-batch is {scenario.Training.GlobalBatchSequences} / {p.Data} = {microBatch} sequences, not microBatchSize {p.MicroBatchSize}{perDevice}.");
        }
        if (p.Tensor > 1 && !p.SequenceParallel && scenario.RunPlan.SequenceParallel)
            w.Add($"{stack.Name} keeps the activations between tensor-parallel blocks split over the {p.Tensor} tensor ranks (its logical axis rules put their embedding dimension on the tensor axis): costed as sequence parallelism, although sequenceParallel is false.");
        // (With virtual stages that is an error: PlanRule.InterleavedNeedsMicroBatches.)
        if (p.Pipeline > 1 && p.VirtualStages <= 1 && microBatches < p.Pipeline)
            w.Add($"fewer micro-batches per step than pipeline stages ({p.Pipeline}): most of the step is pipeline bubble.");
        if (p.VirtualStages > 1 && p.Pipeline > 1)
        {
            var m = scenario.Model;
            if (!PlanRules.ChunksSplitEvenly(m.Layers, p.Pipeline, p.VirtualStages))
                w.Add($"{m.Layers} layers do not split evenly into {p.Pipeline} × {p.VirtualStages} chunks; the busiest stage holds {(m.Layers + p.Pipeline - 1) / p.Pipeline} layers and sets the pace.");
            if (microBatches >= p.Pipeline && microBatches % p.Pipeline != 0)
                w.Add($"{microBatches} micro-batches per step are not a multiple of pipeline={p.Pipeline}: Megatron-LM's interleaved schedule requires it (Llama 3's modified schedule does not).");
        }
        if (scenario.Model.Moe is not null && p.Expert == 1 && scenario.Model.Moe.Experts > 1)
            w.Add("MoE model without expert parallelism: every GPU holds every expert.");
        return w;
    }
}
