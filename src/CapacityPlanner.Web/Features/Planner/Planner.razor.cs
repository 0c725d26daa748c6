using System.Diagnostics;
using System.Globalization;
using CapacityPlanner.Core.Budget;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Search;
using CapacityPlanner.Contracts.Sharing;
using CapacityPlanner.Core.Workload;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Features.Hardware;
using CapacityPlanner.Web.Options;
using CapacityPlanner.Web.Shared;
using CapacityPlanner.Web.Shared.Charts;
using CapacityPlanner.Web.Shared.Sharing;
using CapacityPlanner.Web.Shared.Widgets;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;
using CapacityPlanner.Web.Shared.Scenario;
using CapacityPlanner.Web.Shared.Chips;

namespace CapacityPlanner.Web.Features.Planner;

/// <summary>
/// The home page: a form for one workload × system × parallelism plan, the estimate of it with its charts, and a
/// plan search. Edits are debounced: the first edit after a quiet period is estimated at once, further edits within
/// <see cref="PlannerOptions.EstimateDebounceMilliseconds"/> are coalesced into one estimate when the form has been
/// quiet that long. The form lives in the URL query, so a reload restores it.
/// </summary>
public sealed partial class Planner : IDisposable
{
    private PlannerInput _input = new();
    private PlannerInput _defaults = new();
    private EstimateOutcome? _outcome;
    private Core.Validation.TrackRecord? _trackRecord;
    private CommunicationVerdict? _verdict;
    private ChartFigure? _stepFigure;
    private ChartFigure? _memoryFigure;
    private ChartFigure? _goodputFigure;
    private CancellationTokenSource? _debounce;
    private TimeSpan _debounceDelay;
    private long _lastRunTimestamp;
    private bool _pending;
    private bool _searching;
    private CancellationTokenSource? _searchCts;
    private SearchOutcome? _search;
    private SearchObjective _objective = SearchObjective.Time;
    private SearchObjective _searchObjective = SearchObjective.Time;
    private string? _searchSignature;
    private EditHistory? _history;
    private bool _urlToWrite;
    private bool _chartsDark;
    private string? _linkMessage;
    // The shipped published run the link was opened from (?run=), and its comparison with the current estimate; both go
    // at the first edit (the comparison is of the plan as it ran), and Back restores them from the address.
    private Core.Validation.ValidationCase? _publishedCase;
    private Core.Validation.ValidationResult? _published;
    private string? _publishedChipNote;
    private string? _savedIdToLoad;
    // Saved scenarios (?id=) this page has opened, as forms: Back to one shows it at once.
    private readonly Dictionary<string, PlannerInput> _savedForms = new(StringComparer.Ordinal);
    // Counts the addresses the page has loaded: a saved scenario read for an earlier one is not applied.
    private int _addressVersion;

    [Inject] private EstimateService EstimateService { get; set; } = default!;

    [Inject] private PlanSearchService SearchService { get; set; } = default!;

    [Inject] private ChipDirectory ChipDirectory { get; set; } = default!;

    [Inject] private IOptions<PlannerOptions> Options { get; set; } = default!;

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [Inject] private ScenarioStore Store { get; set; } = default!;

    /// <summary>Dark mode of the layout, for the chart theme.</summary>
    [CascadingParameter(Name = "IsDarkMode")] public bool IsDarkMode { get; set; }

    private IReadOnlyDictionary<string, string> SharePageSettings => PlannerShareState.PageSettings(_input, _defaults);

    private static IReadOnlyList<ModelPreset> Presets => ModelPresets.All;

    private IReadOnlyList<ChipOption> Chips => ChipDirectory.Chips;

    private Estimate? Estimate => _outcome?.Estimate;

    private ResolvedScenario? Scenario => _outcome?.Scenario;

    private bool Feasible => _outcome?.Feasible == true;

    private bool SearchIsStale => _search is not null && !string.Equals(_searchSignature, Signature(_input), StringComparison.Ordinal);

