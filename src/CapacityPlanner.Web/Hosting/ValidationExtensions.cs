using CapacityPlanner.Web.Features.Validation;

namespace CapacityPlanner.Web.Hosting;

/// <summary>Service registration of the Validation page and <c>/api/runs</c>.</summary>
public static class ValidationExtensions
{
    /// <summary>
    /// Registers <see cref="ValidationService"/> (the shipped validation set through the model, computed once; users'
    /// measured runs). The measured runs themselves live in <c>MeasuredRunStore</c>, registered by <c>AddCapacityPlannerPersistence</c>.
    /// </summary>
    public static IServiceCollection AddValidationPage(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddScoped<Security.CircuitCaller>(services);
        services.AddSingleton<ValidationService>();
        return services;
    }
}
