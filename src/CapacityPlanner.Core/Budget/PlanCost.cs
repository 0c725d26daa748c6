using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.ScalingLaws;

namespace CapacityPlanner.Core.Budget;

/// <summary>How a plan's GPUs are paid for.</summary>
public enum PlanCostBasis
{
    /// <summary>Rented by the GPU-hour (power and facility included in the price).</summary>
    Rent,

    /// <summary>Owned: servers, network and facility depreciated over their life, plus electricity.</summary>
    Own,
}

/// <summary>The price per GPU-hour or per GPU that a plan's cost rests on, with where it came from.</summary>
/// <param name="Name">"rentUsdPerGpuHour" or "gpuPriceUsd".</param>
/// <param name="Usd">The price in US dollars.</param>
/// <param name="SourceKey">Catalog source key (e.g. EPOCH_PRICES), or "scenario".</param>
/// <param name="Reference">What the source is (the catalog's sources table), or the assumption's source text.</param>
/// <param name="Note">The catalog's note on the figure; empty when none.</param>
public sealed record PlanPrice(string Name, double Usd, string SourceKey, string Reference, string Note);

/// <summary>What one plan costs, from the Budget page's cost model (<see cref="BudgetCostModel.RunCost"/>).</summary>
/// <param name="Basis">Rent or own.</param>
/// <param name="Price">The price it rests on, with its source.</param>
/// <param name="UsdPerStep">One optimizer step on the whole cluster (no failures or restarts).</param>
/// <param name="UsdPerMillionTokens">Per million training tokens (a step's cost ÷ its tokens).</param>
/// <param name="UsdPerGpuHour">Effective cost of one GPU-hour under this basis (rent price, or depreciation + energy).</param>
/// <param name="RunUsd">The whole run (the token budget), wall time = time to train ÷ goodput; null without a token budget.</param>
/// <param name="RunWallHours">That wall time in hours; null without a token budget.</param>
/// <param name="Goodput">Share of wall time that trains (failures, restarts, checkpoints take the rest).</param>
/// <param name="Assumptions">Every assumption the cost used, with its value and source.</param>
public sealed record PlanCost(
    PlanCostBasis Basis,
    PlanPrice Price,
    double UsdPerStep,
    double UsdPerMillionTokens,
    double UsdPerGpuHour,
    double? RunUsd,
    double? RunWallHours,
    double Goodput,
    IReadOnlyList<BudgetAssumptionUsed> Assumptions);

/// <summary>
/// Prices an estimated plan with the budget cost model (<see cref="BudgetAssumptions.Resolve"/> for the chip's catalog
/// prices and the sourced defaults, <see cref="BudgetCostModel.RunCost"/> for the arithmetic): renting charges GPU-hours at
/// the rental price; owning depreciates servers, network and facility (<see cref="CapitalCharge.Depreciation"/>) and adds
/// electricity. A step costs its wall time; a million tokens costs the steps that train them; the whole run costs the
/// time to train ÷ goodput.
/// </summary>
public static class PlanCostModel
{
    /// <summary>The cost of <paramref name="estimate"/> of <paramref name="scenario"/>, or why it cannot be priced.</summary>
    public static (PlanCost? Cost, IReadOnlyList<ScenarioError> Errors) Price(
        ResolvedScenario scenario, Estimate estimate, PlanCostBasis basis, BudgetDefaults? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(estimate);
        if (estimate.StepTimeSeconds is not { } step || step <= 0)
        {
            return (null, [new ScenarioError("$", "No step time to price: the plan has no estimate.")]);
        }
        var section = new BudgetSection
        {
            Acquisition = basis == PlanCostBasis.Rent ? "rent" : "buy",
            CapitalCost = basis == PlanCostBasis.Own ? "depreciation" : null,
        };
        var (a, errors) = BudgetAssumptions.Resolve(section, scenario, defaults ?? BudgetDefaults.Standard, ScalingLawCatalog.Default);
        if (a is null) return (null, errors);
        var chip = scenario.System.Chip;
        double gpus = scenario.System.Gpus;
        var stepCost = BudgetCostModel.RunCost(a, chip, gpus, step / 3600).RunCostUsd;
        var tokensPerStep = (double)scenario.Training.GlobalBatchSequences * scenario.Model.SequenceLength;
        var perGpuHour = BudgetCostModel.RunCost(a, chip, 1, 1).RunCostUsd;
        double? runUsd = null, runHours = null;
        if (estimate.TimeToTrainDays is { } days && days > 0)
        {
            runHours = days * 24 / a.Goodput;
            runUsd = BudgetCostModel.RunCost(a, chip, gpus, runHours.Value).RunCostUsd;
        }
        var price = PriceOf(chip, a, basis);
        return (new PlanCost(basis, price, stepCost, stepCost / tokensPerStep * 1e6, perGpuHour, runUsd, runHours, a.Goodput, a.Used), []);
    }

    private static PlanPrice PriceOf(ChipSpec chip, BudgetAssumptions a, PlanCostBasis basis)
    {
        var name = basis == PlanCostBasis.Rent ? "rentUsdPerGpuHour" : "gpuPriceUsd";
        var usd = (basis == PlanCostBasis.Rent ? a.RentUsdPerGpuHour : a.GpuPriceUsd) ?? 0;
        var path = basis == PlanCostBasis.Rent ? "price.rentUsdPerGpuHour" : "price.purchaseUsd";
        if (chip.Figures is { } figures && figures.TryGetValue(path, out var figure) && figure.Value == usd)
        {
            var reference = HardwareCatalog.Default.Sources.TryGetValue(figure.Source, out var source) ? source.Reference : figure.Source;
            return new PlanPrice(name, usd, figure.Source, reference, figure.Note ?? "");
        }
        var used = a.Used.LastOrDefault(u => u.Name == name);
        return new PlanPrice(name, usd, used?.Source ?? "assumed", used?.Source ?? "assumed", used?.Note ?? "");
    }
}
