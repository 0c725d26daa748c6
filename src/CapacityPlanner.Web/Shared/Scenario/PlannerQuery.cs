using System.Globalization;
using CapacityPlanner.Core.Budget;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace CapacityPlanner.Web.Shared.Scenario;

/// <summary>
/// The planner state in the URL query, so that a reload (or a copied address) restores it. Only values that differ
/// from the defaults are written: <c>?chip=h100-sxm&amp;gpus=2048&amp;tp=4</c>. Unparseable values are ignored.
/// </summary>
public static class PlannerQuery
{
    /// <summary>Every key the planner writes; other pages keep these when they link to each other.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "preset", "layers", "hidden", "heads", "kv", "ffn", "vocab", "seq", "hd", "gated", "tied", "moe", "mla",
        "chip", "gpus", "gpn", "nic", "domain", "oversub", "mw",
        "batch", "precision", "stack", "opt", "tpo", "epo", "epd", "fxk", "rcm", "attn", "tokens",
        "tp", "pp", "dp", "cp", "ep", "vp", "offload", "mb", "zero", "zscope", "rc", "sp", "place",
        "cmp", "cmpgpus", "cost",
    ];

    /// <summary>The query parameters for an input: non-default values, null for the rest (which removes them).</summary>
    public static Dictionary<string, object?> ToParameters(PlannerInput input, PlannerInput defaults)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(defaults);
        var p = new Dictionary<string, object?>(StringComparer.Ordinal);
        void S(string key, string? value, string? def) => p[key] = string.Equals(value, def, StringComparison.Ordinal) ? null : value ?? "";
        void I(string key, int? value, int? def) => p[key] = value == def ? null : value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "";
        void D(string key, double? value, double? def) => p[key] = value == def ? null : value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "";
        void B(string key, bool? value, bool? def) => p[key] = value == def ? null : value is { } v ? (v ? "1" : "0") : "";

        S("preset", input.PresetId, defaults.PresetId);
        I("layers", input.Layers, defaults.Layers);
        I("hidden", input.HiddenSize, defaults.HiddenSize);
        I("heads", input.AttentionHeads, defaults.AttentionHeads);
        I("kv", input.KvHeads, defaults.KvHeads);
        I("ffn", input.FfnHiddenSize, defaults.FfnHiddenSize);
        I("vocab", input.VocabSize, defaults.VocabSize);
        I("seq", input.SequenceLength, defaults.SequenceLength);
        I("hd", input.HeadDim, defaults.HeadDim);
        B("gated", input.GatedMlp, defaults.GatedMlp);
        B("tied", input.TiedEmbeddings, defaults.TiedEmbeddings);
        S("moe", MoeText(input.Moe), MoeText(defaults.Moe));
        S("mla", MlaText(input.Mla), MlaText(defaults.Mla));
        S("chip", input.ChipId, defaults.ChipId);
        I("gpus", input.Gpus, defaults.Gpus);
        I("gpn", input.GpusPerNode, defaults.GpusPerNode);
        D("nic", input.ScaleOutGbpsPerGpu, defaults.ScaleOutGbpsPerGpu);
        I("domain", input.ScaleUpDomainGpus, defaults.ScaleUpDomainGpus);
        D("oversub", input.Oversubscription, defaults.Oversubscription);
        D("mw", input.PowerCapMw, defaults.PowerCapMw);
        I("batch", input.GlobalBatchSequences, defaults.GlobalBatchSequences);
        S("precision", input.Precision, defaults.Precision);
        S("stack", input.Stack, defaults.Stack);
        S("opt", input.Optimizer, defaults.Optimizer);
        B("tpo", input.TpCommOverlap, defaults.TpCommOverlap);
        B("epo", input.EpCommOverlap, defaults.EpCommOverlap);
        S("epd", input.ExpertDispatch, defaults.ExpertDispatch);
        B("fxk", input.FusedExpertKernels, defaults.FusedExpertKernels);
        S("rcm", RecomputeModulesText(input.RecomputeModules), RecomputeModulesText(defaults.RecomputeModules));
        S("attn", input.Attention, defaults.Attention);
        D("tokens", input.TokensBillions, defaults.TokensBillions);
        I("tp", input.Tensor, defaults.Tensor);
        I("pp", input.Pipeline, defaults.Pipeline);
        I("dp", input.Data, defaults.Data);
        I("cp", input.Context, defaults.Context);
        I("ep", input.Expert, defaults.Expert);
        I("vp", input.VirtualStages, defaults.VirtualStages);
        I("offload", input.ActivationOffloadLayers, defaults.ActivationOffloadLayers);
        I("mb", input.MicroBatchSize, defaults.MicroBatchSize);
        I("zero", input.ZeroStage, defaults.ZeroStage);
        S("zscope", input.ZeroShardScope, defaults.ZeroShardScope);
        S("rc", input.Recompute, defaults.Recompute);
        B("sp", input.SequenceParallel, defaults.SequenceParallel);
        S("place", input.Placement, defaults.Placement);
        S("cmp", input.CompareChipId, defaults.CompareChipId);
        I("cmpgpus", input.CompareGpus, defaults.CompareGpus);
        p["cost"] = input.CostBasis == defaults.CostBasis ? null : CostText(input.CostBasis);
        return p;
    }

    /// <summary>Reads an input from a URI's query, starting from <paramref name="defaults"/>.</summary>
    public static PlannerInput FromUri(string uri, PlannerInput defaults, ICollection<string>? problems = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(defaults);
        return FromQuery(QueryOf(uri), defaults, problems);
    }

    /// <summary>The parsed query of an absolute or relative URI.</summary>
    public static Dictionary<string, StringValues> QueryOf(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var q = uri.IndexOf('?', StringComparison.Ordinal);
        if (q < 0) return new Dictionary<string, StringValues>(StringComparer.Ordinal);
        var hash = uri.IndexOf('#', q);
        var query = hash < 0 ? uri[q..] : uri[q..hash];
        return QueryHelpers.ParseQuery(query);
    }

    /// <summary>The query string ("?a=b&amp;…", or "") that carries the planner keys of <paramref name="uri"/>.</summary>
    public static string ScenarioQueryOf(string uri)
    {
        var query = QueryOf(uri);
        var parts = Keys.Where(query.ContainsKey)
            .Select(k => $"{Uri.EscapeDataString(k)}={Uri.EscapeDataString(query[k].ToString())}")
            .ToList();
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }

    /// <summary>
    /// Reads an input from parsed query values, starting from <paramref name="defaults"/>. A value that does not parse
    /// keeps the default, and <paramref name="problems"/> (when given) says so, naming the field: nothing is changed
    /// without a word.
    /// </summary>
    public static PlannerInput FromQuery(IReadOnlyDictionary<string, StringValues> query, PlannerInput defaults, ICollection<string>? problems = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(defaults);
        var input = defaults.Clone();
        string? Str(string key) => query.TryGetValue(key, out var v) && !StringValues.IsNullOrEmpty(v) ? v.ToString() : null;
        T? Kept<T>(string key, string text, T? current, string kind) where T : struct
        {
            problems?.Add(string.Create(CultureInfo.InvariantCulture,
                $"The address gives {Label(key)} as \u201c{text}\u201d, which is not {kind}; it stays {(current is { } c ? Convert.ToString(c, CultureInfo.InvariantCulture) : "empty")}."));
            return current;
        }
        int? Int(string key, int? current) =>
            query.TryGetValue(key, out var v)
                ? (StringValues.IsNullOrEmpty(v) ? null : int.TryParse(v.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : Kept(key, v.ToString(), current, "a whole number"))
                : current;
        bool? Bool(string key, bool? current) =>
            query.TryGetValue(key, out var v)
                ? (StringValues.IsNullOrEmpty(v) ? null : v.ToString() switch { "1" or "true" => true, "0" or "false" => false, var t => Kept(key, t, current, "1 or 0") })
                : current;
        double? Dbl(string key, double? current) =>
            query.TryGetValue(key, out var v)
                ? (StringValues.IsNullOrEmpty(v) ? null : double.TryParse(v.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : Kept(key, v.ToString(), current, "a number"))
                : current;

        input.PresetId = Str("preset") ?? input.PresetId;
        input.Layers = Int("layers", input.Layers);
        input.HiddenSize = Int("hidden", input.HiddenSize);
        input.AttentionHeads = Int("heads", input.AttentionHeads);
        input.KvHeads = Int("kv", input.KvHeads);
        input.FfnHiddenSize = Int("ffn", input.FfnHiddenSize);
        input.VocabSize = Int("vocab", input.VocabSize);
        input.SequenceLength = Int("seq", input.SequenceLength);
        input.HeadDim = Int("hd", input.HeadDim);
        input.GatedMlp = Bool("gated", input.GatedMlp);
        input.TiedEmbeddings = Bool("tied", input.TiedEmbeddings);
        if (query.TryGetValue("moe", out var moe))
        {
            if (StringValues.IsNullOrEmpty(moe)) input.Moe = null;
            else if (ParseMoe(moe.ToString()) is { } parsed) input.Moe = parsed;
            else problems?.Add($"The address gives the MoE shape as \u201c{moe}\u201d, which is not six or eight comma-separated numbers (experts, experts per token, shared experts, expert FFN width, dense layers, capacity factor, and optionally routing groups and groups per token); it stays as it was.");
        }
        if (query.TryGetValue("mla", out var mla))
        {
            if (StringValues.IsNullOrEmpty(mla)) input.Mla = null;
            else if (ParseMla(mla.ToString()) is { } parsed) input.Mla = parsed;
            else problems?.Add($"The address gives the latent attention shape as \u201c{mla}\u201d, which is not five comma-separated numbers (query latent width, which may be empty, key/value latent width, query/key head width without and with RoPE, value head width); it stays as it was.");
        }
        input.ChipId = Str("chip") ?? input.ChipId;
        input.Gpus = Int("gpus", input.Gpus);
        input.GpusPerNode = Int("gpn", input.GpusPerNode);
        input.ScaleOutGbpsPerGpu = Dbl("nic", input.ScaleOutGbpsPerGpu);
        input.ScaleUpDomainGpus = Int("domain", input.ScaleUpDomainGpus);
        input.Oversubscription = Dbl("oversub", input.Oversubscription);
        input.PowerCapMw = Dbl("mw", input.PowerCapMw);
        input.GlobalBatchSequences = Int("batch", input.GlobalBatchSequences);
        input.Precision = Str("precision") ?? input.Precision;
        input.Stack = Str("stack") ?? input.Stack;
        input.Optimizer = Str("opt") ?? input.Optimizer;
        input.TpCommOverlap = Bool("tpo", input.TpCommOverlap);
        input.EpCommOverlap = Bool("epo", input.EpCommOverlap);
        if (query.ContainsKey("epd"))
        {
            var dispatch = Str("epd");
            if (dispatch is null) input.ExpertDispatch = null;
            else if (Core.Planning.ExpertDispatches.TryParse(dispatch, out var d)) input.ExpertDispatch = Core.Planning.ExpertDispatches.Name(d);
            else problems?.Add($"The address gives {Label("epd")} as \u201c{dispatch}\u201d, which is not {string.Join(" or ", Core.Planning.ExpertDispatches.Names)}; it stays {input.ExpertDispatch ?? "what the stack does"}.");
        }
        input.FusedExpertKernels = Bool("fxk", input.FusedExpertKernels);
        if (query.TryGetValue("rcm", out var rcm))
        {
            if (StringValues.IsNullOrEmpty(rcm)) input.RecomputeModules = null;
            else if (ParseRecomputeModules(rcm.ToString()) is { } modules) input.RecomputeModules = modules;
            else problems?.Add($"The address gives the recompute modules as \u201c{rcm}\u201d, which is not \u201cnone\u201d or a comma-separated list of {string.Join(", ", Core.Planning.RecomputeModuleNames.Names)}; they stay as they were.");
        }
        if (query.ContainsKey("attn")) input.Attention = Str("attn");
        input.TokensBillions = Dbl("tokens", input.TokensBillions);
        input.Tensor = Int("tp", input.Tensor);
        input.Pipeline = Int("pp", input.Pipeline);
        input.Data = Int("dp", input.Data);
        input.Context = Int("cp", input.Context);
        input.Expert = Int("ep", input.Expert);
        input.VirtualStages = Int("vp", input.VirtualStages);
        input.ActivationOffloadLayers = Int("offload", input.ActivationOffloadLayers);
        input.MicroBatchSize = Int("mb", input.MicroBatchSize);
        input.ZeroStage = Int("zero", input.ZeroStage) ?? input.ZeroStage;
        input.ZeroShardScope = Str("zscope") ?? input.ZeroShardScope;
        input.Recompute = Str("rc") ?? input.Recompute;
        input.SequenceParallel = Bool("sp", input.SequenceParallel) ?? input.SequenceParallel;
        input.Placement = Str("place") ?? input.Placement;
        input.CompareChipId = Str("cmp") ?? input.CompareChipId;
        var compareGpus = Int("cmpgpus", input.CompareGpus);
        input.CompareGpus = compareGpus is < 1
            ? Kept("cmpgpus", compareGpus.Value.ToString(CultureInfo.InvariantCulture), input.CompareGpus, "a GPU count of at least 1")
            : compareGpus;
        input.CostBasis = Str("cost") switch
        {
            "own" => PlanCostBasis.Own,
            "rent" => PlanCostBasis.Rent,
            null => input.CostBasis,
            var other => Kept("cost", other, (PlanCostBasis?)input.CostBasis, "rent or own") ?? input.CostBasis,
        };
        return input;
    }

    private static string CostText(PlanCostBasis basis) => basis == PlanCostBasis.Own ? "own" : "rent";

    /// <summary>A MoE shape as the address writes it: experts, experts per token, shared experts, expert FFN width, dense
    /// layers, capacity factor (e.g. "256,8,1,2048,3,1"), then routing groups and groups per token where routing is
    /// group-limited ("256,8,1,2048,3,1,8,4"); null for none.</summary>
    public static string? MoeText(Contracts.Scenarios.MoeSection? moe)
    {
        if (moe is null) return null;
        string? N(int? v) => v?.ToString(CultureInfo.InvariantCulture);
        var parts = new List<string?> { N(moe.Experts), N(moe.ExpertsPerToken), N(moe.SharedExperts), N(moe.ExpertFfnHiddenSize),
            N(moe.DenseLayers), moe.CapacityFactor?.ToString("R", CultureInfo.InvariantCulture) };
        if (moe.RoutingGroups is not null || moe.GroupsPerToken is not null) parts.AddRange([N(moe.RoutingGroups), N(moe.GroupsPerToken)]);
        return string.Join(",", parts.Select(x => x ?? ""));
    }

    /// <summary>Reads <see cref="MoeText"/>; null when it is not six or eight comma-separated numbers (empty ones stay unset).</summary>
    public static Contracts.Scenarios.MoeSection? ParseMoe(string text)
    {
        var parts = (text ?? "").Split(',');
        if (parts.Length is not (6 or 8)) return null;
        int? I(string s) => s.Length == 0 ? null : int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : -1;
        var ints = parts.Select((p, i) => i == 5 ? null : I(p)).ToArray();
        if (ints.Any(x => x == -1)) return null;
        double? cf = parts[5].Length == 0 ? null : double.TryParse(parts[5], NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : double.NaN;
        if (cf is double.NaN) return null;
        return new Contracts.Scenarios.MoeSection
        {
            Experts = ints[0], ExpertsPerToken = ints[1], SharedExperts = ints[2], ExpertFfnHiddenSize = ints[3], DenseLayers = ints[4], CapacityFactor = cf,
            RoutingGroups = parts.Length == 8 ? ints[6] : null, GroupsPerToken = parts.Length == 8 ? ints[7] : null,
        };
    }

    /// <summary>A multi-head latent attention shape as the address writes it: query latent width (empty without one), key/value
    /// latent width, query/key head width without RoPE, RoPE width, value head width (DeepSeek-V3: "1536,512,128,64,128");
    /// null for none.</summary>
    public static string? MlaText(Contracts.Scenarios.MlaSection? mla)
    {
        if (mla is null) return null;
        string N(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "";
        return string.Join(",", N(mla.QLoraRank), N(mla.KvLoraRank), N(mla.QkNopeHeadDim), N(mla.QkRopeHeadDim), N(mla.VHeadDim));
    }

    /// <summary>Reads <see cref="MlaText"/>; null unless it is five comma-separated numbers, the first of which may be empty
    /// and the others positive (the RoPE width may be 0).</summary>
    public static Contracts.Scenarios.MlaSection? ParseMla(string text)
    {
        var parts = (text ?? "").Split(',');
        if (parts.Length != 5) return null;
        var values = new int?[5];
        for (var i = 0; i < 5; i++)
        {
            if (i == 0 && parts[i].Length == 0) continue;
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < (i == 3 ? 0 : 1) || v > 1_000_000) return null;
            values[i] = v;
        }
        return new Contracts.Scenarios.MlaSection
        {
            QLoraRank = values[0], KvLoraRank = values[1], QkNopeHeadDim = values[2], QkRopeHeadDim = values[3], VHeadDim = values[4],
        };
    }

    /// <summary>Selective recompute modules as the address writes them: "none" for an empty list, else comma-separated
    /// Megatron-Core names ("layernorm,mla_up_proj"); null for the stack's policy.</summary>
    public static string? RecomputeModulesText(IReadOnlyList<string>? modules) =>
        modules is null ? null : modules.Count == 0 ? "none" : string.Join(",", modules);

    /// <summary>Reads <see cref="RecomputeModulesText"/>; null when a name is not one capplan costs.</summary>
    public static IReadOnlyList<string>? ParseRecomputeModules(string text)
    {
        if (string.Equals(text, "none", StringComparison.Ordinal)) return [];
        var names = new List<string>();
        foreach (var part in text.Split(','))
        {
            var match = Core.Planning.RecomputeModuleNames.Canonical(part);
            if (match is null) return null;
            if (!names.Contains(match)) names.Add(match);
        }
        return names;
    }

    // The form label of a query key ("gpus" → "GPU count (GPUs)").
    private static string Label(string key) => key switch
    {
        "layers" => PlannerFields.Layers.DisplayLabel,
        "hidden" => PlannerFields.HiddenSize.DisplayLabel,
        "heads" => PlannerFields.AttentionHeads.DisplayLabel,
        "kv" => PlannerFields.KvHeads.DisplayLabel,
        "ffn" => PlannerFields.FfnHiddenSize.DisplayLabel,
        "vocab" => PlannerFields.VocabSize.DisplayLabel,
        "seq" => PlannerFields.SequenceLength.DisplayLabel,
        "gpus" => PlannerFields.Gpus.DisplayLabel,
        "hd" => PlannerFields.HeadDim.DisplayLabel,
        "gated" => "Gated MLP",
        "tied" => "Tied embeddings",
        "gpn" => "GPUs per node",
        "tpo" => "TP communication overlap",
        "epo" => "EP communication overlap",
        "epd" => "Expert dispatch",
        "fxk" => "Fused expert kernels",
        "rcm" => "Recompute modules",
        "nic" => PlannerFields.ScaleOutGbps.DisplayLabel,
        "domain" => PlannerFields.ScaleUpDomain.DisplayLabel,
        "oversub" => PlannerFields.Oversubscription.DisplayLabel,
        "mw" => PlannerFields.PowerCapMw.DisplayLabel,
        "batch" => PlannerFields.GlobalBatch.DisplayLabel,
        "tokens" => PlannerFields.TokensBillions.DisplayLabel,
        "tp" => PlannerFields.Tensor.DisplayLabel,
        "pp" => PlannerFields.Pipeline.DisplayLabel,
        "dp" => PlannerFields.Data.DisplayLabel,
        "cp" => PlannerFields.Context.DisplayLabel,
        "ep" => PlannerFields.Expert.DisplayLabel,
        "vp" => PlannerFields.VirtualStages.DisplayLabel,
        "offload" => PlannerFields.ActivationOffloadLayers.DisplayLabel,
        "mb" => PlannerFields.MicroBatch.DisplayLabel,
        "zero" => "ZeRO stage",
        "cmpgpus" => "GPUs compared",
        "cost" => "the cost basis",
        _ => key,
    };
}
