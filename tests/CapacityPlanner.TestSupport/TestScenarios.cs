using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.TestSupport;

/// <summary>Scenario builders shared by the model's and the contracts' tests.</summary>
public static class TestScenarios
{
    public const string Gpt3On1024 = """
        { "schemaVersion": 1, "name": "gpt3",
          "model": { "preset": "gpt3-175b" },
          "training": { "globalBatchSequences": 1536, "precision": "bf16", "tokens": 3e11 },
          "system": { "chip": "a100-sxm-80gb", "gpus": 1024 },
          "parallelism": { "tensor": 8, "pipeline": 8, "microBatchSize": 1, "zeroStage": 1, "recompute": "selective" } }
        """;

    /// <summary>The scenario <paramref name="json"/> resolves to; throws with every error when it does not resolve.</summary>
    public static ResolvedScenario Resolve(string json)
    {
        var r = ScenarioResolver.ParseAndResolve(json);
        if (!r.Success) throw new InvalidOperationException("The test scenario does not resolve: " + string.Join("; ", r.Errors.Select(e => $"{e.Path}: {e.Message}")));
        return r.Scenario!;
    }

    public static Estimate Estimate(string json) => Estimator.Estimate(Resolve(json));

    public static ResolvedScenario WithPlan(ResolvedScenario s, Func<ParallelismPlan, ParallelismPlan> change) => s with { Plan = change(s.Plan) };
}
