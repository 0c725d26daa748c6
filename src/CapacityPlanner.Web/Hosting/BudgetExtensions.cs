using CapacityPlanner.Web.Features.Budget;

namespace CapacityPlanner.Web.Hosting;

/// <summary>Service registration of the Budget page.</summary>
public static class BudgetExtensions
{
    /// <summary>Registers <see cref="BudgetService"/> (the budget planner off the UI thread, with a result cache).</summary>
    public static IServiceCollection AddBudgetPage(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddScoped<Security.CircuitCaller>(services);
        services.AddSingleton<BudgetService>();
        return services;
    }
}
