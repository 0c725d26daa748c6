using CapacityPlanner.Web.Features.Benchmarks;
using CapacityPlanner.Web.Shared.Chips;

namespace CapacityPlanner.Web.Hosting;

/// <summary>Service registration of the Benchmarks page, the measured-vs-datasheet comparison and the roofline overlay.</summary>
public static class BenchmarkPageExtensions
{
    /// <summary>
    /// Registers <see cref="BenchmarkCalibrationService"/> (uploaded results, calibration, registered profiles; needs
    /// <c>BenchmarkStore</c> and the planner's <c>ChipDirectory</c>), <see cref="MeasuredComparisonService"/> and
    /// <see cref="BenchmarkUploadService"/> (files uploaded on the page; its size limit is the API's).
    /// </summary>
    public static IServiceCollection AddBenchmarkPages(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddScoped<Security.CircuitCaller>(services);
        services.AddSingleton<BenchmarkCalibrationService>();
        services.AddSingleton<MeasuredComparisonService>();
        services.AddSingleton<BenchmarkUploadService>();
        return services;
    }
}
