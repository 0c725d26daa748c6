using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Validation;

namespace CapacityPlanner.Core.Tests.Model;

/// <summary>
/// The small-work warning (model-defaults.json validatedRange; docs/accuracy.md Known gaps): an estimate whose GPUs do less
/// math per layer and micro-batch than the model fits on published runs says so, and changes no number. The threshold is
/// checked against the shipped runs it was read from.
/// </summary>
public sealed class ValidatedRangeTests
{
    private const string Marker = "per layer and micro-batch";

    private static readonly Lazy<List<(ValidationResult Result, Estimate Estimate)>> s_shipped = new(() =>
        [.. ValidationSet.Shipped.Where(c => c.Scenario is not null).Select(c => (ValidationRunner.Run(c), Estimator.Estimate(c.Scenario!)))]);

    [Fact]
    public void Every_shipped_run_that_carries_the_warning_ran_far_slower_than_the_model_says_and_no_run_that_fits_carries_it()
    {
        var warned = s_shipped.Value.Where(x => x.Estimate.Warnings.Any(w => w.Contains(Marker, StringComparison.Ordinal))).ToList();
        Assert.Contains(warned, x => x.Result.Case.Id == "mlperf60-llama8b-tyche-gb200-1024");
        Assert.True(warned.Count >= 5, $"{warned.Count} runs warned");
        // Each warned run is at least 15% too fast in the model (its error is predicted throughput over published, minus 1).
        Assert.All(warned, x => Assert.True(x.Result.Error > 0.15, $"{x.Result.Case.Id}: {x.Result.Error:P1}"));
        // No run the model fits within its tolerance is warned.
        Assert.DoesNotContain(warned, x => x.Result.WithinTolerance);
    }

    [Fact]
    public void The_warning_changes_no_number_and_names_the_work_per_layer()
    {
        var c = ValidationSet.Shipped.Single(x => x.Id == "mlperf60-llama8b-tyche-gb200-1024");
        var warned = Estimator.Estimate(c.Scenario!);
        var silent = Estimator.Estimate(c.Scenario!, ModelDefaults.Standard with { MinValidatedSecondsPerLayerMicroBatch = 0 });
        Assert.Contains(warned.Warnings, w => w.Contains("0.58 ms of math " + Marker, StringComparison.Ordinal));
        Assert.DoesNotContain(silent.Warnings, w => w.Contains(Marker, StringComparison.Ordinal));
        Assert.True(warned.BelowFittedRange);
        Assert.False(silent.BelowFittedRange);
        Assert.Equal(0.000585, warned.GpuSecondsPerLayerMicroBatch!.Value, 5);
        Assert.Equal(silent.StepTimeSeconds, warned.StepTimeSeconds);
        Assert.Equal(silent.MemoryPerGpuGiB, warned.MemoryPerGpuGiB);

        // A run with ample work per layer (Llama 3.1 8B on 8 B200, 16,384 tokens per GPU) carries no such warning.
        var ample = ValidationSet.Shipped.Single(x => x.Id == "mlperf51-llama8b-uf-b200-8");
        Assert.DoesNotContain(Estimator.Estimate(ample.Scenario!).Warnings, w => w.Contains(Marker, StringComparison.Ordinal));
    }
}
