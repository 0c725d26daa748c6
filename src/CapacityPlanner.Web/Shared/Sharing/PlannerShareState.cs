using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Contracts.Sharing;
using CapacityPlanner.Persistence;
using Microsoft.Extensions.Primitives;
using CapacityPlanner.Web.Shared.Scenario;

namespace CapacityPlanner.Web.Shared.Sharing;

/// <summary>
/// The planner's side of links and saved scenarios: the page settings it shares (its query keys plus a
/// <see cref="ViewKey"/> marker) and the form it restores from a link token, a saved scenario or a bare scenario document.
/// </summary>
public static class PlannerShareState
{
    /// <summary>Page-setting key that names the page that wrote the settings.</summary>
    public const string ViewKey = "view";

    /// <summary>Value of <see cref="ViewKey"/> for the planner.</summary>
    public const string PlannerView = "planner";

    /// <summary>Query parameter of a saved scenario too large for a link (<c>/?id=…</c>).</summary>
    public const string IdParameter = "id";

    /// <summary>Query parameter of a short link whose scenario is gone (<c>/?missing=…</c>).</summary>
    public const string MissingParameter = "missing";

    /// <summary>What the page says when a short link's scenario is unknown or deleted.</summary>
    public const string MissingMessage =
        "That saved scenario no longer exists (it was deleted, or the link is wrong). Showing the default plan instead.";

    private static readonly IReadOnlyDictionary<string, string> NoPageSettings = new Dictionary<string, string>();

    /// <summary>Query parameter naming the shipped published run a Planner link was opened from (<c>&amp;run=…</c>).</summary>
    public const string RunParameter = "run";

    /// <summary>
    /// The Planner link (<c>/?s=v1.…</c>, relative) that opens a scenario document the way a share link does, or null when
    /// it does not fit in a link; with <paramref name="publishedRunId"/>, the Planner shows that shipped run's measured
    /// figure beside its estimate. The Validation page's "Open in planner" and the Planner's "Open JSON" both use it.
    /// </summary>
    public static string? LinkFor(string scenarioJson, string? publishedRunId = null) =>
        Api.ShortLinks.Token(scenarioJson, NoPageSettings) is { } token
            ? $"/?{ScenarioLink.QueryParameter}={token}" + (publishedRunId is null ? "" : $"&{RunParameter}={Uri.EscapeDataString(publishedRunId)}")
            : null;

    /// <summary>The page settings of a planner form: its non-default query values and the view marker.</summary>
    public static IReadOnlyDictionary<string, string> PageSettings(PlannerInput input, PlannerInput defaults)
    {
        var page = new SortedDictionary<string, string>(StringComparer.Ordinal) { [ViewKey] = PlannerView };
        foreach (var (key, value) in PlannerQuery.ToParameters(input, defaults))
        {
            if (value is string text) page[key] = text;
        }
        return page;
    }

