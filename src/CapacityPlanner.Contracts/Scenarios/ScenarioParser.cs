using System.Globalization;
using System.Text.Json;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Contracts.Scenarios;

/// <summary>Outcome of parsing: a document, or every error found (never both empty).</summary>
/// <param name="Document">The parsed document when there were no errors.</param>
/// <param name="Errors">Every problem, with JSON path.</param>
public sealed record ParseResult(ScenarioDocument? Document, IReadOnlyList<ScenarioError> Errors)
{
    /// <summary>True when parsing succeeded.</summary>
    public bool Success => Document is not null && Errors.Count == 0;
}

/// <summary>
/// Strict parser of scenario documents: unknown fields, wrong types and out-of-range values are all reported
/// at once with their JSON paths; malformed JSON reports line and column.
/// </summary>
public static class ScenarioParser
{
    /// <summary>Recompute modes.</summary>
    public static readonly IReadOnlyList<string> RecomputeModes = ["none", "selective", "full"];
    /// <summary>Optimizers (the names the model reads: <see cref="OptimizerKinds.Names"/>).</summary>
    public static readonly IReadOnlyList<string> Optimizers = OptimizerKinds.Names;
    /// <summary>ZeRO-3 shard scopes.</summary>
    public static readonly IReadOnlyList<string> ZeroShardScopes = ["auto", "all", "domain"];
    /// <summary>Attention kernel choices.</summary>
    public static readonly IReadOnlyList<string> AttentionKernels = ["auto", "flash", "unfused"];
    /// <summary>Budget planner optimizers.</summary>
    public static readonly IReadOnlyList<string> BudgetOptimizers = ["adamw", "adafactor", "shampoo", "soap", "muon", "sgd"];
    /// <summary>Ways to acquire GPUs.</summary>
    public static readonly IReadOnlyList<string> Acquisitions = ["buy", "rent"];
    /// <summary>How bought capital is charged to the run.</summary>
    public static readonly IReadOnlyList<string> CapitalCosts = ["purchase", "depreciation"];
    /// <summary>Scaling-law fits a scenario may choose.</summary>
    public static readonly IReadOnlyList<string> ScalingLawIds = ["chinchilla", "epoch"];
    /// <summary>Placement axis names.</summary>
    public static readonly IReadOnlyList<string> PlacementAxes = ["tensor", "context", "expert", "data", "pipeline"];

    private const int MaxInt = 1 << 30;

