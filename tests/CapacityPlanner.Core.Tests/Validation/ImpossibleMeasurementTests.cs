using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Validation;
using CapacityPlanner.Core.Workload;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Core.Tests.Validation;

/// <summary>
/// A measured figure that implies more model work per GPU than the chip's peak is in another unit
/// (<see cref="ValidationCase.ImpossibleMeasurement"/>): refused for users' runs, and absent from the shipped set.
/// </summary>
public sealed class ImpossibleMeasurementTests
{
    private static readonly Planning.ResolvedScenario Gpt3 = TestScenarios.Resolve(TestScenarios.Gpt3On1024);

    [Fact]
    public void A_step_in_milliseconds_or_the_clusters_tokens_per_second_is_impossible_and_says_which_unit_is_meant()
    {
        // GPT-3 175B on 1,024 A100 at batch 1,536: about 30 s per step, ~100 tokens/s per GPU.
        Assert.Null(ValidationCase.ImpossibleMeasurement(Gpt3, ValidationMetric.StepTimeSeconds, 30));
        Assert.Null(ValidationCase.ImpossibleMeasurement(Gpt3, ValidationMetric.TokensPerSecondPerGpu, 100));

        var ms = ValidationCase.ImpossibleMeasurement(Gpt3, ValidationMetric.StepTimeSeconds, 0.03);
        Assert.NotNull(ms);
        Assert.Contains("above the NVIDIA A100", ms, StringComparison.Ordinal);
        Assert.Contains("not milliseconds", ms, StringComparison.Ordinal);
        var cluster = ValidationCase.ImpossibleMeasurement(Gpt3, ValidationMetric.TokensPerSecondPerGpu, 100 * 1024);
        Assert.Contains("not the whole cluster's", cluster, StringComparison.Ordinal);
        Assert.NotNull(ValidationCase.ImpossibleMeasurement(Gpt3, ValidationMetric.HardwareTflopsPerGpu, 400));
        Assert.Null(ValidationCase.ImpossibleMeasurement(Gpt3, ValidationMetric.HardwareTflopsPerGpu, 150));
    }

    [Fact]
    public void The_bound_is_the_peak_itself_with_attention_counted_causally()
    {
        // Just below and just above what the peak allows: no margin, no fudge.
        var flopsPerToken = Gpt3.Model.FlopsPerToken(FlopConvention.Causal);
        var peak = Gpt3.System.Chip.PeakFor(Gpt3.Training.Precision)!.Value;
        var fastest = peak / flopsPerToken;
        Assert.Null(ValidationCase.ImpossibleMeasurement(Gpt3, ValidationMetric.TokensPerSecondPerGpu, fastest * 0.999));
        Assert.NotNull(ValidationCase.ImpossibleMeasurement(Gpt3, ValidationMetric.TokensPerSecondPerGpu, fastest * 1.001));
    }

    [Fact]
    public void A_step_in_milliseconds_entered_as_seconds_is_too_slow_to_be_a_training_run()
    {
        // 30 s per step is ~40% of peak; 30,000 s (the same step in milliseconds) is 0.04%, under the 0.1% floor.
        var slow = ValidationCase.ImpossibleMeasurement(Gpt3, ValidationMetric.StepTimeSeconds, 30_000);
        Assert.NotNull(slow);
        Assert.Contains("no training run is that slow", slow, StringComparison.Ordinal);
        Assert.Contains("not milliseconds", slow, StringComparison.Ordinal);
        var flopsPerToken = Gpt3.Model.FlopsPerToken(FlopConvention.Causal);
        var slowest = Gpt3.System.Chip.PeakFor(Gpt3.Training.Precision)!.Value * ValidationCase.SlowestPlausibleFractionOfPeak / flopsPerToken;
        Assert.Null(ValidationCase.ImpossibleMeasurement(Gpt3, ValidationMetric.TokensPerSecondPerGpu, slowest * 1.001));
        Assert.NotNull(ValidationCase.ImpossibleMeasurement(Gpt3, ValidationMetric.TokensPerSecondPerGpu, slowest * 0.999));
    }

    [Fact]
    public void No_shipped_published_run_measures_more_than_its_chip_can_do()
    {
        var shipped = ValidationSet.RunShipped().Results.Where(r => r.Case.Scenario is not null).ToList();
        Assert.True(shipped.Count > 300);
        Assert.All(shipped, r => Assert.Null(ValidationCase.ImpossibleMeasurement(r.Case.Scenario!, r.Case.Metric, r.Case.Measured)));
    }
}
