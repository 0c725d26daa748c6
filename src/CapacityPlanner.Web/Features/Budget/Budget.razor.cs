using System.Globalization;
using CapacityPlanner.Contracts.Sharing;
using CapacityPlanner.Core.Budget;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.ScalingLaws;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Features.Planner;
using CapacityPlanner.Web.Options;
using CapacityPlanner.Web.Shared.Charts;
using CapacityPlanner.Web.Shared.Chips;
using CapacityPlanner.Web.Shared.Scenario;
using CapacityPlanner.Web.Shared.Sharing;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Features.Budget;

/// <summary>
/// The Budget page: 2–4 budget scenarios side by side (inputs per column, a table of every output with differences
/// from the first column highlighted, cost and FLOP bar charts, and the compute ladder). Each column is planned by
/// <see cref="BudgetService"/> off the UI thread, debounced, and a newer edit cancels the column's pending plan.
/// </summary>
public sealed partial class Budget : IDisposable
{
    /// <summary>Most columns compared.</summary>
    public const int MaxColumns = 4;

    private const string DiffStyle = "background-color: rgba(255,152,0,0.18); font-weight: 600; box-shadow: inset 3px 0 0 #ef6c00;";
    private static readonly string[] s_missingBudget = ["Give a budget in US dollars (above $0)."];

    private readonly List<Column> _columns = [];
    private IReadOnlyList<BudgetComparisonRow> _rows = [];
    private IReadOnlyList<LadderStep> _steps = [];
    private ChartFigure? _costChart;
    private ChartFigure? _flopChart;
    private ChartFigure? _ladderChart;
    private bool _chartsDark;
    private bool _interactive;
    private bool _disposed;
    private int _nextId;

    [Inject] private BudgetService Planner { get; set; } = default!;

    [Inject] private ChipDirectory ChipDirectory { get; set; } = default!;

    [Inject] private IOptions<PlannerOptions> Options { get; set; } = default!;

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [Inject] private ScenarioStore Store { get; set; } = default!;

    private string? _linkMessage;
    private string? _savedIdToLoad;
    private EditHistory? _history;

    private string? FirstJson => _columns.Count > 0 && _columns[0].Errors.Count == 0 ? _columns[0].Json : null;

    private IReadOnlyDictionary<string, string> SharePageSettings => BudgetShareState.PageSettings(_columns.Select(c => c.Json).ToList());

    private string? ExportJson() => _columns.Count == 0 ? null : BudgetShareState.ExportJson(_columns.Select(c => c.Json).ToList());

    private string? ExportCsv() => BudgetShareState.ExportCsv(_columns.Select((_, i) => ColumnLabel(i)).ToList(), _rows);

    /// <summary>Dark mode of the layout, for the chart theme.</summary>
    [CascadingParameter(Name = "IsDarkMode")] public bool IsDarkMode { get; set; }

    private static BudgetExample Example => BudgetExamples.ThirtyBillionHalfYear;

    private IEnumerable<ChipOption> CatalogChips => ChipDirectory.Chips.Where(c => !c.IsCustom);

    private string LadderLawName => _columns.Select(c => c.Result?.Assumptions.ScalingLaw.Name).FirstOrDefault(n => n is not null)
        ?? ScalingLawCatalog.Default.Get(LadderLaw).Name;

    private string LadderLaw => _columns.Count > 0 ? _columns[0].Scenario.ScalingLaw : "epoch";

    /// <inheritdoc />
    protected override void OnInitialized()
    {
        _chartsDark = IsDarkMode;
        _history = new EditHistory(Navigation, TimeSpan.FromMilliseconds(Options.Value.HistoryCoalesceMilliseconds),
            location => _ = InvokeAsync(() => LoadFromAsync(location)));
        LoadFrom(Navigation.Uri);
    }

    // The columns of ?s= (else the example; ?id= loads a saved scenario in OnInitializedAsync).
    private void LoadFrom(string uri)
    {
        var query = PlannerQuery.QueryOf(uri);
        if (query.TryGetValue(ScenarioLink.QueryParameter, out var token))
        {
            if (BudgetShareState.TryRestore(token.ToString(), out var columns, out var error))
            {
                Open(columns);
                return;
            }
            _linkMessage = error + " Showing the example instead.";
        }
        else if (query.TryGetValue(PlannerShareState.IdParameter, out var id))
        {
            _savedIdToLoad = id.ToString();
        }
        Reset();
    }

