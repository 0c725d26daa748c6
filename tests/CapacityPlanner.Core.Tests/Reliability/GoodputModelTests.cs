using CapacityPlanner.Core.Reliability;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Core.Tests.Reliability;

public class GoodputModelTests
{
    // Hand computation (docs/reliability.md): C = 60 s, M = 3 h = 10,800 s, D = 600 s.
    //   Young √(2·60·10800) = √1,296,000 = 1138.42 s
    //   Daly x = 60/21600 = 0.0027778: 1138.42·(1 + √x/3 + x/9) − 60 = 1098.77 s
    //   availability-optimal √(2·60·(10800 − 600)) = √1,224,000 = 1106.35 s
    //   waste at T = 1106.35: saves 60/T = 5.423%, lost (1 − 0.05423)·553.17/10800 = 4.844%, restarts (1 − 0.05423)·600/10800 = 5.254%
    [Fact]
    public void OptimalIntervalsMatchAHandComputation()
    {
        Assert.Equal(1138.42, GoodputModel.YoungInterval(60, 10800), 2);
        Assert.Equal(1098.77, GoodputModel.DalyInterval(60, 10800), 2);
        var t = GoodputModel.AvailabilityOptimalPeriod(60, 10800, 600);
        Assert.Equal(1106.35, t, 2);
        var w = GoodputModel.Waste(t, 60, 10800, 600);
        Assert.Equal(0.05423, w.CheckpointSaves, 5);
        Assert.Equal(0.04844, w.LostWork, 5);
        Assert.Equal(0.05254, w.Restarts, 5);
        Assert.Equal(0.84478, 1 - w.Total, 5);
    }

    [Fact]
    public void AvailabilityOptimalPeriodMinimisesTheWaste()
    {
        var t = GoodputModel.AvailabilityOptimalPeriod(30, 7200, 900);
        var best = GoodputModel.Waste(t, 30, 7200, 900).Total;
        // First-order optimum: within 0.1 percentage point of a brute-force scan.
        var scan = Enumerable.Range(1, 4000).Select(i => GoodputModel.Waste(i * 1.0, 30, 7200, 900).Total).Min();
        Assert.InRange(best - scan, -1e-6, 1e-3);
    }

    [Fact]
    public void DalyFallsBackToTheMtbiWhenCheckpointsTakeLongerThanTwoMtbis() => Assert.Equal(100, GoodputModel.DalyInterval(250, 100));

    [Fact]
    public void PoissonSparesCoverTheQuantile()
    {
        Assert.Equal(0, GoodputModel.PoissonQuantile(0, 0.999));
        var k = GoodputModel.PoissonQuantile(6.6, 0.999);
        Assert.InRange(k, 14, 16);
        Assert.Equal(1, GoodputModel.PoissonTailAtLeast(6.6, 0));
        Assert.InRange(GoodputModel.PoissonTailAtLeast(6.6, k + 1), 0, 0.001);
    }

    private const string Llama3 = """
        { "schemaVersion": 1, "name": "Llama 3 405B on 16,384 H100",
          "model": { "preset": "llama3-405b" },
          "training": { "globalBatchSequences": 2048, "precision": "bf16", "tokens": 15.6e12 },
          "system": { "chip": "h100-sxm", "gpus": 16384 },
          "parallelism": { "tensor": 8, "pipeline": 16, "microBatchSize": 1, "zeroStage": 1, "recompute": "full" } }
        """;

    [Fact]
    public void Llama3ClusterReproducesThePublishedInterruptionsAndEffectiveTrainingTime()
    {
        var data = ReliabilityData.Standard;
        var e = ScenarioAnalysis.EstimateWithGoodput(TestScenarios.Resolve(Llama3));
        var g = e.Goodput!;
        // 466 interruptions (419 unexpected) in 54 days.
        Assert.Equal(466.0 / 54, g.InterruptionsPerDay, 2);
        Assert.Equal(419.0 / 54, g.UnexpectedPerDay, 2);
        Assert.Equal(data.Llama3.PerDay, g.InterruptionsPerDay, 1);
        Assert.Equal(54 * 24.0 / 466, g.MtbiHours, 2);
        // Per 1,000 8-GPU node-days the unexpected rate (3.8) lies in the spread of the other sources (OPT, Meta research clusters).
        var perThousandNodeDays = g.UnexpectedPerDay / (16384 / 8) * 1000;
        Assert.Equal(3.79, perThousandNodeDays, 2);
        Assert.InRange(perThousandNodeDays, data.RatePerThousandNodeDaysSpread.Min, data.RatePerThousandNodeDaysSpread.Max);
        // Published: > 90% effective training time (Llama 3); up to 97% elsewhere (ByteRobust).
        Assert.InRange(g.EffectiveTrainingTimeRatio, data.Llama3.EttrMin, data.EttrSpread.Max);
        Assert.Equal(0.92, g.EffectiveTrainingTimeRatio, 2);
        Assert.Equal(1, g.EffectiveTrainingTimeRatio + g.Lost.Total, 9);
        // The checkpoint: weights + Adam state of 405B parameters (14 B/param ≈ 5.7 TB), from the plan's shards.
        Assert.InRange(g.CheckpointTotalBytes, 405e9 * 14 * 0.95, 405e9 * 14 * 1.15);
        Assert.Equal(g.CheckpointTotalBytes / 16384, g.CheckpointBytesPerGpu, 0);
        Assert.True(e.EffectiveTimeToTrainDays > e.TimeToTrainDays);
        Assert.Equal(e.TimeToTrainDays!.Value / g.EffectiveTrainingTimeRatio, e.EffectiveTimeToTrainDays!.Value, 6);
        Assert.Empty(g.Errors);
    }

