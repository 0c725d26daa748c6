using System.Globalization;
using CapacityPlanner.Core.Budget;

namespace CapacityPlanner.Web.Features.Budget;

/// <summary>A numeric input of a Budget column: label with unit, the bounds the parser enforces, and the JSON path its messages carry.</summary>
/// <param name="Path">JSON path of the parser's messages (<c>$.budget.goodput</c>).</param>
/// <param name="Label">Label with the unit.</param>
/// <param name="TestId">Test id prefix (the column index is appended).</param>
/// <param name="Help">Bounds and default, as helper text.</param>
/// <param name="Required">True when the field may not be empty.</param>
/// <param name="DefaultName">Name of the default in <c>budget-defaults.json</c> shown as placeholder; null for none.</param>
/// <param name="Get">Reads the field.</param>
/// <param name="Set">Writes the field.</param>
public sealed record BudgetFieldSpec(string Path, string Label, string TestId, string Help, bool Required, string? DefaultName,
    Func<BudgetScenario, double?> Get, Action<BudgetScenario, double?> Set);

/// <summary>The Budget page's numeric fields (bounds as in <c>ScenarioParser.ParseBudget</c>).</summary>
public static class BudgetFields
{
    private static string D(string name) =>
        BudgetDefaults.Standard.Figures.TryGetValue(name, out var f) ? f.Value.ToString("G6", CultureInfo.InvariantCulture) : "";

    /// <summary>Budget.</summary>
    public static BudgetFieldSpec BudgetUsd { get; } = new("$.budget.budgetUsd", "Budget (USD)", "budget-usd",
        "Above $0, at most $1e15.", true, null, s => s.BudgetUsd, (s, v) => s.BudgetUsd = v);

    /// <summary>Duration.</summary>
    public static BudgetFieldSpec DurationDays { get; } = new("$.budget.durationDays", "Duration (days)", "duration",
        $"Wall-clock days, above 0, at most 36,500. Empty: {D("durationDays")}.", false, "durationDays", s => s.DurationDays, (s, v) => s.DurationDays = v);

    /// <summary>GPU purchase price (buy).</summary>
    public static BudgetFieldSpec GpuPrice { get; } = new("$.budget.gpuPriceUsd", "GPU price (USD per GPU)", "price",
        "Above $0. Empty: the chip's catalog price.", false, null, s => s.GpuPriceUsd, (s, v) => s.GpuPriceUsd = v);

    /// <summary>Rental price (rent).</summary>
    public static BudgetFieldSpec RentPrice { get; } = new("$.budget.rentUsdPerGpuHour", "Rent (USD per GPU-hour)", "price",
        "Above $0, at most $10,000. Empty: the chip's catalog price.", false, null, s => s.RentUsdPerGpuHour, (s, v) => s.RentUsdPerGpuHour = v);

    /// <summary>PUE.</summary>
    public static BudgetFieldSpec Pue { get; } = new("$.budget.pue", "PUE (facility ÷ IT power)", "pue",
        $"At least 1, at most 10. Empty: {D("pue")}.", false, "pue", s => s.Pue, (s, v) => s.Pue = v);

    /// <summary>Electricity price.</summary>
    public static BudgetFieldSpec Electricity { get; } = new("$.budget.electricityUsdPerKWh", "Electricity (USD per kWh)", "electricity",
        $"Above $0, at most $100. Empty: {D("electricityUsdPerKWh")}.", false, "electricityUsdPerKWh", s => s.ElectricityUsdPerKWh, (s, v) => s.ElectricityUsdPerKWh = v);

    /// <summary>Goodput.</summary>
    public static BudgetFieldSpec Goodput { get; } = new("$.budget.goodput", "Goodput (fraction of wall time)", "goodput",
        "Above 0, at most 1. Empty: the reliability model's effective training time for the cluster (Data/reliability.json).", false, null, s => s.Goodput, (s, v) => s.Goodput = v);

    /// <summary>What fits in X MW (per site).</summary>
    public static BudgetFieldSpec PowerCapMw { get; } = new("$.sites.powerCapMw", "Power cap (MW per site)", "power-cap-mw",
        "Facility MW (GPU TDP × server power × PUE); the cluster is sized to what fits. Empty: no cap.", false, null, s => s.PowerCapMw, (s, v) => s.PowerCapMw = v);

    /// <summary>Largest site.</summary>
    public static BudgetFieldSpec MaxSiteMw { get; } = new("$.sites.maxSiteMw", "Largest site (MW)", "max-site-mw",
        "Facility MW of one site; the result says how many sites the cluster needs. Empty: one site of any size.", false, null, s => s.MaxSiteMw, (s, v) => s.MaxSiteMw = v);

    /// <summary>MFU override.</summary>
    public static BudgetFieldSpec Mfu { get; } = new("$.budget.mfu", "MFU override (fraction of peak)", "mfu",
        "Above 0, at most 1. Empty: the best plan's MFU from the search.", false, null, s => s.Mfu, (s, v) => s.Mfu = v);

