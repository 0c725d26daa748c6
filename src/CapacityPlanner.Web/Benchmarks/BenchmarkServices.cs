using System.Runtime.CompilerServices;
using CapacityPlanner.Web.Hardware;
using CapacityPlanner.Web.Persistence;

namespace CapacityPlanner.Web.Benchmarks;

/// <summary>
/// Resolves the benchmark services: the registered singletons (<c>AddBenchmarkPages()</c>), or, where the host has
/// not registered them, one shared instance per <see cref="BenchmarkStore"/> so that the pages still work together.
/// </summary>
public static class BenchmarkServices
{
    private static readonly ConditionalWeakTable<BenchmarkStore, BenchmarkCalibrationService> s_fallback = [];

    /// <summary>The calibration service.</summary>
    public static BenchmarkCalibrationService Calibrations(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetService<BenchmarkCalibrationService>() is { } registered) return registered;
        var store = services.GetRequiredService<BenchmarkStore>();
        return s_fallback.GetValue(store, s => new BenchmarkCalibrationService(
            s, services.GetRequiredService<ChipDirectory>(), services.GetService<TimeProvider>(), services.GetService<ILogger<BenchmarkCalibrationService>>()));
    }

    /// <summary>The calibration service, or null in a host without persistence (widgets then show nothing).</summary>
    public static BenchmarkCalibrationService? TryCalibrations(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetService<BenchmarkCalibrationService>() is { } registered) return registered;
        return services.GetService<BenchmarkStore>() is null ? null : Calibrations(services);
    }

    /// <summary>The comparison service, or null in a host without persistence.</summary>
    public static MeasuredComparisonService? TryComparisons(IServiceProvider services) =>
        services.GetService<MeasuredComparisonService>() ?? (TryCalibrations(services) is { } c ? new MeasuredComparisonService(c) : null);

    /// <summary>The comparison service.</summary>
    public static MeasuredComparisonService Comparisons(IServiceProvider services) =>
        services.GetService<MeasuredComparisonService>() ?? new MeasuredComparisonService(Calibrations(services));
}
