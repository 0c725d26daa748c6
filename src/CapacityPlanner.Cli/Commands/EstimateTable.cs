using CapacityPlanner.Core.Workload;
using System.Globalization;
using System.Text;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Cli.Commands;

/// <summary>Readable table of an estimate.</summary>
internal static class EstimateTable
{
    public static string Render(ResolvedScenario s, Estimate e)
    {
        var sb = new StringBuilder();
        var p = s.Plan;
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"Scenario   {s.Name}");
        sb.AppendLine(inv, $"Model      {s.Model.Name}: {e.TotalParameters / 1e9:F1}B parameters ({e.ActiveParameters / 1e9:F1}B active), {s.Model.Layers} layers, h={s.Model.HiddenSize}, s={s.Model.SequenceLength}");
        sb.AppendLine(inv, $"System     {s.System.Gpus:N0} × {s.System.Chip.Name} ({s.Training.Precision.ToString().ToLowerInvariant()}), scale-up domain {s.System.ScaleUpDomainGpus}, {s.System.ScaleOutBitsPerSecondPerGpu / 1e9:F0} Gb/s per GPU scale-out");
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
        if (e.TimeToTrainDays is { } days) Row(sb, "Time to train", $"{days:F1} days, {e.GpuHours:N0} GPU-hours");
        if (e.Breakdown is { } b)
        {
            sb.AppendLine();
            sb.AppendLine("Step breakdown (seconds)      link     exposed");
            Row(sb, "  compute", $"{b.ComputeSeconds,9:F3}");
            Row(sb, "  recompute", $"{b.RecomputeSeconds,9:F3}");
            Row(sb, "  memory-bound", $"{b.MemoryBoundSeconds,9:F3}");
            Row(sb, "  pipeline bubble", $"{b.BubbleSeconds,9:F3}");
            Row(sb, "  optimizer", $"{b.OptimizerSeconds,9:F3}");
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
        return sb.ToString();
    }

    private static string Ratio(double? r) => r is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "∞";

    private static void Row(StringBuilder sb, string label, FormattableString value) =>
        sb.Append(label.PadRight(22)).AppendLine(value.ToString(CultureInfo.InvariantCulture));

    private static void Comm(StringBuilder sb, string label, CommunicationTime c) =>
        sb.Append(label.PadRight(22)).AppendLine(string.Create(CultureInfo.InvariantCulture, $"{c.LinkSeconds,9:F3}  {c.ExposedSeconds,9:F3}"));
}
