using System.Globalization;
using AngleSharp.Dom;
using CapacityPlanner.Web.Tests.Support;
using PlannerPage = CapacityPlanner.Web.Features.Planner.Planner;

namespace CapacityPlanner.Web.Tests.Features.Planner;

/// <summary>The home page: default plan, invalid plan, breakdown table.</summary>
public sealed class PlannerPageTests : PlannerTestContext
{
    [Fact]
    public void Default_plan_is_feasible_and_shows_a_step_time()
    {
        var cut = Render<PlannerPage>();

        var stepTime = cut.Find("[data-testid=step-time]").TextContent.Trim();
        Assert.Matches(@"^\d+\.\d{3} s$", stepTime);
        Assert.InRange(SecondsIn(stepTime), 1, 100);

        Assert.Equal("true", cut.Find("[data-testid=feasible]").GetAttribute("data-feasible"));
        Assert.Contains("Feasible", cut.Find("[data-testid=feasible]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=errors]"));
        Assert.Matches(@"^\d+\.\d %$", cut.Find("[data-testid=mfu]").TextContent.Trim());
        Assert.Matches(@"^[\d,]+ tokens/s$", cut.Find("[data-testid=tokens-per-second]").TextContent.Trim());
        Assert.Equal("80.0 GiB", cut.Find("[data-testid=hbm-capacity]").TextContent.Trim());
    }

    [Fact]
    public void Tensor_parallelism_that_does_not_divide_the_heads_shows_the_models_reason_and_no_step_time()
    {
        var cut = Render<PlannerPage>();
        Assert.NotEmpty(cut.FindAll("[data-testid=step-time]"));

        // GPT-3 175B has 96 heads; 64 × 8 still divides the 1,024 GPUs, so only the head split is wrong.
        cut.Find("input[data-testid=tensor]").Input("64");

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=step-time]")));
        var errors = cut.Find("[data-testid=errors]");
        var tensorError = Assert.Single(errors.QuerySelectorAll("[data-testid=error][data-path='$.parallelism.tensor']"));
        Assert.Contains("does not divide", tensorError.TextContent, StringComparison.Ordinal);
        Assert.Contains("TP=64 does not divide 96 attention heads", tensorError.TextContent, StringComparison.Ordinal);
        Assert.Equal("false", cut.Find("[data-testid=feasible]").GetAttribute("data-feasible"));
        Assert.NotEmpty(cut.FindAll("[data-testid=no-estimate]"));
        // The same reason is shown inline under the tensor field.
        cut.WaitForAssertion(() => Assert.Contains("does not divide 96 attention heads", TensorFieldText(cut), StringComparison.Ordinal));
    }

    [Fact]
    public void Fixing_the_plan_again_brings_the_step_time_back()
    {
        var cut = Render<PlannerPage>();
        cut.Find("input[data-testid=tensor]").Input("64");
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=errors]")));

        cut.Find("input[data-testid=tensor]").Input("8");

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=step-time]")));
        Assert.Empty(cut.FindAll("[data-testid=errors]"));
    }

    [Fact]
    public void Breakdown_table_has_compute_and_data_parallel_rows_that_add_up_to_the_step_time()
    {
        var cut = Render<PlannerPage>();

        var compute = cut.Find("[data-testid=breakdown] [data-testid=breakdown-row-compute]");
        Assert.Equal("Compute", compute.QuerySelector("[data-testid=label]")!.TextContent.Trim());
        Assert.True(SecondsIn(compute.QuerySelector("[data-testid=step-seconds]")!.TextContent) > 0);

        var dataParallel = cut.Find("[data-testid=breakdown] [data-testid=breakdown-row-dataParallel]");
        Assert.Equal("Data parallel", dataParallel.QuerySelector("[data-testid=label]")!.TextContent.Trim());
        // 16 data-parallel replicas reduce gradients over the network: the link time is real.
        Assert.True(SecondsIn(dataParallel.QuerySelector("[data-testid=link-seconds]")!.TextContent) > 0);

        foreach (var key in new[] { "recompute", "memoryBound", "bubble", "optimizer", "tensorParallel", "contextParallel", "expertParallel", "pipelineParallel" })
        {
            Assert.Single(cut.FindAll($"[data-testid=breakdown-row-{key}]"));
        }

        // Compute, recompute, memory-bound, bubble, optimizer and exposed communication add up to the step time.
        var rows = cut.FindAll("[data-testid=breakdown] tbody tr");
        Assert.Equal(10, rows.Count);
        var sum = rows.Sum(r => SecondsIn(r.QuerySelector("[data-testid=step-seconds]")!.TextContent));
        var step = SecondsIn(cut.Find("[data-testid=step-time]").TextContent);
        Assert.Equal(step, sum, 0.01);
    }

    private static string TensorFieldText(IRenderedComponent<PlannerPage> cut) =>
        cut.Find("input[data-testid=tensor]").Closest(".mud-input-control")!.TextContent;

    /// <summary>"12.345 s" or "12.345" → 12.345; "—" (zero) → 0.</summary>
    private static double SecondsIn(string text)
    {
        var t = text.Replace(" s", "", StringComparison.Ordinal).Trim();
        return t == "—" ? 0 : double.Parse(t, CultureInfo.InvariantCulture);
    }
}
