using Bunit.TestDoubles;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Hosting;
using CapacityPlanner.Web.Options;
using CapacityPlanner.Web.Security;
using CapacityPlanner.Web.Shared.Scenario;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace CapacityPlanner.Web.Tests.Support;

/// <summary>
/// A bUnit context with MudBlazor and the services the components inject, registered the way the app registers them:
/// the planner services, the stores on a real SQLite database (<see cref="TestDatabase"/>), the storage quotas and the
/// benchmark services; with loose JS interop (MudBlazor calls into JS that bUnit does not run). Page-specific services
/// (the Budget and Validation pages') are added by their tests.
/// </summary>
/// <remarks>
/// MudBlazor registers services that are only <see cref="IAsyncDisposable"/>, so the context must be disposed
/// asynchronously; xUnit v2 does that through <see cref="IAsyncLifetime"/>.
/// </remarks>
public abstract class PlannerTestContext : BunitContext, IAsyncLifetime
{
    protected PlannerTestContext(IDictionary<string, string?>? settings = null)
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                // Estimate on every change so tests do not wait for the debounce.
                ["Planner:EstimateDebounceMilliseconds"] = "0",
            })
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        Services.AddSingleton<IConfiguration>(configuration);
        Services.AddLogging();
        Services.AddMudServices();
        Services.AddPlannerServices();
        // The stores on a throwaway database (the container disposes it, which deletes the file), as AddCapacityPlannerPersistence registers them.
        Services.AddSingleton<TestDatabase>();
        Services.AddSingleton<IDbContextFactory<CapacityPlannerDbContext>>(sp => sp.GetRequiredService<TestDatabase>());
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<ScenarioStore>();
        Services.AddSingleton<BenchmarkStore>();
        Services.AddSingleton<MeasuredRunStore>();
        Services.AddCapacityPlannerQuotas();
        Services.AddBenchmarkPages();
        // The circuit's caller, as App hands it to Routes from the page request's owner cookie.
        Services.AddScoped(_ => new CircuitCaller { Current = TestCaller });
    }

    /// <summary>Owner key of the test circuit's caller (what the pages save under).</summary>
    public static string TestOwnerKey { get; } = Web.Security.OwnerCredentials.HashOf(new string('A', 43));

    /// <summary>The test circuit's caller: an anonymous browser with an owner cookie.</summary>
    public static Caller TestCaller { get; } = new(TestOwnerKey, null, false, false);

    /// <summary>The form the Planner opens with, from the configured options.</summary>
    protected PlannerInput PlannerDefaults => PlannerInput.CreateDefault(Services.GetRequiredService<IOptions<PlannerOptions>>().Value);

    /// <summary>Navigates to the Planner's <paramref name="address"/> (which the page reads when rendered) and returns the
    /// form input that address gives.</summary>
    protected PlannerInput NavigateToPlanner(string address)
    {
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo(address);
        return PlannerQuery.FromUri("http://localhost" + address, PlannerDefaults);
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();
}