    private double MemoryFraction =>
        Estimate is { MemoryPerGpuGiB: { } used, HbmCapacityGiB: > 0 and var capacity } ? used / capacity : 0;

    private Color MemoryColor => MemoryFraction switch
    {
        > 1 => Color.Error,
        > HbmWarningFraction => Color.Warning,
        _ => Color.Success,
    };

    /// <summary>HBM use above which a feasible plan is flagged: little headroom for fragmentation and buffers.</summary>
    internal const double HbmWarningFraction = 0.9;

    private bool HbmTight => Feasible && MemoryFraction > HbmWarningFraction;

    private Color FeasibleColor => !Feasible ? Color.Error : HbmTight ? Color.Warning : Color.Success;

    private string FeasibleIcon => !Feasible ? Icons.Material.Filled.Cancel : HbmTight ? Icons.Material.Filled.Warning : Icons.Material.Filled.CheckCircle;

    private string FeasibleText => !Feasible ? "Not feasible" : HbmTight ? $"Feasible, HBM {Display.Percent(MemoryFraction)} full" : "Feasible";

    /// <summary>How model FLOPs are counted for the MFU shown (papers count differently; docs/model.md: FLOP conventions).</summary>
    private FlopConvention _flopConvention = FlopConvention.Megatron;

    /// <summary>MFU of an estimate under the chosen FLOP convention.</summary>
    private double? ShownMfu(Estimate estimate) =>
        estimate.MfuByConvention.TryGetValue(_flopConvention, out var mfu) ? mfu : estimate.Mfu;

    private void OnFlopConventionChanged(FlopConvention convention) => _flopConvention = convention;

    private string PeakText =>
        Scenario is { } s && s.System.Chip.PeakFor(s.Training.Precision) is { } peak
            ? string.Create(CultureInfo.InvariantCulture, $"{peak / 1e12:F0} TFLOP/s {s.Training.Precision.ToId()}")
            : "the";

    private string? TokenBudgetText => Scenario?.Training.Tokens is { } tokens
        ? $"for {Display.Count(tokens / 1e9)} B tokens"
        : "give a token budget";

    private string? GpuHoursDetail => Scenario is { } s && Estimate?.GpuHours is not null
        ? $"{s.System.Gpus:N0} GPUs × wall-clock hours"
        : "give a token budget";

    // What the model-shape panel shows (its title, each field's value, message and placeholder, the reset button):
    // the panel is rendered again only when this changes (RenderGate).
    private string ShapeState => string.Join('\n', PlannerFields.ModelShape
        .Select(f => string.Create(CultureInfo.InvariantCulture, $"{ShapeValue(f)}\t{ErrorText(f.Path)}\t{PresetShapeText(f)}"))
        .Prepend($"{ShapePanelTitle}\t{_input.HasShapeOverrides}\t{GatedChoice}\t{TiedChoice}\t{ScenarioExtras}"));

    private string ShapePanelTitle => _input.HasShapeOverrides ? "Model shape (edited)" : "Model shape (the preset's; edit to override)";

    private string? PresetHelper =>
        ModelPresets.TryGet(_input.PresetId ?? "", out var p)
            ? $"{Display.Parameters((Scenario?.Model ?? p.Model).TotalParameters)} parameters · {(Scenario?.Model ?? p.Model).Layers} layers · {(Scenario?.Model ?? p.Model).AttentionHeads} heads · {(Scenario?.Model ?? p.Model).SequenceLength:N0} tokens per sequence"
            : null;

    private string? DerivedDataText =>
        _input.Data is null && Scenario is { } s ? string.Create(CultureInfo.InvariantCulture, $"derived: {s.Plan.Data}") : null;

