using BenchmarkDotNet.Attributes;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Search;

namespace CapacityPlanner.Benchmarks;

/// <summary>
/// Speed targets of issue 3 on a 2-core machine: ≥ 1,000,000 plan evaluations per second per core (single plan
/// under 1 µs, no allocation), full search of a 1T dense model on 16,384 H100 under 100 ms, sweep 8 → 131,072 under 1 s.
/// </summary>
[MemoryDiagnoser]
public class PlannerBenchmarks
{
    private PlanEvaluator _evaluator = null!;
    private PlanSpec[] _plans = null!;
    private (ScenarioDocument Doc, ResolvedScenario Scenario) _gpt3;
    private (ScenarioDocument Doc, ResolvedScenario Scenario) _dense1T;
    private (ScenarioDocument Doc, ResolvedScenario Scenario) _deepSeek;

    [GlobalSetup]
    public void Setup()
    {
        _gpt3 = Scenarios.Load(Scenarios.Gpt3On1024A100);
        _dense1T = Scenarios.Load(Scenarios.Dense1TOn16384H100);
        _deepSeek = Scenarios.Load(Scenarios.DeepSeekV3On2048H800);
        _evaluator = new PlanEvaluator(_gpt3.Scenario);
        // Distinct plans so the per-layer cache cannot serve every call: the honest per-plan cost.
        _plans =
        [
            new(8, 8, 16, 1, 1, true, 1, 1, 1, RecomputeMode.Selective, PlanSpec.DefaultPlacement),
            new(4, 8, 16, 2, 1, true, 4, 1, 1, RecomputeMode.None, PlanSpec.PipelineInsideData),
            new(8, 16, 8, 1, 1, true, 3, 1, 0, RecomputeMode.Full, PlanSpec.DefaultPlacement),
            new(2, 16, 32, 1, 1, true, 2, 1, 2, RecomputeMode.Selective, PlanSpec.DefaultPlacement),
        ];
    }

    /// <summary>Costs four different plans (divide the time by 4 for one plan).</summary>
    [Benchmark(OperationsPerInvoke = 4)]
    public double EvaluatePlan()
    {
        var sum = 0.0;
        foreach (var p in _plans) sum += _evaluator.Evaluate(p).StepSeconds;
        return sum;
    }

    [Benchmark]
    public double MemoryOfPlan() => _evaluator.MemoryBytes(_plans[0]);

    [Benchmark]
    public SearchResult SearchGpt3On1024A100() => PlanSearch.Search(_gpt3.Scenario, ScenarioResolver.Constraints(_gpt3.Doc.Parallelism), new SearchOptions());

    [Benchmark]
    public SearchResult Search1TDenseOn16384H100() => PlanSearch.Search(_dense1T.Scenario, ScenarioResolver.Constraints(_dense1T.Doc.Parallelism), new SearchOptions());

    [Benchmark]
    public SearchResult SearchDeepSeekV3On2048H800() => PlanSearch.Search(_deepSeek.Scenario, ScenarioResolver.Constraints(_deepSeek.Doc.Parallelism), new SearchOptions());

    [Benchmark]
    public SweepResult SweepGpt3From8To131072() =>
        ScalingSweep.Run(_gpt3.Scenario, ScenarioResolver.Constraints(_gpt3.Doc.Parallelism), ScalingSweep.PowersOfTwo(8, 131072), ScalingMode.Strong);
}