    [Fact]
    public void InterruptionsScaleWithTheClusterAndTheDefaultsCarrySources()
    {
        var s = TestScenarios.Resolve(Llama3);
        var e = CapacityPlanner.Core.Estimation.Estimator.Estimate(s);
        var small = GoodputModel.Evaluate(s, e);
        var big = GoodputModel.Evaluate(s with { System = s.System with { Gpus = 131072 } }, e);
        Assert.Equal(8 * small.InterruptionsPerDay, big.InterruptionsPerDay, 6);
        Assert.True(big.EffectiveTrainingTimeRatio < small.EffectiveTrainingTimeRatio);
        Assert.All(small.Assumptions, a => Assert.True(a.Source == "scenario" || ReliabilityData.Standard.Sources.ContainsKey(a.Source), a.Name + " → " + a.Source));
        Assert.All(ReliabilityData.Standard.Defaults.Values, f => Assert.True(ReliabilityData.Standard.Sources.ContainsKey(f.Source), f.Name));
    }

    [Fact]
    public void AsyncCheckpointsBlockOnlyForTheSnapshot()
    {
        var json = Llama3.Replace("\"parallelism\"", "\"reliability\": { \"checkpointing\": \"async\" }, \"parallelism\"", StringComparison.Ordinal);
        var sync = ScenarioAnalysis.EstimateWithGoodput(TestScenarios.Resolve(Llama3)).Goodput!;
        var async = ScenarioAnalysis.EstimateWithGoodput(TestScenarios.Resolve(json)).Goodput!;
        Assert.Equal("async", async.Checkpointing);
        // 0.38 GB per GPU at 25 GB/s device-to-host.
        Assert.Equal(async.CheckpointBytesPerGpu / 25e9, async.CheckpointBlockingSeconds, 9);
        Assert.True(async.CheckpointBlockingSeconds < sync.CheckpointBlockingSeconds / 10);
        Assert.True(async.EffectiveTrainingTimeRatio > sync.EffectiveTrainingTimeRatio);
    }

    [Fact]
    public void CheckpointLargerThanStorageIsAnErrorInTheResult()
    {
        var json = Llama3.Replace("\"parallelism\"", "\"reliability\": { \"storageCapacityTB\": 1 }, \"parallelism\"", StringComparison.Ordinal);
        var g = ScenarioAnalysis.EstimateWithGoodput(TestScenarios.Resolve(json)).Goodput!;
        var error = Assert.Single(g.Errors);
        Assert.Equal("$.reliability.storageCapacityTB", error.Path);
        Assert.Contains("larger than the storage (1.0 TB)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RestartsSlowerThanFailuresLeaveNoGoodput()
    {
        var json = Llama3.Replace("\"parallelism\"", "\"reliability\": { \"interruptionRateScale\": 100 }, \"parallelism\"", StringComparison.Ordinal);
        var g = ScenarioAnalysis.EstimateWithGoodput(TestScenarios.Resolve(json)).Goodput!;
        Assert.Equal(0, g.EffectiveTrainingTimeRatio);
        Assert.Equal(1, g.Lost.Restarts);
        Assert.Contains(g.Errors, e => e.Message.Contains("it never trains", StringComparison.Ordinal));
    }

    [Fact]
    public void HotSparesGivenAsZeroMakeEveryHardwareRestartWaitForRepair()
    {
        var json = Llama3.Replace("\"parallelism\"", "\"reliability\": { \"hotSpareNodes\": 0 }, \"parallelism\"", StringComparison.Ordinal);
        var none = ScenarioAnalysis.EstimateWithGoodput(TestScenarios.Resolve(json)).Goodput!;
        var recommended = ScenarioAnalysis.EstimateWithGoodput(TestScenarios.Resolve(Llama3)).Goodput!;
        Assert.Equal(1, none.SpareWaitProbability);
        Assert.True(recommended.HotSparesRecommended);
        Assert.InRange(recommended.SpareWaitProbability, 0, 0.002);
        Assert.True(none.RestartSeconds > recommended.RestartSeconds + 20 * 60);
    }
}
