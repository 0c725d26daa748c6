using System.Text.Json;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Scenarios;

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
/// The case-file format is that of <c>Data/validation/*.json</c> (see its README).
/// </summary>
/// <param name="Id">Case id (file name without extension).</param>
/// <param name="ScenarioJson">The scenario document.</param>
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

    /// <summary>Reads one case file; throws <see cref="FormatException"/> naming the field that is wrong.</summary>
    public static ValidationCase Parse(string id, string json)
    {
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        string Str(string name) => r.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : "";
        if (!r.TryGetProperty("scenario", out var scenario) || scenario.ValueKind != JsonValueKind.Object)
            throw new FormatException($"{id}: 'scenario' (an object) is required.");
        if (!TryParseMetric(Str("metric"), out var metric))
            throw new FormatException($"{id}: 'metric' must be stepTimeSeconds, tokensPerSecondPerGpu or hardwareTflopsPerGpu.");
        if (!r.TryGetProperty("measured", out var measured) || measured.ValueKind != JsonValueKind.Number || measured.GetDouble() <= 0)
            throw new FormatException($"{id}: 'measured' must be a positive number.");
        var tolerance = r.TryGetProperty("tolerance", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetDouble() : 0.15;
        var soft = r.TryGetProperty("soft", out var s) && s.ValueKind == JsonValueKind.True;
        double? memory = null;
        if (r.TryGetProperty("measuredMemoryGiB", out var mem))
        {
            if (mem.ValueKind != JsonValueKind.Number || mem.GetDouble() <= 0)
                throw new FormatException($"{id}: 'measuredMemoryGiB' must be a positive number of GiB per GPU.");
            memory = mem.GetDouble();
        }
        return new ValidationCase(id, scenario.GetRawText(), metric, measured.GetDouble(), tolerance, soft,
            Str("family") is { Length: > 0 } f ? f : "user", Str("source"), Str("note"))
        {
            MeasuredMemoryGiB = memory,
            MemorySource = Str("memorySource"),
        };
    }
}

/// <summary>The published runs shipped with the product (embedded <c>Data/validation/*.json</c>).</summary>
public static class ValidationSet
{
    private const string Prefix = "CapacityPlanner.Core.Data.validation.";
    private static readonly Lazy<IReadOnlyList<ValidationCase>> s_shipped = new(Load);

    /// <summary>Every shipped case, ordered by id.</summary>
    public static IReadOnlyList<ValidationCase> Shipped => s_shipped.Value;

    /// <summary>Family names of the shipped cases.</summary>
    public static IReadOnlyList<string> Families => [.. Shipped.Select(c => c.Family).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    private static List<ValidationCase> Load()
    {
        var assembly = typeof(ValidationSet).Assembly;
        var list = new List<ValidationCase>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            var id = name[Prefix.Length..^".json".Length];
            list.Add(ValidationCase.Parse(id, reader.ReadToEnd()));
        }
        list.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return list;
    }
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
        var median = abs.Length % 2 == 1 ? abs[abs.Length / 2] : (abs[abs.Length / 2 - 1] + abs[abs.Length / 2]) / 2;
        return new ValidationSummary(results.Count, median, abs.Average(), abs[^1],
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
        var resolved = ScenarioResolver.ParseAndResolve(c.ScenarioJson);
        if (!resolved.Success)
        {
            var why = string.Join("; ", resolved.Errors.Select(e => $"{e.Path}: {e.Message}"));
            return new ValidationResult(c, null, null, false, "?", 0, "?", "scenario does not resolve: " + why);
        }
        var s = resolved.Scenario!;
        var e = Estimator.Estimate(s, defaults ?? ModelDefaults.Standard);
        var stack = s.Training.EffectiveStack.Id;
        if (e.StepTimeSeconds is not { } step)
        {
            var why = string.Join("; ", e.Errors.Select(x => x.Message));
            return new ValidationResult(c, null, null, false, s.System.Chip.Id, s.System.Gpus, stack, why);
        }
        var (predicted, error) = Compare(c, e, s.System.Gpus, step);
        return new ValidationResult(c, predicted, error, e.Feasible, s.System.Chip.Id, s.System.Gpus, stack,
            e.Feasible ? null : string.Join("; ", e.Errors.Select(x => x.Message)))
        {
            PredictedMemoryGiB = e.MemoryPerGpuGiB,
        };
    }

    /// <summary>
    /// The case's metric as predicted and its throughput error: predicted / measured throughput − 1 (for step times
    /// measured / predicted − 1).
    /// </summary>
    internal static (double Predicted, double Error) Compare(ValidationCase c, Estimate e, long gpus, double step)
    {
        var predicted = c.Metric switch
        {
            ValidationMetric.StepTimeSeconds => step,
            ValidationMetric.TokensPerSecondPerGpu => e.TokensPerSecond!.Value / gpus,
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
