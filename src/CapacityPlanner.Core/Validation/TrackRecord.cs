using System.Globalization;
using System.Text.Json;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Core.Validation;

/// <summary>
/// What a run looks like to the model, in the terms its error on published runs has been seen to follow (chip and
/// architecture, precision, stack, dense or MoE, the GPU work per layer and micro-batch, parallelism, micro-batches per
/// step and scale): the coordinates in which <see cref="TrackRecordIndex"/> finds the published runs most like a plan.
/// </summary>
/// <param name="Chip">Chip id (a custom chip's own id).</param>
/// <param name="Architecture">The chip's micro-architecture ("Hopper", "Blackwell", "TPU v5p").</param>
/// <param name="PrecisionBits">Matmul width class: 16 (BF16, FP16 and wider), 8 (FP8, int8) or 4 (FP4).</param>
/// <param name="Stack">The software stack as resolved.</param>
/// <param name="Moe">True for a mixture-of-experts model.</param>
/// <param name="Gpus">GPU count.</param>
/// <param name="Tensor">Tensor-parallel size.</param>
/// <param name="Pipeline">Pipeline stages.</param>
/// <param name="Context">Context-parallel size.</param>
/// <param name="MicroBatches">Micro-batches per pipeline per step.</param>
/// <param name="WorkSecondsPerLayerMicroBatch">The model's GPU seconds of math and memory-bound work per layer and micro-batch.</param>
public sealed record RunProfile(string Chip, string Architecture, int PrecisionBits, string Stack, bool Moe, long Gpus, int Tensor,
    int Pipeline, int Context, int MicroBatches, double WorkSecondsPerLayerMicroBatch)
{
    /// <summary>The profile of an estimated scenario; null when the estimate has no step time (nothing to compare).</summary>
    public static RunProfile? Of(ResolvedScenario scenario, Estimate estimate)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(estimate);
        if (estimate.StepTimeSeconds is null || estimate.GpuSecondsPerLayerMicroBatch is not { } work || estimate.MicroBatches is not { } m) return null;
        var plan = estimate.ResolvedPlan ?? scenario.Plan;
        var bits = scenario.Training.Precision switch
        {
            Precision.Fp4 => 4,
            Precision.Fp8 => 8,
            _ => 16,
        };
        // The stack the estimate costed (a plan's ZeRO stage can move "auto" to another stack than the scenario's own).
        return new RunProfile(scenario.System.Chip.Id, scenario.System.Chip.Architecture, bits, estimate.Stack ?? scenario.Training.EffectiveStack.Id,
            scenario.Model.Moe is not null, scenario.System.Gpus, plan.Tensor, plan.Pipeline, plan.Context, m, work);
    }
}

/// <summary>One published run in a track record.</summary>
/// <param name="Id">Case id.</param>
/// <param name="Family">Who ran it (case family).</param>
/// <param name="Chip">Chip id.</param>
/// <param name="Gpus">GPU count.</param>
/// <param name="Error">The model's signed throughput error on it (positive: the model was too fast).</param>
/// <param name="WithinTolerance">True when the error is within the case's tolerance.</param>
/// <param name="Distance">How unlike the plan it is (0: the same profile).</param>
/// <param name="Soft">True for a soft run (part of its configuration assumed by its case file).</param>
/// <param name="Likeness">The distance in words: "near twin", "close", "loose" or "far" (<c>Data/track-record.json</c> likeness).</param>
public sealed record SimilarRun(string Id, string Family, string Chip, long Gpus, double Error, bool WithinTolerance, double Distance, bool Soft = false,
    string Likeness = "");

/// <summary>The model's error on the published runs most like a plan, nearest first.</summary>
/// <param name="Runs">The runs, nearest first (never empty).</param>
/// <param name="Far">True when even the nearest run is farther than the data file's farDistance: no published run is much
/// like the plan, and the record says less about it.</param>
public sealed record TrackRecord(IReadOnlyList<SimilarRun> Runs, bool Far)
{
    /// <summary>Median signed error over the runs.</summary>
    public double MedianError => Statistics.Median(Runs.Select(r => r.Error));

    /// <summary>Smallest signed error (most pessimistic: the model too slow).</summary>
    public double MinError => Runs.Min(r => r.Error);

    /// <summary>Largest signed error (most optimistic: the model too fast).</summary>
    public double MaxError => Runs.Max(r => r.Error);

    /// <summary>Runs within their tolerance.</summary>
    public int WithinTolerance => Runs.Count(r => r.WithinTolerance);

    /// <summary>
    /// One sentence for a results page or table: "on the 5 published runs most like this plan the model was −3.1% to +8.2%
    /// off (median +1.9%; 5 of 5 within tolerance; + means it was too fast)".
    /// </summary>
    public string Describe()
    {
        var inv = CultureInfo.InvariantCulture;
        var like = Far ? "nearest this plan (none is much like it)" : "most like this plan";
        return string.Create(inv,
            $"on the {Runs.Count} published runs {like} the model was {Signed(MinError)} to {Signed(MaxError)} off " +
            $"(median {Signed(MedianError)}; {WithinTolerance} of {Runs.Count} within tolerance; + means it was too fast)");
    }

