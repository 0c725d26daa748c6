using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Reliability;
using CapacityPlanner.Core.Sites;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Core.Tests.Reliability;

public class SitesTests
{
    private const string Seventy = """
        { "schemaVersion": 1, "name": "two sites",
          "model": { "preset": "llama3-70b" },
          "training": { "globalBatchSequences": 1024, "precision": "bf16", "tokens": 15e12 },
          "system": { "chip": "h100-sxm", "gpus": 8192 },
          "parallelism": { "tensor": 8, "pipeline": 4, "microBatchSize": 1, "zeroStage": 1, "recompute": "selective" }
          SITES }
        """;

    private static string With(string sites) => Seventy.Replace("SITES", sites.Length == 0 ? "" : ", \"sites\": " + sites, StringComparison.Ordinal);

    [Fact]
    public void PowerPerGpuAndWhatFitsUseTheBudgetFigures()
    {
        Assert.True(CapacityPlanner.Core.Hardware.HardwareCatalog.Default.TryGet("h100-sxm", out var chip));
        // 700 W × 1.82 (server) × 1.25 (PUE) = 1,592.5 W.
        Assert.Equal(1592.5, SitePower.FacilityWattsPerGpu(chip, null), 6);
        // 300 MW / 1,592.5 W = 188,383 GPUs → 188,376 in whole 8-GPU nodes.
        Assert.Equal(188_376, SitePower.GpusThatFit(300, 1592.5, 8));
        Assert.Equal(2, SitePower.SitesNeeded(327_680, 300, 1592.5, 8));
        Assert.Equal(1, SitePower.SitesNeeded(188_376, 300, 1592.5, 8));
    }

    [Fact]
    public void APowerCapSizesTheCluster()
    {
        var s = TestScenarios.Resolve(With("""{ "powerCapMw": 10 }"""));
        // 10 MW / 1,592.5 W = 6,279 → 6,272 whole nodes → 6,272 in whole TP8×PP4 groups of 32.
        Assert.Equal(6_272, s.System.Gpus);
        Assert.Equal(6_272 / 32, s.Plan.Data);
    }

    [Fact]
    public void ImpossibleSiteInputsAreClearErrors()
    {
        var cap = ScenarioResolver.ParseAndResolve(With("""{ "powerCapMw": 0.005 }"""));
        var e = Assert.Single(cap.Errors);
        Assert.Equal("$.sites.powerCapMw", e.Path);
        Assert.Contains("below one 8-GPU h100-sxm node", e.Message, StringComparison.Ordinal);
        var link = ScenarioParser.Parse(With("""{ "count": 2, "interSite": { "gbps": 0 } }"""));
        var l = Assert.Single(link.Errors);
        Assert.Equal("$.sites.interSite.gbps", l.Path);
        Assert.Contains("must be above 0 Gb/s", l.Message, StringComparison.Ordinal);
        var unknown = ScenarioParser.Parse(With("""{ "sites": 2 }"""));
        Assert.Contains(unknown.Errors, x => x.Path == "$.sites.sites");
    }

    [Fact]
    public void TwoSitesWithDilocoReportTrafficExposedTimeAndTokenPenalty()
    {
        var e = ScenarioAnalysis.EstimateWithGoodput(TestScenarios.Resolve(With("""
            { "count": 2, "interSite": { "gbps": 1600, "distanceKm": 1000 }, "diloco": { "innerSteps": 100 } }
            """)));
        var s = e.Sites!;
        Assert.Equal(2, s.Sites);
        Assert.Equal(100, s.InnerSteps);
        // fp32 pseudo-gradients: 2·(N−1)/N · P · 4 B = P · 4 B leave each site per outer step.
        Assert.Equal(e.TotalParameters * 4, s.BytesPerSync, 0);
        // 282 GB at 200 GB/s + 2 · 4.9 ms.
        Assert.Equal(e.TotalParameters * 4 / 200e9 + 2 * 0.0049, s.LinkSecondsPerSync, 6);
        Assert.Equal(s.LinkSecondsPerSync / 100, s.ExposedSecondsPerStep, 9);
        Assert.Equal(e.StepTimeSeconds!.Value + s.ExposedSecondsPerStep, s.StepTimeSeconds!.Value, 9);
        // Two replicas: the scaling-law study finds DiLoCo no worse than DP, so no token penalty is charged.
        Assert.Equal(-0.6, s.LossPercentVsDataParallel, 6);
        Assert.Equal(1, s.TokenMultiplier);
        Assert.NotNull(s.BreakEvenGbps);
        Assert.True(s.BreakEvenGbps < 1600);
        Assert.True(s.InnerStepsForOnePercent > 0);
    }

