using System.Text.Json;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Core.Validation;

/// <summary>
/// The model's calibrated constants — the only figures fitted to measurements rather than read from a source — with
/// the runs they were fitted on (data file <c>calibration.json</c>).
/// </summary>
/// <param name="GemmInModelFraction">Fraction of the chip's best isolated GEMM rate (MAMF) that GEMMs reach inside a training step.</param>
/// <param name="OverlapSlowdown">Share of overlapped communication time that still slows compute (shared SMs and HBM).</param>
/// <param name="LowPrecisionRelativeEfficiency">FP8/FP4 GEMM fraction of their peak relative to BF16's fraction of its peak.</param>
/// <param name="TensorParallelOverlapSlowdown">Share of TP communication pipelined with GEMMs that still slows them.</param>
public sealed record CalibratedConstants(double GemmInModelFraction, double OverlapSlowdown, double LowPrecisionRelativeEfficiency, double TensorParallelOverlapSlowdown)
{
    /// <summary>The constants' names as in the data file.</summary>
    public static readonly IReadOnlyList<string> Names = ["gemmInModelFraction", "overlapSlowdown", "lowPrecisionRelativeEfficiency", "tensorParallelOverlapSlowdown"];

    /// <summary>Search range of each constant (physically plausible bounds).</summary>
    internal static readonly (double Min, double Max)[] Ranges = [(0.70, 1.0), (0.0, 0.8), (0.6, 1.0), (0.0, 0.8)];

    /// <summary>Value by index (order of <see cref="Names"/>).</summary>
    public double this[int index] => index switch { 0 => GemmInModelFraction, 1 => OverlapSlowdown, 2 => LowPrecisionRelativeEfficiency, _ => TensorParallelOverlapSlowdown };

    /// <summary>A copy with one value replaced.</summary>
    public CalibratedConstants With(int index, double value) => index switch
    {
        0 => this with { GemmInModelFraction = value },
        1 => this with { OverlapSlowdown = value },
        2 => this with { LowPrecisionRelativeEfficiency = value },
        _ => this with { TensorParallelOverlapSlowdown = value },
    };

    /// <summary>The defaults with these constants.</summary>
    public ModelDefaults ApplyTo(ModelDefaults defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        return defaults with
        {
            GemmInModelFraction = GemmInModelFraction,
            OverlapSlowdown = OverlapSlowdown,
            LowPrecisionRelativeEfficiency = LowPrecisionRelativeEfficiency,
            TensorParallelOverlapSlowdown = TensorParallelOverlapSlowdown,
        };
    }

    /// <summary>The constants in effect in some defaults.</summary>
    public static CalibratedConstants From(ModelDefaults defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        return new(defaults.GemmInModelFraction, defaults.OverlapSlowdown, defaults.LowPrecisionRelativeEfficiency, defaults.TensorParallelOverlapSlowdown);
    }

    /// <summary>Reads <c>calibration.json</c>: <c>{ "constants": { name: { "value": …, … } } }</c>.</summary>
    public static CalibratedConstants Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var c = doc.RootElement.GetProperty("constants");
        double V(string name) => c.GetProperty(name).GetProperty("value").GetDouble();
        return new(V(Names[0]), V(Names[1]), V(Names[2]), V(Names[3]));
    }
}

/// <summary>
/// <c>calibration.json</c> <c>derived.moeHostSecondsPerLocalExpert</c>: the host seconds per local expert, MoE layer and
/// micro-batch with FP8/FP4 and with 16-bit GEMMs, and the runs each is derived from (the one reader of that section).
/// </summary>
/// <param name="LowPrecision">Seconds with FP8/FP4 GEMMs.</param>
/// <param name="SixteenBit">Seconds with 16-bit GEMMs.</param>
/// <param name="LowPrecisionRuns">Validation ids the FP8/FP4 figure is derived from.</param>
/// <param name="SixteenBitRuns">Validation ids the 16-bit figure is derived from.</param>
public sealed record MoeHostFigures(double LowPrecision, double SixteenBit, IReadOnlyList<string> LowPrecisionRuns, IReadOnlyList<string> SixteenBitRuns)
{
    /// <summary>Reads the section from a calibration document.</summary>
    public static MoeHostFigures Parse(string calibrationJson)
    {
        using var doc = JsonDocument.Parse(calibrationJson);
        var m = doc.RootElement.GetProperty("derived").GetProperty("moeHostSecondsPerLocalExpert");
        static double V(JsonElement e) => e.GetProperty("value").GetDouble();
        static List<string> Ids(JsonElement e) => [.. e.GetProperty("fittedOn").EnumerateArray().Select(x => x.GetString()!)];
        var (low, sixteen) = (m.GetProperty("lowPrecision"), m.GetProperty("sixteenBit"));
        return new MoeHostFigures(V(low), V(sixteen), Ids(low), Ids(sixteen));
    }

