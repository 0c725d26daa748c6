using CapacityPlanner.Web.Security;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Hosting;

/// <summary>Registration of the storage quotas.</summary>
public static class QuotaExtensions
{
    /// <summary>Registers <see cref="QuotaOptions"/> (section <c>Quotas</c>, validated at start-up) and <see cref="StorageQuotas"/>.</summary>
    public static IServiceCollection AddCapacityPlannerQuotas(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<QuotaOptions>().BindConfiguration(QuotaOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<QuotaOptions>, QuotaOptionsValidator>();
        services.AddSingleton<StorageQuotas>();
        return services;
    }
}