    // Back or Ctrl+Z: the columns of an earlier address, planned again where not cached.
    private async Task LoadFromAsync(string uri)
    {
        _linkMessage = null;
        LoadFrom(uri);
        await LoadSavedAsync();
        StateHasChanged();
        if (_interactive) await Task.WhenAll(_columns.Where(c => c.Result is null && c.Errors.Count == 0).Select(c => PlanAsync(c, debounce: false)).ToList());
    }

    /// <inheritdoc />
    protected override Task OnInitializedAsync() => LoadSavedAsync();

    // ?id=: the columns of a saved scenario.
    private async Task LoadSavedAsync()
    {
        if (_savedIdToLoad is not { } id) return;
        _savedIdToLoad = null;
        var saved = await Store.GetAsync(id);
        if (saved is null)
        {
            _linkMessage = PlannerShareState.MissingMessage;
            return;
        }
        Open(BudgetShareState.Columns(saved.ScenarioJson, ScenarioSnapshot.ReadPageSettings(saved.PageSettingsJson)));
    }

    // Columns from a link or a saved scenario (at most four).
    private void Open(IReadOnlyList<string> documents) => Replace(documents.Take(MaxColumns).Select(BudgetScenario.FromDocument));

    // New columns in place of all the old ones (a link, Back, the example). Each keeps the id, and so the @key, of the
    // column it replaces at its position: its components stay and only their values change. Blazor drops a browser event
    // of a component it has disposed, so with new keys a click sent before the browser had the new page (Duplicate right
    // after "Open the example") was lost.
    private void Replace(IEnumerable<BudgetScenario> scenarios)
    {
        var ids = _columns.Select(c => c.Id).ToList();
        foreach (var c in _columns) c.Cancel();
        _columns.Clear();
        foreach (var scenario in scenarios) _columns.Add(NewColumn(scenario, _columns.Count < ids.Count ? ids[_columns.Count] : null));
        Rebuild();
    }

