using CapacityPlanner.Web.Estimates;
using CapacityPlanner.Web.Options;
using Microsoft.Extensions.Logging.Abstractions;

namespace CapacityPlanner.Web.Tests;

/// <summary>The plain-language verdict on compute against communication.</summary>
public sealed class CommunicationVerdictTests
{
    private static CommunicationVerdict Verdict(PlannerInput input)
    {
        var outcome = new EstimateService(Microsoft.Extensions.Options.Options.Create(new PlannerOptions()), NullLogger<EstimateService>.Instance).Estimate(input);
        Assert.True(outcome.Estimate?.StepTimeSeconds is not null, string.Join("; ", outcome.Errors.Select(e => e.Message)));
        return CommunicationVerdict.From(outcome.Estimate!, outcome.Scenario!)!;
    }

    [Fact]
    public void Pure_data_parallel_over_a_slow_network_is_bound_by_the_dp_all_reduce_over_the_scale_out_network()
    {
        // 8B parameters, one sequence per GPU, ZeRO-0: every step all-reduces 16 GB of gradients; with 10 Gb/s NICs even the
        // node's eight NICs together (2 GB each way per NIC) take seconds against a sub-second backward.
        var verdict = Verdict(new PlannerInput
        {
            PresetId = "llama3-8b", Gpus = 256, Tensor = 1, Pipeline = 1, GlobalBatchSequences = 256, MicroBatchSize = 1,
            ZeroStage = 0, Recompute = "full", ScaleOutGbpsPerGpu = 10,
        });

        Assert.Equal(VerdictLevel.Bound, verdict.Level);
        Assert.Equal("Communication-bound by DP all-reduce over the scale-out network", verdict.Headline);
        Assert.Equal("dataParallel", verdict.DominantKey);
    }

    [Fact]
    public void A_single_node_tensor_parallel_plan_with_large_batches_hides_its_communication()
    {
        var verdict = Verdict(new PlannerInput
        {
            PresetId = "llama3-8b", ChipId = "h100-sxm", Gpus = 8, Tensor = 1, Pipeline = 1, GlobalBatchSequences = 512, MicroBatchSize = 2,
            ZeroStage = 1, Recompute = "selective",
        });

        Assert.Equal(VerdictLevel.Hidden, verdict.Level);
        Assert.Equal("Communication hides behind compute", verdict.Headline);
    }

    [Fact]
    public void The_default_plan_names_the_tensor_parallel_collectives_on_nvlink()
    {
        var verdict = Verdict(new PlannerInput());

        Assert.Equal("tensorParallel", verdict.DominantKey);
        Assert.Contains("TP all-gather/reduce-scatter", verdict.Headline, StringComparison.Ordinal);
        Assert.Contains("scale-up fabric", verdict.Headline, StringComparison.Ordinal);
        Assert.Contains("s of link time per step", verdict.Detail, StringComparison.Ordinal);
    }
}
