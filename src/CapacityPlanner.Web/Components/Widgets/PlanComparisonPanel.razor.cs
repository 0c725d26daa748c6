using System.Globalization;
using CapacityPlanner.Core.Budget;
using CapacityPlanner.Web.Estimates;
using CapacityPlanner.Web.Hardware;
using Microsoft.AspNetCore.Components;

namespace CapacityPlanner.Web.Components.Widgets;

/// <summary>
/// "Compare with": the Planner's fixed plan evaluated on a second chip (and optionally another GPU count) by
/// <see cref="PlanComparison"/>, in a two-column table with the better figure highlighted and the % difference.
/// </summary>
public sealed partial class PlanComparisonPanel
{
    private static readonly NumericFieldSpec s_gpusField = new("$.compare.gpus", "GPUs compared", "GPUs", 1, 1 << 20, false, "compare-gpus");

    private string? _otherChip;
    private int? _otherGpus;
    private PlanComparisonResult? _result;
    private EstimateOutcome? _compared;
    private PlanCostBasis _comparedBasis;

    /// <summary>The Planner's form (the plan to evaluate again).</summary>
    [Parameter, EditorRequired] public PlannerInput Input { get; set; } = default!;

    /// <summary>The Planner's estimate of it.</summary>
    [Parameter, EditorRequired] public EstimateOutcome? Outcome { get; set; }

    /// <summary>Rent or own, for the cost rows.</summary>
    [Parameter] public PlanCostBasis Basis { get; set; }

    [Inject] private EstimateService Estimates { get; set; } = default!;

    [Inject] private ChipDirectory Chips { get; set; } = default!;

    private static NumericFieldSpec GpusField => s_gpusField;

    private string SameGpusText => Input.Gpus is { } g ? "same: " + g.ToString("N0", CultureInfo.InvariantCulture) : "same";

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        if (ReferenceEquals(_compared, Outcome) && _comparedBasis == Basis) return;
        Refresh();
    }

    private void OnChipChanged(string? chip)
    {
        _otherChip = string.IsNullOrWhiteSpace(chip) ? null : chip;
        Refresh();
    }

    private void OnGpusChanged(int? gpus)
    {
        _otherGpus = gpus is >= 1 and <= 1 << 20 ? gpus : null;
        Refresh();
    }

    /// <summary>Compares now (the test hook and the handlers).</summary>
    internal void Refresh()
    {
        _compared = Outcome;
        _comparedBasis = Basis;
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
