using System.Diagnostics;
using BenchmarkDotNet.Running;
using CapacityPlanner.Benchmarks;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Search;

// `quick` prints wall-clock figures without BenchmarkDotNet (a fast check while developing);
// anything else is handed to BenchmarkDotNet (e.g. --filter '*').
if (args is ["quick"])
{
    foreach (var (name, json) in new[] { ("search GPT-3 175B / 1,024 A100", Scenarios.Gpt3On1024A100), ("search 1T / 16,384 H100", Scenarios.Dense1TOn16384H100), ("search DeepSeek-V3 / 2,048 H800", Scenarios.DeepSeekV3On2048H800) })
    {
        var (doc, scenario) = Scenarios.Load(json);
        var times = new List<double>();
        SearchResult? last = null;
        for (var i = 0; i < 15; i++)
        {
            var sw = Stopwatch.StartNew();
            last = PlanSearch.Search(scenario, ScenarioResolver.Constraints(doc.Parallelism), new SearchOptions());
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        Console.WriteLine($"{name}: median {times[times.Count / 2]:F1} ms, first {times.Max():F1} ms, {last!.Evaluated:N0} evaluated, {last.Feasible:N0} feasible");
    }
    {
        var (doc, scenario) = Scenarios.Load(Scenarios.Gpt3On1024A100);
        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            ScalingSweep.Run(scenario, ScenarioResolver.Constraints(doc.Parallelism), ScalingSweep.PowersOfTwo(8, 131072), ScalingMode.Strong);
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        Console.WriteLine($"sweep GPT-3 175B 8 → 131,072 A100: median {times[times.Count / 2]:F0} ms, first {times.Max():F0} ms");
    }
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Scenarios).Assembly).Run(args);
