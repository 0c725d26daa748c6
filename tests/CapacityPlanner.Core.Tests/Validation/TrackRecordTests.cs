using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Validation;

namespace CapacityPlanner.Core.Tests.Validation;

/// <summary>
/// The model's track record on the published runs most like a plan (<see cref="TrackRecordIndex"/>,
/// <c>Data/track-record.json</c>): the distance it ranks by and what it finds on the shipped set.
/// </summary>
public sealed class TrackRecordTests
{
    private static readonly RunProfile H100Dense = new("h100-sxm", "Hopper", 16, "megatron-core", false, 1024, 8, 8, 1, 32, 0.010);

    private static ValidationResult Shipped(string id) =>
        ValidationSet.RunShipped().Results.Single(r => r.Case.Id == id);

    [Fact]
    public void The_shipped_weights_are_read_and_positive()
    {
        var w = TrackRecordWeights.Standard;
        Assert.Equal(5, w.Neighbours);
        Assert.All(new[] { w.Chip, w.Architecture, w.PrecisionClass, w.Stack, w.Moe, w.WorkPerDoubling, w.TensorPerDoubling, w.ContextPerDoubling,
            w.PipelinePerDoubling, w.MicroBatchesPerDoubling, w.GpusPerDoubling, w.Soft, w.FarDistance }, x => Assert.True(x > 0));
        // Another architecture weighs more than another chip of the same one.
        Assert.True(w.Architecture > w.Chip);
    }

    [Fact]
    public void Distances_are_put_in_words_by_the_data_files_bounds()
    {
        var w = TrackRecordWeights.Standard;
        Assert.Equal("near twin", w.LikenessOf(0));
        Assert.Equal("near twin", w.LikenessOf(w.NearTwin));
        Assert.Equal("close", w.LikenessOf(w.NearTwin + 0.01));
        Assert.Equal("loose", w.LikenessOf(w.Close + 0.01));
        Assert.Equal("far", w.LikenessOf(w.FarDistance + 0.01));
        Assert.True(w.NearTwin < w.Close && w.Close < w.FarDistance);
    }

    [Fact]
    public void The_distance_adds_each_feature_by_its_weight()
    {
        var w = TrackRecordWeights.Standard;
        Assert.Equal(0, w.Distance(H100Dense, H100Dense));
        // Same architecture, another chip: the chip weight only.
        Assert.Equal(w.Chip, w.Distance(H100Dense, H100Dense with { Chip = "h200" }), 12);
        // Another architecture replaces (does not add to) the chip term.
        Assert.Equal(w.Architecture, w.Distance(H100Dense, H100Dense with { Chip = "b200", Architecture = "Blackwell" }), 12);
        // FP8 against BF16 is one precision step; FP4 two.
        Assert.Equal(w.PrecisionClass, w.Distance(H100Dense, H100Dense with { PrecisionBits = 8 }), 12);
        Assert.Equal(2 * w.PrecisionClass, w.Distance(H100Dense, H100Dense with { PrecisionBits = 4 }), 12);
        // Counts weigh by doublings, in both directions alike.
        Assert.Equal(2 * w.WorkPerDoubling, w.Distance(H100Dense, H100Dense with { WorkSecondsPerLayerMicroBatch = 0.0025 }), 12);
        Assert.Equal(w.TensorPerDoubling + 3 * w.GpusPerDoubling,
            w.Distance(H100Dense, H100Dense with { Tensor = 4, Gpus = 8192 }), 12);
        Assert.Equal(w.Stack + w.Moe, w.Distance(H100Dense, H100Dense with { Stack = "torchtitan", Moe = true }), 12);
    }

    [Fact]
    public void A_shipped_run_finds_itself_first_with_its_own_error()
    {
        var run = Shipped("dgxc2411-llama31-70b-h100-512-bf16");
        var record = ValidationSet.TrackRecord.For(run.Profile!)!;
        Assert.Equal(run.Case.Id, record.Runs[0].Id);
        Assert.Equal(0, record.Runs[0].Distance);
        Assert.Equal(run.Error!.Value, record.Runs[0].Error, 12);
        Assert.Equal("near twin", record.Runs[0].Likeness);
        Assert.Equal(TrackRecordWeights.Standard.Neighbours, record.Runs.Count);
        Assert.False(record.Far);
        // Nearest first.
        Assert.True(record.Runs.Zip(record.Runs.Skip(1)).All(p => p.First.Distance <= p.Second.Distance));
    }

