using System.Globalization;
using System.Text;
using CapacityPlanner.Contracts.Results;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Search;
using CapacityPlanner.Core.Validation;

namespace CapacityPlanner.Cli.Commands;

/// <summary><c>capplan search &lt;scenario.json&gt; [--top N] [--objective time|cost|memory] [--json]</c>.</summary>
internal static class SearchCommand
{
    /// <summary>What a plan's [..] tag means (search and sweep tables).</summary>
    internal const string PlacementLegend =
        "[te,co,ex,pi,da]: the order ranks are laid out in, innermost first (tensor, context, expert, pipeline, data), where it is not the default te,co,ex,da,pi; the same plan in both orders differs only in which groups share a node.";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        var a = CommandArgs.Parse(args, ["--json", "--exhaustive"], ["--top", "--objective"]);
        if (a.Positional.Count != 1) a.Errors.Add("give exactly one scenario file (or - for standard input).");
        var top = 5;
        if (a.Options.TryGetValue("--top", out var topText) && (!int.TryParse(topText, NumberStyles.None, CultureInfo.InvariantCulture, out top) || top is < 1 or > 1000))
            a.Errors.Add($"--top expects a whole number from 1 to 1000, got '{topText}'.");
        var objective = SearchObjective.Time;
        if (a.Options.TryGetValue("--objective", out var objText) && !Enum.TryParse(objText, ignoreCase: true, out objective))
            a.Errors.Add($"--objective expects time, cost or memory, got '{objText}'.");
        if (a.Errors.Count > 0)
        {
            foreach (var e in a.Errors) await stderr.WriteLineAsync("capplan search: " + e);
            return ExitCodes.InvalidInput;
        }
        var json = a.Flags.Contains("--json");
        var loaded = await ScenarioInput.LoadAsync(a.Positional[0], stdin, json, stdout, stderr);
        if (loaded is null) return ExitCodes.InvalidInput;
        var (document, scenario, _) = loaded.Value;
        var result = PlanSearch.Search(scenario, ScenarioResolver.Constraints(document.Parallelism), new SearchOptions(top, objective, a.Flags.Contains("--exhaustive")));
        await stdout.WriteLineAsync(json ? ResultJson.Serialize(w => ResultJson.WriteSearch(w, result, scenario), indented: true) : Render(result, scenario));
        return ExitCodes.Ok;
    }

    private static string Render(SearchResult r, CapacityPlanner.Core.Planning.ResolvedScenario? scenario = null)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"Evaluated {r.Evaluated:N0} candidate plans in {r.ElapsedMilliseconds:F1} ms; {r.Feasible:N0} feasible.");
        foreach (var w in r.Warnings) sb.AppendLine(inv, $"  ! {w}");
        if (r.Best.Count == 0)
        {
            sb.AppendLine(inv, $"No feasible plan: {r.EmptyReason}");
            if (r.Closest is { } c)
            {
                sb.AppendLine(inv, $"Closest: {PlanJson.Describe(c.Plan)} needs {c.MemoryGiB:F1} GiB of {c.HbmCapacityGiB:F0} GiB. To make it fit:");
                foreach (var s in c.Suggestions) sb.AppendLine(inv, $"  - {s}");
            }
        }
        else
        {
            sb.AppendLine();
            // The plan column is as wide as its widest plan, so a placement tag does not push the figures out of line.
            var described = r.Best.Select(b => PlanJson.Describe(b.Plan)).ToList();
            var width = Math.Max(44, described.Select(d => d.Length).DefaultIfEmpty(0).Max());
            sb.AppendLine(inv, $"{"#",-3} {"plan".PadRight(width)} {"step s",9} {"tokens/s",12} {"MFU",7} {"mem GiB",8} {"comp/comm",10} {"record",8}");
            for (var k = 0; k < r.Best.Count; k++)
            {
                var e = r.Best[k].Estimate;
                // The model's median error on the published runs most like the plan (+ too fast); blank without a scenario.
                var record = scenario is null ? null : ValidationSet.TrackRecordFor(scenario, e);
                var recordText = record is null ? "" : TrackRecord.Signed(record.MedianError) + (record.Far ? "?" : "");
                sb.AppendLine(inv, $"{k + 1,-3} {described[k].PadRight(width)} {e.StepTimeSeconds,9:F3} {e.TokensPerSecond,12:N0} {e.Mfu,7:P1} {e.MemoryPerGpuGiB,8:F1} {(e.ComputeToCommunicationRatio is { } x ? x.ToString("F2", inv) : "∞"),10} {recordText,8}{(e.BelowFittedRange ? " !" : "")}");
            }
            if (scenario is not null)
            {
                sb.AppendLine("  record: the model's median error on the 5 published runs most like each plan (+ too fast; ? none much like it; capplan estimate lists them).");
            }
            if (r.Best.Any(b => b.Plan.Placement.Count > 0 && !b.Plan.Placement.SequenceEqual(CapacityPlanner.Core.Planning.ParallelismPlan.DefaultPlacement)))
            {
                sb.AppendLine("  " + PlacementLegend);
            }
            var firstBelow = r.Best.ToList().FindIndex(p => p.Estimate.BelowFittedRange);
            if (firstBelow >= 0 && r.Best[firstBelow].Estimate.GpuSecondsPerLayerMicroBatch is { } work)
            {
                // The estimate's own warning says why; here once for the table.
                sb.AppendLine(inv, $"  ! outside the fitted range: {Estimator.BelowFittedRangeNote(work)} (plans marked !, the first is {firstBelow + 1}; docs/accuracy.md, Known gaps).");
            }
        }
        if (r.Rejected.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Rejected:");
            foreach (var (reason, count) in r.Rejected.OrderByDescending(x => x.Value)) sb.AppendLine(inv, $"  {count,10:N0}  {reason}");
        }
        return sb.ToString();
    }
}