    /// <summary>
    /// The form for a shared state: the planner's own settings when the link carries them (exactly what the sender
    /// saw), otherwise the scenario document read field by field.
    /// </summary>
    public static PlannerInput Restore(string scenarioJson, IReadOnlyDictionary<string, string> page, PlannerInput defaults)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(defaults);
        if (page.TryGetValue(ViewKey, out var view) && view == PlannerView)
        {
            var query = page.ToDictionary(p => p.Key, p => new StringValues(p.Value), StringComparer.Ordinal);
            return PlannerQuery.FromQuery(query, defaults);
        }
        return FromDocument(scenarioJson, defaults);
    }

    /// <summary>The form for a scenario document (fields the form has no place for are left out).</summary>
    public static PlannerInput FromDocument(string scenarioJson, PlannerInput defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        var parsed = ScenarioParser.Parse(scenarioJson ?? "");
        if (!parsed.Success || parsed.Document is not { } doc) return defaults.Clone();
        var input = defaults.Clone();
        var m = doc.Model;
        input.PresetId = m.Preset ?? input.PresetId;
        input.Layers = m.Layers;
        input.HiddenSize = m.HiddenSize;
        input.AttentionHeads = m.AttentionHeads;
        input.KvHeads = m.KvHeads;
        input.FfnHiddenSize = m.FfnHiddenSize;
        input.VocabSize = m.VocabSize;
        input.SequenceLength = m.SequenceLength;
        input.HeadDim = m.HeadDim;
        input.GatedMlp = m.GatedMlp;
        input.TiedEmbeddings = m.TiedEmbeddings;
        input.Moe = m.Moe;
        input.Mla = m.Mla;

        var t = doc.Training;
        input.GlobalBatchSequences = t.GlobalBatchSequences ?? input.GlobalBatchSequences;
        input.Precision = t.Precision ?? "bf16";
        input.Stack = t.Stack ?? "auto";
        input.Optimizer = t.Optimizer ?? "adam";
        input.TpCommOverlap = t.TpCommOverlap;
        input.EpCommOverlap = t.EpCommOverlap;
        input.ExpertDispatch = t.ExpertDispatch;
        input.FusedExpertKernels = t.FusedExpertKernels;
        input.RecomputeModules = t.RecomputeModules;
        input.Attention = t.Attention;
        input.TokensBillions = t.Tokens is { } tokens ? tokens / 1e9 : null;

        var s = doc.System;
        // An inline custom chip has no place in the form: a catalog id stays, anything else opens on the chip it is based on
        // (the Planner says so beside a published run's comparison).
        input.ChipId = s.ChipId ?? (s.CustomChip is { } inline
            ? (Core.Hardware.HardwareCatalog.Default.TryGet(inline.Id ?? "", out _) ? inline.Id : inline.BaseOn ?? inline.Id)
            : null) ?? input.ChipId;
        input.Gpus = s.Gpus is { } g and <= int.MaxValue ? (int)g : input.Gpus;
        input.GpusPerNode = s.GpusPerNode;
        input.ScaleOutGbpsPerGpu = s.ScaleOutGbpsPerGpu;
        input.ScaleUpDomainGpus = s.Network?.ScaleUpDomainGpus;
        var over = s.Network?.Tiers?.Skip(1).Select(x => x.Oversubscription ?? 1).DefaultIfEmpty(1).Max() ?? 1;
        input.Oversubscription = over > 1 ? over : null;
        input.PowerCapMw = doc.Sites?.PowerCapMw;

        if (doc.Parallelism is { } p)
        {
            input.Tensor = p.Tensor ?? 1;
            input.Pipeline = p.Pipeline ?? 1;
            input.Data = p.Data;
            input.Context = p.Context ?? 1;
            input.Expert = p.Expert ?? 1;
            input.VirtualStages = p.VirtualStages ?? 1;
            input.MicroBatchSize = p.MicroBatchSize ?? 1;
            input.ZeroStage = p.ZeroStage ?? 1;
            input.Recompute = p.Recompute ?? "none";
            input.ZeroShardScope = p.ZeroShardScope ?? "auto";
            input.ActivationOffloadLayers = p.ActivationOffloadLayers ?? 0;
            input.SequenceParallel = p.SequenceParallel ?? input.Tensor > 1;
            // The form knows two orders: the default (data inside pipeline) and pipeline inside data (data outermost).
            input.Placement = p.Placement is { Count: > 0 } order && string.Equals(order[^1], "data", StringComparison.OrdinalIgnoreCase)
                ? "pipeline-inside-data"
                : "default";
        }
        return input;
    }

    /// <summary>The form for a <c>?s=</c> token; false with the reason when the link cannot be opened.</summary>
    public static bool TryRestoreToken(string? token, PlannerInput defaults, out PlannerInput? input, out string? error)
    {
        input = null;
        if (!ScenarioLink.TryDecode(token, out var payload, out error)) return false;
        input = Restore(payload.ScenarioJson, payload.Page, defaults);
        return true;
    }

    /// <summary>The form for a saved scenario.</summary>
    public static PlannerInput Restore(SavedScenario saved, PlannerInput defaults)
    {
        ArgumentNullException.ThrowIfNull(saved);
        return Restore(saved.ScenarioJson, ScenarioSnapshot.ReadPageSettings(saved.PageSettingsJson), defaults);
    }
}
