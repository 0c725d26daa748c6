using CapacityPlanner.Web.Hosting;
using CapacityPlanner.Web.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Tests.Options;

/// <summary>Options binding and start-up validation.</summary>
public sealed class PlannerOptionsTests
{
    private static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddPlannerServices();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Binds_the_planner_section()
    {
        using var provider = Provider(new() { ["Planner:DefaultPreset"] = "llama3-70b", ["Planner:DefaultChip"] = "h100-sxm" });

        var options = provider.GetRequiredService<IOptions<PlannerOptions>>().Value;

        Assert.Equal("llama3-70b", options.DefaultPreset);
        Assert.Equal("h100-sxm", options.DefaultChip);
        Assert.Equal(250, options.EstimateDebounceMilliseconds);
    }

    [Fact]
    public void Unknown_ids_and_bad_limits_fail_validation_with_every_reason()
    {
        using var provider = Provider(new()
        {
            ["Planner:DefaultPreset"] = "gpt5",
            ["Planner:DefaultChip"] = "h900",
            ["Planner:MaxScenarioBytes"] = "10",
            ["Planner:EstimateDebounceMilliseconds"] = "-1",
        });

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PlannerOptions>>().Value);

        Assert.Equal(4, ex.Failures.Count());
        Assert.Contains(ex.Failures, f => f.Contains("\"gpt5\" is not a model preset", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("\"h900\" is not a catalog chip", StringComparison.Ordinal));
    }

    [Fact]
    public void Validation_runs_at_start_up()
    {
        using var provider = Provider(new() { ["Planner:DefaultChip"] = "h900" });

        // What the host does on start when ValidateOnStart() was called.
        var validator = provider.GetRequiredService<IStartupValidator>();

        Assert.Throws<OptionsValidationException>(validator.Validate);
    }
}
