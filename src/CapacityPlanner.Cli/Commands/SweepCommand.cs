using System.Globalization;
using System.Text;
using System.Text.Json;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Search;

namespace CapacityPlanner.Cli.Commands;

/// <summary><c>capplan sweep &lt;scenario.json&gt; --gpus 8..131072 [--mode strong|weak] [--json]</c>.</summary>
internal static class SweepCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        var a = CommandArgs.Parse(args, ["--json"], ["--gpus", "--mode"]);
        if (a.Positional.Count != 1) a.Errors.Add("give exactly one scenario file (or - for standard input).");
        var mode = ScalingMode.Strong;
        if (a.Options.TryGetValue("--mode", out var modeText) && !Enum.TryParse(modeText, ignoreCase: true, out mode))
            a.Errors.Add($"--mode expects strong or weak, got '{modeText}'.");
        IReadOnlyList<long>? counts = null;
        if (a.Options.TryGetValue("--gpus", out var gpusText))
        {
            counts = ParseCounts(gpusText, out var error);
            if (error is not null) a.Errors.Add(error);
        }
        if (a.Errors.Count > 0)
        {
            foreach (var e in a.Errors) await stderr.WriteLineAsync("capplan sweep: " + e);
            return ExitCodes.InvalidInput;
        }
        var json = a.Flags.Contains("--json");
        var loaded = await ScenarioInput.LoadAsync(a.Positional[0], stdin, json, stdout, stderr);
        if (loaded is null) return ExitCodes.InvalidInput;
        var (document, scenario) = loaded.Value;
        counts ??= ScalingSweep.PowersOfTwo(8, 131072);
        var result = ScalingSweep.Run(scenario, document.Parallelism, counts, mode);
        await stdout.WriteLineAsync(json ? ResultJson.Serialize(w => ResultJson.WriteSweep(w, result), indented: true) : Render(result));
        return ExitCodes.Ok;
    }

    /// <summary>"8..131072" (powers of two) or "8,64,512".</summary>
    internal static IReadOnlyList<long>? ParseCounts(string text, out string? error)
    {
        error = null;
        var inv = CultureInfo.InvariantCulture;
        var range = text.Split("..");
        if (range.Length == 2)
        {
            if (long.TryParse(range[0], NumberStyles.None, inv, out var lo) && long.TryParse(range[1], NumberStyles.None, inv, out var hi) && lo >= 1 && hi >= lo && hi <= 100_000_000)
                return ScalingSweep.PowersOfTwo(lo, hi);
            error = $"--gpus range '{text}' must be MIN..MAX with 1 ≤ MIN ≤ MAX ≤ 100,000,000 (e.g. 8..131072).";
            return null;
        }
        var list = new List<long>();
        foreach (var part in text.Split(','))
        {
            if (!long.TryParse(part.Trim(), NumberStyles.None, inv, out var n) || n < 1 || n > 100_000_000)
            {
                error = $"--gpus expects MIN..MAX or a comma-separated list of GPU counts; '{part}' is not a count from 1 to 100,000,000.";
                return null;
            }
            list.Add(n);
        }
        if (list.Count > 64)
        {
            error = "--gpus lists at most 64 sizes.";
            return null;
        }
        return list;
    }

    private static string Render(SweepResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"{r.Mode} scaling, {r.Points.Count} sizes, {r.Evaluated:N0} plans evaluated in {r.ElapsedMilliseconds:F0} ms");
        sb.AppendLine();
        sb.AppendLine(inv, $"{"GPUs",9} {"plan",-40} {"tokens/s",14} {"MFU",7} {"eff",7} {"int/day",8} {"ETTR",6} {"eff+fail",8} {"comp/comm",10} {"comp/exp",9}  dominant");
        foreach (var p in r.Points)
        {
            if (p.Parallelism is null)
            {
                sb.AppendLine(inv, $"{p.Gpus,9:N0} no feasible plan: {p.Infeasible}");
                continue;
            }
            sb.AppendLine(inv, $"{p.Gpus,9:N0} {PlanJson.Describe(p.Parallelism),-40} {p.TokensPerSecond,14:N0} {p.Mfu,7:P1} {p.ScalingEfficiency,7:P0} {p.InterruptionsPerDay,8:F1} {p.EffectiveTrainingTimeRatio,6:P0} {p.ScalingEfficiencyWithFailures,8:P0} {F(p.ComputeToCommunicationRatio),10} {F(p.ComputeToExposedCommunicationRatio),9}  {p.DominantDimension}");
        }
        sb.AppendLine();
        sb.AppendLine(r.BreakEvenGpus is { } be
            ? string.Create(inv, $"Break-even (exposed communication = compute): {be:N0} GPUs, dominated by {r.BreakEvenDimension} communication.")
            : "Break-even: exposed communication stays below compute over the swept range.");
        if (r.Points.LastOrDefault(p => p.ScalingEfficiencyWithFailures is not null) is { } last)
        {
            sb.AppendLine(string.Create(inv, $"At {last.Gpus:N0} GPUs: scaling efficiency {last.ScalingEfficiency:P0} without failures, {last.ScalingEfficiencyWithFailures:P0} with them ({last.InterruptionsPerDay:F0} interruptions/day, goodput {last.EffectiveTrainingTimeRatio:P1})."));
        }
        sb.AppendLine(r.HalfEfficiencyGpus is { } h
            ? string.Create(inv, $"Scaling efficiency falls below 50% at {h:N0} GPUs.")
            : "Scaling efficiency stays above 50% over the swept range.");
        return sb.ToString();
    }

    private static string F(double? v) => v is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) : "∞";
}
