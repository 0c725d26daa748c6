using System.Globalization;
using CapacityPlanner.Measurements;
using CapacityPlanner.Measurements.Calibration;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Web.Features.Hardware;
using CapacityPlanner.Web.Shared.Charts;
using Microsoft.AspNetCore.Components;
using CapacityPlanner.Web.Shared.Chips;

namespace CapacityPlanner.Web.Features.Benchmarks;

/// <summary>Uploaded benchmark results, their measurements, and calibration of a catalog chip from one of them.</summary>
public sealed partial class Benchmarks
{
    private IReadOnlyList<BenchmarkRow>? _rows;
    private BenchmarkRow? _selected;
    private BenchResult? _document;
    private string? _baseChipId;
    private ChartFigure? _collectivesFigure;

    /// <summary>Dark mode of the layout, for the chart theme.</summary>
    [CascadingParameter(Name = "IsDarkMode")] public bool IsDarkMode { get; set; }

    private ChartFigure? CollectivesFigure => _collectivesFigure;

    private string BaseChipName => _baseChipId is not null && HardwareCatalog.Default.TryGet(_baseChipId, out var c) ? c.Name : "the catalog chip";
    private Precision _precision = Precision.Bf16;
    private bool _includeCpu;
    private CalibrationResult? _calibration;
    private CalibrationRequest? _request;
    private string? _error;
    private string? _registered;
    private readonly HashSet<string> _uploaded = new(StringComparer.Ordinal);

    [Inject] private BenchmarkCalibrationService Calibrations { get; set; } = default!;

    [Inject] private ChipDirectory Chips { get; set; } = default!;

    [Inject] private Security.CircuitCaller CircuitCaller { get; set; } = default!;

    [Inject] private Security.StorageQuotas Quotas { get; set; } = default!;

    /// <inheritdoc />
    protected override async Task OnInitializedAsync()
    {
        _rows = await Calibrations.ListAsync();
        if (_rows.Count > 0) await SelectAsync(_rows[0]);
    }

    /// <summary>After an upload: reload the list, mark the new rows and open the newest one stored.</summary>
    private async Task OnUploadedAsync(IReadOnlyList<string> ids)
    {
        if (ids.Count == 0) return;
        _uploaded.Clear();
        _uploaded.UnionWith(ids);
        _rows = await Calibrations.ListAsync();
        await SelectByIdAsync(ids[^1]);
    }

    private async Task SelectByIdAsync(string id)
    {
        if (_rows?.FirstOrDefault(r => r.Id == id) is { } row) await SelectAsync(row);
    }

    private string RowClass(BenchmarkRow row) =>
        string.Join(' ', new[] { row.Id == _selected?.Id ? "selected" : null, _uploaded.Contains(row.Id) ? "uploaded" : null }.Where(c => c is not null));

    private async Task SelectAsync(BenchmarkRow row)
    {
        _selected = row;
        _calibration = null;
        _registered = null;
        _error = null;
        _document = await Calibrations.LoadAsync(row.Id);
        if (_document is null)
        {
            _error = "The stored document could not be read.";
            return;
        }
        _baseChipId = BenchmarkCalibrationService.SuggestChip(_document) ?? "h100-sxm";
        _collectivesFigure = _document.Collectives.Count == 0
            ? null
            : CollectiveCharts.BusBandwidth(_document.Collectives, HardwareCatalog.Default.TryGet(_baseChipId, out var chip) ? chip : null, ChartTheme.For(IsDarkMode));
        _precision = BenchmarkCalibrationService.SuggestPrecision(_document);
        _includeCpu = string.Equals(_document.Backend, "cpu", StringComparison.OrdinalIgnoreCase);
    }

    private void Calibrate()
    {
        _error = null;
        _registered = null;
        if (_selected is null || _document is null || string.IsNullOrEmpty(_baseChipId)) return;
        try
        {
            _request = new CalibrationRequest(_baseChipId, _precision, _includeCpu);
            _calibration = Calibrations.Calibrate(_selected.Id, _document, _request);
        }
        catch (ArgumentException ex)
        {
            _calibration = null;
            _error = ex.Message;
        }
    }

    private async Task UseProfile()
    {
        if (_selected is null || _calibration is null || _request is null) return;
        // The request the shown calibration was made with (the form may have changed since), so that it can be rebuilt.
        // The measured chip is the caller's: re-registering one that someone else registered is refused, and so is
        // registering one from a result someone else uploaded with an owner.
        var caller = CircuitCaller.Current;
        if (await Calibrations.RegistrationRefusalAsync(_selected.Id, caller) is { } refusal)
        {
            _error = refusal;
            return;
        }
        var existing = Chips.CustomDefinition(_calibration.Chip.Id);
        if (existing is not null && !caller.CanChange(existing.OwnerHash))
        {
            _error = $"The measured chip {_calibration.Chip.Id} was registered by someone else; only its owner (or an administrator) may register it again.";
            return;
        }
        if (existing is null && Quotas.Chip(caller.OwnerKey) is { } full)
        {
            _error = "The profile could not be registered: " + full.Message;
            return;
        }
        var check = Calibrations.Register(_selected.Id, _calibration, _request, caller.OwnerKey);
        if (check.IsValid)
        {
            _registered = _calibration.Chip.Id;
            _error = null;
        }
        else
        {
            _error = "The profile could not be registered: " + string.Join(" ", check.Errors.Select(e => $"{e.Path}: {e.Message}"));
        }
    }

    private static string DatasheetCurve(CalibrationResult calibration, double flops) =>
        calibration.BaseChip.Efficiency.GemmCurve is { } curve
            ? curve.At(flops).ToString("P1", CultureInfo.InvariantCulture)
            : (Core.Estimation.ModelDefaults.Standard.GemmSizeCurve.At(flops) * calibration.BaseChip.Efficiency.GemmMaxFraction).ToString("P1", CultureInfo.InvariantCulture);

    private static string Num(double? value, string format) =>
        value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
}
