using System.Globalization;
using Microsoft.AspNetCore.Components;
using CapacityPlanner.Web.Shared.Chips;

namespace CapacityPlanner.Web.Features.Benchmarks;

/// <summary>
/// Given the current scenario document, finds a measured profile for its chip (registered on the Benchmarks page) and
/// shows step time, MFU and tokens/s predicted with the datasheet chip and with the measured one. Renders nothing when
/// there is no profile. Use: <c>&lt;MeasuredComparison ScenarioJson="@json" /&gt;</c>.
/// </summary>
public sealed partial class MeasuredComparison : IDisposable
{
    private MeasuredComparisonResult? _result;
    private string? _lastJson;

    /// <summary>The scenario document (as the Planner builds it).</summary>
    [Parameter] public string? ScenarioJson { get; set; }

    [Inject] private MeasuredComparisonService Comparisons { get; set; } = default!;

    [Inject] private ChipDirectory Chips { get; set; } = default!;

    /// <inheritdoc />
    protected override void OnInitialized() => Chips.Changed += OnChipsChanged;

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        if (ScenarioJson == _lastJson && _result is not null) return;
        Refresh();
    }

    private void Refresh()
    {
        _lastJson = ScenarioJson;
        _result = Comparisons.Compare(ScenarioJson);
    }

    private void OnChipsChanged() => _ = InvokeAsync(() =>
    {
        Refresh();
        StateHasChanged();
    });

    /// <inheritdoc />
    public void Dispose() => Chips.Changed -= OnChipsChanged;

    private static string Seconds(double? s) => s is { } v ? v.ToString(v < 10 ? "0.000" : "0.0", CultureInfo.InvariantCulture) + " s" : "–";

    private static string Pct(double? f) => f is { } v ? v.ToString("P1", CultureInfo.InvariantCulture) : "–";

    private static string Num(double? x) => x is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : "–";
}
