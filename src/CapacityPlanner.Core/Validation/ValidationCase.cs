using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Workload;

namespace CapacityPlanner.Core.Validation;

/// <summary>What a published run measured.</summary>
public enum ValidationMetric
{
    /// <summary>Seconds per optimizer step.</summary>
    StepTimeSeconds,
    /// <summary>Tokens per second divided by the GPU count.</summary>
    TokensPerSecondPerGpu,
    /// <summary>TFLOP/s per GPU counting recompute FLOPs (Megatron-LM 2021 eq. 3, GPT-NeoX).</summary>
    HardwareTflopsPerGpu,
}

/// <summary>
/// One published (or user-measured) training run: the scenario exactly as it ran, what was measured, with its source.
/// The contracts read it from a case file (the shipped runs) or from a stored run, resolving its scenario document.
/// </summary>
/// <param name="Id">Case id (file name without extension).</param>
/// <param name="ScenarioJson">The scenario document as written (links to the planner carry it).</param>
/// <param name="Metric">What was measured.</param>
/// <param name="Measured">The measured value.</param>
/// <param name="Tolerance">Accepted |error| for this run.</param>
/// <param name="Soft">True where an important part of the configuration was assumed (the note says which).</param>
/// <param name="Family">Who ran it with which software (mlperf, nemo-perf, megatron-core, …).</param>
/// <param name="Source">Exact citation.</param>
/// <param name="Note">How the figure was read and what was assumed.</param>
public sealed record ValidationCase(string Id, string ScenarioJson, ValidationMetric Metric, double Measured, double Tolerance, bool Soft, string Family, string Source, string Note)
{
    /// <summary>Accepted |error| of the memory per GPU where the source states it (issue 11: ±10%).</summary>
    public const double MemoryTolerance = 0.10;

    /// <summary>
    /// The scenario the model runs: <see cref="ScenarioJson"/> resolved, null when it does not resolve
    /// (<see cref="ScenarioErrors"/> says why). Whoever reads the case resolves it; the model reads no documents.
    /// </summary>
    public required ResolvedScenario? Scenario { get; init; }

    /// <summary>Why <see cref="ScenarioJson"/> does not resolve, each problem with its JSON path (empty when it does).</summary>
    public IReadOnlyList<ScenarioError> ScenarioErrors { get; init; } = [];

    /// <summary>Peak memory per GPU the source states (GiB), when it states one.</summary>
    public double? MeasuredMemoryGiB { get; init; }

    /// <summary>Where the memory figure comes from and what it counts.</summary>
    public string MemorySource { get; init; } = "";

    /// <summary>Metric names as written in case files.</summary>
    public static string MetricId(ValidationMetric metric) => metric switch
    {
        ValidationMetric.StepTimeSeconds => "stepTimeSeconds",
        ValidationMetric.TokensPerSecondPerGpu => "tokensPerSecondPerGpu",
        _ => "hardwareTflopsPerGpu",
    };

    /// <summary>Parses a metric name; false for an unknown one.</summary>
    public static bool TryParseMetric(string? name, out ValidationMetric metric)
    {
        (var ok, metric) = name switch
        {
            "stepTimeSeconds" => (true, ValidationMetric.StepTimeSeconds),
            "tokensPerSecondPerGpu" => (true, ValidationMetric.TokensPerSecondPerGpu),
            "hardwareTflopsPerGpu" => (true, ValidationMetric.HardwareTflopsPerGpu),
            _ => (false, ValidationMetric.StepTimeSeconds),
        };
        return ok;
    }

