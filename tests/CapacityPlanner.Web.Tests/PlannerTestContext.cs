using CapacityPlanner.Web.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace CapacityPlanner.Web.Tests;

/// <summary>
/// A bUnit context with MudBlazor and the planner services registered the way the app registers them, with
/// loose JS interop (MudBlazor calls into JS that bUnit does not run).
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
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();
}
