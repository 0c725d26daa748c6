using CapacityPlanner.Web.Features.Planner;
using CapacityPlanner.Web.Shared.Charts;
using CapacityPlanner.Web.Shared.Scenario;
using CapacityPlanner.Web.Tests.Support;

namespace CapacityPlanner.Web.Tests.Features.Planner;

/// <summary>The plain-language verdict on compute against communication.</summary>
public sealed class CommunicationVerdictTests
{
    private static CommunicationVerdict Verdict(PlannerInput input)
    {
        var outcome = PlannerEstimates.Of(input);
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
        Assert.StartsWith("Compute-bound: compute is ", verdict.Headline, StringComparison.Ordinal);
        Assert.EndsWith("; communication hides behind compute", verdict.Headline, StringComparison.Ordinal);
        Assert.Equal("compute", verdict.Limiter);
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

    private static (CommunicationVerdict Verdict, Core.Estimation.Estimate Estimate) VerdictAndEstimate(PlannerInput input)
    {
        var outcome = PlannerEstimates.Of(input);
        return (CommunicationVerdict.From(outcome.Estimate!, outcome.Scenario!)!, outcome.Estimate!);
    }

    // Llama 3 405B over 16 pipeline stages with 64 micro-batches per step: the bubble (15 of 79 slots) is the largest
    // loss, larger than any exposed collective.
    private static PlannerInput BubbleHeavy() => new()
    {
        PresetId = "llama3-405b", ChipId = "h100-sxm", Gpus = 1024, Tensor = 8, Pipeline = 16, GlobalBatchSequences = 256, MicroBatchSize = 1,
        ZeroStage = 1, Recompute = "full", SequenceParallel = true,
    };

    [Fact]
    public void When_the_pipeline_bubble_is_the_largest_loss_the_verdict_names_it_and_still_says_compute_bound()
    {
        var (verdict, estimate) = VerdictAndEstimate(BubbleHeavy());
        var b = estimate.Breakdown!;

        Assert.True(b.BubbleSeconds > b.Communication.TotalExposedSeconds, $"bubble {b.BubbleSeconds} vs exposed {b.Communication.TotalExposedSeconds}");
        Assert.Equal("bubble", verdict.LargestLossKey);
        Assert.StartsWith("Largest loss: pipeline bubble", verdict.LargestLoss, StringComparison.Ordinal);
        Assert.StartsWith("Compute-bound", verdict.Headline, StringComparison.Ordinal);
        var share = b.BubbleSeconds / estimate.StepTimeSeconds!.Value * 100;
        Assert.Contains(share.ToString("F1", System.Globalization.CultureInfo.InvariantCulture) + " % of the step", verdict.LargestLoss, StringComparison.Ordinal);
    }

    [Fact]
    public void The_verdicts_compute_figure_is_the_compute_row_of_the_table_and_the_chart()
    {
        var (verdict, estimate) = VerdictAndEstimate(new PlannerInput());
        var compute = estimate.Breakdown!.ComputeSeconds.ToString("F3", System.Globalization.CultureInfo.InvariantCulture);

        Assert.StartsWith($"Compute {compute} s", verdict.Detail, StringComparison.Ordinal);
        var chart = PlannerCharts.StepBreakdown(estimate.Breakdown, estimate.StepTimeSeconds!.Value, ChartTheme.For(false));
        Assert.Contains($"compute {compute} s", chart.Summary, StringComparison.Ordinal);
        Assert.Equal(estimate.Breakdown.ComputeSeconds, StepTerms.ComputeSeconds(StepTerms.From(estimate.Breakdown)));
    }

    [Fact]
    public void The_largest_loss_is_named_whatever_it_is()
    {
        var (comm, _) = VerdictAndEstimate(new PlannerInput
        {
            PresetId = "llama3-8b", Gpus = 256, Tensor = 1, Pipeline = 1, GlobalBatchSequences = 256, MicroBatchSize = 1,
            ZeroStage = 0, Recompute = "full", ScaleOutGbpsPerGpu = 10,
        });
        Assert.Equal("dataParallel", comm.LargestLossKey);
        Assert.StartsWith("Largest loss: exposed DP all-reduce over the scale-out network", comm.LargestLoss, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fine_grained_moe_step_shows_its_host_launch_waits_as_a_term_that_adds_to_the_step()
    {
        // Mixtral on B200 with 8 experts over EP 2 and per-expert kernels (2025's recipes; the stack fuses FP8 experts on
        // Blackwell): four local experts wait for the host in every MoE layer.
        var (_, moe) = VerdictAndEstimate(new PlannerInput
        {
            PresetId = "mixtral-8x7b", ChipId = "b200", Gpus = 8, Tensor = 1, Pipeline = 1, Expert = 2, GlobalBatchSequences = 64,
            MicroBatchSize = 1, ZeroStage = 1, Precision = "fp8", FusedExpertKernels = false,
        });
        var terms = StepTerms.From(moe.Breakdown!);
        var host = Assert.Single(terms, t => t.Key == "host");
        Assert.True(host.Seconds > 0);
        Assert.Equal(moe.Breakdown!.HostSeconds, host.Seconds);
        Assert.Equal(moe.StepTimeSeconds!.Value, terms.Sum(t => t.Seconds), 6);

        // A dense model has no such term.
        var (_, dense) = VerdictAndEstimate(new PlannerInput());
        Assert.DoesNotContain(StepTerms.From(dense.Breakdown!), t => t.Key == "host");
    }
}