    /// <summary>
    /// Why <paramref name="measured"/> cannot be what <paramref name="scenario"/> ran, or null: it implies more model FLOP/s
    /// per GPU than the chip's dense peak at the run's precision, even with attention counted causally (the smallest of the
    /// FLOP conventions, docs/model.md), or less than <see cref="SlowestPlausibleFractionOfPeak"/> of it. Nothing runs above
    /// its peak, and no training run that slowly, so the figure is in another unit: milliseconds or seconds per micro-batch
    /// for seconds per step, the cluster's tokens/s for one GPU's.
    /// </summary>
    public static string? ImpossibleMeasurement(ResolvedScenario scenario, ValidationMetric metric, double measured)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        if (!double.IsFinite(measured) || measured <= 0 || scenario.System.Chip.PeakFor(scenario.Training.Precision) is not { } peak) return null;
        var tokensPerStep = (double)scenario.Training.GlobalBatchSequences * scenario.Model.SequenceLength;
        var perGpu = metric switch
        {
            ValidationMetric.StepTimeSeconds => tokensPerStep / measured / scenario.System.Gpus * scenario.Model.FlopsPerToken(FlopConvention.Causal),
            ValidationMetric.TokensPerSecondPerGpu => measured * scenario.Model.FlopsPerToken(FlopConvention.Causal),
            _ => measured * 1e12,
        };
        if (perGpu <= peak && perGpu >= peak * SlowestPlausibleFractionOfPeak) return null;
        var unit = metric switch
        {
            ValidationMetric.StepTimeSeconds => "seconds per optimizer step (not milliseconds, not per micro-batch)",
            ValidationMetric.TokensPerSecondPerGpu => "tokens per second per GPU (not the whole cluster's)",
            _ => "TFLOP/s per GPU",
        };
        return perGpu > peak
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{measured:G4} means {perGpu / 1e12:N0} TFLOP/s of model work per GPU, above the {scenario.System.Chip.Name}'s {peak / 1e12:N0} TFLOP/s {scenario.Training.Precision.ToId()} peak: nothing runs faster than its peak. The figure is {unit}.")
            : string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{measured:G4} means {perGpu / 1e12:G3} TFLOP/s of model work per GPU, under {SlowestPlausibleFractionOfPeak * 100:0.###}% of the {scenario.System.Chip.Name}'s {peak / 1e12:N0} TFLOP/s {scenario.Training.Precision.ToId()} peak: no training run is that slow, so the unit is probably wrong. The figure is {unit}.");
    }

    /// <summary>
    /// The least model work per GPU, as a share of the chip's peak, that a figure may imply (attention counted causally):
    /// below it the figure is a unit mistake (a step in milliseconds entered as seconds), not a slow run. Published runs
    /// sit at 20–60% of peak.
    /// </summary>
    public const double SlowestPlausibleFractionOfPeak = 0.001;
}

/// <summary>The model's result on one case.</summary>
/// <param name="Case">The case.</param>
/// <param name="Predicted">The predicted value of the case's metric (null when the scenario does not resolve).</param>
/// <param name="Error">Throughput error: predicted / measured throughput − 1 (for step times measured / predicted − 1);
/// positive means the model is faster than the published run.</param>
/// <param name="Feasible">False when the model calls the run infeasible (it ran).</param>
/// <param name="Chip">Chip id.</param>
/// <param name="Gpus">GPU count.</param>
/// <param name="Stack">Software stack the estimate used.</param>
/// <param name="Problem">Why there is no prediction, if there is none.</param>
public sealed record ValidationResult(ValidationCase Case, double? Predicted, double? Error, bool Feasible, string Chip, long Gpus, string Stack, string? Problem)
{
    /// <summary>True when |error| is within the case's tolerance.</summary>
    public bool WithinTolerance => Error is { } e && Math.Abs(e) <= Case.Tolerance;

    /// <summary>The model's memory per GPU (GiB) on the busiest stage.</summary>
    public double? PredictedMemoryGiB { get; init; }

    /// <summary>What the run looks like to the model (for <see cref="TrackRecordIndex"/>); null without a step time.</summary>
    public RunProfile? Profile { get; init; }

    /// <summary>predicted / stated memory − 1 where the source states memory; positive: the model needs more.</summary>
    public double? MemoryError => Case.MeasuredMemoryGiB is { } m && PredictedMemoryGiB is { } p ? p / m - 1 : null;
}

