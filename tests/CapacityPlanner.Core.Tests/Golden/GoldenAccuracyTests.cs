using System.Globalization;
using System.Text;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Scenarios;
using Xunit.Abstractions;

namespace CapacityPlanner.Core.Tests.Golden;

/// <summary>
/// The model against published training runs, with one set of defaults per chip and no per-case factors.
/// Targets (issue 2): Korthikanti et al. 2022 iteration times, mean |error| ≤ 3.5%; every other run within ±15%
/// of the published TFLOP/s per GPU (Megatron counts recompute FLOPs, so we compare hardware FLOP/s).
/// </summary>
public sealed class GoldenAccuracyTests(ITestOutputHelper output)
{
    private static (double Predicted, Estimate Estimate) Predict(GoldenCase c)
    {
        var resolved = ScenarioResolver.ParseAndResolve(c.ScenarioJson);
        Assert.True(resolved.Success, $"{c.Id}: scenario did not resolve: {string.Join("; ", resolved.Errors.Select(e => e.Path + " " + e.Message))}");
        var e = Estimator.Estimate(resolved.Scenario!);
        Assert.NotNull(e.StepTimeSeconds);
        var predicted = c.Metric == GoldenMetric.StepTimeSeconds ? e.StepTimeSeconds!.Value : e.HardwareTflopsPerGpu!.Value;
        return (predicted, e);
    }

    [Theory]
    [MemberData(nameof(PublishedRuns.Korthikanti), MemberType = typeof(PublishedRuns))]
    public void Korthikanti_iteration_time_within_case_tolerance(GoldenCase c)
    {
        var (predicted, estimate) = Predict(c);
        var error = predicted / c.Published - 1;
        output.WriteLine($"{c.Id}: published {c.Published} s, predicted {predicted:F2} s ({error:+0.0%;-0.0%})");
        Assert.True(estimate.Feasible, $"{c.Id} ran on real hardware but the model says it is infeasible: {string.Join("; ", estimate.Errors.Select(x => x.Message))}");
        Assert.InRange(Math.Abs(error), 0, c.Tolerance);
    }

    [Fact]
    public void Korthikanti_mean_error_is_at_most_3_5_percent()
    {
        var errors = PublishedRuns.All.Where(c => c.Id.StartsWith("korthikanti", StringComparison.Ordinal))
            .Select(c => Math.Abs(Predict(c).Predicted / c.Published - 1)).ToList();
        Assert.Equal(8, errors.Count);
        var mean = errors.Average();
        output.WriteLine($"Korthikanti mean |error| {mean:P2}");
        Assert.True(mean <= 0.035, $"mean |error| {mean:P2} exceeds 3.5%");
    }

    [Theory]
    [MemberData(nameof(PublishedRuns.Others), MemberType = typeof(PublishedRuns))]
    public void Published_throughput_within_15_percent(GoldenCase c)
    {
        var (predicted, estimate) = Predict(c);
        Assert.True(estimate.Feasible, $"{c.Id} ran on real hardware but the model says it is infeasible: {string.Join("; ", estimate.Errors.Select(x => x.Message))}");
        var error = predicted / c.Published - 1;
        output.WriteLine($"{c.Id}: published {c.Published}, predicted {predicted:F1} ({error:+0.0%;-0.0%}); assumptions: {c.Assumptions}");
        if (c.SoftReason is not null)
        {
            // Reported in the accuracy table; still bounded so that a regression cannot hide behind it.
            Assert.InRange(Math.Abs(error), 0, 0.35);
            return;
        }
        Assert.InRange(Math.Abs(error), 0, c.Tolerance);
    }

    [Fact]
    public void Accuracy_table_is_printed_and_written()
    {
        var sb = new StringBuilder();
        sb.AppendLine("Accuracy against published runs (predicted vs published)");
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{"case",-42} {"metric",-22} {"published",10} {"predicted",10} {"error",8}"));
        var groups = new Dictionary<string, List<double>>();
        foreach (var c in PublishedRuns.All)
        {
            var (predicted, _) = Predict(c);
            var error = predicted / c.Published - 1;
            var metric = c.Metric == GoldenMetric.StepTimeSeconds ? "step time (s)" : "hardware TFLOP/s/GPU";
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.Id,-42} {metric,-22} {c.Published,10:F2} {predicted,10:F2} {error,8:+0.0%;-0.0%}{(c.SoftReason is null ? "" : "  (soft: " + c.SoftReason + ")")}"));
            var g = c.Id.StartsWith("korthikanti", StringComparison.Ordinal) ? "Korthikanti 2022" : c.Id.StartsWith("megatron2021_t1", StringComparison.Ordinal) ? "Megatron 2021 Table 1" : c.Id.StartsWith("megatron2021_t2", StringComparison.Ordinal) ? "Megatron 2021 Table 2" : "other";
            if (!groups.TryGetValue(g, out var list)) groups[g] = list = [];
            list.Add(Math.Abs(error));
        }
        foreach (var (g, errs) in groups)
        {
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{g}: {errs.Count} cases, mean |error| {errs.Average():P2}, max {errs.Max():P2}"));
        }
        var table = sb.ToString();
        output.WriteLine(table);
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "golden-accuracy.txt"), table);
        Assert.Equal(PublishedRuns.All.Count, table.Split('\n').Count(l => l.Contains('%', StringComparison.Ordinal)) - groups.Count);
    }
}