    // The page state in the address (?s=v1.…): a reload or a copied address keeps every column, and each edit is a
    // history entry (Back and Ctrl+Z undo it; EditHistory, as on the Planner).
    private void WriteUrl()
    {
        if (_columns.Count == 0 || !ScenarioLink.TryEncode(_columns[0].Json, SharePageSettings, out var token, out _)) return;
        var uri = Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
        {
            [ScenarioLink.QueryParameter] = token,
            [PlannerShareState.IdParameter] = null,
        });
        _history?.Record(uri);
    }

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        if (_chartsDark == IsDarkMode) return;
        _chartsDark = IsDarkMode;
        Rebuild();
    }

    /// <inheritdoc />
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // Planning starts once the page is interactive (not while prerendering).
        if (!firstRender) return;
        _interactive = true;
        await Task.WhenAll(_columns.Where(c => c.Result is null && c.Errors.Count == 0).Select(c => PlanAsync(c, debounce: false)).ToList());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        _history?.Dispose();
        foreach (var c in _columns) c.Cancel();
    }

    private void Reset() => Replace([BudgetScenario.FromExample(Example)]);

    private Column NewColumn(BudgetScenario scenario, int? id = null)
    {
        var column = new Column(id ?? _nextId++, scenario);
        Validate(column);
        // Cached outcomes show at once (also while prerendering).
        if (column.Errors.Count == 0 && Planner.IsCached(column.Json)) Apply(column, Planner.Plan(column.Json));
        return column;
    }

    private async Task OpenExample()
    {
        Reset();
        WriteUrl();
        if (_interactive) await PlanAsync(_columns[0], debounce: false);
    }

    private async Task Duplicate(int index)
    {
        if (_columns.Count >= MaxColumns || index < 0 || index >= _columns.Count) return;
        var source = _columns[index].Scenario;
        var copy = NewColumn(source.Duplicate(source.Name + " (copy)"));
        _columns.Insert(index + 1, copy);
        Rebuild();
        WriteUrl();
        if (copy.Result is null && copy.Errors.Count == 0 && _interactive) await PlanAsync(copy, debounce: false);
    }

    private void Remove(int index)
    {
        if (_columns.Count <= 1 || index < 0 || index >= _columns.Count) return;
        _columns[index].Cancel();
        _columns.RemoveAt(index);
        Rebuild();
        WriteUrl();
    }

    private async Task Edit(int index, Action<BudgetScenario> change)
    {
        if (index < 0 || index >= _columns.Count) return;
        var column = _columns[index];
        change(column.Scenario);
        Validate(column);
        WriteUrl();
        if (column.Errors.Count > 0)
        {
            column.Cancel();
            column.Result = null;
            Rebuild();
            return;
        }
        await PlanAsync(column, debounce: true);
    }

    // Checks the page can do before planning: the opened document reads (DocumentErrors), and a budget is given (without
    // one the planner would cost the scenario's own cluster).
    private static void Validate(Column column)
    {
        column.Json = column.Scenario.ToJson();
        column.LocalErrors = column.Scenario.BudgetUsd is null
            ? [.. column.Scenario.DocumentErrors, new ScenarioError(BudgetFields.BudgetUsd.Path, s_missingBudget[0])]
            : column.Scenario.DocumentErrors;
        column.Errors = column.LocalErrors;
    }

    private async Task PlanAsync(Column column, bool debounce)
    {
        column.Cancel();
        var cts = new CancellationTokenSource();
        column.Cts = cts;
        var json = column.Json;
        try
        {
            BudgetOutcome outcome;
            if (Planner.IsCached(json))
            {
                outcome = Planner.Plan(json);
            }
            else
            {
                column.Busy = true;
                var delay = Options.Value.EstimateDebounceMilliseconds;
                if (debounce && delay > 0)
                {
                    StateHasChanged();
                    await Task.Delay(delay, cts.Token);
                }
                StateHasChanged();
                outcome = await Planner.PlanAsync(json, cts.Token);
            }
            if (cts.IsCancellationRequested || _disposed || !_columns.Contains(column)) return;
            Apply(column, outcome);
            Rebuild();
            StateHasChanged();
        }
        catch (OperationCanceledException)
        {
            // Superseded by a newer edit, or the page went away.
        }
        finally
        {
            if (ReferenceEquals(column.Cts, cts))
            {
                column.Cts = null;
                column.Busy = false;
            }
            cts.Dispose();
        }
    }

    private static void Apply(Column column, BudgetOutcome outcome)
    {
        column.Result = outcome.Success ? outcome.Result : null;
        column.Errors = outcome.Success ? column.LocalErrors : [.. column.LocalErrors, .. outcome.Errors];
        column.Busy = false;
    }

    private void Rebuild()
    {
        var theme = ChartTheme.For(IsDarkMode);
        var columns = _columns.Select((c, i) => new BudgetColumn(ColumnLabel(i), c.Result)).ToList();
        _rows = BudgetComparison.Build(_columns.Select(c => c.Result).ToList());
        _costChart = BudgetCharts.CostBreakdown(columns, theme);
        _flopChart = BudgetCharts.Flop(columns, theme);
        _ladderChart = BudgetCharts.Ladder(columns, theme);
        _steps = BudgetCharts.ThousandfoldSteps(LadderLaw);
    }

    private string ColumnLabel(int index) => index < _columns.Count ? $"{index + 1}. {_columns[index].Scenario.Name}" : $"{index + 1}";

    private string? ErrorFor(int index, string path)
    {
        var errors = _columns[index].Errors.Where(e => string.Equals(e.Path, path, StringComparison.Ordinal)).Select(e => e.Message).ToList();
        return errors.Count == 0 ? null : string.Join(" ", errors);
    }

    private string? FieldError(int index, BudgetFieldSpec field) => ErrorFor(index, field.Path);

    private string? Placeholder(int index, BudgetFieldSpec field)
    {
        if (field.DefaultName is { } name && BudgetDefaults.Standard.Figures.TryGetValue(name, out var f))
        {
            return f.Value.ToString("G6", CultureInfo.InvariantCulture) + " (default)";
        }
        if (field.Path is "$.budget.gpuPriceUsd" or "$.budget.rentUsdPerGpuHour" && ChipDirectory.TryGet(_columns[index].Scenario.ChipId, out var chip))
        {
            var price = field.Path == "$.budget.gpuPriceUsd" ? chip.Spec.Price.PurchaseUsd : chip.Spec.Price.RentUsdPerGpuHour;
            return price is { } p ? p.ToString("G6", CultureInfo.InvariantCulture) + " (catalog)" : "no catalog price: give one";
        }
        return null;
    }

    private static readonly string[] s_payments = ["purchase", "depreciation", "rent"];

    private static string PaymentText(string? payment) => payment switch
    {
        "rent" => "Rent per GPU-hour",
        "depreciation" => "Buy, charge the run's share of depreciation",
        _ => "Buy, charge the whole purchase to this run",
    };

    private static string PaymentHelp(BudgetScenario s) => s.Payment switch
    {
        "rent" => "On: renting. The run pays GPU-hours at the rental price (which includes servers, network, facility and power).",
        "depreciation" => "On: depreciation. The run pays its share of the cluster over the hardware life and of the facility over its life, plus energy.",
        _ => "On: purchase. The whole cluster and facility are charged to this one run, plus energy (the most expensive reading).",
    };

    private static string PaymentDetail(BudgetResult r)
    {
        var a = r.Assumptions;
        var inv = CultureInfo.InvariantCulture;
        return a.Acquisition == GpuAcquisition.Rent
            ? string.Create(inv, $" at ${a.RentUsdPerGpuHour:0.00} per GPU-hour.")
            : a.CapitalCharge == CapitalCharge.Depreciation
                ? string.Create(inv, $": hardware over {a.DepreciationYears:0.#} years, facility over {a.FacilityLifeYears:0.#} years; GPU ${a.GpuPriceUsd:N0} × server overhead {a.ServerOverheadFactor:0.##}.")
                : string.Create(inv, $": GPU ${a.GpuPriceUsd:N0} × server overhead {a.ServerOverheadFactor:0.##}, all charged to this run.");
    }

    private static string AssumptionLabel(string name) =>
        BudgetFields.All.FirstOrDefault(f => f.Path == "$.budget." + name)?.Label ?? name;

    // "scenario" (given in the page), a catalog price, or a source key of the defaults with its reference and note.
    private static string SourceText(BudgetAssumptionUsed used)
    {
        if (used.Source == "scenario") return "given here";
        var reference = BudgetDefaults.Standard.Sources.TryGetValue(used.Source, out var r) ? $"{r} [{used.Source}]" : used.Source;
        return string.IsNullOrEmpty(used.Note) ? reference : $"{reference}: {used.Note}";
    }

    private string ChipText(string? id) => id is null ? "" : ChipDirectory.DisplayName(id);

    private static string PresetText(string? id) => string.IsNullOrEmpty(id)
        ? $"The example's model ({Example.Title})"
        : CapacityPlanner.Core.Workload.ModelPresets.TryGet(id, out var p) ? $"{p.Model.Name} ({id})" : id;

    private static string OptimizerText(string? id) =>
        id is not null && BudgetDefaults.Standard.Optimizers.TryGetValue(id, out var o) ? o.Name : id ?? "";

    private static string LawText(string? id) =>
        id is not null && ScalingLawCatalog.Default.TryGet(id, out var fit) ? fit.Name : id ?? "";

    /// <summary>One scenario column and its latest outcome.</summary>
    private sealed class Column(int id, BudgetScenario scenario)
    {
        public int Id { get; } = id;

        public BudgetScenario Scenario { get; } = scenario;

        public string Json { get; set; } = "";

        public IReadOnlyList<ScenarioError> LocalErrors { get; set; } = [];

        public IReadOnlyList<ScenarioError> Errors { get; set; } = [];

        public BudgetResult? Result { get; set; }

        public bool Busy { get; set; }

        public CancellationTokenSource? Cts { get; set; }

        public void Cancel()
        {
            Cts?.Cancel();
            Cts = null;
            Busy = false;
        }
    }
}
