using System.Globalization;
using System.Text;
using CapacityPlanner.Measurements;

namespace CapacityPlanner.Runner;

/// <summary>The readable summary printed when neither --json nor --output is given.</summary>
internal static class BenchSummary
{
    public static string Format(BenchResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var sb = new StringBuilder();
        void Line(FormattableString s) => sb.AppendLine(s.ToString(CultureInfo.InvariantCulture));

        Line($"capplan bench result ({r.Source}{(r.SourceVersion is null ? "" : " " + r.SourceVersion)}, schema v{r.SchemaVersion}), backend {r.Backend}{(r.Quick ? ", quick" : "")}");
        if (r.BackendReason is not null) Line($"  {r.BackendReason}");
        if (r.Host is { } h)
        {
            Line($"Host         {h.Hostname}  {h.CpuModel}  {h.LogicalCores} cores  {(h.MemoryBytes ?? 0) / (1024.0 * 1024 * 1024):0.#} GiB  {h.Libc}  {h.Runtime}");
        }
        foreach (var d in r.Devices)
        {
            var extra = d.Kind == "gpu"
                ? $"sm {d.ComputeCapability}, {d.Multiprocessors} SMs, {(d.MemoryBytes ?? 0) / (1024.0 * 1024 * 1024):0.#} GiB{(d.Host is null ? "" : " on " + d.Host)}"
                : $"{d.Multiprocessors} threads, {d.Features}";
            Line($"Device       rank {d.Rank} #{d.Index}: {d.Name} ({extra})");
        }
        if (r.Software is { } sw && (sw.DriverVersion is not null || sw.CudaDriverVersion is not null || sw.Versions.Count > 0))
        {
            Line($"Software     driver {sw.DriverVersion ?? "?"}, CUDA {sw.CudaDriverVersion?.ToString(CultureInfo.InvariantCulture) ?? "?"}{string.Concat(sw.Versions.Select(kv => $", {kv.Key} {kv.Value}"))}");
        }
        foreach (var lib in r.Libraries)
        {
            Line($"Library      {lib.Name}: {(lib.Found ? $"{lib.Path} ({lib.FoundBy}{(lib.Version is null ? "" : ", version " + lib.Version)})" : "not found")}");
        }
        if (r.Cluster is { WorldSize: > 1 } c) Line($"Ranks        {c.WorldSize} ({c.Launcher}) on {c.Nodes} node(s), rendezvous {c.Rendezvous}");

        if (r.Gemm.Count > 0)
        {
            sb.AppendLine();
            var giga = r.Gemm.Max(g => g.MedianTflops) < 1;
            var unit = giga ? "GFLOP/s" : "TFLOP/s";
            var f = giga ? 1000.0 : 1.0;
            Line($"GEMM ({unit})  {"dtype",-6} {"M×N×K",-20} {"median",9} {"burst",9} {"sustained",10} {"spread",7}");
            foreach (var g in r.Gemm)
            {
                Line($"             {g.Dtype,-6} {$"{g.M}x{g.N}x{g.K}",-20} {g.MedianTflops * f,9:0.0} {g.BurstTflops * f,9:0.0} {(g.SustainedTflops is { } s ? (s * f).ToString("0.0", CultureInfo.InvariantCulture) : "-"),10} {(g.Time is { } t ? t.Spread.ToString("P1", CultureInfo.InvariantCulture) : "-"),7}");
            }
        }
        if (r.Memory.Count > 0)
        {
            sb.AppendLine();
            Line($"Memory (GB/s) {"kind",-18} {"median",9} {"best",9}  bytes counted");
            foreach (var m in r.Memory)
            {
                Line($"              {m.Kind,-18} {m.MedianGBps,9:0.0} {m.BestGBps,9:0.0}  {m.Convention}");
            }
        }
        if (r.HostTransfers.Count > 0)
        {
            sb.AppendLine();
            Line($"Host↔device (GB/s) {"dir",-5} {"median",9} {"best",9}  {"bytes",12}");
            foreach (var t in r.HostTransfers)
            {
                Line($"                   {t.Direction,-5} {t.MedianGBps,9:0.0} {t.BestGBps,9:0.0}  {t.Bytes,12}{(t.Pinned ? " pinned" : "")} device {t.Device}");
            }
        }
        if (r.Collectives.Count > 0)
        {
            sb.AppendLine();
            Line($"Collectives  {"name",-15} {"ranks",5} {"size (B)",12} {"time (µs)",10} {"algbw",8} {"busbw",8}  (GB/s)");
            foreach (var x in r.Collectives.Where(x => !x.InPlace))
            {
                Line($"             {x.Collective,-15} {x.Ranks,5} {x.SizeBytes,12} {x.TimeUs,10:0.0} {x.AlgbwGBps,8:0.00} {x.BusbwGBps,8:0.00}  {x.Transport}");
            }
            var peak = r.Collectives.MaxBy(x => x.BusbwGBps)!;
            Line($"             peak busbw {peak.BusbwGBps:0.00} GB/s ({peak.Collective}, {peak.SizeBytes} B, {peak.Ranks} ranks)");
        }
        if (r.TransferMatrices.Count > 0)
        {
            sb.AppendLine();
            foreach (var m in r.TransferMatrices)
            {
                Line($"Transfer     {m.Test}: {(m.Status == "ok" ? $"sum {m.Sum?.ToString("0.00", CultureInfo.InvariantCulture) ?? "-"} {m.Unit}" : m.Status)}{(m.Description is null ? "" : " — " + m.Description)}");
            }
        }
        if (r.Import is { Reported.Count: > 0 } imp)
        {
            sb.AppendLine();
            foreach (var kv in imp.Reported) Line($"Reported     {kv.Key}: {kv.Value}");
        }
        if (r.Skipped.Count > 0)
        {
            sb.AppendLine();
            foreach (var s in r.Skipped) Line($"Skipped      {s.Suite}: {s.Reason}");
        }
        if (r.Warnings.Count > 0)
        {
            sb.AppendLine();
            foreach (var w in r.Warnings) Line($"Warning      {w}");
        }
        return sb.ToString();
    }
}
