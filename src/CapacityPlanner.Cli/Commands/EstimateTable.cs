using CapacityPlanner.Core.Workload;
using System.Globalization;
using System.Text;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Validation;

namespace CapacityPlanner.Cli.Commands;

/// <summary>Readable table of an estimate.</summary>
internal static class EstimateTable
{
    public static string Render(ResolvedScenario s, Estimate e, TrackRecord? trackRecord = null, ValidationResult? published = null)
    {
        var sb = new StringBuilder();
        // The plan as costed (a stack without gradient accumulation runs one micro-batch per step; the warning says so).
        var p = e.ResolvedPlan ?? s.Plan;
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"Scenario   {s.Name}");
        sb.AppendLine(inv, $"Model      {s.Model.Name}: {e.TotalParameters / 1e9:F1}B parameters ({e.ActiveParameters / 1e9:F1}B active), {s.Model.Layers} layers, h={s.Model.HiddenSize}, s={s.Model.SequenceLength}");
        if (s.Model.Mla is { } mla)
        {
            sb.AppendLine(inv, $"Attention  latent (MLA): {s.Model.AttentionHeads} heads, {mla.Describe()}");
        }
        if (s.Training.RecomputeModules is { } modules && s.Plan.Recompute == RecomputeMode.Selective)
        {
            sb.AppendLine(inv, $"Recompute  selective: {RecomputeModuleNames.Format(modules)} (training.recomputeModules)");
        }
        sb.AppendLine(inv, $"System     {s.System.Gpus:N0} × {s.System.Chip.Name} ({s.Training.Precision.ToString().ToLowerInvariant()}), scale-up domain {s.System.ScaleUpDomainGpus}, {s.System.ScaleOutBitsPerSecondPerGpu / 1e9:F0} Gb/s per GPU scale-out");
        sb.AppendLine(inv, $"Stack      {s.Training.EffectiveStack.Name} (training.stack \"{s.Training.EffectiveStack.Id}\")");
        if (s.Model.Moe is { } moe && p.Expert > 1)
        {
            // How the tokens travel decides the EP traffic across scale-up domains (docs/model.md, Communication).
            var routing = moe.GroupLimited ? $", each token's experts from {moe.GroupsPerToken} of {moe.RoutingGroups} groups" : "";
            sb.AppendLine(inv, $"MoE        dispatch {ExpertDispatches.Name(s.Training.ExpertDispatch)}{(s.Training.EpDispatch is null ? " (the stack's)" : "")}, EP overlap {(s.Training.ExpertParallelOverlap ? "on" : "off")}, expert kernels {(s.Training.FusesExperts(s.System.Chip) ? "fused" : "per expert")}{(s.Training.FusedExperts is null ? " (the stack's)" : "")}{routing}");
        }
        sb.AppendLine(inv, $"Plan       TP={p.Tensor}{(p.SequenceParallel ? "+SP" : "")} PP={p.Pipeline}{(p.VirtualStages > 1 ? $"×{p.VirtualStages}" : "")} DP={p.Data} CP={p.Context} EP={p.Expert} mb={p.MicroBatchSize} ZeRO-{p.ZeroStage} recompute={p.Recompute.ToString().ToLowerInvariant()}");
        sb.AppendLine();
        sb.AppendLine(e.Feasible ? "Feasible   yes" : "Feasible   NO");
        foreach (var err in e.Errors) sb.AppendLine(inv, $"  ✗ {err.Path}: {err.Message}");
        foreach (var w in e.Warnings) sb.AppendLine(inv, $"  ! {w}");
        if (e.StepTimeSeconds is null) return sb.ToString();
        sb.AppendLine();
        Row(sb, "Step time", $"{e.StepTimeSeconds:F3} s  ({e.MicroBatches} micro-batches per step)");
        Row(sb, "Tokens/s", $"{e.TokensPerSecond:N0}");
        Row(sb, "Model TFLOP/s/GPU", $"{e.ModelTflopsPerGpu:F1}  (MFU {e.Mfu:P1})");
        if (e.MfuByConvention.Count > 0)
        {
            var byConvention = string.Join(", ", e.MfuByConvention.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key.ToId()} {kv.Value:P1}")));
            Row(sb, "MFU by convention", $"{byConvention}  (docs/model.md: FLOP conventions)");
        }
        Row(sb, "Hardware TFLOP/s/GPU", $"{e.HardwareTflopsPerGpu:F1}  (HFU {e.Hfu:P1})");
        Row(sb, "Memory per GPU", $"{e.MemoryPerGpuGiB:F1} GiB of {e.HbmCapacityGiB:F0} GiB");
        Row(sb, "Compute/comm", $"{Ratio(e.ComputeToCommunicationRatio)} (all link time), {Ratio(e.ComputeToExposedCommunicationRatio)} (exposed)");
        if (e.TimeToTrainDays is { } days)
        {
            // The step alone; with interruptions, restarts and the cross-site reduction it is the "Effective time" below.
            if (e.EffectiveTimeToTrainDays is { } effective && Math.Abs(effective / days - 1) > 0.005)
                Row(sb, "Time to train", $"{days:F1} days, {e.GpuHours:N0} GPU-hours (steps alone; with failures and sites: {effective:F1} days, Effective time below)");
            else Row(sb, "Time to train", $"{days:F1} days, {e.GpuHours:N0} GPU-hours");
        }
        if (published is not null) RenderPublished(sb, published);
        if (trackRecord is not null) RenderTrackRecord(sb, trackRecord);
        if (e.Breakdown is { } b)
        {
            sb.AppendLine();
            sb.AppendLine("Step breakdown (seconds)      link     exposed");
            Row(sb, "  compute", $"{b.ComputeSeconds,9:F3}");
            Row(sb, "  recompute", $"{b.RecomputeSeconds,9:F3}");
            Row(sb, "  memory-bound", $"{b.MemoryBoundSeconds,9:F3}");
            Row(sb, "  pipeline bubble", $"{b.BubbleSeconds,9:F3}");
            Row(sb, "  optimizer", $"{b.OptimizerSeconds,9:F3}");
            if (b.HostSeconds > 0) Row(sb, "  host launch waits", $"{b.HostSeconds,9:F3}");
            if (b.OffloadSeconds > 0) Row(sb, "  offload copy waits", $"{b.OffloadSeconds,9:F3}");
            Comm(sb, "  TP comm", b.Communication.TensorParallel);
            Comm(sb, "  CP comm", b.Communication.ContextParallel);
            Comm(sb, "  EP comm", b.Communication.ExpertParallel);
            Comm(sb, "  PP comm", b.Communication.PipelineParallel);
            Comm(sb, "  DP comm", b.Communication.DataParallel);
        }
        if (e.Memory is { } m)
        {
            sb.AppendLine();
            sb.AppendLine(inv, $"Memory (GiB): weights {m.WeightsGiB:F1}, gradients {m.GradientsGiB:F1}, optimizer {m.OptimizerStatesGiB:F1}, activations {m.ActivationsGiB:F1}, workspace {m.WorkspaceGiB:F1}");
        }
        if (e.Sites is { } st) RenderSites(sb, st);
        if (e.Goodput is { } g) RenderGoodput(sb, g, e);
        return sb.ToString();
    }

    /// <summary>A published run's file: what it measured against the estimate, with the source.</summary>
    internal static void RenderPublished(StringBuilder sb, ValidationResult r)
    {
        sb.AppendLine();
        var metric = ValidationCase.MetricId(r.Case.Metric);
        var kind = r.Case.Soft ? "soft: a setting the source leaves out was assumed" : "firm";
        if (r.Error is { } error)
        {
            var side = error >= 0 ? "the model is faster than the run" : "the model is slower than the run";
            Row(sb, "Published", $"{metric} {r.Case.Measured:G5} measured, {r.Predicted:G5} predicted: {TrackRecord.Signed(error)} ({side}; {(r.WithinTolerance ? "within" : "outside")} ±{r.Case.Tolerance * 100:0}%, {kind})");
        }
        else
        {
            Row(sb, "Published", $"{metric} {r.Case.Measured:G5} measured; no prediction: {r.Problem}");
        }
        if (!r.Feasible && r.Error is not null) sb.AppendLine("  ✗ the model calls this run infeasible, yet it ran");
        if (r.Case.Source.Length > 0) Row(sb, "Source", $"{r.Case.Source}");
    }

    /// <summary>The model's error on the published runs most like the plan (docs/accuracy.md, Track record).</summary>
    internal static void RenderTrackRecord(StringBuilder sb, TrackRecord record)
    {
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine();
        Row(sb, "Track record", $"{record.Describe()}");
        foreach (var r in record.Runs)
        {
            sb.AppendLine(string.Create(inv, $"  {r.Id,-52} {r.Chip,-16} {r.Gpus,6:N0} GPUs  {TrackRecord.Signed(r.Error),7}  {r.Likeness,-9}{(r.Soft ? "  (soft)" : "")}").TrimEnd());
        }
    }

    /// <summary>Sites, power and cross-site traffic.</summary>
    internal static void RenderSites(StringBuilder sb, CapacityPlanner.Core.Sites.CrossSiteReport st)
    {
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine();
        var need = st.SitesNeeded is { } n ? string.Create(inv, $"; needs {n} site{(n == 1 ? "" : "s")} of at most {st.MaxSiteMw:N0} MW") : "";
        var cap = st.PowerCapMw is { } c ? string.Create(inv, $"; sized to {c:N0} MW per site") : "";
        Row(sb, "Power", $"{st.FacilityMegawatts:N1} MW facility ({st.FacilityWattsPerGpu:N0} W per GPU incl. server and PUE){cap}{need}");
        Row(sb, "Sites", $"{st.Sites} × {st.GpusPerSite:N0} GPUs, {st.MegawattsPerSite:N1} MW per site");
        if (st.Sites <= 1 || st.LinkGbps is null) return;
        var how = st.InnerSteps is { } h
            ? string.Create(inv, $"DiLoCo, outer all-reduce every {h} steps ({st.Compression})")
            : "synchronous DP: reduce-scatter in site, all-reduce across sites, all-gather in site";
        Row(sb, "Inter-site link", $"{st.LinkGbps:G4} Gb/s per site pair, {st.LatencyMs:F1} ms; {how}");
        Row(sb, "Cross-site traffic", $"{st.BytesPerSync / 1e9:N1} GB per site per sync ({st.BytesPerStep / 1e9:N2} GB per step), link {st.LinkSecondsPerSync:F2} s per sync");
        Row(sb, "Cross-site exposed", $"{st.ExposedSecondsPerStep:F3} s per step → step {st.StepTimeSeconds:F3} s, MFU {st.Mfu:P1}");
        Row(sb, "Compute/comm", $"{Ratio(st.ComputeToCommunicationPerSite)} per site, {Ratio(st.ComputeToCrossSiteRatio)} across sites; break-even inter-site bandwidth {(st.BreakEvenGbps is { } be ? be.ToString("N0", inv) + " Gb/s" : "—")}");
        if (st.InnerSteps is not null)
        {
            Row(sb, "DiLoCo", $"H ≥ {st.InnerStepsForOnePercent:N0} keeps the outer sync under 1% of a step; {st.Sites} replicas: loss {st.LossPercentVsDataParallel:+0.0;-0.0}% vs DP → ×{st.TokenMultiplier:F2} tokens (docs/reliability.md)");
        }
    }

    /// <summary>Failures, checkpoints and goodput.</summary>
    internal static void RenderGoodput(StringBuilder sb, CapacityPlanner.Core.Reliability.GoodputReport g, Estimate e)
    {
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine();
        if (double.IsFinite(g.MtbiHours)) Row(sb, "Interruptions", $"{g.InterruptionsPerDay:F1} per day ({g.UnexpectedPerDay:F1} unexpected), MTBI {g.MtbiHours * 60:F0} min");
        else Row(sb, "Interruptions", $"none expected (reliability.interruptionRateScale 0)");
        Row(sb, "Checkpoint", $"{g.CheckpointBytesPerGpu / 1e9:F2} GB per GPU, {g.CheckpointTotalBytes / 1e12:F1} TB in all; {g.Checkpointing}: blocks {g.CheckpointBlockingSeconds:F1} s, write {g.CheckpointWriteSeconds:F1} s");
        if (double.IsFinite(g.IntervalSeconds)) Row(sb, "Checkpoint interval", $"{g.IntervalSeconds:F0} s (Young {g.YoungIntervalSeconds:F0} s, Daly {g.DalyIntervalSeconds:F0} s, availability-optimal {g.OptimalIntervalSeconds:F0} s)");
        else Row(sb, "Checkpoint interval", $"none needed: nothing interrupts training");
        Row(sb, "Restart", $"{g.RestartSeconds / 60:F1} min per interruption; {g.HotSpareNodes:N0} hot spare nodes{(g.HotSparesRecommended ? " (recommended)" : "")}, {g.NodesUnderRepair:F1} under repair on average");
        Row(sb, "Goodput (ETTR)", $"{g.EffectiveTrainingTimeRatio:P1}; lost: checkpoint saves {g.Lost.CheckpointSaves:P1}, lost work {g.Lost.LostWork:P1}, restarts {g.Lost.Restarts:P1}");
        if (e.EffectiveTimeToTrainDays is { } d) Row(sb, "Effective time", $"{d:F1} days, {e.EffectiveGpuHours:N0} GPU-hours with goodput{(e.Sites is { TokenMultiplier: not 1 } s ? string.Create(inv, $" and ×{s.TokenMultiplier:F2} tokens") : "")}");
    }

    private static string Ratio(double? r) => r is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "∞";

    private static void Row(StringBuilder sb, string label, FormattableString value) =>
        sb.Append(label.PadRight(22)).AppendLine(value.ToString(CultureInfo.InvariantCulture));

    private static void Comm(StringBuilder sb, string label, CommunicationTime c) =>
        sb.Append(label.PadRight(22)).AppendLine(string.Create(CultureInfo.InvariantCulture, $"{c.LinkSeconds,9:F3}  {c.ExposedSeconds,9:F3}"));
}
