using CapacityPlanner.Core.Hardware;

namespace CapacityPlanner.Core.Budget;

/// <summary>Facility power and energy of a cluster.</summary>
/// <param name="ItMegawatts">Critical IT load: GPUs × TDP × server power factor.</param>
/// <param name="FacilityMegawatts">IT load × PUE.</param>
/// <param name="EnergyMegawattHours">IT load × average load × PUE × hours.</param>
public sealed record BudgetPower(double ItMegawatts, double FacilityMegawatts, double EnergyMegawattHours);

/// <summary>
/// The cost arithmetic (hardware-facts.md §7; Epoch AI's cost model):
/// <list type="bullet">
/// <item>servers = GPUs × GPU price × server overhead (1.64); cluster = servers ÷ (1 − network share (0.19)); network = cluster − servers;</item>
/// <item>IT MW = GPUs × TDP × server power factor (1.82); facility = IT MW × build cost per MW ($11.7M); facility MW = IT MW × PUE;</item>
/// <item>energy = IT MW × average load (0.75) × PUE × hours × $/kWh;</item>
/// <item>purchase charges the whole capex to the run; depreciation charges capex × min(1, hours ÷ (years × 8,766));</item>
/// <item>rent = GPUs × hours × $/GPU-hour (power and facility included in the price).</item>
/// </list>
/// </summary>
public static class BudgetCostModel
{
    /// <summary>Hours in an average year (365.25 days).</summary>
    public const double HoursPerYear = 365.25 * 24;

    /// <summary>Power and energy of <paramref name="gpus"/> GPUs running for <paramref name="hours"/>.</summary>
    public static BudgetPower Power(BudgetAssumptions a, ChipSpec chip, double gpus, double hours)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(chip);
        var itMw = gpus * chip.TdpWatts * a.ServerPowerFactor / 1e6;
        return new BudgetPower(itMw, itMw * a.Pue, itMw * a.AverageLoad * a.Pue * hours);
    }

    /// <summary>
    /// Cost attributable to a run of <paramref name="gpus"/> GPUs over <paramref name="hours"/> of wall time
    /// (no hyperparameter share, nothing unallocated).
    /// </summary>
    public static BudgetCostBreakdown RunCost(BudgetAssumptions a, ChipSpec chip, double gpus, double hours)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(chip);
        var power = Power(a, chip, gpus, hours);
        if (a.Acquisition == GpuAcquisition.Rent)
        {
            var rental = gpus * hours * (a.RentUsdPerGpuHour ?? 0);
            return new BudgetCostBreakdown(0, 0, 0, 0, rental, rental, 0, 0, rental, 0);
        }
        var servers = gpus * (a.GpuPriceUsd ?? 0) * a.ServerOverheadFactor;
        var cluster = servers / (1 - a.NetworkShareOfClusterCost);
        var network = cluster - servers;
        var facility = power.ItMegawatts * a.FacilityUsdPerMegawatt;
        var energy = power.EnergyMegawattHours * 1000 * a.ElectricityUsdPerKWh;
        var capex = cluster + facility;
        double hardwareShare = 1, facilityShare = 1;
        if (a.CapitalCharge == CapitalCharge.Depreciation)
        {
            hardwareShare = Math.Min(1, hours / (a.DepreciationYears * HoursPerYear));
            facilityShare = Math.Min(1, hours / (a.FacilityLifeYears * HoursPerYear));
        }
        var run = servers * hardwareShare + network * hardwareShare + facility * facilityShare + energy;
        return new BudgetCostBreakdown(servers * hardwareShare, network * hardwareShare, facility * facilityShare, energy, 0, run, 0, 0, run, capex);
    }
}
