using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Search;
using CapacityPlanner.Web.Features.Planner;
using CapacityPlanner.Web.Options;
using CapacityPlanner.Web.Shared;
using CapacityPlanner.Web.Shared.Charts;
using CapacityPlanner.Web.Shared.Chips;
using CapacityPlanner.Web.Shared.Scenario;
using CapacityPlanner.Web.Shared.Sharing;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Features.Scaling;

/// <summary>
/// Scaling sweeps: the best plan at every power-of-two cluster size for several chips, as charts on a log GPU axis.
/// Sweeps run in the background one after the other (each chart updates in place as a sweep finishes); finished
/// sweeps are cached by <see cref="SweepService"/>. The page state lives in the query (planner keys plus
/// <c>chips</c>, <c>mode</c>, <c>min</c>, <c>max</c>).
/// </summary>
public sealed partial class Scaling : IDisposable
{
    private static readonly string[] s_comparison = ["h100-sxm", "b200", "gb200"];
    private static readonly NumericFieldSpec s_minField = new("$.sweep.min", "From", "GPUs", 1, 1 << 20, true, "min-gpus");
    private static readonly NumericFieldSpec s_maxField = new("$.sweep.max", "To", "GPUs", 1, 1 << 20, true, "max-gpus");

    private PlannerInput _defaults = new();
    private PlannerInput _input = new();
    private IReadOnlyList<string> _chips = [];
    private IReadOnlyList<string> _defaultChips = [];
    private ScalingMode _mode = ScalingMode.Strong;
    private long _min = 8;
    private long _max = 131_072;
    private readonly Dictionary<(string Chip, ScalingMode Mode), SweepOutcome> _results = [];
    private IReadOnlyList<ScenarioError> _errors = [];
    private List<ChipSummary> _summaries = [];
    private CancellationTokenSource? _cts;
    private bool _running;
    private int _done;
    private int _total;
    private ChartFigure? _throughput;
    private ChartFigure? _efficiency;
    private ChartFigure? _ratios;
    private ChartFigure? _strongWeak;
    private bool _chartsDark;
    private bool _interactive;
    private EditHistory? _history;

    [Inject] private SweepService Sweeps { get; set; } = default!;

    [Inject] private ChipDirectory ChipDirectory { get; set; } = default!;

    [Inject] private IOptions<PlannerOptions> Options { get; set; } = default!;

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    /// <summary>Dark mode of the layout, for the chart theme.</summary>
    [CascadingParameter(Name = "IsDarkMode")] public bool IsDarkMode { get; set; }

    private static NumericFieldSpec MinField => s_minField;

    private static NumericFieldSpec MaxField => s_maxField;

    // Every finished sweep on the page (each chip in the chosen mode, and the primary chip's other mode).
    private string? ExportCsv() => ScalingExport.Csv(_results.Values);

    private string ModeText => _mode == ScalingMode.Strong ? "strong scaling" : "weak scaling";

    private string ModeHelper => _mode == ScalingMode.Strong ? "Fixed global batch." : "Batch ∝ GPUs.";

    private string? RangeError => _min > _max ? "'From' must not exceed 'To'." : null;

    private string PrimaryChip => _chips.Count > 0 ? _chips[0] : _input.ChipId;

    private string PrimaryName => ChipDirectory.TryGet(PrimaryChip, out var c) ? c.Spec.Name : PrimaryChip;

    private SweepOutcome? PrimarySweep => _results.GetValueOrDefault((PrimaryChip, _mode));

    private string _baseline = ScalingBaseline.Smallest;

    private IReadOnlyList<(string Value, string Text)> BaselineOptions
    {
        get
        {
            var options = ScalingBaseline.Options(PrimarySweep?.Result).ToList();
            if (!options.Any(o => o.Value == _baseline)) options.Add((_baseline, BaselineText(_baseline)));
            return options;
        }
    }

    private Core.Search.SweepPoint? PrimaryBaseline => PrimarySweep?.Result is { } r ? ScalingBaseline.Pick(r, _baseline) : null;

    private IEnumerable<string> BaselineNotes =>
        _chips.Select(c => _results.GetValueOrDefault((c, _mode))).OfType<SweepOutcome>()
            .Where(s => s.Result is not null)
            .Select(s => ScalingBaseline.Explain(s.Result!, _baseline, s.ChipName));

    private static string BaselineText(string? value) => value switch
    {
        ScalingBaseline.Smallest or null => "Smallest size that fits",
        ScalingBaseline.Best => "Best tokens/s per GPU",
        _ => long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " GPUs"
            : value,
    };