    /// <summary>Hyperparameter-search share.</summary>
    public static BudgetFieldSpec HyperparameterShare { get; } = new("$.budget.hyperparameterSearchShare", "Hyperparameter search (share of budget)", "hp-share",
        $"0 to 0.99. Empty: {D("hyperparameterSearchShare")}.", false, "hyperparameterSearchShare", s => s.HyperparameterSearchShare, (s, v) => s.HyperparameterSearchShare = v);

    /// <summary>Every numeric field.</summary>
    /// <summary>Server cost ÷ GPU price (buying).</summary>
    public static BudgetFieldSpec ServerOverhead { get; } = new("$.budget.serverOverheadFactor", "Server overhead (server ÷ GPU price)", "server-overhead",
        $"At least 1. Empty: {D("serverOverheadFactor")}, or 1 where the catalog price already includes the system (B200, GB200).", false, "serverOverheadFactor",
        s => s.ServerOverheadFactor, (s, v) => s.ServerOverheadFactor = v);

    /// <summary>Interconnect share of the cluster cost (buying).</summary>
    public static BudgetFieldSpec NetworkShare { get; } = new("$.budget.networkShareOfClusterCost", "Network share of cluster cost", "network-share",
        $"0 to 0.95. Empty: {D("networkShareOfClusterCost")}.", false, "networkShareOfClusterCost", s => s.NetworkShareOfClusterCost, (s, v) => s.NetworkShareOfClusterCost = v);

    /// <summary>Facility build cost per MW (buying).</summary>
    public static BudgetFieldSpec FacilityPerMegawatt { get; } = new("$.budget.facilityUsdPerMegawatt", "Facility (USD per MW of IT load)", "facility-per-mw",
        $"Above $0. Empty: {D("facilityUsdPerMegawatt")}.", false, "facilityUsdPerMegawatt", s => s.FacilityUsdPerMegawatt, (s, v) => s.FacilityUsdPerMegawatt = v);

    /// <summary>Hardware depreciation years (buying, depreciation).</summary>
    public static BudgetFieldSpec DepreciationYears { get; } = new("$.budget.depreciationYears", "Hardware life (years)", "depreciation-years",
        $"Above 0. Empty: {D("depreciationYears")}.", false, "depreciationYears", s => s.DepreciationYears, (s, v) => s.DepreciationYears = v);

    /// <summary>Facility depreciation years (buying, depreciation).</summary>
    public static BudgetFieldSpec FacilityLifeYears { get; } = new("$.budget.facilityLifeYears", "Facility life (years)", "facility-life",
        $"Above 0. Empty: {D("facilityLifeYears")}.", false, "facilityLifeYears", s => s.FacilityLifeYears, (s, v) => s.FacilityLifeYears = v);

    /// <summary>Server power ÷ GPU TDP.</summary>
    public static BudgetFieldSpec ServerPower { get; } = new("$.budget.serverPowerFactor", "Server power (× GPU TDP)", "server-power",
        $"1 to 10. Empty: {D("serverPowerFactor")}.", false, "serverPowerFactor", s => s.ServerPowerFactor, (s, v) => s.ServerPowerFactor = v);

    /// <summary>Average draw ÷ server power.</summary>
    public static BudgetFieldSpec AverageLoad { get; } = new("$.budget.averageLoad", "Average load (share of server power)", "average-load",
        $"Above 0, at most 1. Empty: {D("averageLoad")}.", false, "averageLoad", s => s.AverageLoad, (s, v) => s.AverageLoad = v);

    /// <summary>The assumptions that drive cost, in display order (the price fields are shown with the payment choice).</summary>
    public static IReadOnlyList<BudgetFieldSpec> Drivers { get; } = [ServerOverhead, NetworkShare, FacilityPerMegawatt, DepreciationYears, FacilityLifeYears, ServerPower, AverageLoad];

    /// <summary>Drivers that only apply when buying.</summary>
    public static bool BuyOnly(BudgetFieldSpec field) =>
        ReferenceEquals(field, ServerOverhead) || ReferenceEquals(field, NetworkShare) || ReferenceEquals(field, FacilityPerMegawatt)
        || ReferenceEquals(field, DepreciationYears) || ReferenceEquals(field, FacilityLifeYears);

    /// <summary>The label a person sees for an error's JSON path: the budget field's own, else the Planner's wording of it.</summary>
    public static string LabelFor(string? path) =>
        All.FirstOrDefault(f => string.Equals(f.Path, path, StringComparison.Ordinal)) is { } field
            ? field.Label
            : Shared.Scenario.PlannerFields.FieldLabel(path);

    /// <summary>Every field.</summary>
    public static IReadOnlyList<BudgetFieldSpec> All { get; } =
        [BudgetUsd, DurationDays, GpuPrice, RentPrice, Pue, Electricity, Goodput, PowerCapMw, MaxSiteMw, Mfu, HyperparameterShare, .. Drivers];
}