    private string? ChipHelper =>
        ChipDirectory.TryGet(_input.ChipId, out var option) && option.Spec is var c
            ? string.Create(CultureInfo.InvariantCulture,
                $"{c.HbmCapacityGiB:F0} GiB HBM · {(c.PeakFor(Precision.Bf16) ?? 0) / 1e12:F0} TFLOP/s bf16 · scale-up domain {c.ScaleUp.DomainSize}{(option.IsCustom ? " · custom" : "")}")
            : null;

    private string? ChipNicText => ChipDirectory.TryGet(_input.ChipId, out var c)
        ? string.Create(CultureInfo.InvariantCulture, $"chip: {c.Spec.ScaleOut.NicBitsPerSecondPerGpu / 1e9:F0}")
        : null;

    private string? ChipDomainText => ChipDirectory.TryGet(_input.ChipId, out var c)
        ? string.Create(CultureInfo.InvariantCulture, $"chip: {c.Spec.ScaleUp.DomainSize}")
        : null;

    /// <inheritdoc />
    protected override void OnInitialized()
    {
        var options = Options.Value;
        _defaults = PlannerInput.CreateDefault(options);
        var problems = new List<string>();
        _input = PlannerQuery.FromUri(Navigation.Uri, _defaults, problems);
        // The compare chip is checked against this server's chips (the query reader knows the catalog only).
        if (_input.CompareChipId is { } compare && !string.Equals(compare, _defaults.CompareChipId, StringComparison.Ordinal)
            && !ChipDirectory.TryGet(compare, out _))
        {
            problems.Add($"The address gives the compared chip as \u201c{compare}\u201d, which is no chip of this server; it stays {_defaults.CompareChipId ?? "unset"}.");
            _input.CompareChipId = _defaults.CompareChipId;
        }
        if (problems.Count > 0) _linkMessage = string.Join(" ", problems);
        ReadSharedState(Navigation.Uri);
        _debounceDelay = TimeSpan.FromMilliseconds(options.EstimateDebounceMilliseconds);
        _chartsDark = IsDarkMode;
        _history = new EditHistory(Navigation, TimeSpan.FromMilliseconds(options.HistoryCoalesceMilliseconds),
            location => _ = InvokeAsync(() => LoadFromAsync(location)));
        RunEstimate(writeUrl: false);
    }

    /// <inheritdoc />
    protected override async Task OnInitializedAsync()
    {
        if (_savedIdToLoad is not { } id) return;
        _savedIdToLoad = null;
        var version = _addressVersion;
        var form = await RestoreSavedAsync(id);
        if (version != _addressVersion) return; // the address changed meanwhile
        if (form is null)
        {
            _linkMessage = PlannerShareState.MissingMessage;
            return;
        }
        _input = form;
        RunEstimate(writeUrl: false);
    }

    // The form of a saved scenario, null when it does not exist. One this page has opened before comes from memory,
    // so that going back to its address (after edits) shows it at once.
    private async Task<PlannerInput?> RestoreSavedAsync(string id)
    {
        if (_savedForms.TryGetValue(id, out var known)) return known.Clone();
        var saved = await Store.GetAsync(id);
        if (saved is null) return null;
        var form = PlannerShareState.Restore(saved, _defaults);
        _savedForms[id] = form.Clone();
        return form;
    }

