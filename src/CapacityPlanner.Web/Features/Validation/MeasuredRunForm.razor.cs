using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Validation;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Shared.Chips;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CapacityPlanner.Web.Features.Validation;

/// <summary>The form that adds a user-measured run (the checks are <see cref="MeasuredRunInput.FromFields"/>, as the API's).</summary>
public sealed partial class MeasuredRunForm
{
    private string? _name;
    private string? _scenario;
    private ValidationMetric _metric = ValidationMetric.StepTimeSeconds;
    private string? _measured;
    private string? _family;
    private string? _notes;
    private IReadOnlyList<ScenarioError> _errors = [];
    private string? _pasted;
    private bool _busy;

    [Inject] private MeasuredRunStore Runs { get; set; } = default!;

    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Inject] private ChipDirectory Chips { get; set; } = default!;

    [Inject] private Security.CircuitCaller Caller { get; set; } = default!;

    [Inject] private Security.StorageQuotas Quotas { get; set; } = default!;

    /// <summary>Called after a run was stored.</summary>
    [Parameter] public EventCallback<SavedMeasuredRun> OnAdded { get; set; }

    private bool HasError(string field) => _errors.Any(e => Under(e.Path, field));

    private string? ErrorFor(string field) =>
        _errors.Where(e => Under(e.Path, field)).Select(e => e.Path == field ? e.Message : $"{e.Path}: {e.Message}").FirstOrDefault();

    private static bool Under(string path, string field) =>
        path == field || path.StartsWith(field + ".", StringComparison.Ordinal) || path.StartsWith(field + "[", StringComparison.Ordinal);

    /// <summary>
    /// A published run's case file pasted as the scenario (<see cref="ValidationCaseFile.IsCaseFile"/>): its scenario as
    /// it ran takes the box, and what it measured, its family and its name fill the fields left empty, so the file can be
    /// added as it is. The checks stay <see cref="MeasuredRunInput.FromFields"/>'s.
    /// </summary>
    internal void ScenarioChanged()
    {
        _pasted = null;
        if (_scenario is null) return;
        var fill = MeasuredRunInput.ReadCaseFile(_scenario, out var problem);
        if (fill is null)
        {
            if (problem is not null) _errors = [new("$.scenario", problem)];
            return;
        }
        _scenario = fill.ScenarioJson;
        var filled = new List<string> { "the scenario" };
        if (MeasuredRunInput.UnusableMetric(fill) is { } unusable)
        {
            _errors = [new("$.measured", unusable)];
        }
        else if (string.IsNullOrWhiteSpace(_measured))
        {
            _metric = fill.Metric;
            _measured = fill.Measured.ToString("R", CultureInfo.InvariantCulture);
            filled.Add("what it measured");
        }
        if (string.IsNullOrWhiteSpace(_family) && fill.Family is not null)
        {
            _family = fill.Family;
            filled.Add("its family");
        }
        if (string.IsNullOrWhiteSpace(_name) && fill.Name is not null)
        {
            _name = fill.Name;
            filled.Add("its name");
        }
        if (string.IsNullOrWhiteSpace(_notes) && fill.Notes is not null)
        {
            _notes = fill.Notes;
            filled.Add("its source (notes)");
        }
        _pasted = "Read a published run's case file: filled in " + string.Join(", ", filled) + ".";
    }

    /// <summary>Checks the fields and stores the run (the Add button).</summary>
    internal async Task AddAsync()
    {
        var (draft, errors) = MeasuredRunInput.FromFields(_name, _scenario, _metric, _measured, _family, _notes,
            id => Chips.CustomDefinition(id)?.ToSection());
        _errors = errors;
        if (draft is null) return;
        _busy = true;
        try
        {
            var owner = Caller.Current.OwnerKey;
            if (await Quotas.RunAsync(owner) is { } full)
            {
                _errors = [new("$", full.Message)];
                Snackbar.Add(full.Message, Severity.Error);
                return;
            }
            var run = await Runs.AddOwnedAsync(draft.Name, draft.ScenarioJson, ValidationCase.MetricId(draft.Metric), draft.Measured, draft.Family, draft.Notes, owner);
            Snackbar.Add($"Added \u201C{run.Name}\u201D.", Severity.Success);
            _name = _scenario = _measured = _family = _notes = _pasted = null;
            await OnAdded.InvokeAsync(run);
        }
        finally
        {
            _busy = false;
        }
    }
}
