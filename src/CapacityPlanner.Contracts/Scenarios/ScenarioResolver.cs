using CapacityPlanner.Core;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Search;
using CapacityPlanner.Core.Sites;
using CapacityPlanner.Core.Workload;

namespace CapacityPlanner.Contracts.Scenarios;

/// <summary>Outcome of resolving a document against the catalog and presets.</summary>
/// <param name="Scenario">The resolved scenario when there were no errors.</param>
/// <param name="Errors">Every problem found.</param>
public sealed record ResolveResult(ResolvedScenario? Scenario, IReadOnlyList<ScenarioError> Errors)
{
    /// <summary>True when resolution succeeded.</summary>
    public bool Success => Scenario is not null && Errors.Count == 0;
}

/// <summary>
/// Turns a scenario document into model, training, system and plan objects: looks up presets and chips and
/// applies the documented defaults.
/// </summary>
public static class ScenarioResolver
{
    /// <summary>Parses and resolves JSON text in one go.</summary>
    public static ResolveResult ParseAndResolve(string json)
    {
        var loaded = ScenarioLoader.Load(json);
        return new ResolveResult(loaded.Scenario, loaded.Errors);
    }

    /// <summary>Resolves a document with the shipped catalog.</summary>
    public static ResolveResult Resolve(ScenarioDocument document) => Resolve(document, HardwareCatalog.Default, ModelDefaults.Standard);