    /// <summary>
    /// A short form for a row of plans: "median +1.9% (−3.1% to +8.2%) on the 5 nearest published runs", with "none much
    /// like it" when the nearest is far.
    /// </summary>
    public string Brief() => string.Create(CultureInfo.InvariantCulture,
        $"median {Signed(MedianError)} ({Signed(MinError)} to {Signed(MaxError)}) on the {Runs.Count} nearest published runs{(Far ? ", none much like it" : "")}");

    /// <summary>A signed percentage with one decimal ("+8.2%", "−3.1%").</summary>
    public static string Signed(double error) =>
        (error < 0 ? "−" : "+") + Math.Abs(error * 100).ToString("F1", CultureInfo.InvariantCulture) + "%";
}

/// <summary>The distance weights of <c>Data/track-record.json</c>.</summary>
/// <param name="Neighbours">Runs in a record.</param>
/// <param name="FarDistance">Beyond this, the nearest run is not much like the plan.</param>
/// <param name="Chip">Another chip of the same architecture.</param>
/// <param name="Architecture">Another architecture.</param>
/// <param name="PrecisionClass">Per step between 16-, 8- and 4-bit matmuls.</param>
/// <param name="Stack">Another software stack.</param>
/// <param name="Moe">Dense against MoE.</param>
/// <param name="WorkPerDoubling">Per doubling of work per layer and micro-batch.</param>
/// <param name="TensorPerDoubling">Per doubling of tensor parallelism.</param>
/// <param name="ContextPerDoubling">Per doubling of context parallelism.</param>
/// <param name="PipelinePerDoubling">Per doubling of pipeline stages.</param>
/// <param name="MicroBatchesPerDoubling">Per doubling of micro-batches per step.</param>
/// <param name="GpusPerDoubling">Per doubling of GPUs.</param>
/// <param name="Soft">How much farther a soft run counts than a firm one with the same profile.</param>
/// <param name="NearTwin">Largest distance called a near twin.</param>
/// <param name="Close">Largest distance called close (beyond it: loose, then far past <paramref name="FarDistance"/>).</param>
public sealed record TrackRecordWeights(int Neighbours, double FarDistance, double Chip, double Architecture, double PrecisionClass,
    double Stack, double Moe, double WorkPerDoubling, double TensorPerDoubling, double ContextPerDoubling, double PipelinePerDoubling,
    double MicroBatchesPerDoubling, double GpusPerDoubling, double Soft, double NearTwin, double Close)
{
    /// <summary>A distance in words: "near twin", "close", "loose" or "far".</summary>
    public string LikenessOf(double distance) =>
        distance <= NearTwin ? "near twin" : distance <= Close ? "close" : distance <= FarDistance ? "loose" : "far";

    private static readonly Lazy<TrackRecordWeights> s_standard = new(() => Parse(EmbeddedData.Read("track-record.json")));

    /// <summary>The shipped weights.</summary>
    public static TrackRecordWeights Standard => s_standard.Value;

    /// <summary>Parses a weights document.</summary>
    public static TrackRecordWeights Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var w = root.GetProperty("weights");
        double W(string name) => w.GetProperty(name).GetProperty("value").GetDouble();
        return new TrackRecordWeights(
            root.GetProperty("neighbours").GetProperty("value").GetInt32(),
            root.GetProperty("farDistance").GetProperty("value").GetDouble(),
            W("chip"), W("architecture"), W("precisionClass"), W("stack"), W("moe"), W("workPerDoubling"),
            W("tensorPerDoubling"), W("contextPerDoubling"), W("pipelinePerDoubling"), W("microBatchesPerDoubling"), W("gpusPerDoubling"),
            W("soft"),
            root.GetProperty("likeness").GetProperty("nearTwin").GetDouble(),
            root.GetProperty("likeness").GetProperty("close").GetDouble());
    }

    /// <summary>How unlike two runs are (0: the same profile).</summary>
    public double Distance(RunProfile a, RunProfile b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        static double Doublings(double x, double y) => Math.Abs(Math.Log2(Math.Max(x, 1e-12) / Math.Max(y, 1e-12)));
        var d = 0.0;
        if (!string.Equals(a.Architecture, b.Architecture, StringComparison.OrdinalIgnoreCase)) d += Architecture;
        else if (!string.Equals(a.Chip, b.Chip, StringComparison.OrdinalIgnoreCase)) d += Chip;
        d += PrecisionClass * Doublings(a.PrecisionBits, b.PrecisionBits);
        if (!string.Equals(a.Stack, b.Stack, StringComparison.Ordinal)) d += Stack;
        if (a.Moe != b.Moe) d += Moe;
        d += WorkPerDoubling * Doublings(a.WorkSecondsPerLayerMicroBatch, b.WorkSecondsPerLayerMicroBatch);
        d += TensorPerDoubling * Doublings(a.Tensor, b.Tensor);
        d += ContextPerDoubling * Doublings(a.Context, b.Context);
        d += PipelinePerDoubling * Doublings(a.Pipeline, b.Pipeline);
        d += MicroBatchesPerDoubling * Doublings(a.MicroBatches, b.MicroBatches);
        d += GpusPerDoubling * Doublings(a.Gpus, b.Gpus);
        return d;
    }
}

