using System.Globalization;
using CapacityPlanner.Core.Validation;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Api;
using CapacityPlanner.Web.Shared.Charts;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CapacityPlanner.Web.Features.Validation;

/// <summary>
/// The Validation page: every shipped published run through the model (<see cref="ValidationService"/>, computed once),
/// per-family accuracy, predicted against published on log-log axes, and the user's own measured runs
/// (<see cref="MeasuredRunStore"/>) beside them. Filters (family, chip, GPU count) travel in the query
/// (<c>?family=&amp;chip=&amp;gpus=</c>), read as strings and checked: a value that names nothing is ignored with a message.
/// </summary>
public sealed partial class ValidationPage : IDisposable
{
    /// <summary>Filter value meaning "no filter".</summary>
    internal const string All = "";

    private ShippedValidation _shipped = default!;
    private List<ValidationRow> _userRows = [];
    private IReadOnlyList<ValidationCase> _userCases = [];
    private ValidationSummary _userSummary = ValidationSummary.Of([]);
    private IReadOnlyList<ValidationRow> _shownShipped = [];
    private IReadOnlyList<ValidationRow> _shownUser = [];
    private IReadOnlyList<string> _families = [];
    private IReadOnlyList<string> _chips = [];
    private IReadOnlyList<long> _gpuCounts = [];
    private string _family = All;
    private string _chip = All;
    private string _gpus = All;
    private string? _filterMessage;
    private string? _loadError;
    private ChartFigure? _figure;
    private bool _chartsDark;

    [Inject] private ValidationService Validation { get; set; } = default!;

    [Inject] private MeasuredRunStore Runs { get; set; } = default!;

    [Inject] private Security.CircuitCaller CallerOfCircuit { get; set; } = default!;

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    /// <summary>Dark mode of the layout (charts follow it).</summary>
    [CascadingParameter(Name = "IsDarkMode")] public bool IsDarkMode { get; set; }

    /// <summary><c>?family=</c>: show one family.</summary>
    [SupplyParameterFromQuery(Name = "family")] public string? FamilyQuery { get; set; }

    /// <summary><c>?chip=</c>: show one chip.</summary>
    [SupplyParameterFromQuery(Name = "chip")] public string? ChipQuery { get; set; }

    /// <summary><c>?gpus=</c>: show one GPU count (a string, checked here: a query value that does not parse must not throw).</summary>
    [SupplyParameterFromQuery(Name = "gpus")] public string? GpusQuery { get; set; }

    /// <inheritdoc />
    protected override void OnInitialized()
    {
        _shipped = Validation.Shipped;
        Runs.Changed += OnRunsChanged;
    }