    /// <summary>Resolves a document.</summary>
    public static ResolveResult Resolve(ScenarioDocument document, HardwareCatalog catalog, ModelDefaults defaults)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(defaults);
        var errors = new List<ScenarioError>();
        var model = ResolveModel(document.Model, errors);
        var system = ResolveSystem(document.System, catalog, defaults, errors);
        if (system is not null && document.Sites is { } sites) system = SizeToSites(document, sites, system, errors);
        var training = ResolveTraining(document.Training, model, system?.Chip, document.Parallelism?.ZeroStage, document.Parallelism?.Pipeline > 1, errors);
        ParallelismPlan? plan = null;
        if (system is not null) plan = ResolvePlan(document.Parallelism, system, errors);
        if (errors.Count > 0 || model is null || training is null || system is null || plan is null)
        {
            return new ResolveResult(null, errors);
        }
        return new ResolveResult(new ResolvedScenario(document.Name ?? model.Name, model, training, system, plan)
        {
            Reliability = document.Reliability,
            Sites = document.Sites,
            Power = document.Budget,
        }, errors);
    }

    // sites.powerCapMw (per site, × sites.count) sizes the cluster to what fits (whole nodes, and whole model-parallel groups when the plan fixes them);
    // sites.maxSiteMw and sites.count are checked against one node so that an impossible cap is an error with its reason.
    private static ClusterSystem? SizeToSites(ScenarioDocument document, SitesSection sites, ClusterSystem system, List<ScenarioError> errors)
    {
        var watts = SitePower.FacilityWattsPerGpu(system.Chip, document.Budget);
        var nodeMw = watts * system.GpusPerNode / 1e6;
        string Describe(double mw) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{mw:0.######} MW is below one {system.GpusPerNode}-GPU {system.Chip.Id} node ({nodeMw * 1000:0.#} kW of facility power: TDP {system.Chip.TdpWatts:0} W × server power factor × PUE)");
        if (sites.MaxSiteMw is { } max && max < nodeMw)
        {
            errors.Add(new("$.sites.maxSiteMw", Describe(max) + "; raise the site size or lower budget.pue / budget.serverPowerFactor."));
            return null;
        }
        if (sites.PowerCapMw is not { } cap) return system;
        if (cap < nodeMw)
        {
            errors.Add(new("$.sites.powerCapMw", Describe(cap) + "; nothing fits."));
            return null;
        }
        // The cap is per site: count sites of cap MW each (one site unless sites.count says more).
        var fit = SitePower.GpusThatFit(cap, watts, system.GpusPerNode) * (sites.Count ?? 1);
        var p = document.Parallelism;
        var group = (long)(p?.Tensor ?? 1) * (p?.Pipeline ?? 1) * (p?.Context ?? 1);
        if (group > 1 && fit >= group) fit = fit / group * group;
        var domain = document.System.Network?.ScaleUpDomainGpus ?? system.Chip.ScaleUp.DomainSize;
        return system with { Gpus = fit, ScaleUpDomainGpus = (int)Math.Min(domain, fit) };
    }

    private static TransformerModel? ResolveModel(ModelSection s, List<ScenarioError> errors)
    {
        TransformerModel? preset = null;
        if (s.Preset is not null)
        {
            if (ModelPresets.TryGet(s.Preset, out var p)) preset = p.Model;
            else errors.Add(new("$.model.preset", $"unknown preset \"{s.Preset}\"; known presets: {string.Join(", ", ModelPresets.Ids)}."));
        }
        int? Need(int? value, int? fallback, string field)
        {
            var v = value ?? fallback;
            if (v is null && (s.Preset is null || preset is not null))
                errors.Add(new($"$.model.{field}", s.Preset is null ? "is required (or give a preset)." : "is required."));
            return v;
        }
        var layers = Need(s.Layers, preset?.Layers, "layers");
        var hidden = Need(s.HiddenSize, preset?.HiddenSize, "hiddenSize");
        var heads = Need(s.AttentionHeads, preset?.AttentionHeads, "attentionHeads");
        var vocab = Need(s.VocabSize, preset?.VocabSize, "vocabSize");
        var seq = Need(s.SequenceLength, preset?.SequenceLength, "sequenceLength");
        if (layers is null || hidden is null || heads is null || vocab is null || seq is null) return null;
        var gated = s.GatedMlp ?? preset?.GatedMlp ?? false;
        var kv = s.KvHeads ?? (s.AttentionHeads is null ? preset?.KvHeads : null) ?? heads.Value;
        // Default FFN width: 4h plain; 2/3·4h rounded up to a multiple of 256 for gated MLPs (Llama convention).
        var ffn = s.FfnHiddenSize ?? (s.HiddenSize is null ? preset?.FfnHiddenSize : null)
            ?? (gated ? (int)(Math.Ceiling(8.0 * hidden.Value / 3 / 256) * 256) : 4 * hidden.Value);
        var ok = true;
        if (kv > heads)
        {
            errors.Add(new("$.model.kvHeads", $"{kv} KV heads exceed {heads} attention heads."));
            ok = false;
        }
        else if (heads % kv != 0)
        {
            errors.Add(new("$.model.kvHeads", $"{heads} attention heads are not a multiple of {kv} KV heads (GQA groups must be equal)."));
            ok = false;
        }
        MoeConfig? moe = preset?.Moe;
        if (s.Moe is { } m)
        {
            var groups = m.RoutingGroups ?? 1;
            moe = new MoeConfig(m.Experts ?? 1, m.ExpertsPerToken ?? 1, m.SharedExperts ?? 0, m.ExpertFfnHiddenSize ?? ffn, m.DenseLayers ?? 0, m.CapacityFactor ?? 1.0,
                groups, m.GroupsPerToken ?? groups);
            if (moe.ExpertsPerToken > moe.Experts)
            {
                errors.Add(new("$.model.moe.expertsPerToken", $"{moe.ExpertsPerToken} experts per token exceed {moe.Experts} experts."));
                ok = false;
            }
            if (moe.DenseLayers > layers)
            {
                errors.Add(new("$.model.moe.denseLayers", $"{moe.DenseLayers} dense layers exceed {layers} layers."));
                ok = false;
            }
            else if (moe.ExpertsPerToken <= moe.Experts && moe.RoutingGroupsProblem() is { } problem)
            {
                errors.Add(new(m.GroupsPerToken is null && m.RoutingGroups is not null ? "$.model.moe.routingGroups" : "$.model.moe.groupsPerToken",
                    problem + " Set routingGroups to a divisor of the experts and groupsPerToken between 1 and it (DeepSeek-V3: 8 and 4), or leave both out for unrestricted routing."));
                ok = false;
            }
        }
        // Multi-head latent attention: the scenario's, else the preset's (as for the MoE block).
        var mla = preset?.Mla;
        if (s.Mla is { } a)
        {
            mla = new MlaConfig(a.QLoraRank, a.KvLoraRank ?? 1, a.QkNopeHeadDim ?? 1, a.QkRopeHeadDim ?? 0, a.VHeadDim ?? 1);
            if (s.HeadDim is not null)
            {
                errors.Add(new("$.model.headDim", "does not apply to multi-head latent attention: MLA sets the head widths with mla.qkNopeHeadDim, mla.qkRopeHeadDim and mla.vHeadDim; remove headDim."));
                ok = false;
            }
        }
        if (mla is not null && kv != heads)
        {
            errors.Add(new("$.model.kvHeads", $"multi-head latent attention gives every one of the {heads} heads its own key and value, so there are no grouped KV heads: set kvHeads to {heads} or leave it out."));
            ok = false;
        }
        // A head width that only restates h / n_h is no override (the preset's, when the shape is the preset's).
        var headDim = mla is not null ? null : s.HeadDim ?? (s.HiddenSize is null && s.AttentionHeads is null ? preset?.HeadDimension : null);
        if (mla is null && headDim is null && hidden.Value % heads.Value != 0)
        {
            // Without an explicit head width every head is h / n_h wide, which must be whole (Megatron's kv_channels default).
            errors.Add(new(s.AttentionHeads is not null ? "$.model.attentionHeads" : "$.model.hiddenSize", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"hiddenSize {hidden.Value} is not a multiple of {heads.Value} attention heads (each head would be {(double)hidden.Value / heads.Value:0.##} wide): choose a head count that divides it, or give model.headDim.")));
            ok = false;
        }
        if (!ok) return null;
        if (headDim is { } d && d * heads.Value == hidden.Value) headDim = null;
        return new TransformerModel(layers.Value, hidden.Value, heads.Value, kv, ffn, gated, vocab.Value, seq.Value,
            s.TiedEmbeddings ?? preset?.TiedEmbeddings ?? false, moe, s.Name ?? (s.Preset ?? "custom"), headDim, mla);
    }

    private static TrainingConfig? ResolveTraining(TrainingSection s, TransformerModel? model, ChipSpec? chip, int? zeroStage, bool pipelined, List<ScenarioError> errors)
    {
        if (s.GlobalBatchSequences is null)
        {
            errors.Add(new("$.training.globalBatchSequences", "is required."));
            return null;
        }
        PrecisionExtensions.TryParse(s.Precision ?? "bf16", out var precision);
        // The parser allows only known names.
        var optimizer = OptimizerKinds.Parse(s.Optimizer);
        // The parser allows only known stack ids; "auto" picks the stack by the chip, and by the plan's ZeRO stage where
        // that stack lacks it (software-stacks.json autoRule).
        var stacks = SoftwareStackCatalog.Standard;
        var stack = s.Stack is null || s.Stack == SoftwareStackCatalog.Auto
            ? (chip is null ? stacks.Default : stacks.ResolveAuto(chip, zeroStage, pipelined))
            : stacks.Find(s.Stack) ?? stacks.Default;
        var attention = (s.Attention ?? "auto") switch
        {
            "flash" => AttentionKernel.Flash,
            "unfused" => AttentionKernel.Unfused,
            _ => stack.Attention,
        };
        // The parser allows only known dispatch names.
        ExpertDispatch? dispatch = s.ExpertDispatch is { } d && ExpertDispatches.TryParse(d, out var parsed) ? parsed : null;
        var modules = ResolveRecomputeModules(s.RecomputeModules, model, stack, errors);
        return new TrainingConfig(s.GlobalBatchSequences.Value, precision, optimizer, s.Tokens, attention, stack, s.TpCommOverlap, s.EpCommOverlap, dispatch, s.FusedExpertKernels, modules);
    }

    // training.recomputeModules (names checked by the parser) as flags, with Megatron-Core's own checks: the modules describe
    // Megatron's selective recompute, mla_up_proj needs latent attention and moe_act an MoE model (transformer_config.py).
    private static RecomputeModules? ResolveRecomputeModules(IReadOnlyList<string>? names, TransformerModel? model, SoftwareStack stack, List<ScenarioError> errors)
    {
        if (names is null) return null;
        if (!stack.SelectiveRecomputeModules)
        {
            errors.Add(new("$.training.recomputeModules", $"names Megatron-Core's selective recompute modules, but the stack \"{stack.Id}\" recomputes by its own selective policy ({stack.SelectiveRecompute}) and takes no module list; remove recomputeModules or choose the megatron-core stack."));
            return null;
        }
        var modules = RecomputeModules.None;
        foreach (var name in names) modules |= RecomputeModuleNames.Parse(name) ?? RecomputeModules.None;
        if (modules.HasFlag(RecomputeModules.MlaUpProjection) && model is { Mla: null })
            errors.Add(new("$.training.recomputeModules", "lists mla_up_proj, but the model has no multi-head latent attention (model.mla); remove it."));
        if (modules.HasFlag(RecomputeModules.MoeActivation) && model is { Moe: null })
            errors.Add(new("$.training.recomputeModules", "lists moe_act, but the model has no MoE layers (model.moe); remove it."));
        return modules;
    }

    private static ClusterSystem? ResolveSystem(SystemSection s, HardwareCatalog catalog, ModelDefaults defaults, List<ScenarioError> errors)
    {
        ChipSpec? chip = null;
        if (s.ChipId is not null)
        {
            if (catalog.TryGet(s.ChipId, out var c)) chip = c;
            else errors.Add(new("$.system.chip", $"unknown chip \"{s.ChipId}\"; known chips: {string.Join(", ", catalog.Ids)} (or define a custom chip object)."));
        }
        else if (s.CustomChip is not null)
        {
            chip = ResolveCustomChip(s.CustomChip, catalog, errors);
        }
        else
        {
            errors.Add(new("$.system.chip", $"is required: a catalog id ({string.Join(", ", catalog.Ids)}) or a custom chip object."));
        }
        if (s.Gpus is null)
        {
            errors.Add(new("$.system.gpus", "is required."));
            return null;
        }
        if (chip is null) return null;
        var domain = s.Network?.ScaleUpDomainGpus ?? chip.ScaleUp.DomainSize;
        var perNode = s.GpusPerNode ?? Math.Min(domain, 8);
        var tiers = s.Network?.Tiers is { Count: > 0 } list
            ? list.Select((t, i) => new NetworkTier(t.Name ?? $"tier{i + 1}", t.Gpus ?? long.MaxValue, t.Oversubscription ?? 1.0, (t.LatencyMicroseconds ?? 0.3) * Units.Microsecond)).ToList()
            : defaults.DefaultTiers;
        for (var i = 1; i < tiers.Count; i++)
        {
            if (tiers[i].Gpus < tiers[i - 1].Gpus)
                errors.Add(new($"$.system.network.tiers[{i}].gpus", $"a tier must reach at least as many GPUs as the tier below it ({tiers[i - 1].Gpus})."));
        }
        var nic = (s.ScaleOutGbpsPerGpu ?? chip.ScaleOut.NicBitsPerSecondPerGpu / 1e9) * 1e9;
        return new ClusterSystem(chip, s.Gpus.Value, perNode, (int)Math.Min(domain, s.Gpus.Value), nic, tiers, s.Network?.RailOptimized ?? true);
    }

    /// <summary>Resolves an inline custom chip; errors carry <c>$.system.chip.…</c> paths.</summary>
    internal static ChipSpec? ResolveCustomChip(CustomChipSection c, HardwareCatalog catalog, List<ScenarioError> errors)
    {
        ChipSpec? baseChip = null;
        if (c.BaseOn is not null && !catalog.TryGet(c.BaseOn, out baseChip))
        {
            errors.Add(new("$.system.chip.baseOn", $"unknown chip \"{c.BaseOn}\"; known chips: {string.Join(", ", catalog.Ids)}."));
            return null;
        }
        var peaks = baseChip is null ? new Dictionary<Precision, double>() : new Dictionary<Precision, double>(baseChip.PeakFlopsPerSecond);
        if (baseChip is not null && c.PeakTflops is null && c.TdpWatts is { } limit)
        {
            // A part run below its base's TDP (a lower power limit) sustains a lower tensor clock: scale every peak.
            var factor = catalog.PowerLimitPeakFactor(limit, baseChip.TdpWatts);
            foreach (var p in baseChip.PeakFlopsPerSecond.Keys) peaks[p] *= factor;
        }
        if (c.PeakTflops is not null)
        {
            foreach (var (k, v) in c.PeakTflops)
            {
                if (PrecisionExtensions.TryParse(k, out var p)) peaks[p] = v * Units.Tera;
            }
        }
        var missing = new List<string>();
        if (peaks.Count == 0) missing.Add("peakTflops");
        if (c.HbmCapacityGiB is null && baseChip is null) missing.Add("hbmCapacityGiB");
        if (c.HbmBandwidthTBps is null && baseChip is null) missing.Add("hbmBandwidthTBps");
        foreach (var m in missing)
        {
            errors.Add(new($"$.system.chip.{m}", "is required for a custom chip without baseOn."));
        }
        if (missing.Count > 0) return null;
        var up = baseChip?.ScaleUp ?? new ScaleUpFabric("custom", ScaleUpTopology.Switch, 450 * Units.GB, 8, 3.4 * Units.Microsecond, 0.8);
        up = up with
        {
            BandwidthBytesPerSecondPerDirection = c.ScaleUpBandwidthGBps is { } bw ? bw * Units.GB : up.BandwidthBytesPerSecondPerDirection,
            DomainSize = c.ScaleUpDomainSize ?? up.DomainSize,
        };
        var outAttach = baseChip?.ScaleOut ?? new ScaleOutAttachment(400e9, 14 * Units.Microsecond, 0.75);
        if (c.ScaleOutGbpsPerGpu is { } nic) outAttach = outAttach with { NicBitsPerSecondPerGpu = nic * 1e9 };
        var eff = baseChip?.Efficiency ?? new ChipEfficiency(0.75, 0.85);
        // As ChipCalibrator builds a calibrated chip: gemmEfficiency stays the MAMF fraction (attention kernels and the
        // default shape use it), and a measured curve replaces the default GEMM-size shape.
        eff = eff with
        {
            GemmMaxFraction = c.GemmEfficiency ?? eff.GemmMaxFraction,
            HbmFraction = c.HbmEfficiency ?? eff.HbmFraction,
            SustainedGemmFraction = c.SustainedGemmFraction ?? eff.SustainedGemmFraction,
            GemmCurve = c.GemmCurve is { Count: > 0 } curve ? new EfficiencyCurve(curve) : eff.GemmCurve,
        };
        return new ChipSpec(
            c.Id ?? "custom",
            c.Name ?? c.Id ?? "Custom chip",
            baseChip?.Vendor ?? "custom",
            peaks,
            c.HbmCapacityGiB ?? baseChip!.HbmCapacityGiB,
            c.HbmBandwidthTBps is { } hb ? hb * Units.Tera : baseChip!.HbmBandwidthBytesPerSecond,
            c.TdpWatts ?? baseChip?.TdpWatts ?? 700,
            up,
            outAttach,
            eff,
            baseChip?.Price ?? new ChipPrice(null, null),
            baseChip?.Architecture ?? "custom",
            null,
            IsCustom: true,
            ExpPerSecond: baseChip?.ExpPerSecond ?? 0);
    }

    private static ParallelismPlan? ResolvePlan(ParallelismSection? s, ClusterSystem system, List<ScenarioError> errors)
    {
        s ??= new ParallelismSection();
        var t = s.Tensor ?? 1;
        var p = s.Pipeline ?? 1;
        var c = s.Context ?? 1;
        int d;
        if (s.Data is { } data)
        {
            d = data;
        }
        else
        {
            // When the GPUs do not divide evenly the plan is still built (rounded down) so that the validator reports
            // the mismatch as a result next to the other plan checks, not as an input error.
            var mp = (long)t * p * c;
            d = (int)Math.Max(1, system.Gpus / mp);
        }
        return new ParallelismPlan(t, p, d, c, s.Expert ?? 1, s.SequenceParallel ?? t > 1, s.VirtualStages ?? 1,
            s.MicroBatchSize ?? 1, s.ZeroStage ?? 1, Recompute(s.Recompute) ?? RecomputeMode.None,
            Placement(s.Placement) ?? ParallelismPlan.DefaultPlacement, ShardScope(s.ZeroShardScope), s.ActivationOffloadLayers ?? 0);
    }

    /// <summary>
    /// What the plan search keeps fixed: the fields a document's <c>parallelism</c> section states, typed (a null field
    /// is searched; no section: <see cref="SearchConstraints.None"/>), so the search never compares document strings.
    /// </summary>
    public static SearchConstraints Constraints(ParallelismSection? section) => section is null ? SearchConstraints.None : new()
    {
        Tensor = section.Tensor,
        Pipeline = section.Pipeline,
        Data = section.Data,
        Context = section.Context,
        Expert = section.Expert,
        SequenceParallel = section.SequenceParallel,
        VirtualStages = section.VirtualStages,
        MicroBatchSize = section.MicroBatchSize,
        ZeroStage = section.ZeroStage,
        Recompute = Recompute(section.Recompute),
        ShardScope = ShardScope(section.ZeroShardScope),
        Placement = Placement(section.Placement),
    };

    /// <summary>The document's <c>recompute</c> (validated by the parser: none, selective, full), or null when absent.</summary>
    public static RecomputeMode? Recompute(string? value) => value switch
    {
        null => null,
        "full" => RecomputeMode.Full,
        "selective" => RecomputeMode.Selective,
        _ => RecomputeMode.None,
    };

    /// <summary>The document's <c>zeroShardScope</c> (auto when absent).</summary>
    public static ZeroShardScope ShardScope(string? value) => value switch
    {
        "all" => ZeroShardScope.All,
        "domain" => ZeroShardScope.Domain,
        _ => ZeroShardScope.Auto,
    };

    /// <summary>The document's <c>placement</c> (five axis names, innermost first), or null when absent.</summary>
    public static IReadOnlyList<ParallelAxis>? Placement(IReadOnlyList<string>? value) => value is { Count: 5 } list
        ? [.. list.Select(a => a switch
        {
            "tensor" => ParallelAxis.Tensor,
            "context" => ParallelAxis.Context,
            "expert" => ParallelAxis.Expert,
            "data" => ParallelAxis.Data,
            _ => ParallelAxis.Pipeline,
        })]
        : null;
}
