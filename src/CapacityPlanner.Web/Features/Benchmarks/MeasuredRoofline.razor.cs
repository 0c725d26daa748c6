using CapacityPlanner.Web.Shared.Charts;
using Microsoft.AspNetCore.Components;

namespace CapacityPlanner.Web.Features.Benchmarks;

/// <summary>
/// The roofline of a chip's newest measured profile with the measured GEMMs (achieved TFLOP/s at their intensities)
/// and the measured HBM roof. <c>ChipId</c> is a catalog chip or a registered profile's custom chip id.
/// </summary>
public sealed partial class MeasuredRoofline
{
    private ChartFigure? _figure;

    /// <summary>Catalog chip or registered profile id.</summary>
    [Parameter] public string? ChipId { get; set; }

    /// <summary>Dark theme.</summary>
    [Parameter] public bool Dark { get; set; }

    [Inject] private BenchmarkCalibrationService Calibrations { get; set; } = default!;

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        var profile = Calibrations.FindProfile(ChipId);
        _figure = profile is null ? null : MeasuredRooflineChart.Figure(profile, ChartTheme.For(Dark));
    }
}