    private void OnBaselineChanged(string value)
    {
        _baseline = ScalingBaseline.IsValid(value) ? value : ScalingBaseline.Smallest;
        WriteUrl();
        BuildFigures();
    }

    /// <inheritdoc />
    protected override void OnInitialized()
    {
        _defaults = PlannerInput.CreateDefault(Options.Value);
        _history = new EditHistory(Navigation, TimeSpan.FromMilliseconds(Options.Value.HistoryCoalesceMilliseconds),
            location => _ = InvokeAsync(() => LoadFromAsync(location)));
        ReadQuery(Navigation.Uri);
        _chartsDark = IsDarkMode;
        BuildFigures();
    }

    // Back or Ctrl+Z: the settings of an earlier address, swept again (finished sweeps come from the cache).
    private async Task LoadFromAsync(string uri)
    {
        ReadQuery(uri);
        _results.Clear();
        BuildFigures();
        StateHasChanged();
        if (_interactive) await RunSweepsAsync();
    }

    private void ReadQuery(string uri)
    {
        var query = PlannerQuery.QueryOf(uri);
        _input = PlannerQuery.FromQuery(query, _defaults);
        _defaultChips = new[] { _input.ChipId }.Concat(s_comparison).Distinct(StringComparer.OrdinalIgnoreCase).Take(4).ToList();
        _chips = PageQuery.List(query, "chips")?.Where(id => ChipDirectory.TryGet(id, out _)).Take(4).ToList() is { Count: > 0 } picked ? picked : _defaultChips;
        _mode = string.Equals(PageQuery.String(query, "mode"), "weak", StringComparison.OrdinalIgnoreCase) ? ScalingMode.Weak : ScalingMode.Strong;
        var baseline = PageQuery.String(query, "base");
        _baseline = ScalingBaseline.IsValid(baseline) && baseline is not null ? baseline : ScalingBaseline.Smallest;
        _min = Math.Clamp(PageQuery.Long(query, "min", 8), 1, 1 << 20);
        _max = Math.Clamp(PageQuery.Long(query, "max", 131_072), 1, 1 << 20);
    }

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        if (_chartsDark == IsDarkMode) return;
        _chartsDark = IsDarkMode;
        BuildFigures();
    }

    /// <inheritdoc />
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // Sweeps start once the page is interactive (not while prerendering).
        if (!firstRender) return;
        _interactive = true;
        await RunSweepsAsync();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _history?.Dispose();
        Cancel();
    }

    private Task OnInputChanged() => RestartAsync();

    private Task OnChipsChanged(IReadOnlyList<string> chips)
    {
        _chips = chips;
        return RestartAsync();
    }

    private Task OnModeChanged(ScalingMode mode)
    {
        _mode = mode;
        return RestartAsync();
    }

    private Task OnMinChanged(int? value)
    {
        if (value is { } v && v >= MinField.Min && v <= MinField.Max) _min = v;
        return RestartAsync();
    }

    private Task OnMaxChanged(int? value)
    {
        if (value is { } v && v >= MaxField.Min && v <= MaxField.Max) _max = v;
        return RestartAsync();
    }

    private async Task RestartAsync()
    {
        WriteUrl();
        _results.Clear();
        BuildFigures();
        if (_interactive) await RunSweepsAsync();
    }

    private async Task RunSweepsAsync()
    {
        Cancel();
        _errors = [];
        if (_chips.Count == 0 || _min > _max) return;
        var cts = new CancellationTokenSource();
        _cts = cts;
        var requests = _chips.Select(c => new SweepRequest(_input, c, _mode, _min, _max)).ToList();
        var other = _mode == ScalingMode.Strong ? ScalingMode.Weak : ScalingMode.Strong;
        requests.Add(new SweepRequest(_input, PrimaryChip, other, _min, _max));
        _total = requests.Count;
        _done = 0;
        _running = true;
        StateHasChanged();
        try
        {
            foreach (var request in requests)
            {
                var outcome = Sweeps.IsCached(request) ? Sweeps.Run(request, cts.Token) : await Sweeps.RunAsync(request, cts.Token);
                if (cts.IsCancellationRequested) return;
                _results[(request.ChipId, request.Mode)] = outcome;
                if (outcome.Errors.Count > 0) _errors = outcome.Errors;
                _done++;
                BuildFigures();
                StateHasChanged();
            }
        }
        catch (OperationCanceledException)
        {
            // Superseded by a newer request or the page went away.
        }
        finally
        {
            if (ReferenceEquals(_cts, cts))
            {
                _running = false;
                _cts = null;
                StateHasChanged();
            }
            cts.Dispose();
        }
    }

    private void Cancel()
    {
        if (_cts is null) return;
        _cts.Cancel();
        _cts = null;
        _running = false;
    }

    private void BuildFigures()
    {
        var theme = ChartTheme.For(IsDarkMode);
        var sweeps = _chips.Select(c => _results.GetValueOrDefault((c, _mode))).OfType<SweepOutcome>().ToList();
        _throughput = ScalingCharts.Throughput(sweeps, theme);
        _efficiency = ScalingCharts.Efficiency(sweeps, theme, _baseline);
        var primary = _results.GetValueOrDefault((PrimaryChip, _mode));
        _ratios = primary is null ? ScalingCharts.DimensionRatios(new SweepOutcome(PrimaryChip, PrimaryName, _mode, null, []), theme) : ScalingCharts.DimensionRatios(primary, theme);
        _strongWeak = ScalingCharts.StrongVsWeak(
            _results.GetValueOrDefault((PrimaryChip, ScalingMode.Strong)),
            _results.GetValueOrDefault((PrimaryChip, ScalingMode.Weak)), theme);
        _summaries = sweeps.Where(s => s.Result is not null).Select(s =>
        {
            var r = s.Result!;
            var peak = r.Points.Where(p => p.TokensPerSecond is not null).MaxBy(p => p.TokensPerSecond);
            return new ChipSummary(s.ChipName, peak?.TokensPerSecond, peak?.Gpus, r.BreakEvenGpus, r.BreakEvenDimension, r.HalfEfficiencyGpus, r.ElapsedMilliseconds);
        }).ToList();
    }

    private void WriteUrl()
    {
        var parameters = PlannerQuery.ToParameters(_input, _defaults);
        parameters["chips"] = PageQuery.Join(_chips, _defaultChips);
        parameters["mode"] = _mode == ScalingMode.Weak ? "weak" : null;
        parameters["base"] = _baseline == ScalingBaseline.Smallest ? null : _baseline;
        parameters["min"] = _min == 8 ? null : _min.ToString(System.Globalization.CultureInfo.InvariantCulture);
        parameters["max"] = _max == 131_072 ? null : _max.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var uri = Navigation.GetUriWithQueryParameters(parameters);
        // Each edit is a history entry (Back and Ctrl+Z undo it), as on the Planner.
        _history?.Record(uri);
    }

    private int? _siteCount = 2;
    private double? _linkGbps = Core.Reliability.ReliabilityData.Standard.Value("interSiteGbps");
    private int? _innerSteps;
    private double? _maxSiteMw;

    /// <summary>The sites view of the primary sweep: each feasible size split over the chosen sites (docs/reliability.md).</summary>
    private IReadOnlyList<SiteRow> SiteRows
    {
        get
        {
            if (PrimarySweep is not { Result: { } r, Scenario: { } scenario } || _siteCount is not { } n || n < 2 || _linkGbps is not { } gbps || gbps <= 0) return [];
            var sites = new Core.Planning.SitesSection
            {
                Count = n,
                MaxSiteMw = _maxSiteMw is > 0 ? _maxSiteMw : null,
                InterSite = new Core.Planning.InterSiteSection { Gbps = gbps },
                Diloco = _innerSteps is { } h and > 0 ? new Core.Planning.DilocoSection { InnerSteps = h } : null,
            };
            var rows = new List<SiteRow>();
            foreach (var p in r.Points)
            {
                if (p.Estimate is not { } e || p.Parallelism is not { } plan) continue;
                var sized = scenario with
                {
                    System = scenario.System with { Gpus = p.Gpus },
                    Training = scenario.Training with { GlobalBatchSequences = p.GlobalBatchSequences },
                    Plan = plan,
                    Sites = sites,
                };
                var report = Core.Sites.CrossSiteModel.Evaluate(sized, e);
                rows.Add(new SiteRow(p.Gpus, report, p.EffectiveTrainingTimeRatio));
            }
            return rows;
        }
    }

    private void OnSiteCountChanged(int? value) => _siteCount = value;

    private void OnLinkChanged(double? value) => _linkGbps = value;

    private void OnInnerStepsChanged(int? value) => _innerSteps = value;

    private void OnMaxSiteChanged(double? value) => _maxSiteMw = value;

    private sealed record SiteRow(long Gpus, Core.Sites.CrossSiteReport Report, double? Goodput);

    private sealed record ChipSummary(string ChipName, double? PeakTokens, long? PeakGpus, double? BreakEven, string? BreakEvenDimension, double? Half, double Milliseconds);
}
