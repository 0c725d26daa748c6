using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Features.Planner;
using CapacityPlanner.Web.Features.Scaling;
using CapacityPlanner.Web.Options;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using CapacityPlanner.Web.Shared.Scenario;
using CapacityPlanner.Web.Shared.Chips;

namespace CapacityPlanner.Web.Hosting;

/// <summary>Service registration of the web app.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>Registers Blazor (interactive server), MudBlazor, health checks and the planner services.</summary>
    public static WebApplicationBuilder AddCapacityPlanner(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddRazorComponents()
            .AddInteractiveServerComponents()
            // An input's value arrives in one message; past the default 32 KB a paste would close the circuit.
            .AddHubOptions(o => o.MaximumReceiveMessageSize = PastedText.HubMessageBytes);
        builder.Services.AddMudServices();
        builder.Services.AddHealthChecks();
        builder.Services.AddPlannerServices();
        builder.Services.AddBudgetPage();
        // The benchmark pages need the persistence layer (BenchmarkStore), registered by AddCapacityPlannerPersistence.
        builder.Services.AddBenchmarkPages();
        builder.Services.AddValidationPage();
        return builder;
    }

    /// <summary>
    /// Registers <see cref="PlannerOptions"/> (bound from the <c>Planner</c> section, validated at start-up),
    /// <see cref="EstimateService"/>, the plan search and sweep services, and the chip directory with an in-memory
    /// custom-chip store (a registered <see cref="ICustomChipStore"/> wins; <c>AddCapacityPlannerPersistence</c> puts the
    /// database-backed store in its place). Needs an <see cref="IConfiguration"/>.
    /// </summary>
    public static IServiceCollection AddPlannerServices(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<PlannerOptions>()
            .BindConfiguration(PlannerOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PlannerOptions>, PlannerOptionsValidator>();
        services.TryAddSingleton<ICustomChipStore, InMemoryCustomChipStore>();
        services.AddSingleton<ChipDirectory>();
        services.TryAddScoped<Security.CircuitCaller>();
        services.AddSingleton<EstimateService>();
        services.AddSingleton<PlanSearchService>();
        services.AddSingleton<SweepService>();
        return services;
    }
}