    /// <summary>The shipped figures.</summary>
    public static MoeHostFigures Standard => s_standard.Value;

    private static readonly Lazy<MoeHostFigures> s_standard = new(() => Parse(EmbeddedData.Read("calibration.json")));
}

/// <summary>One row of the leave-one-family-out table.</summary>
/// <param name="Family">The held-out family.</param>
/// <param name="Runs">Its firm runs.</param>
/// <param name="Fitted">Constants fitted on every other family.</param>
/// <param name="HeldOut">The family's accuracy under those constants (never seen by the fit).</param>
/// <param name="Shipped">The family's accuracy under the shipped constants (fitted on all families).</param>
public sealed record LeaveOneOutRow(string Family, int Runs, CalibratedConstants Fitted, ValidationSummary HeldOut, ValidationSummary Shipped);

/// <summary>
/// Fits the calibrated constants to measured runs (coordinate search over each constant's plausible range, minimising
/// the mean |log(predicted/measured throughput)| over firm runs) and proves generalisation by leaving one family out.
/// </summary>
public static class ModelCalibration
{
    private const int GridPoints = 41;
    private const int Rounds = 6;

    /// <summary>The cases with their resolved scenarios (cases whose scenario does not resolve are left out).</summary>
    private static List<(ValidationCase Case, ResolvedScenario Scenario)> Resolve(IEnumerable<ValidationCase> cases) =>
        [.. cases.Where(c => c.Scenario is not null).Select(c => (c, c.Scenario!))];

    private static double? Error(ValidationCase c, ResolvedScenario s, ModelDefaults d)
    {
        var e = Estimator.Estimate(s, d);
        return e.StepTimeSeconds is { } step ? ValidationRunner.Compare(c, e, step).Error : null;
    }

    private static double Loss(List<(ValidationCase Case, ResolvedScenario Scenario)> cases, ModelDefaults d)
    {
        double sum = 0;
        foreach (var (c, s) in cases)
        {
            var e = Error(c, s, d);
            sum += e is { } x ? Math.Abs(Math.Log(1 + x)) : 1.0;
        }
        return sum / Math.Max(1, cases.Count);
    }

    /// <summary>
    /// The family no shipped constant is fitted on (calibration.json): NVIDIA's DGX Cloud benchmarking runs, kept out so
    /// that the validation set carries a large family whose error is never the fit's doing.
    /// </summary>
    public const string HeldOutFamily = "dgxc";

    /// <summary>
    /// Runs no shipped constant is fitted on besides the held-out family (calibration.json <c>heldOutRuns</c>): published
    /// runs added after the fit to test the model at scale out of sample.
    /// </summary>
    public static IReadOnlySet<string> HeldOutRuns => s_heldOutRuns.Value;

    private static readonly Lazy<IReadOnlySet<string>> s_heldOutRuns = new(() => ParseHeldOutRuns(EmbeddedData.Read("calibration.json")));

