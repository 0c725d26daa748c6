using CapacityPlanner.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Hosting;

/// <summary>Registration of the database (SQLite by default, PostgreSQL when configured) and what lives in it.</summary>
public static class PersistenceExtensions
{
    /// <summary>Data-protection application name shared by every instance (keys are only shared within one name).</summary>
    public const string DataProtectionApplicationName = "CapacityPlanner";

    /// <summary>
    /// Registers <see cref="DatabaseOptions"/> (section <c>Database</c>, validated at start-up), the context factory for
    /// the configured provider, the migration at start-up, <see cref="ScenarioStore"/>, <see cref="BenchmarkStore"/>, <see cref="MeasuredRunStore"/>,
    /// the custom-chip store (<see cref="DatabaseCustomChipStore"/> as <see cref="ICustomChipStore"/>),
    /// and data protection with its keys in the database, so that any instance can serve any circuit's cookies.
    /// </summary>
    public static WebApplicationBuilder AddCapacityPlannerPersistence(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.SectionName)
            .PostConfigure<IConfiguration>((o, configuration) =>
            {
                if (string.IsNullOrWhiteSpace(o.ConnectionString))
                {
                    o.ConnectionString = configuration.GetConnectionString(DatabaseOptions.ConnectionStringName);
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();

        services.AddSingleton<CapacityPlannerDbContextFactory>();
        services.AddSingleton<IDbContextFactory<CapacityPlannerDbContext>>(sp => sp.GetRequiredService<CapacityPlannerDbContextFactory>());
        // For data protection's key repository, which resolves the context from a scope.
        services.AddScoped(sp => sp.GetRequiredService<CapacityPlannerDbContextFactory>().CreateDbContext());
        services.AddHostedService<DatabaseMigrator>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ScenarioStore>();
        services.AddSingleton<BenchmarkStore>();
        services.AddSingleton<MeasuredRunStore>();
        // Custom chips live in the database: this store replaces the in-memory default of AddPlannerServices (whichever
        // was called first), but not a store the host registered itself.
        services.AddSingleton<DatabaseCustomChipStore>();
        var chipStore = services.LastOrDefault(d => d.ServiceType == typeof(ICustomChipStore));
        if (chipStore is null || chipStore.ImplementationType == typeof(InMemoryCustomChipStore))
        {
            services.Replace(ServiceDescriptor.Singleton<ICustomChipStore>(sp => sp.GetRequiredService<DatabaseCustomChipStore>()));
        }

        services.AddDataProtection()
            .SetApplicationName(DataProtectionApplicationName)
            .PersistKeysToDbContext<CapacityPlannerDbContext>();
        return builder;
    }
}