    /// <summary>Parses a scenario document from JSON text.</summary>
    public static ParseResult Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (Json.StrictJson.Check(json) is { } invalid) return new ParseResult(null, [invalid]);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            return new ParseResult(null, [new ScenarioError("$", Json.JsonSyntaxError.Describe(ex))]);
        }
        using (doc)
        {
            return Parse(doc.RootElement);
        }
    }

    /// <summary>Parses a scenario document from a JSON element.</summary>
    public static ParseResult Parse(JsonElement root)
    {
        var errors = new List<ScenarioError>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            return new ParseResult(null, [new ScenarioError("$", $"A scenario must be a JSON object, got {JsonFieldReader.Describe(root)}.")]);
        }
        var r = new JsonFieldReader(root, "$", errors);
        var version = r.Int("schemaVersion", 1, MaxInt, required: true);
        if (version is not null && version != ScenarioDocument.CurrentVersion)
        {
            r.Error("schemaVersion", $"version {version} is not supported; this build reads version {ScenarioDocument.CurrentVersion}.");
        }
        var name = r.String("name");
        var model = ParseModel(r.Object("model", required: true));
        var training = ParseTraining(r.Object("training", required: true));
        var system = ParseSystem(r.Object("system", required: true));
        var parallelism = ParseParallelism(r.Object("parallelism"));
        var budget = ParseBudget(r.Object("budget"));
        var reliability = ParseReliability(r.Object("reliability"));
        var sites = ParseSites(r.Object("sites"));
        r.RejectUnknown("allowed: schemaVersion, name, model, training, system, parallelism, budget, reliability, sites.");
        if (errors.Count > 0) return new ParseResult(null, errors);
        return new ParseResult(new ScenarioDocument
        {
            SchemaVersion = version ?? 1,
            Name = name,
            Model = model ?? new ModelSection(),
            Training = training ?? new TrainingSection(),
            System = system ?? new SystemSection(),
            Parallelism = parallelism,
            Budget = budget,
            Reliability = reliability,
            Sites = sites,
        }, errors);
    }

    private static ModelSection? ParseModel(JsonFieldReader? r)
    {
        if (r is null) return null;
        var section = new ModelSection
        {
            Preset = r.String("preset"),
            Name = r.String("name"),
            Layers = r.Int("layers", 1, 100_000),
            HiddenSize = r.Int("hiddenSize", 1, 1_000_000),
            AttentionHeads = r.Int("attentionHeads", 1, 100_000),
            KvHeads = r.Int("kvHeads", 1, 100_000),
            HeadDim = r.Int("headDim", 1, 100_000),
            FfnHiddenSize = r.Int("ffnHiddenSize", 1, 10_000_000),
            GatedMlp = r.Bool("gatedMlp"),
            VocabSize = r.Int("vocabSize", 1, 100_000_000),
            SequenceLength = r.Int("sequenceLength", 1, 100_000_000),
            TiedEmbeddings = r.Bool("tiedEmbeddings"),
            Moe = ParseMoe(r.Object("moe")),
            Mla = ParseMla(r.Object("mla")),
        };
        r.RejectUnknown("allowed: preset, name, layers, hiddenSize, attentionHeads, kvHeads, headDim, ffnHiddenSize, gatedMlp, vocabSize, sequenceLength, tiedEmbeddings, moe, mla.");
        return section;
    }

    private static MlaSection? ParseMla(JsonFieldReader? r)
    {
        if (r is null) return null;
        var s = new MlaSection
        {
            QLoraRank = r.Int("qLoraRank", 1, 1_000_000),
            KvLoraRank = r.Int("kvLoraRank", 1, 1_000_000, required: true),
            QkNopeHeadDim = r.Int("qkNopeHeadDim", 1, 100_000, required: true),
            QkRopeHeadDim = r.Int("qkRopeHeadDim", 0, 100_000, required: true),
            VHeadDim = r.Int("vHeadDim", 1, 100_000, required: true),
        };
        r.RejectUnknown("allowed: qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim, vHeadDim.");
        return s;
    }

    private static MoeSection? ParseMoe(JsonFieldReader? r)
    {
        if (r is null) return null;
        var s = new MoeSection
        {
            Experts = r.Int("experts", 1, 1_000_000, required: true),
            ExpertsPerToken = r.Int("expertsPerToken", 1, 1_000_000, required: true),
            SharedExperts = r.Int("sharedExperts", 0, 1_000_000),
            ExpertFfnHiddenSize = r.Int("expertFfnHiddenSize", 1, 10_000_000, required: true),
            DenseLayers = r.Int("denseLayers", 0, 100_000),
            CapacityFactor = r.Number("capacityFactor", 1.0, 64.0),
            RoutingGroups = r.Int("routingGroups", 1, 1_000_000),
            GroupsPerToken = r.Int("groupsPerToken", 1, 1_000_000),
        };
        r.RejectUnknown("allowed: experts, expertsPerToken, sharedExperts, expertFfnHiddenSize, denseLayers, capacityFactor, routingGroups, groupsPerToken.");
        return s;
    }

    private static TrainingSection? ParseTraining(JsonFieldReader? r)
    {
        if (r is null) return null;
        var s = new TrainingSection
        {
            GlobalBatchSequences = r.Int("globalBatchSequences", 1, MaxInt, required: true),
            Precision = r.String("precision", allowed: PrecisionExtensions.All.Select(p => p.ToId()).ToList()),
            Optimizer = r.String("optimizer", allowed: Optimizers),
            Tokens = r.Number("tokens", 0, 1e20, exclusiveMin: true),
            Attention = r.String("attention", allowed: AttentionKernels),
            Stack = r.String("stack", allowed: SoftwareStackCatalog.Standard.Ids),
            TpCommOverlap = r.Bool("tpCommOverlap"),
            EpCommOverlap = r.Bool("epCommOverlap"),
            ExpertDispatch = r.String("expertDispatch", allowed: ExpertDispatches.Names),
            FusedExpertKernels = r.Bool("fusedExpertKernels"),
            RecomputeModules = ParseRecomputeModules(r),
        };
        r.RejectUnknown("allowed: globalBatchSequences, precision, optimizer, tokens, attention, stack, tpCommOverlap, epCommOverlap, expertDispatch, fusedExpertKernels, recomputeModules.");
        return s;
    }

    // Megatron-Core modules whose recompute capplan does not cost: named so that the error says so rather than "unknown".
    private static readonly IReadOnlyList<string> UncostedRecomputeModules = ["moe", "shared_experts"];

    private static List<string>? ParseRecomputeModules(JsonFieldReader r)
    {
        if (r.Raw("recomputeModules") is not { } raw) return null;
        if (raw.ValueKind != JsonValueKind.Array)
        {
            r.Error("recomputeModules", $"expected an array of module names such as [\"core_attn\", \"mla_up_proj\"], got {JsonFieldReader.Describe(raw)}.");
            return null;
        }
        var modules = new List<string>();
        foreach (var e in raw.EnumerateArray())
        {
            var name = e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            var match = Core.Planning.RecomputeModuleNames.Canonical(name);
            if (match is not null)
            {
                if (!modules.Contains(match)) modules.Add(match);
            }
            else if (UncostedRecomputeModules.Contains(name ?? "", StringComparer.OrdinalIgnoreCase))
            {
                r.Error("recomputeModules", $"\"{name}\" is a Megatron-Core module whose recompute capplan does not cost yet; list only {string.Join(", ", Core.Planning.RecomputeModuleNames.Names)}, or use recompute \"full\".");
            }
            else
            {
                r.Error("recomputeModules", $"{JsonFieldReader.Describe(e)} is not one of: {string.Join(", ", Core.Planning.RecomputeModuleNames.Names)} (Megatron-Core recompute_modules names).");
            }
        }
        return modules;
    }

    private static SystemSection? ParseSystem(JsonFieldReader? r)
    {
        if (r is null) return null;
        string? chipId = null;
        CustomChipSection? custom = null;
        var chip = r.Raw("chip", required: true);
        if (chip is { } c)
        {
            if (c.ValueKind == JsonValueKind.String) chipId = c.GetString();
            else if (c.ValueKind == JsonValueKind.Object) custom = ParseCustomChip(r.Nested(c, r.Child("chip")));
            else r.Error("chip", $"expected a catalog id string or a custom chip object, got {JsonFieldReader.Describe(c)}.");
        }
        var s = new SystemSection
        {
            ChipId = chipId,
            CustomChip = custom,
            Gpus = r.Long("gpus", 1, 100_000_000, required: true),
            GpusPerNode = r.Int("gpusPerNode", 1, 1_000_000),
            ScaleOutGbpsPerGpu = r.Number("scaleOutGbpsPerGpu", MinGbps, 1e6),
            Network = ParseNetwork(r.Object("network")),
        };
        r.RejectUnknown("allowed: chip, gpus, gpusPerNode, scaleOutGbpsPerGpu, network.");
        return s;
    }

    /// <summary>
    /// Smallest per-GPU network rate a scenario may give, Gb/s: below it a step takes longer than any plan is worth costing
    /// (and a rate near zero would make it infinite).
    /// </summary>
    private const double MinGbps = 0.1;

    /// <summary>
    /// Smallest efficiency or fraction of a peak a chip may be given: small enough for a calibration from the runner's CPU
    /// fallback (fractions of 1e-5 of a GPU's peak), large enough that no time becomes infinite.
    /// </summary>
    private const double MinFraction = 1e-6;

    /// <summary>Reads an inline custom chip object (<c>system.chip</c>); errors carry paths below the reader's path.</summary>
    internal static CustomChipSection ParseCustomChip(JsonFieldReader r)
    {
        Dictionary<string, double>? peaks = null;
        var peakReader = r.Object("peakTflops");
        if (peakReader is not null)
        {
            peaks = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
            foreach (var p in PrecisionExtensions.All)
            {
                var v = peakReader.Number(p.ToId(), 0.001, 1e7);
                if (v is not null) peaks[p.ToId()] = v.Value;
            }
            peakReader.RejectUnknown("allowed precisions: " + string.Join(", ", PrecisionExtensions.All.Select(p => p.ToId())) + ".");
        }
        var s = new CustomChipSection
        {
            Id = r.String("id", required: true),
            Name = r.String("name"),
            BaseOn = r.String("baseOn"),
            PeakTflops = peaks,
            HbmCapacityGiB = r.Number("hbmCapacityGiB", 1, 1e6),
            HbmBandwidthTBps = r.Number("hbmBandwidthTBps", 0.001, 1e4),
            TdpWatts = r.Number("tdpWatts", 1, 1e6),
            ScaleUpBandwidthGBps = r.Number("scaleUpBandwidthGBps", 0.1, 1e6),
            ScaleUpDomainSize = r.Int("scaleUpDomainSize", 1, 1_000_000),
            ScaleOutGbpsPerGpu = r.Number("scaleOutGbpsPerGpu", MinGbps, 1e6),
            GemmEfficiency = r.Number("gemmEfficiency", MinFraction, 1),
            HbmEfficiency = r.Number("hbmEfficiency", MinFraction, 1),
            SustainedGemmFraction = r.Number("sustainedGemmFraction", MinFraction, 1),
            GemmCurve = ParseGemmCurve(r),
        };
        r.RejectUnknown("allowed: id, name, baseOn, peakTflops, hbmCapacityGiB, hbmBandwidthTBps, tdpWatts, scaleUpBandwidthGBps, scaleUpDomainSize, scaleOutGbpsPerGpu, gemmEfficiency, hbmEfficiency, sustainedGemmFraction, gemmCurve.");
        return s;
    }

    // gemmCurve: [{ "flops": 1e9, "fraction": 0.3 }, …], 1 to 64 points, flops strictly increasing, fractions in (0, 1].
    private static List<(double Flops, double Fraction)>? ParseGemmCurve(JsonFieldReader r)
    {
        if (r.Raw("gemmCurve") is not { } arr) return null;
        const string Example = "[{ \"flops\": 1e9, \"fraction\": 0.3 }, { \"flops\": 1e12, \"fraction\": 0.7 }]";
        if (arr.ValueKind != JsonValueKind.Array)
        {
            r.Error("gemmCurve", $"expected an array of points such as {Example}, got {JsonFieldReader.Describe(arr)}.");
            return null;
        }
        var count = arr.GetArrayLength();
        if (count == 0)
        {
            r.Error("gemmCurve", $"is empty; give at least one point such as {Example}, or leave gemmCurve out to use the default GEMM-size curve.");
            return null;
        }
        if (count > CustomChipSection.MaxGemmCurvePoints)
        {
            r.Error("gemmCurve", $"has {count} points; at most {CustomChipSection.MaxGemmCurvePoints} are allowed: thin the curve, keeping the points where it bends.");
            return null;
        }
        var points = new List<(double Flops, double Fraction)>(count);
        var valid = true;
        var i = 0;
        double? previous = null;
        foreach (var item in arr.EnumerateArray())
        {
            var path = $"{r.Child("gemmCurve")}[{i++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                r.ErrorAt(path, $"expected a point such as {{ \"flops\": 1e12, \"fraction\": 0.7 }}, got {JsonFieldReader.Describe(item)}.");
                valid = false;
                previous = null;
                continue;
            }
            var pr = r.Nested(item, path);
            var flops = CurveNumber(pr, "flops", 1e30, "the FLOPs of one GEMM (2·M·N·K) must be above 0 (at most 1e30)");
            var fraction = CurveNumber(pr, "fraction", 1, "a fraction of the dense peak lies in [1e-6, 1]", MinFraction);
            pr.RejectUnknown("allowed: flops, fraction.");
            if (flops is { } f && previous is { } p && f <= p)
            {
                pr.Error("flops", string.Create(CultureInfo.InvariantCulture,
                    $"{f} is not above the previous point's {p}; list the points by strictly increasing flops, each size once."));
                valid = false;
            }
            if (flops is null || fraction is null) valid = false;
            else points.Add((flops.Value, fraction.Value));
            previous = flops ?? previous;
        }
        return valid ? points : null;
    }

    private static double? CurveNumber(JsonFieldReader r, string name, double max, string meaning, double min = 0)
    {
        if (r.Raw(name, required: true) is not { } e) return null;
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var v) || !double.IsFinite(v))
        {
            r.Error(name, $"expected a number, got {JsonFieldReader.Describe(e)}.");
            return null;
        }
        if (v <= 0 || v < min || v > max)
        {
            r.Error(name, string.Create(CultureInfo.InvariantCulture, $"{v} is out of range: {meaning}."));
            return null;
        }
        return v;
    }

    private static NetworkSection? ParseNetwork(JsonFieldReader? r)
    {
        if (r is null) return null;
        List<TierSection>? tiers = null;
        var raw = r.Raw("tiers");
        if (raw is { } arr)
        {
            if (arr.ValueKind != JsonValueKind.Array)
            {
                r.Error("tiers", $"expected an array of tiers, got {JsonFieldReader.Describe(arr)}.");
            }
            else
            {
                tiers = [];
                var i = 0;
                foreach (var t in arr.EnumerateArray())
                {
                    var path = $"{r.Child("tiers")}[{i++}]";
                    if (t.ValueKind != JsonValueKind.Object)
                    {
                        r.ErrorAt(path, $"expected a tier object, got {JsonFieldReader.Describe(t)}.");
                        continue;
                    }
                    var tr = r.Nested(t, path);
                    tiers.Add(new TierSection
                    {
                        Name = tr.String("name"),
                        Gpus = tr.Long("gpus", 1, 100_000_000, required: true),
                        Oversubscription = tr.Number("oversubscription", 1, 1000),
                        LatencyMicroseconds = tr.Number("latencyMicroseconds", 0, 1e6),
                    });
                    tr.RejectUnknown("allowed: name, gpus, oversubscription, latencyMicroseconds.");
                }
            }
        }
        var s = new NetworkSection
        {
            ScaleUpDomainGpus = r.Int("scaleUpDomainGpus", 1, 1_000_000),
            RailOptimized = r.Bool("railOptimized"),
            Tiers = tiers,
        };
        r.RejectUnknown("allowed: scaleUpDomainGpus, railOptimized, tiers.");
        return s;
    }

    private static ParallelismSection? ParseParallelism(JsonFieldReader? r)
    {
        if (r is null) return null;
        List<string>? placement = null;
        var raw = r.Raw("placement");
        if (raw is { } arr)
        {
            if (arr.ValueKind != JsonValueKind.Array)
            {
                r.Error("placement", "expected an array such as [\"tensor\", \"context\", \"expert\", \"data\", \"pipeline\"].");
            }
            else
            {
                placement = [];
                foreach (var a in arr.EnumerateArray())
                {
                    var s = a.ValueKind == JsonValueKind.String ? a.GetString() : null;
                    var match = PlacementAxes.FirstOrDefault(x => string.Equals(x, s, StringComparison.OrdinalIgnoreCase));
                    if (match is null) r.Error("placement", $"{JsonFieldReader.Describe(a)} is not one of: {string.Join(", ", PlacementAxes)}.");
                    else placement.Add(match);
                }
                if (placement.Count != PlacementAxes.Count || placement.Distinct().Count() != PlacementAxes.Count)
                {
                    r.Error("placement", $"must list each of {string.Join(", ", PlacementAxes)} exactly once, innermost first.");
                }
            }
        }
        var section = new ParallelismSection
        {
            Tensor = r.Int("tensor", 1, 1_000_000),
            Pipeline = r.Int("pipeline", 1, 1_000_000),
            Data = r.Int("data", 1, 100_000_000),
            Context = r.Int("context", 1, 1_000_000),
            Expert = r.Int("expert", 1, 1_000_000),
            SequenceParallel = r.Bool("sequenceParallel"),
            VirtualStages = r.Int("virtualStages", 1, 1_000),
            MicroBatchSize = r.Int("microBatchSize", 1, 1_000_000),
            ZeroStage = r.Int("zeroStage", 0, 3),
            Recompute = r.String("recompute", allowed: RecomputeModes),
            ZeroShardScope = r.String("zeroShardScope", allowed: ZeroShardScopes),
            Placement = placement,
            ActivationOffloadLayers = r.Int("activationOffloadLayers", 0, 100_000),
        };
        r.RejectUnknown("allowed: tensor, pipeline, data, context, expert, sequenceParallel, virtualStages, microBatchSize, zeroStage, recompute, zeroShardScope, placement, activationOffloadLayers.");
        return section;
    }

    /// <summary>Checkpointing modes.</summary>
    public static readonly IReadOnlyList<string> CheckpointingModes = ["sync", "async"];
    /// <summary>DiLoCo outer-update compressions.</summary>
    public static readonly IReadOnlyList<string> DilocoCompressions = ["none", "bf16", "int8", "int4"];

    // A number whose range error says what the range means (so "gbps 0" says why it is wrong).
    private static double? Meaningful(JsonFieldReader r, string name, double min, double max, bool exclusiveMin, string meaning)
    {
        if (r.Raw(name) is not { } e) return null;
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var v) || !double.IsFinite(v))
        {
            r.Error(name, $"expected a number, got {JsonFieldReader.Describe(e)}.");
            return null;
        }
        if (v < min || v > max || (exclusiveMin && v <= min))
        {
            r.Error(name, string.Create(CultureInfo.InvariantCulture, $"{v} is out of range: {meaning}."));
            return null;
        }
        return v;
    }

    private static ReliabilitySection? ParseReliability(JsonFieldReader? r)
    {
        if (r is null) return null;
        var s = new ReliabilitySection
        {
            InterruptionRateScale = Meaningful(r, "interruptionRateScale", 0, 1000, false, "the multiplier on the published interruption rates lies in [0, 1000]"),
            IncludePlanned = r.Bool("includePlanned"),
            Checkpointing = r.String("checkpointing", allowed: CheckpointingModes),
            CheckpointIntervalMinutes = Meaningful(r, "checkpointIntervalMinutes", 0, 1e6, true, "the checkpoint interval must be above 0 minutes"),
            StorageGBpsPerNode = Meaningful(r, "storageGBpsPerNode", 0, 1e6, true, "storage bandwidth per node must be above 0 GB/s: a checkpoint could never be written"),
            StorageTotalTBps = Meaningful(r, "storageTotalTBps", 0, 1e6, true, "total storage bandwidth must be above 0 TB/s: a checkpoint could never be written"),
            StorageCapacityTB = Meaningful(r, "storageCapacityTB", 0, 1e9, true, "storage capacity must be above 0 TB"),
            AsyncSnapshotGBpsPerGpu = Meaningful(r, "asyncSnapshotGBpsPerGpu", 0, 1e6, true, "the snapshot bandwidth must be above 0 GB/s"),
            DetectionMinutes = Meaningful(r, "detectionMinutes", 0, 1e5, false, "detection time is at least 0 minutes"),
            InitMinutes = Meaningful(r, "initMinutes", 0, 1e5, false, "start-up time is at least 0 minutes"),
            SpareSwapMinutes = Meaningful(r, "spareSwapMinutes", 0, 1e5, false, "rescheduling time is at least 0 minutes"),
            WaitForRepairMinutes = Meaningful(r, "waitForRepairMinutes", 0, 1e6, false, "waiting time is at least 0 minutes"),
            RepairHours = Meaningful(r, "repairHours", 0, 1e5, false, "repair time is at least 0 hours"),
            HotSpareNodes = r.Int("hotSpareNodes", 0, 10_000_000),
        };
        r.RejectUnknown("allowed: interruptionRateScale, includePlanned, checkpointing, checkpointIntervalMinutes, storageGBpsPerNode, storageTotalTBps, " +
            "storageCapacityTB, asyncSnapshotGBpsPerGpu, detectionMinutes, initMinutes, spareSwapMinutes, waitForRepairMinutes, repairHours, hotSpareNodes.");
        return s;
    }

    private static SitesSection? ParseSites(JsonFieldReader? r)
    {
        if (r is null) return null;
        InterSiteSection? link = null;
        if (r.Object("interSite") is { } lr)
        {
            link = new InterSiteSection
            {
                Gbps = Meaningful(lr, "gbps", 0, 1e9, true, "the bandwidth between two sites must be above 0 Gb/s: with no link, data parallelism cannot cross sites (use sites.count 1)"),
                LatencyMs = Meaningful(lr, "latencyMs", 0, 1e4, false, "latency is at least 0 ms"),
                DistanceKm = Meaningful(lr, "distanceKm", 0, 40_000, false, "distance lies in [0, 40,000] km"),
            };
            lr.RejectUnknown("allowed: gbps, latencyMs, distanceKm.");
        }
        DilocoSection? diloco = null;
        if (r.Object("diloco") is { } dr)
        {
            diloco = new DilocoSection
            {
                InnerSteps = dr.Int("innerSteps", 1, 1_000_000, required: true),
                Compression = dr.String("compression", allowed: DilocoCompressions),
                Overlap = dr.Bool("overlap"),
            };
            dr.RejectUnknown("allowed: innerSteps, compression, overlap.");
        }
        var s = new SitesSection
        {
            Count = r.Int("count", 1, 1000),
            PowerCapMw = Meaningful(r, "powerCapMw", 0, 1e6, true, "a power cap must be above 0 MW"),
            MaxSiteMw = Meaningful(r, "maxSiteMw", 0, 1e6, true, "a site's size must be above 0 MW"),
            InterSite = link,
            Diloco = diloco,
        };
        r.RejectUnknown("allowed: count, powerCapMw, maxSiteMw, interSite, diloco.");
        return s;
    }

    private static BudgetSection? ParseBudget(JsonFieldReader? r)
    {
        if (r is null) return null;
        // Each range carries its meaning so that "goodput 1.2" or "pue 0.9" says why it is wrong.
        double? Num(string name, double min, double max, bool exclusiveMin, string meaning) => Meaningful(r, name, min, max, exclusiveMin, meaning);
        var s = new BudgetSection
        {
            BudgetUsd = Num("budgetUsd", 0, 1e15, true, "the budget must be above $0 (at most $1e15)"),
            TargetFlop = Num("targetFlop", 0, 1e40, true, "the FLOP target must be above 0 (at most 1e40)"),
            DurationDays = Num("durationDays", 0, 36_500, true, "the duration must be above 0 days (at most 36,500)"),
            Acquisition = r.String("acquisition", allowed: Acquisitions),
            CapitalCost = r.String("capitalCost", allowed: CapitalCosts),
            RentUsdPerGpuHour = Num("rentUsdPerGpuHour", 0, 1e4, true, "a rental price must be above $0 per GPU-hour"),
            GpuPriceUsd = Num("gpuPriceUsd", 0, 1e8, true, "a GPU price must be above $0"),
            ServerOverheadFactor = Num("serverOverheadFactor", 1, 100, false, "server cost ÷ GPU price is at least 1"),
            NetworkShareOfClusterCost = Num("networkShareOfClusterCost", 0, 0.95, false, "the interconnect share of cluster cost lies in [0, 0.95]"),
            FacilityUsdPerMegawatt = Num("facilityUsdPerMegawatt", 0, 1e10, true, "a facility build cost must be above $0 per MW"),
            DepreciationYears = Num("depreciationYears", 0, 100, true, "depreciation years must be above 0"),
            FacilityLifeYears = Num("facilityLifeYears", 0, 200, true, "facility life must be above 0 years"),
            ServerPowerFactor = Num("serverPowerFactor", 1, 10, false, "server power ÷ GPU TDP is at least 1"),
            AverageLoad = Num("averageLoad", 0, 1, true, "the average load is a fraction of server power, above 0 and at most 1"),
            Pue = Num("pue", 1, 10, false, "PUE is facility power ÷ IT power, at least 1 (at most 10)"),
            ElectricityUsdPerKWh = Num("electricityUsdPerKWh", 0, 100, true, "an electricity price must be above $0 per kWh"),
            Goodput = Num("goodput", 0, 1, true, "goodput is the fraction of wall time that trains, above 0 and at most 1"),
            Mfu = Num("mfu", 0, 1, true, "MFU is a fraction of peak, above 0 and at most 1"),
            Optimizer = r.String("optimizer", allowed: BudgetOptimizers),
            HyperparameterSearchShare = Num("hyperparameterSearchShare", 0, 0.99, false, "the share reserved for hyperparameter search lies in [0, 0.99]"),
            UniqueTokens = Num("uniqueTokens", 0, 1e20, true, "unique tokens must be above 0"),
            ScalingLaw = r.String("scalingLaw", allowed: ScalingLawIds),
        };
        if (s.BudgetUsd is not null && s.TargetFlop is not null)
        {
            r.Error("targetFlop", "give budgetUsd (what a budget buys) or targetFlop (what a FLOP target costs), not both.");
        }
        r.RejectUnknown("allowed: budgetUsd, targetFlop, durationDays, acquisition, capitalCost, rentUsdPerGpuHour, gpuPriceUsd, serverOverheadFactor, " +
            "networkShareOfClusterCost, facilityUsdPerMegawatt, depreciationYears, facilityLifeYears, serverPowerFactor, averageLoad, pue, " +
            "electricityUsdPerKWh, goodput, mfu, optimizer, hyperparameterSearchShare, uniqueTokens, scalingLaw.");
        return s;
    }
}