    /// <inheritdoc />
    protected override async Task OnInitializedAsync() => await LoadUserRunsAsync();

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        var messages = new List<string>();
        var family = Pick(FamilyQuery, FilterFamilies(), "family", messages);
        var chip = Pick(ChipQuery, FilterChips(), "chip", messages);
        var gpus = Pick(GpusQuery, FilterGpuCounts().Select(g => g.ToString(CultureInfo.InvariantCulture)), "GPU count", messages);
        _filterMessage = messages.Count == 0 ? null : string.Join(" ", messages);
        // The address this page just wrote (SetFilters) comes back here: nothing to redo then.
        if (_figure is not null && family == _family && chip == _chip && gpus == _gpus && _chartsDark == IsDarkMode) return;
        (_family, _chip, _gpus, _chartsDark) = (family, chip, gpus, IsDarkMode);
        Apply();
    }

    /// <inheritdoc />
    public void Dispose() => Runs.Changed -= OnRunsChanged;

    private async Task LoadUserRunsAsync()
    {
        try
        {
            // The caller's own runs (an administrator sees everyone's); nobody's when the circuit has no owner.
            var caller = CallerOfCircuit.Current;
            var runs = caller.IsAdmin ? await Runs.ListAsync()
                : caller.OwnerKey is { } owner ? await Runs.ListAsync(OwnerFilter.Of(owner)) : [];
            _userRows = [.. runs.Select(Validation.Evaluate)];
            _userCases = [.. runs.Select(MeasuredRunInput.ToCase)];
            _userSummary = ValidationSummary.Of([.. runs.Zip(_userRows, RunEndpoints.ToResult)]);
            _loadError = null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.Data.Common.DbException)
        {
            _loadError = "Your measured runs could not be read from the database: " + ex.Message;
        }
        Apply();
    }

    private IEnumerable<string> FilterFamilies() => _shipped.Families.Concat(_userRows.Select(r => r.Family)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

    private IEnumerable<string> FilterChips() => _shipped.Chips.Concat(_userRows.Select(r => r.Chip)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

    private IEnumerable<long> FilterGpuCounts() => _shipped.GpuCounts.Concat(_userRows.Select(r => r.Gpus)).Distinct().Order();

    private static string Pick(string? value, IEnumerable<string> known, string what, List<string> messages)
    {
        if (string.IsNullOrWhiteSpace(value)) return All;
        var match = known.FirstOrDefault(k => string.Equals(k, value.Trim(), StringComparison.OrdinalIgnoreCase));
        if (match is not null) return match;
        var shown = value.Length <= 40 ? value : value[..40] + "…";
        messages.Add($"No run has the {what} \u201C{shown}\u201D; showing every {what}.");
        return All;
    }

    /// <summary>Applies the filters to both tables and rebuilds the chart.</summary>
    private void Apply()
    {
        if (_shipped is null) return;
        _families = [.. FilterFamilies()];
        _chips = [.. FilterChips()];
        _gpuCounts = [.. FilterGpuCounts()];
        _shownShipped = [.. _shipped.Rows.Where(Matches)];
        _shownUser = [.. _userRows.Where(Matches)];
        _figure = ValidationChart.Figure(_shownShipped, _shownUser, ChartTheme.For(_chartsDark));
    }

    private bool Matches(ValidationRow r) =>
        (_family == All || string.Equals(r.Family, _family, StringComparison.Ordinal))
        && (_chip == All || string.Equals(r.Chip, _chip, StringComparison.Ordinal))
        && (_gpus == All || r.Gpus.ToString(CultureInfo.InvariantCulture) == _gpus);

    private void OnFamilyChanged(string? value) => SetFilters(value ?? All, _chip, _gpus);

    private void OnChipChanged(string? value) => SetFilters(_family, value ?? All, _gpus);

    private void OnGpusChanged(string? value) => SetFilters(_family, _chip, value ?? All);

    /// <summary>Sets the filters, shows the result and keeps the address in step (so a filtered view can be shared).</summary>
    internal void SetFilters(string family, string chip, string gpus)
    {
        _family = family;
        _chip = chip;
        _gpus = gpus;
        _filterMessage = null;
        Apply();
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
        {
            ["family"] = family == All ? null : family,
            ["chip"] = chip == All ? null : chip,
            ["gpus"] = gpus == All ? null : gpus,
        }), replace: true);
    }

    private async Task DeleteAsync(ValidationRow row)
    {
        if (await Runs.GetAsync(row.Id) is { } run && !CallerOfCircuit.Current.CanChange(run.OwnerHash))
        {
            Snackbar.Add("Only the owner of this run (or an administrator) may delete it.", Severity.Warning);
            return;
        }
        if (await Runs.DeleteAsync(row.Id))
        {
            Validation.Forget(row.Id);
            Snackbar.Add($"Deleted \u201C{row.Name}\u201D.", Severity.Normal);
        }
        await LoadUserRunsAsync();
    }

    private Task OnRunAddedAsync() => LoadUserRunsAsync();

    // Another circuit (or the API) added or deleted a run.
    private void OnRunsChanged() => _ = InvokeAsync(async () =>
    {
        await LoadUserRunsAsync();
        StateHasChanged();
    });
}
