using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Search;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Contracts.Tests.Scenarios;

/// <summary>The one scenario loader (CLI, API, dashboard) and the one reader of sweep sizes (CLI --gpus, API gpus).</summary>
public sealed class ScenarioLoaderTests
{
    [Fact]
    public void Loads_parses_then_lets_the_host_adjust_the_document_then_resolves()
    {
        var loaded = ScenarioLoader.Load(TestScenarios.Gpt3On1024, d => d with { Name = "renamed by the host" });
        Assert.True(loaded.Success);
        Assert.Equal("renamed by the host", loaded.Document!.Name);
        Assert.Equal(1024, loaded.Scenario!.System.Gpus);
    }

    [Fact]
    public void Parse_errors_stop_before_resolution_and_resolution_errors_can_be_explained_by_the_host()
    {
        var broken = ScenarioLoader.Load("{ not json");
        Assert.False(broken.Success);
        Assert.Null(broken.Document);
        Assert.NotEmpty(broken.Errors);

        var unknownChip = TestScenarios.Gpt3On1024.Replace("a100-sxm-80gb", "no-such-chip", StringComparison.Ordinal);
        var explained = ScenarioLoader.Load(unknownChip, explain: e => e with { Message = e.Message + " (host hint)" });
        Assert.False(explained.Success);
        Assert.Contains(explained.Errors, e => e.Path == "$.system.chip" && e.Message.EndsWith("(host hint)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("8..64", new long[] { 8, 16, 32, 64 })]
    [InlineData("8, 24,512", new long[] { 8, 24, 512 })]
    public void Sweep_sizes_read_as_a_power_of_two_range_or_a_list(string text, long[] expected)
    {
        Assert.Equal(expected, ScalingSweep.ParseCounts(text, 100_000_000, 64, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("64..8", "MIN..MAX")]
    [InlineData("8,x", "\"x\" is not a count")]
    [InlineData("1..200000000", "100,000,000")]
    [InlineData("1,2,3", "at most 2 sizes")]
    public void Bad_sweep_sizes_say_what_is_wrong(string text, string expected)
    {
        Assert.Null(ScalingSweep.ParseCounts(text, 100_000_000, 2, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