    // ?s= (a state link), ?id= (a saved scenario too large for a link) or ?missing= (a short link to nothing); with
    // ?run=, the shipped published run the state came from.
    private void ReadSharedState(string uri)
    {
        var query = PlannerQuery.QueryOf(uri);
        _publishedCase = null;
        if (query.TryGetValue(PlannerShareState.RunParameter, out var run))
        {
            var id = run.ToString();
            _publishedCase = Contracts.Validation.ValidationSet.Shipped.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.Ordinal));
            if (_publishedCase is null)
            {
                var shown = id.Length > 80 ? id[..80] + "…" : id;
                _linkMessage = $"No published run named \u201C{shown}\u201D ships with this version (the Validation page lists them); showing the plan without it.";
            }
        }
        if (query.ContainsKey(ScenarioLink.QueryParameter))
        {
            if (PlannerShareState.TryRestoreToken(query[ScenarioLink.QueryParameter].ToString(), _defaults, out var restored, out var error))
            {
                _input = restored!;
            }
            else
            {
                _linkMessage = error + " Showing the default plan instead.";
            }
        }
        else if (query.TryGetValue(PlannerShareState.IdParameter, out var id))
        {
            _savedIdToLoad = id.ToString();
        }
        else if (query.ContainsKey(PlannerShareState.MissingParameter))
        {
            _linkMessage = PlannerShareState.MissingMessage;
        }
    }

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        if (_chartsDark != IsDarkMode)
        {
            _chartsDark = IsDarkMode;
            BuildFigures();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _history?.Dispose();
        CancelPending();
        CancelSearch();
    }

    // Back/forward (or Ctrl+Z) or a link with another query: load the form from the address, a saved scenario's
    // (?id=, the address a saved scenario opened at, which Back after edits returns to) included.
    private async Task LoadFromAsync(string location)
    {
        var version = ++_addressVersion;
        _input = PlannerQuery.FromUri(location, _defaults);
        _linkMessage = null;
        ReadSharedState(location);
        CancelPending();
        if (_savedIdToLoad is { } id)
        {
            _savedIdToLoad = null;
            var form = await RestoreSavedAsync(id);
            if (version != _addressVersion) return; // a later address took over
            if (form is null) _linkMessage = PlannerShareState.MissingMessage;
            else _input = form;
        }
        RunEstimate(writeUrl: false);
        StateHasChanged();
    }

    // Rent or own, and "Compare with": no new estimate, but the address (and so Back, reload and share links) follows.
    private void OnCostBasisChanged(PlanCostBasis basis)
    {
        if (_input.CostBasis == basis) return;
        _input.CostBasis = basis;
        WriteUrl();
    }

    private void OnCompareChipChanged(string? chip)
    {
        _input.CompareChipId = chip;
        WriteUrl();
    }

    private void OnCompareGpusChanged(int? gpus)
    {
        _input.CompareGpus = gpus;
        WriteUrl();
    }

    private void OnPresetChanged()
    {
        _input.ClearShapeOverrides();
        OnInputChanged();
    }

    // Returns at once so the input that raised the change finishes its own update. The first edit after a quiet
    // period is estimated immediately; edits that follow within the debounce delay wait until the form is quiet.
    private void OnInputChanged()
    {
        DropPublishedRun();
        CancelPending();
        var quiet = Stopwatch.GetElapsedTime(_lastRunTimestamp) >= _debounceDelay;
        if (_debounceDelay <= TimeSpan.Zero || quiet)
        {
            RunEstimate();
            return;
        }
        _debounce = new CancellationTokenSource();
        _pending = true;
        _ = EstimateWhenQuietAsync(_debounce.Token);
    }

    private async Task EstimateWhenQuietAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(_debounceDelay, cancellationToken);
            await InvokeAsync(() =>
            {
                if (cancellationToken.IsCancellationRequested) return; // a newer edit took over
                RunEstimate();
                StateHasChanged();
            });
        }
        catch (OperationCanceledException)
        {
            // A newer edit took over, or the page went away.
        }
    }

    private void RunEstimate(bool writeUrl = true)
    {
        _outcome = EstimateService.Estimate(_input);
        _verdict = _outcome is { Estimate: { } e, Scenario: { } s } ? CommunicationVerdict.From(e, s) : null;
        // The model's error on the published runs most like this plan (the shipped set runs once per process, on first use).
        _trackRecord = _outcome is { Estimate: { } te, Scenario: { } ts } ? Contracts.Validation.ValidationSet.TrackRecordFor(ts, te) : null;
        _published = _publishedCase is { } run && _outcome is { Estimate: { } pe, Scenario: { } ps }
            ? Core.Validation.ValidationRunner.Result(run, ps, pe)
            : null;
        _publishedChipNote = _publishedCase is { Scenario.System.Chip: { } runChip } ran && _outcome?.Scenario is { } opened
            && !string.Equals(runChip.Id, opened.System.Chip.Id, StringComparison.Ordinal)
            ? PublishedChipNote(ran, runChip, opened.System.Chip)
            : null;
        _pending = false;
        _lastRunTimestamp = Stopwatch.GetTimestamp();
        BuildFigures();
        // The address follows once the new numbers are on screen: writing it is a navigation, and its round trip (the
        // browser's report re-renders the router and layout) would otherwise run beside the batch that carries them.
        if (writeUrl) _urlToWrite = true;
    }

    /// <inheritdoc />
    protected override void OnAfterRender(bool firstRender)
    {
        if (!_urlToWrite) return;
        _urlToWrite = false;
        WriteUrl();
    }

    private void BuildFigures()
    {
        var theme = ChartTheme.For(IsDarkMode);
        if (Estimate is { StepTimeSeconds: { } step, Breakdown: { } b } e)
        {
            _stepFigure = PlannerCharts.StepBreakdown(b, step, theme);
            _memoryFigure = e.Memory is { } m ? PlannerCharts.Memory(m, e.HbmCapacityGiB, theme) : null;
            _goodputFigure = e.Goodput is { } g ? PlannerCharts.LostTime(g, theme) : null;
        }
        else
        {
            _stepFigure = null;
            _memoryFigure = null;
            _goodputFigure = null;
        }
    }

    private void WriteUrl()
    {
        var parameters = PlannerQuery.ToParameters(_input, _defaults);
        // Once edited, the form is the state: the link it was opened from no longer describes it.
        parameters[ScenarioLink.QueryParameter] = parameters[PlannerShareState.IdParameter] = parameters[PlannerShareState.MissingParameter] = null;
        // A new history entry per edit (Back and Ctrl+Z undo it); edits in quick succession (typing) share one.
        _history?.Record(Navigation.GetUriWithQueryParameters(parameters));
    }

    private void CancelPending()
    {
        if (_debounce is null) return;
        _debounce.Cancel();
        _debounce.Dispose();
        _debounce = null;
    }

    private async Task FindBestPlanAsync()
    {
        CancelSearch();
        var cts = new CancellationTokenSource();
        _searchCts = cts;
        _searching = true;
        var signature = Signature(_input);
        try
        {
            // More plans than rows: near-duplicates (recompute, placement) are grouped into one row.
            var objective = _objective;
            var outcome = await SearchService.SearchAsync(_input, 30, objective, cts.Token);
            if (cts.IsCancellationRequested) return;
            _search = outcome;
            _searchObjective = objective;
            _searchSignature = signature;
        }
        catch (OperationCanceledException)
        {
            // Cancelled by the user or superseded.
        }
        finally
        {
            if (ReferenceEquals(_searchCts, cts))
            {
                _searching = false;
                _searchCts = null;
            }
            cts.Dispose();
        }
    }

    private void CancelSearch()
    {
        if (_searchCts is null) return;
        _searchCts.Cancel();
        _searchCts = null;
        _searching = false;
    }

    // The published run's figure belongs to the plan as it ran: an edit or an applied search plan makes it another plan.
    // The run's chip was an inline custom chip, which the form cannot hold: say so, with the table's figure on the run's own chip.
    private static string PublishedChipNote(Core.Validation.ValidationCase run, Core.Hardware.ChipSpec runChip, Core.Hardware.ChipSpec opened)
    {
        var table = Core.Validation.ValidationRunner.Run(run);
        var figure = table.Predicted is { } p && table.Error is { } e
            ? string.Create(CultureInfo.InvariantCulture, $": the Validation table's estimate on it is {p:G5} ({Core.Validation.TrackRecord.Signed(e)})")
            : "";
        return $"The run used its own chip, {runChip.Name} ({runChip.Id}), which the Planner cannot hold; it opened on the chip that one is based on, {opened.Name}, so the figures above differ from the run's{figure}.";
    }

    private void DropPublishedRun()
    {
        _publishedCase = null;
        _published = null;
        _publishedChipNote = null;
    }

    private void ApplyPlan(RankedPlan ranked)
    {
        PlanSearchService.Apply(ranked.Plan, _input);
        DropPublishedRun();
        CancelPending();
        RunEstimate();
    }

    private string? Signature(PlannerInput input) =>
        PlannerInputValidator.Validate(input).Any(e => !e.Path.StartsWith("$.parallelism", StringComparison.Ordinal))
            ? null
            : EstimateService.BuildDocument(input, includeParallelism: false);

    private int? ShapeValue(NumericFieldSpec field) => field.TestId switch
    {
        "layers" => _input.Layers,
        "hidden-size" => _input.HiddenSize,
        "attention-heads" => _input.AttentionHeads,
        "kv-heads" => _input.KvHeads,
        "ffn-hidden-size" => _input.FfnHiddenSize,
        "vocab-size" => _input.VocabSize,
        "head-dim" => _input.HeadDim,
        _ => _input.SequenceLength,
    };

    private void SetShape(NumericFieldSpec field, int? value)
    {
        switch (field.TestId)
        {
            case "layers": _input.Layers = value; break;
            case "hidden-size": _input.HiddenSize = value; break;
            case "attention-heads": _input.AttentionHeads = value; break;
            case "kv-heads": _input.KvHeads = value; break;
            case "ffn-hidden-size": _input.FfnHiddenSize = value; break;
            case "vocab-size": _input.VocabSize = value; break;
            case "head-dim": _input.HeadDim = value; break;
            default: _input.SequenceLength = value; break;
        }
        OnInputChanged();
    }

    private string? PresetShapeText(NumericFieldSpec field)
    {
        if (!ModelPresets.TryGet(_input.PresetId ?? "", out var p)) return null;
        var m = p.Model;
        // Under latent attention the head widths come from its shape (shown with the scenario's extras), not from this field.
        if (field.TestId == "head-dim" && m.Mla is { } mla)
            return string.Create(CultureInfo.InvariantCulture, $"preset: latent attention, {mla.QkHeadDim} / {mla.VHeadDim}");
        var v = field.TestId switch
        {
            "layers" => m.Layers,
            "hidden-size" => m.HiddenSize,
            "attention-heads" => m.AttentionHeads,
            "kv-heads" => m.KvHeads,
            "ffn-hidden-size" => m.FfnHiddenSize,
            "vocab-size" => m.VocabSize,
            "head-dim" => (int)Math.Round(m.HeadDim),
            _ => m.SequenceLength,
        };
        return string.Create(CultureInfo.InvariantCulture, $"preset: {v}");
    }

    private void ResetShape()
    {
        _input.ClearShapeOverrides();
        OnInputChanged();
    }

    private bool HasError(string path) => _outcome?.ErrorsAt(path).Any() == true;

    private string? ErrorText(string path)
    {
        var messages = _outcome?.ErrorsAt(path).Select(e => PlannerFields.WithFieldLabels(e.Message)).ToList();
        return messages is { Count: > 0 } ? string.Join(" ", messages) : null;
    }

    private static Severity VerdictSeverity(CommunicationVerdict verdict) => verdict.Level switch
    {
        _ when verdict.Limiter != "compute" && verdict.Level != VerdictLevel.Bound => Severity.Warning,
        VerdictLevel.Hidden => Severity.Success,
        VerdictLevel.PartlyExposed => Severity.Info,
        _ => Severity.Warning,
    };

    private static string PresetText(string? id) =>
        id is not null && ModelPresets.TryGet(id, out var p) ? $"{p.Model.Name} ({p.Id})" : id ?? "";

    private string ChipText(string? id) => ChipDirectory.DisplayName(id);

    // "Auto" names the stack it resolved to for this chip and ZeRO stage: the numbers are that stack's.
    private string? StackHelp() =>
        _input.Stack == Core.Planning.SoftwareStackCatalog.Auto && _outcome?.Scenario?.Training.EffectiveStack is { } stack
            ? $"Auto: {stack.Name} for this chip and ZeRO stage."
            : Describe(PlannerFields.Stacks, _input.Stack);

    private static string? Describe<T>(IReadOnlyList<Choice<T>> choices, T value) =>
        choices.FirstOrDefault(c => EqualityComparer<T>.Default.Equals(c.Value, value))?.Description;

    private static string PrecisionText(string? id) => ChoiceLabel(PlannerFields.Precisions, id);

    private static string ZeroStageText(int stage) =>
        PlannerFields.ZeroStages.FirstOrDefault(z => z.Value == stage)?.Text ?? stage.ToString(CultureInfo.InvariantCulture);

    // Yes/no fields that may defer to the preset or the stack: "default", "yes", "no".
    private static string Flag(bool? value) => value switch { true => "yes", false => "no", _ => "default" };
    private static bool? Flag(string? choice) => choice switch { "yes" => true, "no" => false, _ => null };

    private string GatedChoice { get => Flag(_input.GatedMlp); set => _input.GatedMlp = Flag(value); }

    private string TiedChoice { get => Flag(_input.TiedEmbeddings); set => _input.TiedEmbeddings = Flag(value); }

    private string TpOverlapChoice { get => Flag(_input.TpCommOverlap); set => _input.TpCommOverlap = Flag(value); }

    private string ExpertKernelsChoice { get => Flag(_input.FusedExpertKernels); set => _input.FusedExpertKernels = Flag(value); }

    private static string ChoiceLabel(IReadOnlyList<Choice<string>> choices, string? value) =>
        choices.FirstOrDefault(c => c.Value == value)?.Text ?? value ?? "";

    // What the scenario sets that the form shows but does not edit (a document's MoE shape and routing, attention kernel, EP overlap
    // and dispatch; the expert kernels have their own field).
    private string? ScenarioExtras
    {
        get
        {
            var parts = new List<string>();
            if (_input.Moe is { } moe)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture,
                    $"MoE: {moe.Experts} experts, {moe.ExpertsPerToken} per token, {moe.SharedExperts ?? 0} shared, expert FFN {moe.ExpertFfnHiddenSize}, {moe.DenseLayers ?? 0} dense layers"));
                if (moe.RoutingGroups is > 1 and var groups)
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"routing: {moe.GroupsPerToken ?? groups} of {groups} expert groups per token"));
            }
            if (_input.Mla is { } mla)
            {
                var shape = new Core.Workload.MlaConfig(mla.QLoraRank, mla.KvLoraRank ?? 0, mla.QkNopeHeadDim ?? 0, mla.QkRopeHeadDim ?? 0, mla.VHeadDim ?? 0);
                parts.Add("latent attention: " + shape.Describe());
            }
            if (_input.Attention is { } attention) parts.Add($"attention: {attention}");
            if (_input.RecomputeModules is { } modules)
                parts.Add("selective recompute of " + (modules.Count == 0 ? "nothing" : string.Join(", ", modules)));
            if (_input.EpCommOverlap is { } ep) parts.Add($"EP overlap: {(ep ? "on" : "off")}");
            if (_input.ExpertDispatch is { } dispatch) parts.Add($"expert dispatch: {dispatch}");
            return parts.Count == 0 ? null : "From the scenario: " + string.Join(" · ", parts);
        }
    }

    private static string RecomputeText(string? mode) => ChoiceLabel(PlannerFields.RecomputeModes, mode);

    private static string PlacementText(string? placement) => ChoiceLabel(PlannerFields.Placements, placement);
}
