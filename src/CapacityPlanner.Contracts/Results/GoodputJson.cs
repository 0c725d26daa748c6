using System.Text.Json;
using CapacityPlanner.Core.Reliability;
using CapacityPlanner.Core.Sites;

namespace CapacityPlanner.Contracts.Results;

/// <summary>Writes goodput and sites reports in the contract's JSON shape (camelCase; null for absent values).</summary>
public static class GoodputJson
{
    /// <summary>Writes a goodput report as a named object.</summary>
    public static void Write(Utf8JsonWriter w, string name, GoodputReport g)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(g);
        w.WriteStartObject(name);
        EstimateJson.Num(w, "effectiveTrainingTimeRatio", g.EffectiveTrainingTimeRatio);
        w.WriteStartObject("lost");
        EstimateJson.Num(w, "checkpointSaves", g.Lost.CheckpointSaves);
        EstimateJson.Num(w, "lostWork", g.Lost.LostWork);
        EstimateJson.Num(w, "restarts", g.Lost.Restarts);
        w.WriteEndObject();
        EstimateJson.Num(w, "interruptionsPerDay", g.InterruptionsPerDay);
        EstimateJson.Num(w, "unexpectedInterruptionsPerDay", g.UnexpectedPerDay);
        EstimateJson.Num(w, "mtbiHours", g.MtbiHours);
        w.WriteStartArray("byClass");
        foreach (var c in g.ByClass)
        {
            w.WriteStartObject();
            w.WriteString("id", c.Id);
            w.WriteString("name", c.Name);
            EstimateJson.Num(w, "perDay", c.PerDay);
            w.WriteString("source", c.Source);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        EstimateJson.Num(w, "checkpointBytesPerGpu", g.CheckpointBytesPerGpu);
        EstimateJson.Num(w, "checkpointTotalBytes", g.CheckpointTotalBytes);
        w.WriteString("checkpointing", g.Checkpointing);
        EstimateJson.Num(w, "checkpointBlockingSeconds", g.CheckpointBlockingSeconds);
        EstimateJson.Num(w, "checkpointWriteSeconds", g.CheckpointWriteSeconds);
        EstimateJson.Num(w, "checkpointLoadSeconds", g.CheckpointLoadSeconds);
        EstimateJson.Num(w, "restartSeconds", g.RestartSeconds);
        w.WriteNumber("hotSpareNodes", g.HotSpareNodes);
        w.WriteBoolean("hotSparesRecommended", g.HotSparesRecommended);
        EstimateJson.Num(w, "nodesUnderRepair", g.NodesUnderRepair);
        EstimateJson.Num(w, "spareWaitProbability", g.SpareWaitProbability);
        EstimateJson.Num(w, "youngIntervalSeconds", g.YoungIntervalSeconds);
        EstimateJson.Num(w, "dalyIntervalSeconds", g.DalyIntervalSeconds);
        EstimateJson.Num(w, "optimalIntervalSeconds", g.OptimalIntervalSeconds);
        EstimateJson.Num(w, "intervalSeconds", g.IntervalSeconds);
        EstimateJson.WriteErrors(w, "errors", g.Errors);
        w.WriteStartArray("assumptions");
        foreach (var a in g.Assumptions)
        {
            w.WriteStartObject();
            w.WriteString("name", a.Name);
            w.WriteString("value", a.Value);
            w.WriteString("source", a.Source);
            w.WriteString("basis", a.Basis);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Writes a sites report as a named object.</summary>
    public static void Write(Utf8JsonWriter w, string name, CrossSiteReport s)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(s);
        w.WriteStartObject(name);
        w.WriteNumber("sites", s.Sites);
        w.WriteNumber("gpusPerSite", s.GpusPerSite);
        EstimateJson.Num(w, "facilityWattsPerGpu", s.FacilityWattsPerGpu);
        EstimateJson.Num(w, "facilityMegawatts", s.FacilityMegawatts);
        EstimateJson.Num(w, "megawattsPerSite", s.MegawattsPerSite);
        EstimateJson.Num(w, "powerCapMw", s.PowerCapMw);
        EstimateJson.Num(w, "maxSiteMw", s.MaxSiteMw);
        if (s.SitesNeeded is { } n) w.WriteNumber("sitesNeeded", n); else w.WriteNull("sitesNeeded");
        EstimateJson.Num(w, "linkGbps", s.LinkGbps);
        EstimateJson.Num(w, "latencyMs", s.LatencyMs);
        if (s.InnerSteps is { } h) w.WriteNumber("innerSteps", h); else w.WriteNull("innerSteps");
        if (s.Compression is { } c) w.WriteString("compression", c); else w.WriteNull("compression");
        EstimateJson.Num(w, "crossSiteBytesPerSync", s.BytesPerSync);
        EstimateJson.Num(w, "crossSiteBytesPerStep", s.BytesPerStep);
        EstimateJson.Num(w, "crossSiteLinkSecondsPerSync", s.LinkSecondsPerSync);
        EstimateJson.Num(w, "crossSiteLinkSecondsPerStep", s.LinkSecondsPerStep);
        EstimateJson.Num(w, "crossSiteExposedSecondsPerStep", s.ExposedSecondsPerStep);
        EstimateJson.Num(w, "stepTimeSeconds", s.StepTimeSeconds);
        EstimateJson.Num(w, "mfu", s.Mfu);
        EstimateJson.Num(w, "computeToCommunicationPerSite", s.ComputeToCommunicationPerSite);
        EstimateJson.Num(w, "computeToCrossSiteRatio", s.ComputeToCrossSiteRatio);
        EstimateJson.Num(w, "breakEvenInterSiteGbps", s.BreakEvenGbps);
        if (s.InnerStepsForOnePercent is { } k) w.WriteNumber("innerStepsForOnePercent", k); else w.WriteNull("innerStepsForOnePercent");
        EstimateJson.Num(w, "lossPercentVsDataParallel", s.LossPercentVsDataParallel);
        EstimateJson.Num(w, "tokenMultiplier", s.TokenMultiplier);
        EstimateJson.WriteErrors(w, "errors", s.Errors);
        w.WriteEndObject();
    }
}