/// <summary>
/// The published runs with the model's error on each, searchable by likeness to a plan: what the estimate shows as the
/// model's track record on runs like it (soft runs count as farther, <see cref="TrackRecordWeights.Soft"/>). Built once
/// from a validation report; immutable and thread-safe.
/// </summary>
public sealed class TrackRecordIndex
{
    private readonly (ValidationResult Result, RunProfile Profile)[] _runs;
    private readonly TrackRecordWeights _weights;

    /// <summary>Indexes the runs of <paramref name="results"/> that have an error and a profile.</summary>
    public TrackRecordIndex(IEnumerable<ValidationResult> results, TrackRecordWeights? weights = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        _weights = weights ?? TrackRecordWeights.Standard;
        _runs = [.. results.Where(r => r.Error is not null && r.Profile is not null).Select(r => (r, r.Profile!))];
    }

    /// <summary>Runs indexed.</summary>
    public int Count => _runs.Length;

    /// <summary>The model's record on the runs most like <paramref name="profile"/>; null when the index is empty.</summary>
    public TrackRecord? For(RunProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (_runs.Length == 0) return null;
        var nearest = _runs
            .Select(x => (x.Result, Distance: _weights.Distance(profile, x.Profile) + (x.Result.Case.Soft ? _weights.Soft : 0)))
            .OrderBy(x => x.Distance).ThenBy(x => x.Result.Case.Id, StringComparer.Ordinal)
            .Take(Math.Max(1, _weights.Neighbours))
            .Select(x => new SimilarRun(x.Result.Case.Id, x.Result.Case.Family, x.Result.Chip, x.Result.Gpus, x.Result.Error!.Value,
                x.Result.WithinTolerance, x.Distance, x.Result.Case.Soft, _weights.LikenessOf(x.Distance)))
            .ToList();
        return new TrackRecord(nearest, nearest[0].Distance > _weights.FarDistance);
    }

    /// <summary>The record for an estimated scenario; null when it has no step time or the index is empty.</summary>
    public TrackRecord? For(ResolvedScenario scenario, Estimate estimate) =>
        RunProfile.Of(scenario, estimate) is { } p ? For(p) : null;

    /// <summary>
    /// How well the record foretells the model's error on a run it has not seen: each firm run's record from the other
    /// runs (the run itself left out), against the run's own error. An informative record's median lands nearer the run's
    /// error than the median of all other runs does.
    /// </summary>
    /// <param name="wholeFamily">Leave out every run of the run's family (who ran it), not only the run: stricter, since a
    /// family's runs are often one recipe at several GPU counts.</param>
    public TrackRecordCheck LeaveOneOut(bool wholeFamily = false)
    {
        var firm = _runs.Where(x => !x.Result.Case.Soft).ToList();
        int covered = 0, far = 0;
        var recordMisses = new List<double>();
        var baselineMisses = new List<double>();
        foreach (var (result, profile) in firm)
        {
            var others = new TrackRecordIndex(_runs
                .Where(x => !ReferenceEquals(x.Result, result)
                    && !(wholeFamily && string.Equals(x.Result.Case.Family, result.Case.Family, StringComparison.Ordinal)))
                .Select(x => x.Result), _weights);
            if (others.For(profile) is not { } record) continue;
            var own = result.Error!.Value;
            if (own >= record.MinError && own <= record.MaxError) covered++;
            if (record.Far) far++;
            recordMisses.Add(Math.Abs(own - record.MedianError));
            baselineMisses.Add(Math.Abs(own - Statistics.Median(others._runs.Where(x => !x.Result.Case.Soft).Select(x => x.Result.Error!.Value))));
        }
        return new TrackRecordCheck(recordMisses.Count, covered, far, Statistics.Median(recordMisses), recordMisses.DefaultIfEmpty().Average(),
            Statistics.Median(baselineMisses), baselineMisses.DefaultIfEmpty().Average());
    }
}

/// <summary>The record's leave-one-out check over the firm runs (<see cref="TrackRecordIndex.LeaveOneOut"/>).</summary>
/// <param name="Runs">Firm runs checked.</param>
/// <param name="Covered">Runs whose own error lies within their record's range (min to max of the nearest runs).</param>
/// <param name="Far">Runs whose nearest other run was far.</param>
/// <param name="MedianMiss">Median |own error − record median|.</param>
/// <param name="MeanMiss">Mean |own error − record median|.</param>
/// <param name="BaselineMedianMiss">Median |own error − median error of all other firm runs|: what a record that ignores
/// likeness would give.</param>
/// <param name="BaselineMeanMiss">Mean of the same.</param>
public sealed record TrackRecordCheck(int Runs, int Covered, int Far, double MedianMiss, double MeanMiss, double BaselineMedianMiss, double BaselineMeanMiss);