    [Fact]
    public void The_record_shows_where_the_model_fits_and_where_it_is_too_fast()
    {
        // NVIDIA's Llama 3.1 70B recipe on H100: the dense Hopper runs around it fit within ±15%.
        var fits = ValidationSet.TrackRecord.For(Shipped("dgxc2411-llama31-70b-h100-512-bf16").Profile!)!;
        Assert.All(fits.Runs, r => Assert.InRange(r.Error, -0.15, 0.15));
        // Llama 3.1 8B on 1,024 GB200 with TP4 CP4: little work per GPU and micro-batch, where the model has been too fast
        // (docs/accuracy.md, Known gaps): the record says so.
        var fast = ValidationSet.TrackRecord.For(Shipped("mlperf60-llama8b-tyche-gb200-1024").Profile!)!;
        Assert.True(fast.MedianError > 0.15, fast.Describe());
        Assert.True(fast.MaxError > 0.5, fast.Describe());
        Assert.Contains("+ means it was too fast", fast.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_plan_unlike_every_published_run_says_so()
    {
        // An architecture and stack no shipped run has, at a scale none ran.
        var record = ValidationSet.TrackRecord.For(new RunProfile("mystery", "Nowhere", 16, "nostack", true, 1 << 20, 64, 128, 32, 4096, 10))!;
        Assert.True(record.Far);
        Assert.Contains("none is much like it", record.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_soft_run_counts_as_farther_than_a_firm_one_with_the_same_profile()
    {
        var firm = Shipped("dgxc2411-llama31-70b-h100-512-bf16");
        var soft = firm with { Case = firm.Case with { Id = "zz-soft-copy", Soft = true } };
        var index = new TrackRecordIndex([soft, firm]);
        var record = index.For(firm.Profile!)!;
        Assert.Equal(firm.Case.Id, record.Runs[0].Id);
        Assert.False(record.Runs[0].Soft);
        Assert.Equal("zz-soft-copy", record.Runs[1].Id);
        Assert.True(record.Runs[1].Soft);
        Assert.Equal(TrackRecordWeights.Standard.Soft, record.Runs[1].Distance, 12);
    }

    [Fact]
    public void Summary_figures_and_sentence_follow_the_runs()
    {
        var record = new TrackRecord(
        [
            new SimilarRun("a", "f", "h100-sxm", 8, 0.10, true, 0),
            new SimilarRun("b", "f", "h100-sxm", 8, -0.031, true, 0.5),
            new SimilarRun("c", "f", "h100-sxm", 8, 0.25, false, 1),
        ], Far: false);
        Assert.Equal(0.10, record.MedianError, 12);
        Assert.Equal(-0.031, record.MinError, 12);
        Assert.Equal(0.25, record.MaxError, 12);
        Assert.Equal(2, record.WithinTolerance);
        Assert.Equal("on the 3 published runs most like this plan the model was −3.1% to +25.0% off (median +10.0%; 2 of 3 within tolerance; + means it was too fast)",
            record.Describe());
    }

    [Fact]
    public void An_estimate_without_a_step_time_has_no_profile()
    {
        var c = ValidationSet.Shipped.First(x => x.Scenario is not null);
        var e = Estimator.Estimate(c.Scenario!) with { StepTimeSeconds = null };
        Assert.Null(RunProfile.Of(c.Scenario!, e));
        Assert.Null(ValidationSet.TrackRecord.For(c.Scenario!, e));
        Assert.Null(ValidationSet.TrackRecordFor(c.Scenario!, e));
        Assert.NotNull(ValidationSet.TrackRecordFor(c.Scenario!, Estimator.Estimate(c.Scenario!)));
    }
}

/// <summary>The record foretells the model's error on a run it has not seen better than a record that ignores likeness.</summary>
public sealed class TrackRecordLeaveOneOutTests
{
    [Fact]
    public void Each_runs_record_from_the_other_runs_lands_nearer_its_error_than_the_overall_median()
    {
        var check = ValidationSet.TrackRecord.LeaveOneOut();
        Assert.Equal(ValidationSet.RunShipped().Results.Count(r => !r.Case.Soft && r.Error is not null), check.Runs);
        Assert.True(check.MedianMiss < check.BaselineMedianMiss, $"{check}");
        Assert.True(check.MeanMiss < check.BaselineMeanMiss, $"{check}");
        // Most runs' own error lies within the range of the five runs most like them.
        Assert.True(check.Covered > check.Runs / 2, $"{check}");
    }
}
