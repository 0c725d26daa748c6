using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Core.Estimation;

/// <summary>
/// Structural checks of a plan against model and cluster. Violations are results with a JSON path and a
/// sentence a person understands, never exceptions.
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
        if (p.Gpus != sys.Gpus)
        {
            errors.Add(new(P + "data", $"tensor × pipeline × context × data = {p.Tensor} × {p.Pipeline} × {p.Context} × {p.Data} = {p.Gpus}, but system.gpus = {sys.Gpus}. Make the product equal the GPU count."));
        }
        if (m.AttentionHeads % p.Tensor != 0)
        {
            errors.Add(new(P + "tensor", $"TP={p.Tensor} does not divide {m.AttentionHeads} attention heads; use a divisor of {m.AttentionHeads}."));
        }
        if (m.KvHeads != m.AttentionHeads && m.KvHeads % p.Tensor != 0 && p.Tensor % m.KvHeads != 0)
        {
            errors.Add(new(P + "tensor", $"TP={p.Tensor} neither divides nor is a multiple of {m.KvHeads} KV heads, so KV heads cannot be split or replicated evenly."));
        }
        if (m.FfnHiddenSize % p.Tensor != 0)
        {
            errors.Add(new(P + "tensor", $"TP={p.Tensor} does not divide the FFN width {m.FfnHiddenSize}."));
        }
        if (p.Pipeline > m.Layers)
        {
            errors.Add(new(P + "pipeline", $"PP={p.Pipeline} stages exceed the model's {m.Layers} layers; every stage needs at least one layer."));
        }
        else if (p.VirtualStages > 1 && p.Pipeline * p.VirtualStages > m.Layers)
        {
            errors.Add(new(P + "virtualStages", $"{p.Pipeline} stages × {p.VirtualStages} virtual stages = {p.Pipeline * p.VirtualStages} chunks exceed the model's {m.Layers} layers; every chunk needs at least one layer."));
        }
        if (p.VirtualStages > 1 && p.Pipeline == 1)
        {
            errors.Add(new(P + "virtualStages", "virtualStages > 1 needs pipeline parallelism (pipeline ≥ 2)."));
        }
        var denom = (long)p.MicroBatchSize * p.Data;
        if (tr.GlobalBatchSequences % denom != 0)
        {
            errors.Add(new(P + "microBatchSize", $"global batch {tr.GlobalBatchSequences} is not divisible by micro-batch {p.MicroBatchSize} × data-parallel {p.Data} = {denom}; choose a global batch that is a multiple of {denom}."));
        }
        if (m.SequenceLength % p.Context != 0)
        {
            errors.Add(new(P + "context", $"CP={p.Context} does not divide the sequence length {m.SequenceLength}."));
        }
        if (p.Expert > 1)
        {
            if (m.Moe is null)
            {
                errors.Add(new(P + "expert", $"EP={p.Expert} needs a Mixture-of-Experts model; this model is dense. Set expert to 1."));
            }
            else
            {
                if (m.Moe.Experts % p.Expert != 0)
                    errors.Add(new(P + "expert", $"EP={p.Expert} does not divide {m.Moe.Experts} experts."));
                if (((long)p.Data * p.Context) % p.Expert != 0)
                    errors.Add(new(P + "expert", $"EP={p.Expert} must divide data × context = {(long)p.Data * p.Context} (expert groups are carved out of the data-parallel ranks)."));
            }
        }
        if (p.ZeroStage is < 0 or > 3)
        {
            errors.Add(new(P + "zeroStage", $"zeroStage {p.ZeroStage} is not 0, 1, 2 or 3."));
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
        if (p.Pipeline > 1 && scenario.Training.GlobalBatchSequences / Math.Max(1, (long)p.MicroBatchSize * p.Data) < p.Pipeline)
            w.Add($"fewer micro-batches per step than pipeline stages ({p.Pipeline}): most of the step is pipeline bubble.");
        if (p.VirtualStages > 1 && p.Pipeline > 1)
        {
            var m = scenario.Model;
            if (m.Layers % (p.Pipeline * p.VirtualStages) != 0)
                w.Add($"{m.Layers} layers do not split evenly into {p.Pipeline} × {p.VirtualStages} chunks; the busiest stage holds {(m.Layers + p.Pipeline - 1) / p.Pipeline} layers and sets the pace.");
            var micro = scenario.Training.GlobalBatchSequences / Math.Max(1, (long)p.MicroBatchSize * p.Data);
            if (micro % p.Pipeline != 0)
                w.Add($"{micro} micro-batches per step are not a multiple of pipeline={p.Pipeline}: Megatron-LM's interleaved schedule requires it (Llama 3's modified schedule does not).");
        }
        if (scenario.Model.Moe is not null && p.Expert == 1 && scenario.Model.Moe.Experts > 1)
            w.Add("MoE model without expert parallelism: every GPU holds every expert.");
        return w;
    }
}
