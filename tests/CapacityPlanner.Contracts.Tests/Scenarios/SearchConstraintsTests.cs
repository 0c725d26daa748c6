using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Search;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Contracts.Tests.Scenarios;

/// <summary>A document's <c>parallelism</c> section typed for the plan search (<see cref="ScenarioResolver.Constraints"/>).</summary>
public sealed class SearchConstraintsTests
{
    private static readonly ResolvedScenario s_gpt3 = TestScenarios.Resolve(TestScenarios.Gpt3On1024);

    [Fact]
    public void Constraints_are_typed_from_the_document_in_one_place()
    {
        var c = ScenarioResolver.Constraints(new ParallelismSection
        {
            Tensor = 8,
            Recompute = "full",
            ZeroShardScope = "domain",
            Placement = ["tensor", "context", "expert", "pipeline", "data"],
        });
        Assert.Equal(8, c.Tensor);
        Assert.Equal(RecomputeMode.Full, c.Recompute);
        Assert.Equal(ZeroShardScope.Domain, c.ShardScope);
        Assert.Equal(PlanSpec.PipelineInsideDataOrder, c.Placement);
        Assert.Null(c.Pipeline);
        Assert.Same(SearchConstraints.None, ScenarioResolver.Constraints(null));
    }

    [Fact]
    public void Fixed_fields_from_a_document_and_typed_constraints_give_the_same_search()
    {
        var doc = new ParallelismSection { Tensor = 8, Recompute = "selective" };
        var a = PlanSearch.Search(s_gpt3, ScenarioResolver.Constraints(doc), new SearchOptions(Top: 3));
        var b = PlanSearch.Search(s_gpt3, new SearchConstraints { Tensor = 8, Recompute = RecomputeMode.Selective }, new SearchOptions(Top: 3));
        Assert.Equal(a.Evaluated, b.Evaluated);
        Assert.Equal(a.Best.Select(x => PlanSpec.From(x.Plan)), b.Best.Select(x => PlanSpec.From(x.Plan)));
        Assert.All(a.Best, x => Assert.Equal(8, x.Plan.Tensor));
    }
}
