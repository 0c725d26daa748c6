using System.Text;
using System.Text.Json;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Contracts.Scenarios;

/// <summary>
/// The one writer of scenario JSON (version 1): a <see cref="ScenarioDocument"/>, or its inline custom chip on its own,
/// in the field names <see cref="ScenarioParser"/> reads. Fields that are null are left out (they take the documented
/// defaults when resolved); sections that are null are left out. Numbers are written in their shortest round-trip form,
/// so parsing what this writes gives the same document, and writing that again gives the same text.
/// </summary>
/// <remarks>
/// Used by every producer of scenario documents: the planner page (<c>ScenarioDocumentBuilder</c>), the budget page's
/// columns, custom chips (the hardware page, the API and the store), measured runs that name a custom chip, and
/// <c>capplan bench calibrate --json</c>.
/// </remarks>
public static class ScenarioWriter
{
    private static readonly JsonWriterOptions s_indented = new() { Indented = true };

    /// <summary>The document as JSON text (indented by default; compact is the canonical form of share links).</summary>
    public static string ToJson(ScenarioDocument document, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(document);
        return Serialize(w => Write(w, document), indented);
    }

    /// <summary>An inline custom chip object (<c>"system": { "chip": { … } }</c>) as JSON text.</summary>
    public static string ToJson(CustomChipSection chip, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(chip);
        return Serialize(w => WriteChip(w, chip), indented);
    }

