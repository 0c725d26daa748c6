using CapacityPlanner.Core.Budget;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Core.Sites;

/// <summary>
/// Facility power of accelerators and what fits under a cap (docs/reliability.md §Power-capped sites): facility watts
/// per GPU = TDP × server power factor × PUE, the same figures the budget's facility megawatts use
/// (<c>Data/budget-defaults.json</c>: serverPowerFactor, pue).
/// </summary>
public static class SitePower
{
    /// <summary>Facility watts per GPU for a chip with the budget section's (or the default) server power factor and PUE.</summary>
    public static double FacilityWattsPerGpu(ChipSpec chip, BudgetSection? budget, BudgetDefaults? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(chip);
        defaults ??= BudgetDefaults.Standard;
        var serverFactor = budget?.ServerPowerFactor ?? defaults.Value("serverPowerFactor");
        var pue = budget?.Pue ?? defaults.Value("pue");
        return chip.TdpWatts * serverFactor * pue;
    }

    /// <summary>GPUs (whole nodes) that fit in <paramref name="megawatts"/> of facility power.</summary>
    public static long GpusThatFit(double megawatts, double wattsPerGpu, int gpusPerNode)
    {
        if (megawatts <= 0 || wattsPerGpu <= 0) return 0;
        var gpus = (long)Math.Floor(megawatts * 1e6 / wattsPerGpu);
        var node = Math.Max(1, gpusPerNode);
        return gpus / node * node;
    }

    /// <summary>Sites of at most <paramref name="maxSiteMw"/> needed for <paramref name="gpus"/> GPUs, whole nodes per site.</summary>
    public static int SitesNeeded(long gpus, double maxSiteMw, double wattsPerGpu, int gpusPerNode)
    {
        var perSite = GpusThatFit(maxSiteMw, wattsPerGpu, gpusPerNode);
        if (perSite <= 0) return int.MaxValue;
        return (int)Math.Max(1, (gpus + perSite - 1) / perSite);
    }
}
