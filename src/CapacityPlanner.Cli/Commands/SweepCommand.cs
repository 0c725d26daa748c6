using System.Globalization;
using System.Text;
using CapacityPlanner.Contracts.Results;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Search;

namespace CapacityPlanner.Cli.Commands;

/// <summary><c>capplan sweep &lt;scenario.json&gt; --gpus 8..131072 [--mode strong|weak] [--json]</c>.</summary>
internal static class SweepCommand
{
    private const long MaxGpus = 100_000_000;
    private const int MaxSizes = 64;

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
            counts = ScalingSweep.ParseCounts(gpusText, MaxGpus, MaxSizes, out var error);
            if (error is not null) a.Errors.Add("--gpus: " + error);
        }
        if (a.Errors.Count > 0)
        {
            foreach (var e in a.Errors) await stderr.WriteLineAsync("capplan sweep: " + e);
            return ExitCodes.InvalidInput;
        }
        var json = a.Flags.Contains("--json");
        var loaded = await ScenarioInput.LoadAsync(a.Positional[0], stdin, json, stdout, stderr);
        if (loaded is null) return ExitCodes.InvalidInput;
        var (document, scenario, _) = loaded.Value;
        counts ??= ScalingSweep.PowersOfTwo(8, 131072);
        var result = ScalingSweep.Run(scenario, ScenarioResolver.Constraints(document.Parallelism), counts, mode);
        await stdout.WriteLineAsync(json ? ResultJson.Serialize(w => ResultJson.WriteSweep(w, result), indented: true) : Render(result));
        return ExitCodes.Ok;
    }

    private static string Render(SweepResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"{r.Mode} scaling, {r.Points.Count} sizes, {r.Evaluated:N0} plans evaluated in {r.ElapsedMilliseconds:F0} ms");
        sb.AppendLine();
        var width = Math.Max(40, r.Points.Where(p => p.Parallelism is not null).Select(p => PlanJson.Describe(p.Parallelism!).Length).DefaultIfEmpty(0).Max());
        sb.AppendLine(inv, $"{"GPUs",9} {"plan".PadRight(width)} {"tokens/s",14} {"MFU",7} {"eff",7} {"int/day",8} {"ETTR",6} {"eff+fail",8} {"comp/comm",10} {"comp/exp",9}  dominant");
        foreach (var p in r.Points)
        {
            if (p.Parallelism is null)
            {
                sb.AppendLine(inv, $"{p.Gpus,9:N0} no feasible plan: {p.Infeasible}");
                continue;
            }
            sb.AppendLine(inv, $"{p.Gpus,9:N0} {PlanJson.Describe(p.Parallelism).PadRight(width)} {p.TokensPerSecond,14:N0} {p.Mfu,7:P1} {p.ScalingEfficiency,7:P0} {p.InterruptionsPerDay,8:F1} {p.EffectiveTrainingTimeRatio,6:P0} {p.ScalingEfficiencyWithFailures,8:P0} {F(p.ComputeToCommunicationRatio),10} {F(p.ComputeToExposedCommunicationRatio),9}  {p.DominantDimension}");
        }
        if (r.Points.Any(p => p.Parallelism is { } plan && !plan.Placement.SequenceEqual(CapacityPlanner.Core.Planning.ParallelismPlan.DefaultPlacement)))
        {
            sb.AppendLine("  " + SearchCommand.PlacementLegend);
        }
        sb.AppendLine();
        var feasible = r.Points.Count(p => p.Parallelism is not null);
        if (feasible < 2)
        {
            sb.AppendLine(feasible == 0
                ? "No swept size has a feasible plan, so there is no break-even size or scaling efficiency to report (see the reasons above)."
                : "Only one swept size has a feasible plan: break-even and scaling efficiency need at least two.");
            return sb.ToString();
        }
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