/// <summary>Aggregate accuracy of a group of results.</summary>
/// <param name="Cases">Runs in the group.</param>
/// <param name="MedianAbsError">Median |error|.</param>
/// <param name="MeanAbsError">Mean |error|.</param>
/// <param name="MaxAbsError">Max |error|.</param>
/// <param name="WithinTolerance">Share of runs within their tolerance.</param>
/// <param name="Infeasible">Runs the model calls infeasible.</param>
/// <param name="Bias">Mean signed error (positive: the model is too fast).</param>
public sealed record ValidationSummary(int Cases, double MedianAbsError, double MeanAbsError, double MaxAbsError, double WithinTolerance, int Infeasible, double Bias)
{
    /// <summary>Summarises results (those without a prediction count as misses at 100%).</summary>
    public static ValidationSummary Of(IReadOnlyCollection<ValidationResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0) return new ValidationSummary(0, 0, 0, 0, 0, 0, 0);
        var abs = results.Select(r => Math.Abs(r.Error ?? 1.0)).Order().ToArray();
        return new ValidationSummary(results.Count, Statistics.Median(abs), abs.Average(), abs[^1],
            results.Count(r => r.WithinTolerance) / (double)results.Count,
            results.Count(r => !r.Feasible),
            results.Average(r => r.Error ?? 0));
    }
}

/// <summary>Runs cases through the estimator.</summary>
public static class ValidationRunner
{
    /// <summary>Estimates one case with the given defaults (the shipped ones when null).</summary>
    public static ValidationResult Run(ValidationCase c, ModelDefaults? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (c.Scenario is not { } s)
        {
            var why = string.Join("; ", c.ScenarioErrors.Select(e => $"{e.Path}: {e.Message}"));
            return new ValidationResult(c, null, null, false, "?", 0, "?", "scenario does not resolve: " + why);
        }
        return Result(c, s, Estimator.Estimate(s, defaults ?? ModelDefaults.Standard));
    }

    /// <summary>
    /// The case's result from an estimate of its scenario made elsewhere (<c>capplan estimate</c> on a case file prints
    /// the estimate it made and this comparison beside it).
    /// </summary>
    public static ValidationResult Result(ValidationCase c, ResolvedScenario s, Estimate e)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(e);
        var stack = s.Training.EffectiveStack.Id;
        if (e.StepTimeSeconds is not { } step)
        {
            var why = string.Join("; ", e.Errors.Select(x => x.Message));
            return new ValidationResult(c, null, null, false, s.System.Chip.Id, s.System.Gpus, stack, why);
        }
        var (predicted, error) = Compare(c, e, step);
        return new ValidationResult(c, predicted, error, e.Feasible, s.System.Chip.Id, s.System.Gpus, stack,
            e.Feasible ? null : string.Join("; ", e.Errors.Select(x => x.Message)))
        {
            PredictedMemoryGiB = e.MemoryPerGpuGiB,
            Profile = RunProfile.Of(s, e),
        };
    }

    /// <summary>
    /// The case's metric as predicted and its throughput error: predicted / measured throughput − 1 (for step times
    /// measured / predicted − 1).
    /// </summary>
    internal static (double Predicted, double Error) Compare(ValidationCase c, Estimate e, double step)
    {
        var predicted = c.Metric switch
        {
            ValidationMetric.StepTimeSeconds => step,
            ValidationMetric.TokensPerSecondPerGpu => e.TokensPerSecondPerGpu!.Value,
            _ => e.HardwareTflopsPerGpu!.Value,
        };
        return (predicted, c.Metric == ValidationMetric.StepTimeSeconds ? c.Measured / predicted - 1 : predicted / c.Measured - 1);
    }

    /// <summary>Estimates every case.</summary>
    public static IReadOnlyList<ValidationResult> RunAll(IEnumerable<ValidationCase> cases, ModelDefaults? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(cases);
        return [.. cases.Select(c => Run(c, defaults))];
    }
}