    [Fact]
    public void SynchronousDataParallelismAcrossSitesIsHierarchicalAndCostsExposedTime()
    {
        var e = ScenarioAnalysis.EstimateWithGoodput(TestScenarios.Resolve(With("""{ "count": 2, "interSite": { "gbps": 1600, "latencyMs": 5 } }""")));
        var s = e.Sites!;
        // bf16 gradients: one full copy per site, all-reduced across the two sites.
        Assert.Equal(e.TotalParameters * 2, s.BytesPerSync, 0);
        Assert.Equal(e.TotalParameters * 2 / 200e9 + 2 * 0.005, s.LinkSecondsPerSync, 6);
        Assert.InRange(s.ExposedSecondsPerStep, 0, s.LinkSecondsPerSync);
        var compute = e.Breakdown!.ComputeSeconds + e.Breakdown.RecomputeSeconds + e.Breakdown.MemoryBoundSeconds;
        // Break-even: the bandwidth at which the cross-site link time equals compute.
        Assert.Equal(e.TotalParameters * 2 / (compute - 0.01) * 8 / 1e9, s.BreakEvenGbps!.Value, 3);
        Assert.Empty(s.Errors);
    }

    [Fact]
    public void DilocoPenaltyGrowsWithReplicas()
    {
        var t = ReliabilityData.Standard.Diloco;
        Assert.Equal(-1.2, t.LossPercentFor(1), 9);
        Assert.Equal(1.2, t.LossPercentFor(8), 9);
        Assert.True(t.LossPercentFor(16) > t.LossPercentFor(8));
        var fit = CapacityPlanner.Core.ScalingLaws.ScalingLawCatalog.Default.Epoch;
        Assert.True(CrossSiteModel.TokenMultiplier(1.2, 2.4e9, 48e9, fit) > 1.2);
        Assert.True(CrossSiteModel.TokenMultiplier(-0.6, 2.4e9, 48e9, fit) < 1);
    }

    [Fact]
    public void SitesCountBelowWhatThePowerNeedsIsAnErrorInTheResult()
    {
        var e = ScenarioAnalysis.EstimateWithGoodput(TestScenarios.Resolve(With("""{ "maxSiteMw": 5, "count": 1 }""")));
        var err = Assert.Single(e.Sites!.Errors);
        Assert.Equal("$.sites.count", err.Path);
        Assert.Equal(3, e.Sites.SitesNeeded);
    }

    // INTELLECT-1 (10B, 14 nodes of 8 H100, DiLoCo H = 100, int8 outer all-reduce): reported compute utilisation 96%
    // across the US and 83% across three continents.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Intellect1UtilisationIsReproducedWithinTheSourceSpread(bool global)
    {
        var r = ReliabilityData.Standard.Intellect1;
        var gbps = global ? r.GbpsGlobal : r.GbpsUsa;
        var json = $$"""
            { "schemaVersion": 1, "name": "INTELLECT-1",
              "model": { "name": "intellect-1", "layers": 42, "hiddenSize": 4096, "attentionHeads": 32, "kvHeads": 8, "ffnHiddenSize": 14336, "gatedMlp": true, "vocabSize": 128256, "sequenceLength": 8192 },
              "training": { "globalBatchSequences": 1792, "precision": "bf16" },
              "system": { "chip": "h100-sxm", "gpus": {{r.Nodes * r.GpusPerNode}} },
              "parallelism": { "tensor": 1, "pipeline": 1, "microBatchSize": 1, "zeroStage": 3, "recompute": "selective" },
              "sites": { "count": {{r.Nodes}}, "interSite": { "gbps": {{gbps.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "latencyMs": 50 },
                         "diloco": { "innerSteps": {{r.InnerSteps}}, "compression": "int8" } } }
            """;
        var e = ScenarioAnalysis.EstimateWithGoodput(TestScenarios.Resolve(json));
        var s = e.Sites!;
        Assert.Equal(e.TotalParameters * r.OuterBytesPerParameter * 2 * 13 / 14, s.BytesPerSync, 0);
        var utilisation = e.StepTimeSeconds!.Value / s.StepTimeSeconds!.Value;
        var published = global ? r.UtilizationGlobal : r.UtilizationUsa;
        Assert.InRange(utilisation, published - 0.03, published + 0.03);
    }
}
