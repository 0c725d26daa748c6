using System.Globalization;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Sites;
using CapacityPlanner.Persistence;

namespace CapacityPlanner.Web.Shared.Scenario;

/// <summary>
/// The planner form as a version-1 scenario document, the same contract <c>capplan estimate</c> reads, so that what the
/// page shows can be reproduced from the command line. This maps the form to a <see cref="ScenarioDocument"/>; the contracts'
/// <see cref="ScenarioWriter"/> writes it.
/// </summary>
public static class ScenarioDocumentBuilder
{
    // Innermost first, data outside pipeline: the form's "pipeline-inside-data" placement.
    private static readonly string[] s_pipelineInsideData = ["tensor", "context", "expert", "pipeline", "data"];

    /// <summary>The scenario JSON (indented) for a form that passed <see cref="PlannerInputValidator"/>.</summary>
    /// <param name="input">The form.</param>
    /// <param name="customChip">The inline definition when <see cref="PlannerInput.ChipId"/> names a custom chip.</param>
    /// <param name="includeParallelism">False writes no <c>parallelism</c> section (the search decides every field).</param>
    public static string Build(PlannerInput input, CustomChipDefinition? customChip = null, bool includeParallelism = true) =>
        ScenarioWriter.ToJson(ToDocument(input, customChip, includeParallelism));

    /// <summary>The scenario document of the form (parameters as for <see cref="Build"/>).</summary>
    public static ScenarioDocument ToDocument(PlannerInput input, CustomChipDefinition? customChip = null, bool includeParallelism = true)
    {
        ArgumentNullException.ThrowIfNull(input);
        var inlineChip = customChip is not null && string.Equals(customChip.Id, input.ChipId, StringComparison.OrdinalIgnoreCase);
        var oversubscribed = input.Oversubscription is > 1;
        return new ScenarioDocument
        {
            Name = string.Create(CultureInfo.InvariantCulture, $"{input.PresetId} on {input.Gpus} {input.ChipId}"),
            Model = new ModelSection
            {
                Preset = input.PresetId,
                Layers = input.Layers,
                HiddenSize = input.HiddenSize,
                AttentionHeads = input.AttentionHeads,
                KvHeads = input.KvHeads,
                FfnHiddenSize = input.FfnHiddenSize,
                VocabSize = input.VocabSize,
                SequenceLength = input.SequenceLength,
                HeadDim = input.HeadDim,
                GatedMlp = input.GatedMlp,
                TiedEmbeddings = input.TiedEmbeddings,
                Moe = input.Moe,
                Mla = input.Mla,
            },
            Training = new TrainingSection
            {
                GlobalBatchSequences = input.GlobalBatchSequences,
                Precision = input.Precision,
                Stack = string.Equals(input.Stack, "auto", StringComparison.Ordinal) ? null : input.Stack,
                Optimizer = string.Equals(input.Optimizer, "adam", StringComparison.Ordinal) ? null : input.Optimizer,
                TpCommOverlap = input.TpCommOverlap,
                EpCommOverlap = input.EpCommOverlap,
                ExpertDispatch = input.ExpertDispatch,
                FusedExpertKernels = input.FusedExpertKernels,
                RecomputeModules = input.RecomputeModules,
                Attention = input.Attention,
                Tokens = input.TokensBillions * 1e9,
            },
            System = new SystemSection
            {
                ChipId = inlineChip ? null : input.ChipId,
                CustomChip = inlineChip ? customChip!.ToSection() : null,
                Gpus = input.Gpus,
                GpusPerNode = input.GpusPerNode,
                ScaleOutGbpsPerGpu = input.ScaleOutGbpsPerGpu,
                Network = input.ScaleUpDomainGpus is not null || oversubscribed
                    ? new NetworkSection { ScaleUpDomainGpus = input.ScaleUpDomainGpus, Tiers = oversubscribed ? Tiers(input.Oversubscription!.Value) : null }
                    : null,
            },
            Parallelism = includeParallelism ? Parallelism(input) : null,
            Sites = input.PowerCapMw is { } mw ? new SitesSection { PowerCapMw = mw } : null,
        };
    }

    // Context, expert and virtual stages of 1 are left out (the defaults); sequence parallelism is written only with TP.
    private static ParallelismSection Parallelism(PlannerInput input) => new()
    {
        Tensor = input.Tensor,
        Pipeline = input.Pipeline,
        Data = input.Data,
        Context = input.Context is 1 ? null : input.Context,
        Expert = input.Expert is 1 ? null : input.Expert,
        VirtualStages = input.VirtualStages is 1 ? null : input.VirtualStages,
        MicroBatchSize = input.MicroBatchSize,
        ZeroStage = input.ZeroStage,
        ZeroShardScope = string.Equals(input.ZeroShardScope, "auto", StringComparison.Ordinal) ? null : input.ZeroShardScope,
        Recompute = input.Recompute,
        SequenceParallel = input.Tensor is > 1 ? input.SequenceParallel : null,
        Placement = input.Placement == "pipeline-inside-data" ? s_pipelineInsideData : null,
        ActivationOffloadLayers = input.ActivationOffloadLayers is > 0 ? input.ActivationOffloadLayers : null,
    };

    // The shipped leaf/spine/core hierarchy with the tiers above the 256-GPU leaf oversubscribed.
    private static List<TierSection> Tiers(double oversubscription)
    {
        var tiers = ModelDefaults.Standard.DefaultTiers;
        return [.. tiers.Select(tier => new TierSection
        {
            Name = tier.Name,
            Gpus = tier.Gpus,
            Oversubscription = tier == tiers[0] ? tier.Oversubscription : oversubscription,
            LatencyMicroseconds = tier.LatencySeconds * 1e6,
        })];
    }
}