    /// <summary>Reads <c>heldOutRuns.runs</c> from a calibration document (the one reader of that section).</summary>
    public static IReadOnlySet<string> ParseHeldOutRuns(string calibrationJson)
    {
        using var doc = JsonDocument.Parse(calibrationJson);
        return doc.RootElement.TryGetProperty("heldOutRuns", out var h)
            ? h.GetProperty("runs").EnumerateArray().Select(x => x.GetString()!).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);
    }

    /// <summary>True for a run the shipped fit leaves out: the held-out family or one of <see cref="HeldOutRuns"/>.</summary>
    public static bool IsHeldOut(ValidationCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return c.Family == HeldOutFamily || HeldOutRuns.Contains(c.Id);
    }

    /// <summary>The family the in-model GEMM fraction is fitted on: GEMM-bound single-node and pipeline runs whose every setting is stated.</summary>
    public const string GemmFamily = "korthikanti-2022";

    /// <summary>
    /// Fits as the shipped constants were fitted: the in-model GEMM fraction on the Korthikanti et al. 2022 runs (where
    /// nothing but GEMM efficiency is unknown), then the NCCL and TP overlap slowdowns on every firm run outside the
    /// held-out family and runs; the low-precision relative efficiency is a measurement (calibration.json) and stays as given.
    /// </summary>
    public static CalibratedConstants FitShipped(IEnumerable<ValidationCase> cases, ModelDefaults? baseDefaults = null)
    {
        ArgumentNullException.ThrowIfNull(cases);
        var list = cases.Where(c => !IsHeldOut(c)).ToList();
        var gemmRuns = list.Where(c => c.Family == GemmFamily).ToList();
        var start = CalibratedConstants.From(baseDefaults ?? ModelDefaults.Standard);
        // Without the Korthikanti runs (leave-one-family-out), the GEMM fraction is fitted on every remaining run instead.
        start = Fit(gemmRuns.Count > 0 ? gemmRuns : list, baseDefaults, start, [0]);
        // The two overlap slowdowns trade off along a valley: repeat the coordinate search until it stops moving. The
        // low-precision relative efficiency is measured, not fitted (calibration.json).
        for (var pass = 0; pass < 20; pass++)
        {
            var next = Fit(list, baseDefaults, start, [1, 3]);
            var moved = Math.Max(Math.Abs(next[1] - start[1]), Math.Abs(next[3] - start[3]));
            start = next;
            if (moved < 5e-4) break;
        }
        return start;
    }

    /// <summary>
    /// Derives the host seconds per local expert, MoE layer and micro-batch as calibration.json's rule says: for each named
    /// run the value that makes the model's throughput equal the published one (the step time is linear in it), then the
    /// median over the runs; FP8/FP4 runs give the low-precision value, 16-bit runs the other.
    /// </summary>
    public static (double LowPrecision, double SixteenBit) DeriveMoeHost(IReadOnlyList<ValidationCase> cases, ModelDefaults? baseDefaults = null)
    {
        ArgumentNullException.ThrowIfNull(cases);
        var d = baseDefaults ?? ModelDefaults.Standard;
        var figures = MoeHostFigures.Standard;
        double Closing(string id, bool lowPrecision)
        {
            var c = cases.Single(x => x.Id == id);
            var s = c.Scenario ?? throw new InvalidOperationException($"{id} does not resolve");
            const double probe = 1e-3;
            var without = Estimator.Estimate(s, d with { MoeHostSecondsPerLocalExpert = (0, 0) });
            var t0 = without.StepTimeSeconds ?? throw new InvalidOperationException($"{id} is not feasible");
            var t1 = Estimator.Estimate(s, d with { MoeHostSecondsPerLocalExpert = lowPrecision ? (probe, 0) : (0, probe) }).StepTimeSeconds!.Value;
            // The published step time: the model's without the waits scaled by its throughput error there.
            var error = ValidationRunner.Compare(c, without, t0).Error;
            var published = c.Metric == ValidationMetric.StepTimeSeconds ? c.Measured : t0 * (1 + error);
            return (published - t0) / (t1 - t0) * probe;
        }
        // A wait cannot be negative: a median below zero says the runs show no host wait beyond what the model already costs.
        return (Math.Max(0, Statistics.Median(figures.LowPrecisionRuns.Select(id => Closing(id, true)))),
            Math.Max(0, Statistics.Median(figures.SixteenBitRuns.Select(id => Closing(id, false)))));
    }

    /// <summary>Fits the constants on the firm runs among <paramref name="cases"/>, starting from <paramref name="start"/>.</summary>
    public static CalibratedConstants Fit(IEnumerable<ValidationCase> cases, ModelDefaults? baseDefaults = null, CalibratedConstants? start = null, IReadOnlyList<int>? which = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cases);
        var d = baseDefaults ?? ModelDefaults.Standard;
        var firm = Resolve(cases.Where(c => !c.Soft));
        var best = start ?? CalibratedConstants.From(d);
        if (firm.Count == 0) return best;
        var bestLoss = Loss(firm, best.ApplyTo(d));
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var i in which ?? [0, 1, 2, 3])
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (min, max) = CalibratedConstants.Ranges[i];
                // A coarse grid over the whole range, then finer grids around the best point.
                var span = (max - min) / Math.Pow(4, round);
                var lo = Math.Max(min, best[i] - span / 2);
                var hi = Math.Min(max, best[i] + span / 2);
                for (var k = 0; k < GridPoints; k++)
                {
                    var candidate = best.With(i, lo + (hi - lo) * k / (GridPoints - 1));
                    var loss = Loss(firm, candidate.ApplyTo(d));
                    if (loss < bestLoss - 1e-12)
                    {
                        bestLoss = loss;
                        best = candidate;
                    }
                }
            }
        }
        return best;
    }

    /// <summary>Fits on every family but one and reports that family's accuracy, for each family.</summary>
    public static IReadOnlyList<LeaveOneOutRow> LeaveOneFamilyOut(IReadOnlyList<ValidationCase> cases, ModelDefaults? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(cases);
        var d = defaults ?? ModelDefaults.Standard;
        var rows = new List<LeaveOneOutRow>();
        foreach (var family in cases.Select(c => c.Family).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var held = cases.Where(c => c.Family == family && !c.Soft).ToList();
            if (held.Count == 0) continue;
            var fitted = FitShipped(cases.Where(c => c.Family != family), d);
            var heldOut = ValidationSummary.Of(ValidationRunner.RunAll(held, fitted.ApplyTo(d)));
            var shipped = ValidationSummary.Of(ValidationRunner.RunAll(held, d));
            rows.Add(new LeaveOneOutRow(family, held.Count, fitted, heldOut, shipped));
        }
        return rows;
    }

    /// <summary>
    /// Fits the calibrated constants to a user's own measured runs (all four, starting from the shipped ones) and, for
    /// each run, its error under constants fitted without it (leave-one-run-out): the honest error to expect on a new run.
    /// </summary>
    /// <remarks>The leave-one-out fits make it quadratic in the number of runs; <paramref name="cancellationToken"/> stops it
    /// between grid sweeps (the API runs it under its compute time limit).</remarks>
    public static UserCalibration FitToRuns(IReadOnlyList<ValidationCase> runs, ModelDefaults? defaults = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var d = defaults ?? ModelDefaults.Standard;
        var shipped = CalibratedConstants.From(d);
        var firm = runs.Select(r => r with { Soft = false }).ToList();
        var fitted = Fit(firm, d, shipped, cancellationToken: cancellationToken);
        var before = ValidationRunner.RunAll(firm, d);
        var after = ValidationRunner.RunAll(firm, fitted.ApplyTo(d));
        var leaveOneOut = new List<ValidationResult>();
        if (firm.Count >= 2)
        {
            for (var i = 0; i < firm.Count; i++)
            {
                var others = firm.Where((_, j) => j != i).ToList();
                var without = Fit(others, d, shipped, cancellationToken: cancellationToken);
                leaveOneOut.Add(ValidationRunner.Run(firm[i], without.ApplyTo(d)));
            }
        }
        return new UserCalibration(shipped, fitted, ValidationSummary.Of(before), ValidationSummary.Of(after),
            leaveOneOut.Count > 0 ? ValidationSummary.Of(leaveOneOut) : null, before, after, leaveOneOut);
    }
}

/// <summary>The calibrated constants fitted to a user's runs.</summary>
/// <param name="Shipped">The shipped constants.</param>
/// <param name="Fitted">Fitted to the user's runs.</param>
/// <param name="Before">Accuracy on the runs with the shipped constants.</param>
/// <param name="After">In-sample accuracy with the fitted constants (optimistic).</param>
/// <param name="LeaveOneOut">Each run predicted by constants fitted without it (null with fewer than two runs).</param>
/// <param name="BeforeRuns">Per-run results, shipped constants.</param>
/// <param name="AfterRuns">Per-run results, fitted constants.</param>
/// <param name="LeaveOneOutRuns">Per-run leave-one-out results.</param>
public sealed record UserCalibration(CalibratedConstants Shipped, CalibratedConstants Fitted, ValidationSummary Before, ValidationSummary After,
    ValidationSummary? LeaveOneOut, IReadOnlyList<ValidationResult> BeforeRuns, IReadOnlyList<ValidationResult> AfterRuns, IReadOnlyList<ValidationResult> LeaveOneOutRuns);
