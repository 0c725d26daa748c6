using System.Globalization;
using CapacityPlanner.Core.Validation;
using Microsoft.AspNetCore.Components;

namespace CapacityPlanner.Web.Features.Validation;

/// <summary>
/// "Fit the model to your runs": <see cref="ModelCalibration.FitToRuns"/> (the one fit, which the API's
/// <c>POST /api/runs/calibration</c> also runs) on the page's measured runs, off the circuit's thread.
/// </summary>
public sealed partial class CalibrationPanel
{
    private UserCalibration? _result;
    private bool _busy;

    /// <summary>The caller's measured runs as cases.</summary>
    [Parameter] public IReadOnlyList<ValidationCase> Cases { get; set; } = [];

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        // A fit of other runs would mislead once the list changes (a run added, deleted or replaced).
        if (_result is not null && !_result.BeforeRuns.Select(r => r.Case.Id).SequenceEqual(Cases.Select(c => c.Id), StringComparer.Ordinal)) _result = null;
    }

    internal async Task FitAsync()
    {
        if (Cases.Count == 0) return;
        _busy = true;
        try
        {
            var cases = Cases;
            _result = await Task.Run(() => ModelCalibration.FitToRuns(cases));
        }
        finally
        {
            _busy = false;
        }
    }

    private static string Number(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
