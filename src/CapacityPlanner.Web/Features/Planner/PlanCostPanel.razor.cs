using CapacityPlanner.Core.Budget;
using CapacityPlanner.Web.Features.Budget;
using CapacityPlanner.Web.Shared;
using Microsoft.AspNetCore.Components;

namespace CapacityPlanner.Web.Features.Planner;

/// <summary>
/// The Planner's cost of the estimated plan (<see cref="PlanCostModel"/>): $ per step, per million tokens, for the whole
/// run and per GPU-hour, renting or owning, with the price and its catalog source.
/// </summary>
public sealed partial class PlanCostPanel
{
    private PlanCost? _cost;
    private string? _problem;
    private EstimateOutcome? _priced;
    private PlanCostBasis _pricedBasis;

    /// <summary>The estimate to price.</summary>
    [Parameter, EditorRequired] public EstimateOutcome? Outcome { get; set; }

    /// <summary>Rent or own.</summary>
    [Parameter] public PlanCostBasis Basis { get; set; }

    /// <summary>Raised when the user picks rent or own.</summary>
    [Parameter] public EventCallback<PlanCostBasis> BasisChanged { get; set; }

    private long Gpus => Outcome?.Scenario?.System.Gpus ?? 0;

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        if (ReferenceEquals(_priced, Outcome) && _pricedBasis == Basis) return;
        _priced = Outcome;
        _pricedBasis = Basis;
        (_cost, _problem) = PlanCosts.Of(Outcome, Basis);
    }

    private static string Money(double usd) => BudgetFormat.UsdFine(usd);

    private static string PriceText(PlanCost c) => c.Basis == PlanCostBasis.Rent
        ? $"Rent at {Money(c.Price.Usd)} per GPU-hour (power and facility included)."
        : $"Buy at {Money(c.Price.Usd)} per GPU, depreciated over the hardware's life.";

    private static string OwnAssumptions(PlanCost c)
    {
        string Value(string name) => c.Assumptions.LastOrDefault(a => a.Name == name) is { } a ? $"{a.Value} ({a.Source})" : "—";
        return $"server overhead ×{Value("serverOverheadFactor")}, network share {Value("networkShareOfClusterCost")}, " +
            $"facility $/MW {Value("facilityUsdPerMegawatt")}, depreciation years {Value("depreciationYears")}, " +
            $"server power factor {Value("serverPowerFactor")}, average load {Value("averageLoad")}, PUE {Value("pue")}, " +
            $"electricity $/kWh {Value("electricityUsdPerKWh")}. The Budget page lets you edit every one.";
    }
}
