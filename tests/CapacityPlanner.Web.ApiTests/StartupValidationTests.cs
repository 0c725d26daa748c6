using CapacityPlanner.Web.ApiTests.Infrastructure;
using CapacityPlanner.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>
/// Wrong Database, Api, RateLimits, Cors, sign-in or Quotas settings stop the app at start-up with a message that names the setting. The host is built
/// in the test (with Program.cs's registrations) rather than through WebApplicationFactory, whose deferred start on a
/// background thread does not always hand back a start-up failure the same way.
/// </summary>
public sealed class StartupValidationTests
{
    public static TheoryData<string, string?, string, string?, string> Cases => new()
    {
        { "Database:Provider", "MySql", "ConnectionStrings:CapacityPlanner", null, "Database:Provider \"MySql\" is not supported" },
        { "Database:Provider", "Postgres", "ConnectionStrings:CapacityPlanner", "", "there is no connection string: set ConnectionStrings:CapacityPlanner" },
        { "Database:Provider", "Postgres", "ConnectionStrings:CapacityPlanner", "Host=;Database=x", "has no Host" },
        { "Database:Provider", "Postgres", "ConnectionStrings:CapacityPlanner", "Hots=x", "not a valid PostgreSQL connection string" },
        { "Database:SqlitePath", " ", "Api:ComputeTimeoutSeconds", "10", "Database:SqlitePath is empty" },
        { "Database:CommandTimeoutSeconds", "0", "Api:ComputeTimeoutSeconds", "10", "Database:CommandTimeoutSeconds must be between 1 and 3600" },
        { "Api:ComputeTimeoutSeconds", "0", "Api:MaxRequestBytes", "10", "Api:ComputeTimeoutSeconds must be more than 0" },
        { "RateLimits:WritesPerWindow", "0", "RateLimits:WindowSeconds", "60", "RateLimits:WritesPerWindow must be between 1" },
        { "RateLimits:ComputationsPerWindow", "5", "RateLimits:WindowSeconds", "0", "RateLimits:WindowSeconds must be between 1" },
        { "Cors:AllowedOrigins:0", "evil.example/path", "Api:ComputeTimeoutSeconds", "10", "Cors:AllowedOrigins must be origins" },
        { "Authentication:OpenIdConnect:Enabled", "true", "Authentication:OpenIdConnect:ClientId", "capacityplanner", "Authentication:OpenIdConnect:Authority must be the provider's absolute issuer URL" },
        { "Authentication:OpenIdConnect:Enabled", "true", "Authentication:OpenIdConnect:Authority", "http://idp.example", "Authentication:OpenIdConnect:Authority is http" },
        { "Authentication:OpenIdConnect:RequireSignIn", "true", "Authentication:OpenIdConnect:Enabled", "false", "RequireSignIn needs Authentication:OpenIdConnect:Enabled=true" },
        { "Quotas:ScenariosPerOwner", "10", "Quotas:ScenariosTotal", "5", "Quotas:ScenariosPerOwner (10) exceeds ScenariosTotal (5)" },
        { "Quotas:BenchmarkBytesPerOwner", "0", "Quotas:RunsTotal", "10", "Quotas:BenchmarkBytesPerOwner must be at least 1" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_wrong_setting_stops_the_start_with_a_message_naming_it(string key1, string? value1, string key2, string? value2, string expected)
    {
        using var dir = new TempDirectory();
        var settings = TestApp.Sqlite(dir.File("v.db"));
        settings[key1] = value1;
        settings[key2] = value2;
        // The host is built the way Program.cs builds it (same registrations), then started: the start must fail.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development", ContentRootPath = dir.Path });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddCapacityPlanner();
        builder.AddCapacityPlannerPersistence();
        builder.AddCapacityPlannerApi();
        builder.AddCapacityPlannerSecurity();
        await using var app = builder.Build();
        app.MapCapacityPlannerApi();
        var ex = await Record.ExceptionAsync(() => app.StartAsync());
        if (ex is null) await app.StopAsync();
        Assert.True(ex is not null, $"The app started with {key1}={value1}, {key2}={value2}.");
        var messages = Flatten(ex!).ToList();
        var types = Flatten(ex!, types: true).ToList();
        var seen = string.Join("\n", types.Zip(messages, (t, m) => $"{t}: {m}"));
        Assert.True(messages.Any(m => m.Contains(expected, StringComparison.Ordinal)), $"expected \"{expected}\" in:\n{seen}");
        Assert.True(types.Contains(nameof(OptionsValidationException)), $"expected an OptionsValidationException in:\n{seen}");
    }

    private static IEnumerable<string> Flatten(Exception ex, bool types = false)
    {
        yield return types ? ex.GetType().Name : ex.Message;
        if (ex is AggregateException agg)
        {
            foreach (var inner in agg.InnerExceptions)
                foreach (var m in Flatten(inner, types)) yield return m;
        }
        else if (ex.InnerException is { } inner)
        {
            foreach (var m in Flatten(inner, types)) yield return m;
        }
    }
}
