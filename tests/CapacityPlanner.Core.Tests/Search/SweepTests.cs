using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Search;

namespace CapacityPlanner.Core.Tests.Search;

public sealed class SweepTests
{
    [Fact]
    public void Strong_scaling_sweep_reports_efficiency_ratios_and_break_even()
    {
        var parsed = ScenarioParser.Parse("""
            { "schemaVersion": 1, "model": { "preset": "llama3-8b" }, "training": { "globalBatchSequences": 256 }, "system": { "chip": "h100-sxm", "gpus": 8 } }
            """);
        var scenario = ScenarioResolver.Resolve(parsed.Document!).Scenario!;
        // To 65,536 GPUs: on Hopper's measured GEMM-size curve and sustained (power-capped) GEMM rate the small per-GPU
        // GEMMs of a spread-out batch of 256 keep compute above exposed communication until about 23k GPUs (at 512
        // sequences, beyond 65,536).
        var r = ScalingSweep.Run(scenario, ScenarioResolver.Constraints(parsed.Document!.Parallelism), ScalingSweep.PowersOfTwo(8, 65536), ScalingMode.Strong);
        Assert.Equal(14, r.Points.Count);
        var first = r.Points.First(p => p.Estimate is not null);
        Assert.Equal(1.0, first.ScalingEfficiency!.Value, 9);
        // A fixed batch spread over ever more GPUs: per-GPU throughput must fall and communication must take over.
        var last = r.Points.Last(p => p.Estimate is not null);
        Assert.True(last.ScalingEfficiency < 0.5, $"efficiency at {last.Gpus} GPUs is {last.ScalingEfficiency}");
        Assert.NotNull(r.HalfEfficiencyGpus);
        Assert.NotNull(r.BreakEvenGpus);
        Assert.InRange(r.BreakEvenGpus!.Value, 8, 65536);
        Assert.NotNull(r.BreakEvenDimension);
        Assert.All(r.Points.Where(p => p.Estimate is not null), p => Assert.NotNull(p.PerDimensionRatio));
    }

    [Fact]
    public void Weak_scaling_grows_the_batch()
    {
        var parsed = ScenarioParser.Parse("""
            { "schemaVersion": 1, "model": { "preset": "llama3-8b" }, "training": { "globalBatchSequences": 64 }, "system": { "chip": "h100-sxm", "gpus": 8 } }
            """);
        var scenario = ScenarioResolver.Resolve(parsed.Document!).Scenario!;
        var r = ScalingSweep.Run(scenario, SearchConstraints.None, [8, 64, 512], ScalingMode.Weak);
        Assert.Equal([64, 512, 4096], r.Points.Select(p => p.GlobalBatchSequences));
        Assert.All(r.Points, p => Assert.True(p.ScalingEfficiency > 0.5));
    }

    [Fact]
    public void Weak_scaling_keeps_the_scenarios_batch_per_gpu_wherever_the_range_starts()
    {
        // 1,536 sequences belong to the scenario's 1,024 GPUs: 1.5 per GPU at every size, not 1,536 at the first size swept.
        var parsed = ScenarioParser.Parse("""
            { "schemaVersion": 1, "model": { "preset": "llama3-8b" }, "training": { "globalBatchSequences": 1536 }, "system": { "chip": "h100-sxm", "gpus": 1024 } }
            """);
        var scenario = ScenarioResolver.Resolve(parsed.Document!).Scenario!;
        var fromSmall = ScalingSweep.Run(scenario, SearchConstraints.None, [64, 1024, 4096], ScalingMode.Weak);
        var fromLarge = ScalingSweep.Run(scenario, SearchConstraints.None, [1024, 4096], ScalingMode.Weak);
        Assert.Equal([96, 1536, 6144], fromSmall.Points.Select(p => p.GlobalBatchSequences));
        Assert.Equal([1536, 6144], fromLarge.Points.Select(p => p.GlobalBatchSequences));
    }

    [Fact]
    public void Crossing_finds_the_interpolated_root_on_a_log_axis()
    {
        SweepPoint P(long gpus, double eff) => new() { Gpus = gpus, GlobalBatchSequences = 1, ScalingEfficiency = eff };
        // Efficiency 0.9 at 1024, 0.1 at 4096: linear in log2 → 0.5 at 2048.
        var x = ScalingSweep.Crossing([P(1024, 0.9), P(4096, 0.1)], p => p.ScalingEfficiency!.Value, 0.5);
        Assert.Equal(2048, x!.Value, 6);
        Assert.Null(ScalingSweep.Crossing([P(8, 0.9), P(16, 0.8)], p => p.ScalingEfficiency!.Value, 0.5));
    }
}