    /// <summary>Writes the document as one JSON object.</summary>
    public static void Write(Utf8JsonWriter w, ScenarioDocument document)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(document);
        w.WriteStartObject();
        w.WriteNumber("schemaVersion", document.SchemaVersion);
        Text(w, "name", document.Name);
        WriteModel(w, document.Model);
        WriteTraining(w, document.Training);
        WriteSystem(w, document.System);
        if (document.Parallelism is { } parallelism) WriteParallelism(w, parallelism);
        if (document.Budget is { } budget) WriteBudget(w, budget);
        if (document.Reliability is { } reliability) WriteReliability(w, reliability);
        if (document.Sites is { } sites) WriteSites(w, sites);
        w.WriteEndObject();
    }

    /// <summary>
    /// Writes an inline custom chip object: <c>id</c> always (empty when unset), a blank name or base left out, peaks in
    /// catalog precision order.
    /// </summary>
    public static void WriteChip(Utf8JsonWriter w, CustomChipSection chip)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(chip);
        w.WriteStartObject();
        w.WriteString("id", chip.Id ?? "");
        if (!string.IsNullOrWhiteSpace(chip.Name)) w.WriteString("name", chip.Name);
        if (!string.IsNullOrWhiteSpace(chip.BaseOn)) w.WriteString("baseOn", chip.BaseOn);
        if (chip.PeakTflops is { Count: > 0 } peaks)
        {
            w.WriteStartObject("peakTflops");
            foreach (var p in PrecisionExtensions.All)
            {
                var id = p.ToId();
                var value = peaks.FirstOrDefault(kv => string.Equals(kv.Key, id, StringComparison.OrdinalIgnoreCase));
                if (value.Key is not null) w.WriteNumber(id, value.Value);
            }
            w.WriteEndObject();
        }
        Number(w, "hbmCapacityGiB", chip.HbmCapacityGiB);
        Number(w, "hbmBandwidthTBps", chip.HbmBandwidthTBps);
        Number(w, "tdpWatts", chip.TdpWatts);
        Number(w, "scaleUpBandwidthGBps", chip.ScaleUpBandwidthGBps);
        Number(w, "scaleUpDomainSize", chip.ScaleUpDomainSize);
        Number(w, "scaleOutGbpsPerGpu", chip.ScaleOutGbpsPerGpu);
        Number(w, "gemmEfficiency", chip.GemmEfficiency);
        Number(w, "hbmEfficiency", chip.HbmEfficiency);
        Number(w, "sustainedGemmFraction", chip.SustainedGemmFraction);
        if (chip.GemmCurve is { Count: > 0 } curve)
        {
            w.WriteStartArray("gemmCurve");
            foreach (var (flops, fraction) in curve)
            {
                w.WriteStartObject();
                w.WriteNumber("flops", flops);
                w.WriteNumber("fraction", fraction);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void WriteModel(Utf8JsonWriter w, ModelSection m)
    {
        w.WriteStartObject("model");
        Text(w, "preset", m.Preset);
        Text(w, "name", m.Name);
        Number(w, "layers", m.Layers);
        Number(w, "hiddenSize", m.HiddenSize);
        Number(w, "attentionHeads", m.AttentionHeads);
        Number(w, "kvHeads", m.KvHeads);
        Number(w, "headDim", m.HeadDim);
        Number(w, "ffnHiddenSize", m.FfnHiddenSize);
        Flag(w, "gatedMlp", m.GatedMlp);
        Number(w, "vocabSize", m.VocabSize);
        Number(w, "sequenceLength", m.SequenceLength);
        Flag(w, "tiedEmbeddings", m.TiedEmbeddings);
        if (m.Moe is { } moe)
        {
            w.WriteStartObject("moe");
            Number(w, "experts", moe.Experts);
            Number(w, "expertsPerToken", moe.ExpertsPerToken);
            Number(w, "sharedExperts", moe.SharedExperts);
            Number(w, "expertFfnHiddenSize", moe.ExpertFfnHiddenSize);
            Number(w, "denseLayers", moe.DenseLayers);
            Number(w, "capacityFactor", moe.CapacityFactor);
            Number(w, "routingGroups", moe.RoutingGroups);
            Number(w, "groupsPerToken", moe.GroupsPerToken);
            w.WriteEndObject();
        }
        if (m.Mla is { } mla)
        {
            w.WriteStartObject("mla");
            Number(w, "qLoraRank", mla.QLoraRank);
            Number(w, "kvLoraRank", mla.KvLoraRank);
            Number(w, "qkNopeHeadDim", mla.QkNopeHeadDim);
            Number(w, "qkRopeHeadDim", mla.QkRopeHeadDim);
            Number(w, "vHeadDim", mla.VHeadDim);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void WriteTraining(Utf8JsonWriter w, TrainingSection t)
    {
        w.WriteStartObject("training");
        Number(w, "globalBatchSequences", t.GlobalBatchSequences);
        Text(w, "precision", t.Precision);
        Text(w, "optimizer", t.Optimizer);
        Text(w, "attention", t.Attention);
        Text(w, "stack", t.Stack);
        Flag(w, "tpCommOverlap", t.TpCommOverlap);
        Flag(w, "epCommOverlap", t.EpCommOverlap);
        Text(w, "expertDispatch", t.ExpertDispatch);
        Flag(w, "fusedExpertKernels", t.FusedExpertKernels);
        if (t.RecomputeModules is { } modules)
        {
            w.WriteStartArray("recomputeModules");
            foreach (var module in modules) w.WriteStringValue(module);
            w.WriteEndArray();
        }
        Number(w, "tokens", t.Tokens);
        w.WriteEndObject();
    }

    private static void WriteSystem(Utf8JsonWriter w, SystemSection s)
    {
        w.WriteStartObject("system");
        if (s.CustomChip is { } custom)
        {
            w.WritePropertyName("chip");
            WriteChip(w, custom);
        }
        else
        {
            Text(w, "chip", s.ChipId);
        }
        Number(w, "gpus", s.Gpus);
        Number(w, "gpusPerNode", s.GpusPerNode);
        Number(w, "scaleOutGbpsPerGpu", s.ScaleOutGbpsPerGpu);
        if (s.Network is { } network)
        {
            w.WriteStartObject("network");
            Number(w, "scaleUpDomainGpus", network.ScaleUpDomainGpus);
            Flag(w, "railOptimized", network.RailOptimized);
            if (network.Tiers is { } tiers)
            {
                w.WriteStartArray("tiers");
                foreach (var tier in tiers)
                {
                    w.WriteStartObject();
                    Text(w, "name", tier.Name);
                    Number(w, "gpus", tier.Gpus);
                    Number(w, "oversubscription", tier.Oversubscription);
                    Number(w, "latencyMicroseconds", tier.LatencyMicroseconds);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void WriteParallelism(Utf8JsonWriter w, ParallelismSection p)
    {
        w.WriteStartObject("parallelism");
        Number(w, "tensor", p.Tensor);
        Number(w, "pipeline", p.Pipeline);
        Number(w, "data", p.Data);
        Number(w, "context", p.Context);
        Number(w, "expert", p.Expert);
        Number(w, "virtualStages", p.VirtualStages);
        Number(w, "microBatchSize", p.MicroBatchSize);
        Number(w, "zeroStage", p.ZeroStage);
        Text(w, "zeroShardScope", p.ZeroShardScope);
        Text(w, "recompute", p.Recompute);
        Number(w, "activationOffloadLayers", p.ActivationOffloadLayers is > 0 ? p.ActivationOffloadLayers : null);
        Flag(w, "sequenceParallel", p.SequenceParallel);
        if (p.Placement is { } placement)
        {
            w.WriteStartArray("placement");
            foreach (var axis in placement) w.WriteStringValue(axis);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void WriteBudget(Utf8JsonWriter w, BudgetSection b)
    {
        w.WriteStartObject("budget");
        Number(w, "budgetUsd", b.BudgetUsd);
        Number(w, "targetFlop", b.TargetFlop);
        Number(w, "durationDays", b.DurationDays);
        Text(w, "acquisition", b.Acquisition);
        Text(w, "capitalCost", b.CapitalCost);
        Number(w, "rentUsdPerGpuHour", b.RentUsdPerGpuHour);
        Number(w, "gpuPriceUsd", b.GpuPriceUsd);
        Number(w, "serverOverheadFactor", b.ServerOverheadFactor);
        Number(w, "networkShareOfClusterCost", b.NetworkShareOfClusterCost);
        Number(w, "facilityUsdPerMegawatt", b.FacilityUsdPerMegawatt);
        Number(w, "depreciationYears", b.DepreciationYears);
        Number(w, "facilityLifeYears", b.FacilityLifeYears);
        Number(w, "serverPowerFactor", b.ServerPowerFactor);
        Number(w, "averageLoad", b.AverageLoad);
        Number(w, "pue", b.Pue);
        Number(w, "electricityUsdPerKWh", b.ElectricityUsdPerKWh);
        Number(w, "goodput", b.Goodput);
        Number(w, "mfu", b.Mfu);
        Number(w, "hyperparameterSearchShare", b.HyperparameterSearchShare);
        Number(w, "uniqueTokens", b.UniqueTokens);
        Text(w, "optimizer", b.Optimizer);
        Text(w, "scalingLaw", b.ScalingLaw);
        w.WriteEndObject();
    }

    private static void WriteReliability(Utf8JsonWriter w, ReliabilitySection r)
    {
        w.WriteStartObject("reliability");
        Number(w, "interruptionRateScale", r.InterruptionRateScale);
        Flag(w, "includePlanned", r.IncludePlanned);
        Text(w, "checkpointing", r.Checkpointing);
        Number(w, "checkpointIntervalMinutes", r.CheckpointIntervalMinutes);
        Number(w, "storageGBpsPerNode", r.StorageGBpsPerNode);
        Number(w, "storageTotalTBps", r.StorageTotalTBps);
        Number(w, "storageCapacityTB", r.StorageCapacityTB);
        Number(w, "asyncSnapshotGBpsPerGpu", r.AsyncSnapshotGBpsPerGpu);
        Number(w, "detectionMinutes", r.DetectionMinutes);
        Number(w, "initMinutes", r.InitMinutes);
        Number(w, "spareSwapMinutes", r.SpareSwapMinutes);
        Number(w, "waitForRepairMinutes", r.WaitForRepairMinutes);
        Number(w, "repairHours", r.RepairHours);
        Number(w, "hotSpareNodes", r.HotSpareNodes);
        w.WriteEndObject();
    }

    private static void WriteSites(Utf8JsonWriter w, SitesSection s)
    {
        w.WriteStartObject("sites");
        Number(w, "count", s.Count);
        Number(w, "powerCapMw", s.PowerCapMw);
        Number(w, "maxSiteMw", s.MaxSiteMw);
        if (s.InterSite is { } link)
        {
            w.WriteStartObject("interSite");
            Number(w, "gbps", link.Gbps);
            Number(w, "latencyMs", link.LatencyMs);
            Number(w, "distanceKm", link.DistanceKm);
            w.WriteEndObject();
        }
        if (s.Diloco is { } diloco)
        {
            w.WriteStartObject("diloco");
            Number(w, "innerSteps", diloco.InnerSteps);
            Text(w, "compression", diloco.Compression);
            Flag(w, "overlap", diloco.Overlap);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void Text(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }

    private static void Number(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v) w.WriteNumber(name, v);
    }

    private static void Number(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v) w.WriteNumber(name, v);
    }

    private static void Flag(Utf8JsonWriter w, string name, bool? value)
    {
        if (value is { } v) w.WriteBoolean(name, v);
    }

    private static string Serialize(Action<Utf8JsonWriter> write, bool indented)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, indented ? s_indented : default))
        {
            write(w);
        }
        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }
}
