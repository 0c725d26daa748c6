using System.Text.Json;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Validation;
using CapacityPlanner.Core.Workload;

namespace CapacityPlanner.Contracts.Results;

/// <summary>Writes an <see cref="Estimate"/> in the contract's JSON shape (camelCase; null for absent values).</summary>
public static class EstimateJson
{
    /// <summary>Serialises an estimate, with the model's track record on runs like it when given.</summary>
    public static string Serialize(Estimate estimate, bool indented = true, TrackRecord? trackRecord = null, ValidationResult? published = null)
    {
        return ResultJson.Serialize(w => Write(w, estimate, trackRecord, published), indented);
    }

    /// <summary>
    /// Serialises a scenario's estimate with the model's track record on the shipped published runs most like it: what
    /// <c>capplan estimate --json</c> prints and <c>POST /api/estimate</c> answers. For a published run's case file,
    /// <paramref name="published"/> is the estimate against what the run measured.
    /// </summary>
    public static string Serialize(ResolvedScenario scenario, Estimate estimate, bool indented = true, ValidationResult? published = null) =>
        Serialize(estimate, indented, Validation.ValidationSet.TrackRecordFor(scenario, estimate), published);

    /// <summary>
    /// Writes an estimate as one JSON object (with <c>trackRecord</c> when one is given, and <c>published</c>, the run's
    /// row as <c>capplan validate --json</c> writes it, when the estimate is of a published run).
    /// </summary>
    public static void Write(Utf8JsonWriter w, Estimate e, TrackRecord? trackRecord = null, ValidationResult? published = null)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(e);
        w.WriteStartObject();
        w.WriteBoolean("feasible", e.Feasible);
        if (e.Stack is { } stack) w.WriteString("stack", stack);
        WriteErrors(w, "errors", e.Errors);
        w.WriteStartArray("warnings");
        foreach (var s in e.Warnings) w.WriteStringValue(s);
        w.WriteEndArray();
        Num(w, "stepTimeSeconds", e.StepTimeSeconds);
        Num(w, "tokensPerSecond", e.TokensPerSecond);
        Num(w, "tokensPerSecondPerGpu", e.TokensPerSecondPerGpu);
        Num(w, "modelTflopsPerGpu", e.ModelTflopsPerGpu);
        Num(w, "hardwareTflopsPerGpu", e.HardwareTflopsPerGpu);
        Num(w, "mfu", e.Mfu);
        w.WriteStartObject("mfuByConvention");
        foreach (var (c, v) in e.MfuByConvention) w.WriteNumber(c.ToId(), v);
        w.WriteEndObject();
        Num(w, "hfu", e.Hfu);
        Num(w, "memoryPerGpuGiB", e.MemoryPerGpuGiB);
        Num(w, "hbmCapacityGiB", e.HbmCapacityGiB);
        Num(w, "computeToCommunicationRatio", e.ComputeToCommunicationRatio);
        Num(w, "computeToExposedCommunicationRatio", e.ComputeToExposedCommunicationRatio);
        Num(w, "timeToTrainDays", e.TimeToTrainDays);
        Num(w, "gpuHours", e.GpuHours);
        if (e.MicroBatches is { } mb) w.WriteNumber("microBatches", mb); else w.WriteNull("microBatches");
        Num(w, "totalParameters", e.TotalParameters);
        Num(w, "activeParameters", e.ActiveParameters);
        Num(w, "modelFlopsPerStep", e.ModelFlopsPerStep);
        // The model's own measure of work per layer and micro-batch, and whether it is below the range it fits (docs/accuracy.md).
        Num(w, "gpuSecondsPerLayerMicroBatch", e.GpuSecondsPerLayerMicroBatch);
        w.WriteBoolean("belowFittedRange", e.BelowFittedRange);
        if (e.Breakdown is { } b)
        {
            w.WriteStartObject("breakdown");
            Num(w, "computeSeconds", b.ComputeSeconds);
            Num(w, "recomputeSeconds", b.RecomputeSeconds);
            Num(w, "memoryBoundSeconds", b.MemoryBoundSeconds);
            Num(w, "bubbleSeconds", b.BubbleSeconds);
            Num(w, "optimizerSeconds", b.OptimizerSeconds);
            Num(w, "hostSeconds", b.HostSeconds);
            Num(w, "offloadSeconds", b.OffloadSeconds);
            w.WriteStartObject("communication");
            Comm(w, "tensorParallel", b.Communication.TensorParallel);
            Comm(w, "contextParallel", b.Communication.ContextParallel);
            Comm(w, "expertParallel", b.Communication.ExpertParallel);
            Comm(w, "pipelineParallel", b.Communication.PipelineParallel);
            Comm(w, "dataParallel", b.Communication.DataParallel);
            w.WriteEndObject();
            Num(w, "communicationLinkSeconds", b.Communication.TotalLinkSeconds);
            Num(w, "communicationExposedSeconds", b.Communication.TotalExposedSeconds);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("breakdown");
        }
        if (e.Memory is { } m)
        {
            w.WriteStartObject("memory");
            Num(w, "weightsGiB", m.WeightsGiB);
            Num(w, "gradientsGiB", m.GradientsGiB);
            Num(w, "optimizerStatesGiB", m.OptimizerStatesGiB);
            Num(w, "activationsGiB", m.ActivationsGiB);
            Num(w, "workspaceGiB", m.WorkspaceGiB);
            Num(w, "totalGiB", m.TotalGiB);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("memory");
        }
        if (e.Goodput is not null || e.Sites is not null)
        {
            Num(w, "effectiveTimeToTrainDays", e.EffectiveTimeToTrainDays);
            Num(w, "effectiveGpuHours", e.EffectiveGpuHours);
        }
        if (e.Goodput is { } g) GoodputJson.Write(w, "goodput", g);
        if (e.Sites is { } st) GoodputJson.Write(w, "sites", st);
        if (trackRecord is not null) WriteTrackRecord(w, trackRecord);
        if (published is not null)
        {
            w.WritePropertyName("published");
            ValidationJson.WriteCase(w, published);
        }
        w.WriteEndObject();
    }

    /// <summary>
    /// Writes <c>"trackRecord": { medianError, minError, maxError, withinTolerance, far, runs: [{ id, family, chip, gpus,
    /// error, withinTolerance, distance, likeness, soft }] }</c>: the model's signed errors (+ too fast) on the published runs most like the plan.
    /// </summary>
    public static void WriteTrackRecord(Utf8JsonWriter w, TrackRecord record)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(record);
        w.WriteStartObject("trackRecord");
        Num(w, "medianError", record.MedianError);
        Num(w, "minError", record.MinError);
        Num(w, "maxError", record.MaxError);
        w.WriteNumber("withinTolerance", record.WithinTolerance);
        w.WriteBoolean("far", record.Far);
        w.WriteStartArray("runs");
        foreach (var r in record.Runs)
        {
            w.WriteStartObject();
            w.WriteString("id", r.Id);
            w.WriteString("family", r.Family);
            w.WriteString("chip", r.Chip);
            w.WriteNumber("gpus", r.Gpus);
            Num(w, "error", r.Error);
            w.WriteBoolean("withinTolerance", r.WithinTolerance);
            Num(w, "distance", r.Distance);
            w.WriteString("likeness", r.Likeness);
            w.WriteBoolean("soft", r.Soft);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Writes a list of errors as [{path, message}].</summary>
    public static void WriteErrors(Utf8JsonWriter w, string name, IEnumerable<ScenarioError> errors)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(errors);
        w.WriteStartArray(name);
        foreach (var err in errors)
        {
            w.WriteStartObject();
            w.WriteString("path", err.Path);
            w.WriteString("message", err.Message);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void Comm(Utf8JsonWriter w, string name, CommunicationTime c)
    {
        w.WriteStartObject(name);
        Num(w, "linkSeconds", c.LinkSeconds);
        Num(w, "exposedSeconds", c.ExposedSeconds);
        w.WriteEndObject();
    }

    /// <summary>Writes a finite number, or null for absent/non-finite values (JSON has no NaN or infinity).</summary>
    public static void Num(Utf8JsonWriter w, string name, double? value)
    {
        ArgumentNullException.ThrowIfNull(w);
        if (value is { } v && double.IsFinite(v)) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }
}

/// <summary>Writes a plan with the scenario document's <c>parallelism</c> field names.</summary>
public static class PlanJson
{
    /// <summary>Writes the plan as an object value.</summary>
    public static void Write(Utf8JsonWriter w, ParallelismPlan p)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(p);
        w.WriteStartObject();
        w.WriteNumber("tensor", p.Tensor);
        w.WriteNumber("pipeline", p.Pipeline);
        w.WriteNumber("data", p.Data);
        w.WriteNumber("context", p.Context);
        w.WriteNumber("expert", p.Expert);
        w.WriteBoolean("sequenceParallel", p.SequenceParallel);
        w.WriteNumber("virtualStages", p.VirtualStages);
        w.WriteNumber("microBatchSize", p.MicroBatchSize);
        w.WriteNumber("zeroStage", p.ZeroStage);
        w.WriteString("recompute", p.Recompute.ToString().ToLowerInvariant());
        if (p.ZeroStage == 3) w.WriteString("zeroShardScope", p.ZeroShardScope.ToString().ToLowerInvariant());
        if (p.ActivationOffloadLayers > 0) w.WriteNumber("activationOffloadLayers", p.ActivationOffloadLayers);
        w.WriteStartArray("placement");
        foreach (var a in p.Placement) w.WriteStringValue(a.ToString().ToLowerInvariant());
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>One-line summary such as "TP8+SP PP8×3 DP16 mb1 ZeRO-1 selective".</summary>
    public static string Describe(ParallelismPlan p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var s = $"TP{p.Tensor}{(p.SequenceParallel && p.Tensor > 1 ? "+SP" : "")} PP{p.Pipeline}{(p.VirtualStages > 1 ? $"×{p.VirtualStages}" : "")} DP{p.Data}";
        if (p.Context > 1) s += $" CP{p.Context}";
        if (p.Expert > 1) s += $" EP{p.Expert}";
        s += $" mb{p.MicroBatchSize} ZeRO-{p.ZeroStage}{(p.ZeroStage == 3 && p.ZeroShardScope == ZeroShardScope.Domain ? "/hybrid" : "")} {p.Recompute.ToString().ToLowerInvariant()}";
        if (p.ActivationOffloadLayers > 0) s += $" offload{p.ActivationOffloadLayers}";
        if (!p.Placement.SequenceEqual(ParallelismPlan.DefaultPlacement)) s += " [" + string.Join(",", p.Placement.Select(a => a.ToString().ToLowerInvariant()[..2])) + "]";
        return s;
    }
}
