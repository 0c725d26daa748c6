using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Core.Tests.Model;

/// <summary>The one rank placement, as seen from outside the model (the dashboard's verdict names the fabric with it).</summary>
public sealed class RankPlacementTests
{
    private static readonly ResolvedScenario s_gpt3 = TestScenarios.Resolve(TestScenarios.Gpt3On1024);

    [Fact]
    public void Innermost_tensor_parallelism_stays_in_the_node_and_data_parallelism_leaves_it()
    {
        var plan = s_gpt3.Plan; // TP8 PP8 DP16 on 8-GPU nodes, default order TP, CP, EP, DP, PP
        Assert.True(RankPlacement.StaysInScaleUpDomain(plan, ParallelAxis.Tensor, 8));
        Assert.False(RankPlacement.StaysInScaleUpDomain(plan, ParallelAxis.Data, 8));
        Assert.False(RankPlacement.StaysInScaleUpDomain(plan, ParallelAxis.Pipeline, 8));
    }

    [Fact]
    public void A_72_gpu_domain_holds_tensor_and_pipeline_when_placed_inside_data()
    {
        var plan = s_gpt3.Plan with { Tensor = 8, Pipeline = 8, Data = 16, Placement = PlanSpec.PipelineInsideDataOrder };
        Assert.True(RankPlacement.StaysInScaleUpDomain(plan, ParallelAxis.Pipeline, 72));
        Assert.False(RankPlacement.StaysInScaleUpDomain(plan, ParallelAxis.Data, 72));
        // In the default order data parallelism sits inside the pipeline: 8 × 16 ranks span more than 72 GPUs.
        Assert.False(RankPlacement.StaysInScaleUpDomain(plan with { Placement = ParallelismPlan.DefaultPlacement }, ParallelAxis.Data, 72));
    }
}
