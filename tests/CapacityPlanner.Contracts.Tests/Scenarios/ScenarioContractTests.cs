using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Contracts.Sharing;
using CapacityPlanner.Core.Reliability;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Contracts.Tests.Scenarios;

public class ScenarioContractTests
{
    private const string WithFields = """
        { "schemaVersion": 1, "name": "contract",
          "model": { "preset": "llama3-70b" },
          "training": { "globalBatchSequences": 1024 },
          "system": { "chip": "h100-sxm", "gpus": 8192 },
          "parallelism": { "tensor": 8, "pipeline": 4 },
          "reliability": { "checkpointing": "async", "hotSpareNodes": 12, "interruptionRateScale": 2, "storageCapacityTB": 5000 },
          "sites": { "count": 2, "maxSiteMw": 20, "interSite": { "gbps": 1600, "latencyMs": 8 }, "diloco": { "innerSteps": 100, "compression": "int8", "overlap": true } } }
        """;

    [Fact]
    public void ReliabilityAndSiteFieldsParseAndTravelInShareLinks()
    {
        var parsed = ScenarioParser.Parse(WithFields);
        Assert.True(parsed.Success, string.Join("; ", parsed.Errors.Select(e => e.Message)));
        var d = parsed.Document!;
        Assert.Equal("async", d.Reliability!.Checkpointing);
        Assert.Equal(12, d.Reliability.HotSpareNodes);
        Assert.Equal(2, d.Sites!.Count);
        Assert.Equal(1600, d.Sites.InterSite!.Gbps);
        Assert.Equal("int8", d.Sites.Diloco!.Compression);
        Assert.True(d.Sites.Diloco.Overlap);

        var link = ScenarioLink.Decode(ScenarioLink.Encode(WithFields));
        Assert.True(link.Success, link.Error);
        Assert.Equal(2, link.Payload!.Document.Sites!.Count);
        var e = ScenarioAnalysis.EstimateWithGoodput(TestScenarios.Resolve(link.Payload.ScenarioJson));
        Assert.Equal(12, e.Goodput!.HotSpareNodes);
        Assert.False(e.Goodput.HotSparesRecommended);
        Assert.Equal(8, e.Sites!.LatencyMs!.Value, 9);
    }

    [Fact]
    public void OldDocumentsKeepTheirResultsAndGetDefaults()
    {
        var old = """
            { "schemaVersion": 1, "model": { "preset": "llama3-70b" }, "training": { "globalBatchSequences": 1024 },
              "system": { "chip": "h100-sxm", "gpus": 8192 }, "parallelism": { "tensor": 8, "pipeline": 4 } }
            """;
        var s = TestScenarios.Resolve(old);
        Assert.Null(s.Reliability);
        Assert.Null(s.Sites);
        var bare = CapacityPlanner.Core.Estimation.Estimator.Estimate(s);
        var full = ScenarioAnalysis.EstimateWithGoodput(s);
        Assert.Equal(bare.StepTimeSeconds, full.StepTimeSeconds);
        Assert.Equal(1, full.Sites!.Sites);
        Assert.Equal(0, full.Sites.ExposedSecondsPerStep);
        Assert.Equal(466.0 / 54 / 2, full.Goodput!.InterruptionsPerDay, 2);
    }

    [Theory]
    [InlineData("""{ "reliability": { "checkpointing": "sometimes" } }""", "$.reliability.checkpointing")]
    [InlineData("""{ "reliability": { "storageGBpsPerNode": 0 } }""", "$.reliability.storageGBpsPerNode")]
    [InlineData("""{ "reliability": { "hotSpareNodes": -1 } }""", "$.reliability.hotSpareNodes")]
    [InlineData("""{ "sites": { "count": 0 } }""", "$.sites.count")]
    [InlineData("""{ "sites": { "maxSiteMw": -5 } }""", "$.sites.maxSiteMw")]
    [InlineData("""{ "sites": { "diloco": { "compression": "int8" } } }""", "$.sites.diloco.innerSteps")]
    [InlineData("""{ "sites": { "diloco": { "innerSteps": 10, "compression": "zip" } } }""", "$.sites.diloco.compression")]
    public void BadReliabilityAndSiteInputsAreErrorsWithTheirPath(string extra, string path)
    {
        var json = """{ "schemaVersion": 1, "model": { "preset": "llama3-8b" }, "training": { "globalBatchSequences": 8 }, "system": { "chip": "h100-sxm", "gpus": 8 }, """
            + extra.Trim()[1..^1] + " }";
        var r = ScenarioParser.Parse(json);
        Assert.False(r.Success);
        Assert.Contains(r.Errors, e => e.Path == path);
    }

    [Fact]
    public void AMaxSiteBelowOneNodeIsAResolveError()
    {
        var r = ScenarioResolver.ParseAndResolve("""
            { "schemaVersion": 1, "model": { "preset": "llama3-8b" }, "training": { "globalBatchSequences": 8 }, "system": { "chip": "h100-sxm", "gpus": 8 }, "sites": { "maxSiteMw": 0.001 } }
            """);
        var e = Assert.Single(r.Errors);
        Assert.Equal("$.sites.maxSiteMw", e.Path);
        Assert.Contains("below one 8-GPU h100-sxm node (12.7 kW", e.Message, StringComparison.Ordinal);
    }
}
