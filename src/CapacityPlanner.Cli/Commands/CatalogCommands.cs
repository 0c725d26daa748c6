using System.Globalization;
using CapacityPlanner.Contracts.Results;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Workload;

namespace CapacityPlanner.Cli.Commands;

/// <summary><c>capplan chips</c> and <c>capplan presets</c>.</summary>
internal static class CatalogCommands
{
    /// <summary>Reads the arguments both commands take (only --json): null when they are right, else the exit code after the errors.</summary>
    private static int? Refuse(string command, string[] args, TextWriter stderr, out bool json)
    {
        var a = CommandArgs.Parse(args, ["--json"], []);
        if (a.Positional.Count > 0) a.Errors.Add($"unexpected argument '{a.Positional[0]}'; {command} takes only --json.");
        json = a.Flags.Contains("--json");
        foreach (var e in a.Errors) stderr.WriteLine($"capplan {command}: {e}");
        return a.Errors.Count > 0 ? ExitCodes.InvalidInput : null;
    }

    public static int Chips(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (Refuse("chips", args, stderr, out var json) is { } refused) return refused;
        var catalog = HardwareCatalog.Default;
        if (json)
        {
            stdout.WriteLine(ResultJson.Serialize(w =>
            {
                w.WriteStartArray();
                foreach (var c in catalog.Chips)
                {
                    w.WriteStartObject();
                    w.WriteString("id", c.Id);
                    w.WriteString("name", c.Name);
                    w.WriteStartObject("peakTflops");
                    foreach (var (p, v) in c.PeakFlopsPerSecond) w.WriteNumber(p.ToId(), v / 1e12);
                    w.WriteEndObject();
                    w.WriteNumber("hbmCapacityGiB", c.HbmCapacityGiB);
                    w.WriteNumber("hbmBandwidthTBps", c.HbmBandwidthBytesPerSecond / 1e12);
                    w.WriteNumber("tdpWatts", c.TdpWatts);
                    w.WriteNumber("scaleUpGBpsPerDirection", c.ScaleUp.BandwidthBytesPerSecondPerDirection / 1e9);
                    w.WriteNumber("scaleUpDomainSize", c.ScaleUp.DomainSize);
                    w.WriteNumber("scaleOutGbpsPerGpu", c.ScaleOut.NicBitsPerSecondPerGpu / 1e9);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }, indented: true));
            return ExitCodes.Ok;
        }
        stdout.WriteLine($"{"id",-15} {"bf16 TF",8} {"fp8 TF",8} {"HBM GiB",8} {"HBM TB/s",9} {"scale-up GB/s",14} {"domain",7} {"NIC Gb/s",9}");
        foreach (var c in catalog.Chips)
        {
            string T(Precision p) => c.PeakFor(p) is { } v ? (v / 1e12).ToString("F0", CultureInfo.InvariantCulture) : "—";
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.Id,-15} {T(Precision.Bf16),8} {T(Precision.Fp8),8} {c.HbmCapacityGiB,8:F0} {c.HbmBandwidthBytesPerSecond / 1e12,9:F2} {c.ScaleUp.BandwidthBytesPerSecondPerDirection / 1e9,14:F0} {c.ScaleUp.DomainSize,7} {c.ScaleOut.NicBitsPerSecondPerGpu / 1e9,9:F0}"));
        }
        return ExitCodes.Ok;
    }

    public static int Presets(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (Refuse("presets", args, stderr, out var json) is { } refused) return refused;
        if (json)
        {
            stdout.WriteLine(ResultJson.Serialize(w =>
            {
                w.WriteStartArray();
                foreach (var p in ModelPresets.All)
                {
                    var m = p.Model;
                    w.WriteStartObject();
                    w.WriteString("id", p.Id);
                    w.WriteNumber("totalParameters", m.TotalParameters);
                    w.WriteNumber("activeParameters", m.ActiveParameters);
                    w.WriteNumber("layers", m.Layers);
                    w.WriteNumber("hiddenSize", m.HiddenSize);
                    w.WriteNumber("attentionHeads", m.AttentionHeads);
                    w.WriteNumber("kvHeads", m.KvHeads);
                    w.WriteNumber("ffnHiddenSize", m.FfnHiddenSize);
                    w.WriteBoolean("gatedMlp", m.GatedMlp);
                    w.WriteNumber("vocabSize", m.VocabSize);
                    w.WriteNumber("sequenceLength", m.SequenceLength);
                    if (m.Moe is { } moe)
                    {
                        w.WriteStartObject("moe");
                        w.WriteNumber("experts", moe.Experts);
                        w.WriteNumber("expertsPerToken", moe.ExpertsPerToken);
                        w.WriteNumber("sharedExperts", moe.SharedExperts);
                        w.WriteNumber("expertFfnHiddenSize", moe.ExpertFfnHiddenSize);
                        w.WriteEndObject();
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }, indented: true));
            return ExitCodes.Ok;
        }
        foreach (var p in ModelPresets.All)
        {
            var m = p.Model;
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{p.Id,-14} {m.TotalParameters / 1e9,8:F1}B total {m.ActiveParameters / 1e9,8:F1}B active  L={m.Layers} h={m.HiddenSize} heads={m.AttentionHeads}/{m.KvHeads} F={m.FfnHiddenSize} V={m.VocabSize} s={m.SequenceLength}{(m.Moe is null ? "" : $" MoE {m.Moe.Experts}×top{m.Moe.ExpertsPerToken}")}"));
        }
        return ExitCodes.Ok;
    }
}
