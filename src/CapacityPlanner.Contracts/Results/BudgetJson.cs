using System.Text.Json;
using CapacityPlanner.Core.Budget;
using CapacityPlanner.Core.Hardware;

namespace CapacityPlanner.Contracts.Results;

/// <summary>Writes a <see cref="BudgetResult"/> as JSON (camelCase; null for absent or non-finite numbers).</summary>
public static class BudgetJson
{
    /// <summary>Serialises a result.</summary>
    public static string Serialize(BudgetResult result, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(result);
        return ResultJson.Serialize(w => Write(w, result), indented, relaxedEscaping: true);
    }

    /// <summary>Writes a result as one JSON object.</summary>
    public static void Write(Utf8JsonWriter w, BudgetResult r)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(r);
        w.WriteStartObject();
        w.WriteString("scenario", r.ScenarioName);
        w.WriteString("mode", r.Mode switch { BudgetMode.Budget => "budget", BudgetMode.TargetFlop => "targetFlop", _ => "cluster" });
        w.WriteString("chip", r.ChipId);
        w.WriteString("precision", r.Precision.ToId());
        w.WriteNumber("gpus", r.Gpus);
        if (r.AffordableGpus is { } aff) w.WriteNumber("affordableGpus", aff); else w.WriteNull("affordableGpus");
        w.WriteNumber("nodes", r.Nodes);
        w.WriteNumber("gpusPerNode", r.GpusPerNode);
        EstimateJson.Num(w, "durationDays", r.DurationDays);
        EstimateJson.Num(w, "requestedDurationDays", r.RequestedDurationDays);
        EstimateJson.Num(w, "trainingDays", r.TrainingDays);
        EstimateJson.Num(w, "goodput", r.Goodput);
        if (r.Reliability is { } g) GoodputJson.Write(w, "reliability", g); else w.WriteNull("reliability");
        if (r.Sites is { } st) GoodputJson.Write(w, "sites", st); else w.WriteNull("sites");
        EstimateJson.Num(w, "mfu", r.Mfu);
        w.WriteString("mfuSource", r.MfuSource);
        if (r.Plan is null) w.WriteNull("parallelism");
        else
        {
            w.WritePropertyName("parallelism");
            PlanJson.Write(w, r.Plan);
        }
        EstimateJson.Num(w, "stepTimeSeconds", r.PlanEstimate?.StepTimeSeconds);
        EstimateJson.Num(w, "tokensPerSecond", r.PlanEstimate?.TokensPerSecond);
        EstimateJson.Num(w, "memoryPerGpuGiB", r.PlanEstimate?.MemoryPerGpuGiB);
        EstimateJson.Num(w, "itMegawatts", r.ItMegawatts);
        EstimateJson.Num(w, "facilityMegawatts", r.FacilityMegawatts);
        EstimateJson.Num(w, "energyMegawattHours", r.EnergyMegawattHours);
        EstimateJson.Num(w, "totalFlop", r.TotalFlop);
        EstimateJson.Num(w, "log10TotalFlop", r.Log10TotalFlop);
        EstimateJson.Num(w, "trainingTokens", r.TrainingTokens);
        EstimateJson.Num(w, "totalParameters", r.TotalParameters);
        EstimateJson.Num(w, "activeParameters", r.ActiveParameters);
        EstimateJson.Num(w, "costPer1e24FlopUsd", r.CostPer1e24FlopUsd);
        EstimateJson.Num(w, "costPerGpuHourUsd", r.CostPerGpuHourUsd);
        EstimateJson.Num(w, "budgetUsd", r.BudgetUsd);
        var c = r.Costs;
        w.WriteStartObject("costBreakdownUsd");
        EstimateJson.Num(w, "servers", c.ServersUsd);
        EstimateJson.Num(w, "network", c.NetworkUsd);
        EstimateJson.Num(w, "facility", c.FacilityUsd);
        EstimateJson.Num(w, "energy", c.EnergyUsd);
        EstimateJson.Num(w, "rental", c.RentalUsd);
        EstimateJson.Num(w, "run", c.RunCostUsd);
        EstimateJson.Num(w, "hyperparameterSearch", c.HyperparameterSearchUsd);
        EstimateJson.Num(w, "unallocated", c.UnallocatedUsd);
        EstimateJson.Num(w, "total", c.TotalUsd);
        EstimateJson.Num(w, "capex", c.CapexUsd);
        w.WriteEndObject();
        w.WriteStartObject("optimizer");
        w.WriteString("id", r.Optimizer.Id);
        w.WriteString("name", r.Optimizer.Name);
        EstimateJson.Num(w, "stateBytesPerParameter", r.Optimizer.StateBytesPerParameter);
        EstimateJson.Num(w, "stateGiB", r.OptimizerStateGiB);
        EstimateJson.Num(w, "extraStepTimeFraction", r.OptimizerExtraFraction);
        w.WriteString("source", r.Optimizer.Source);
        w.WriteString("note", r.Optimizer.Note);
        w.WriteEndObject();
        EstimateJson.Num(w, "computeOptimalParameters", r.Scaling?.Parameters);
        EstimateJson.Num(w, "computeOptimalTokens", r.Scaling?.Tokens);
        EstimateJson.Num(w, "epochs", r.Scaling?.Epochs);
        EstimateJson.Num(w, "predictedLoss", r.Scaling?.PredictedLoss);
        EstimateJson.Num(w, "scenarioModelLoss", r.ScenarioModelLoss);
        if (r.Scaling is null) w.WriteNull("scaling");
        else
        {
            w.WritePropertyName("scaling");
            ScalingJson.Write(w, r.Scaling);
        }
        if (r.AlternativeScaling is null) w.WriteNull("alternativeScaling");
        else
        {
            w.WritePropertyName("alternativeScaling");
            ScalingJson.Write(w, r.AlternativeScaling);
        }
        w.WriteStartArray("precisions");
        foreach (var p in r.Precisions)
        {
            w.WriteStartObject();
            w.WriteString("precision", p.Precision.ToId());
            w.WriteBoolean("supported", p.Supported);
            EstimateJson.Num(w, "peakTflopsPerGpu", p.PeakTflopsPerGpu);
            EstimateJson.Num(w, "mfu", p.Mfu);
            EstimateJson.Num(w, "modelTflopsPerGpu", p.ModelTflopsPerGpu);
            EstimateJson.Num(w, "totalFlop", p.TotalFlop);
            EstimateJson.Num(w, "log10TotalFlop", p.Log10TotalFlop);
            EstimateJson.Num(w, "daysForSameFlop", p.DaysForSameFlop);
            EstimateJson.Num(w, "predictedLoss", p.PredictedLoss);
            if (p.FitsInMemory is { } f) w.WriteBoolean("fitsInMemory", f); else w.WriteNull("fitsInMemory");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("assumptions");
        foreach (var a in r.Assumptions.Used)
        {
            w.WriteStartObject();
            w.WriteString("name", a.Name);
            w.WriteString("value", a.Value);
            w.WriteString("source", a.Source);
            w.WriteString("note", a.Note);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("warnings");
        foreach (var s in r.Warnings) w.WriteStringValue(s);
        w.WriteEndArray();
        w.WriteStartArray("notes");
        foreach (var s in r.Notes) w.WriteStringValue(s);
        w.WriteEndArray();
        w.WriteNumber("searches", r.Searches);
        w.WriteNumber("elapsedMilliseconds", Math.Round(r.ElapsedMilliseconds, 3));
        w.WriteEndObject();
    }
}
