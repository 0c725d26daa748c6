using System.Globalization;
using CapacityPlanner.Core.Budget;
using CapacityPlanner.Web.Shared;
using Microsoft.AspNetCore.Components;
using CapacityPlanner.Web.Shared.Scenario;
using CapacityPlanner.Web.Shared.Chips;

namespace CapacityPlanner.Web.Features.Planner;

/// <summary>
/// "Compare with": the Planner's fixed plan evaluated on a second chip (and optionally another GPU count) by
/// <see cref="PlanComparison"/>, in a two-column table with the better figure highlighted and the % difference. The
/// choice is the page's (<see cref="OtherChip"/>, <see cref="OtherGpus"/>: the Planner keeps it in the address and in
/// share links); a change is shown at once and reported through the Changed callbacks.
/// </summary>
public sealed partial class PlanComparisonPanel
{
    private static readonly NumericFieldSpec s_gpusField = new("$.compare.gpus", "GPUs compared", "GPUs", 1, 1 << 20, false, "compare-gpus");

    private string? _otherChip;
    private int? _otherGpus;
    private string? _chipParameter;
    private int? _gpusParameter;
    private PlanComparisonResult? _result;
    private EstimateOutcome? _compared;
    private PlanCostBasis _comparedBasis;
    private string? _comparedChip;
    private int? _comparedGpus;

    /// <summary>The Planner's form (the plan to evaluate again).</summary>
    [Parameter, EditorRequired] public PlannerInput Input { get; set; } = default!;

    /// <summary>The Planner's estimate of it.</summary>
    [Parameter, EditorRequired] public EstimateOutcome? Outcome { get; set; }

    /// <summary>Rent or own, for the cost rows.</summary>
    [Parameter] public PlanCostBasis Basis { get; set; }

    /// <summary>The chip compared with; null for none.</summary>
    [Parameter] public string? OtherChip { get; set; }

    /// <summary>Raised when the user picks another chip to compare with (null: cleared).</summary>
    [Parameter] public EventCallback<string?> OtherChipChanged { get; set; }

    /// <summary>GPUs of the compared system; null for the same count.</summary>
    [Parameter] public int? OtherGpus { get; set; }

    /// <summary>Raised when the user changes the compared GPU count (null: the same count, or a value out of range).</summary>
    [Parameter] public EventCallback<int?> OtherGpusChanged { get; set; }

    [Inject] private EstimateService Estimates { get; set; } = default!;

    [Inject] private ChipDirectory Chips { get; set; } = default!;

    private static NumericFieldSpec GpusField => s_gpusField;

    private string SameGpusText => Input.Gpus is { } g ? "same: " + g.ToString("N0", CultureInfo.InvariantCulture) : "same";

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        // The page's choice (a link, Back) when it changed; otherwise what the user picked here stays.
        if (!string.Equals(OtherChip, _chipParameter, StringComparison.Ordinal))
        {
            _chipParameter = OtherChip;
            _otherChip = ChipOrNull(OtherChip);
        }
        if (OtherGpus != _gpusParameter)
        {
            _gpusParameter = OtherGpus;
            _otherGpus = GpusOrNull(OtherGpus);
        }
        if (ReferenceEquals(_compared, Outcome) && _comparedBasis == Basis
            && string.Equals(_comparedChip, _otherChip, StringComparison.Ordinal) && _comparedGpus == _otherGpus) return;
        Refresh();
    }

    private static string? ChipOrNull(string? chip) => string.IsNullOrWhiteSpace(chip) ? null : chip;

    private static int? GpusOrNull(int? gpus) => gpus is >= 1 and <= 1 << 20 ? gpus : null;

    private async Task OnChipChanged(string? chip)
    {
        _otherChip = ChipOrNull(chip);
        Refresh();
        await OtherChipChanged.InvokeAsync(_otherChip);
    }

    private async Task OnGpusChanged(int? gpus)
    {
        _otherGpus = GpusOrNull(gpus);
        Refresh();
        await OtherGpusChanged.InvokeAsync(_otherGpus);
    }

    /// <summary>Compares now (the test hook and the handlers).</summary>
    internal void Refresh()
    {
        _compared = Outcome;
        _comparedBasis = Basis;
        _comparedChip = _otherChip;
        _comparedGpus = _otherGpus;
        _result = Outcome is null || _otherChip is null
            ? null
            : PlanComparison.Compare(Estimates, Input, Outcome, _otherChip, _otherGpus, Basis, Chips.DisplayName);
    }

    private string ChipText(string? id) => id is null ? "" : Chips.DisplayName(id);

    private static string CellClass(ComparisonRow row, ComparisonWinner side) => row.Winner == side ? "num compare-better" : "num";

    private static string DifferenceText(ComparisonRow row) => row.Difference is { } d && double.IsFinite(d)
        ? (d >= 0 ? "+" : "−") + Math.Abs(d * 100).ToString(Math.Abs(d) < 0.1 ? "F1" : "F0", CultureInfo.InvariantCulture) + " %"
        : "—";
}
