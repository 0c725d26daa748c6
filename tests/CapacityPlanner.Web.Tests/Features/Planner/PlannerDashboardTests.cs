using System.Globalization;
using Bunit.TestDoubles;
using CapacityPlanner.Web.Shared.Widgets;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using PlannerPage = CapacityPlanner.Web.Features.Planner.Planner;

namespace CapacityPlanner.Web.Tests.Features.Planner;

/// <summary>The planner's dashboard parts: charts, verdict, metric formulas, URL state and the plan search.</summary>
public sealed class PlannerDashboardTests : PlannerTestContext
{
    [Fact]
    public void Step_and_memory_charts_are_drawn_from_the_estimate_and_say_what_they_show()
    {
        var cut = Render<PlannerPage>();

        var step = cut.Find("[data-testid=step-chart]");
        Assert.Equal("1", step.GetAttribute("data-revision"));
        var stepSeconds = cut.Find("[data-testid=step-time]").TextContent.Replace(" s", "", StringComparison.Ordinal).Trim();
        Assert.StartsWith($"Step {stepSeconds} s: compute", cut.Find("[data-testid=step-chart-summary]").TextContent, StringComparison.Ordinal);
        Assert.Contains("of 80 GiB HBM", cut.Find("[data-testid=memory-chart-summary]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void The_lost_time_breakdown_chart_shows_goodput_from_the_reliability_model()
    {
        var cut = Render<PlannerPage>();

        var summary = cut.Find("[data-testid=goodput-chart-summary]").TextContent;
        Assert.StartsWith("Goodput ", summary, StringComparison.Ordinal);
        Assert.Contains("checkpoint saves", summary, StringComparison.Ordinal);
        Assert.Contains("restarts", summary, StringComparison.Ordinal);
        Assert.Contains("interruptions a day", cut.Find("[data-testid=goodput-summary]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_power_cap_sizes_the_planners_cluster_to_what_fits()
    {
        var cut = Render<PlannerPage>();

        // 0.5 MW of facility power / 910 W per A100 (400 W × 1.82 × 1.25) = 549 GPUs → 544 in whole nodes → 512 in whole
        // TP8 × PP8 groups (the form's plan; DP 8 divides its 1,536-sequence batch).
        cut.Find("input[data-testid=power-cap-mw]").Input("0.5");

        cut.WaitForAssertion(() => Assert.Contains("sized to 0.5 MW: 512 GPUs", cut.Find("[data-testid=power-summary]").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var text = cut.Find("[data-testid=power-summary]").TextContent;
        Assert.Contains("W per GPU", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_the_plan_updates_the_chart_in_place_with_a_new_revision()
    {
        var cut = Render<PlannerPage>();
        var chart = cut.FindComponent<PlotlyFigure>();
        var before = cut.Find("[data-testid=step-chart-summary]").TextContent;

        cut.Find("input[data-testid=micro-batch]").Input("2");

        cut.WaitForAssertion(() => Assert.Equal("2", cut.Find("[data-testid=step-chart]").GetAttribute("data-revision")));
        Assert.NotEqual(before, cut.Find("[data-testid=step-chart-summary]").TextContent);
        // The same chart component instance: updated, not re-created.
        Assert.Same(chart.Instance, cut.FindComponent<PlotlyFigure>().Instance);
    }

    [Fact]
    public void The_verdict_names_the_collective_and_the_fabric()
    {
        var cut = Render<PlannerPage>();

        var verdict = cut.Find("[data-testid=verdict]");
        Assert.Equal("partlyexposed", verdict.GetAttribute("data-level"));
        Assert.Contains("TP all-gather/reduce-scatter", cut.Find("[data-testid=verdict-headline]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_metric_has_a_keyboard_reachable_formula()
    {
        var cut = Render<PlannerPage>();

        foreach (var id in new[] { "step-time", "tokens-per-second", "mfu", "hfu", "model-tflops", "hardware-tflops", "time-to-train", "gpu-hours", "memory-per-gpu", "compute-comm-ratio" })
        {
            var help = cut.Find($"[data-testid={id}-help]");
            Assert.Equal("0", help.GetAttribute("tabindex"));
            Assert.Contains(":", help.GetAttribute("aria-label"), StringComparison.Ordinal);
        }
        Assert.Contains("÷ the chip's dense peak", cut.Find("[data-testid=mfu-help]").GetAttribute("aria-label"), StringComparison.Ordinal);
    }

    [Fact]
    public void Time_to_train_and_gpu_hours_follow_the_token_budget()
    {
        var cut = Render<PlannerPage>();
        var days = double.Parse(cut.Find("[data-testid=time-to-train]").TextContent.Replace("days", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);

        cut.Find("input[data-testid=tokens]").Input("600");

        cut.WaitForAssertion(() =>
        {
            var doubled = double.Parse(cut.Find("[data-testid=time-to-train]").TextContent.Replace("days", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
            Assert.Equal(2 * days, doubled, 0.11);
        });
        Assert.Contains("for 600 B tokens", cut.Find("[data-testid=time-to-train-detail]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Edits_are_written_to_the_address_and_read_back_on_load()
    {
        var navigation = Services.GetRequiredService<BunitNavigationManager>();
        var cut = Render<PlannerPage>();

        cut.Find("input[data-testid=gpus]").Input("2048");

        cut.WaitForAssertion(() => Assert.Contains("gpus=2048", navigation.Uri, StringComparison.Ordinal));

        navigation.NavigateTo("/?chip=h100-sxm&gpus=512&tp=4");
        var reloaded = Render<PlannerPage>();
        Assert.Equal("512", reloaded.Find("input[data-testid=gpus]").GetAttribute("value"));
        Assert.Equal("4", reloaded.Find("input[data-testid=tensor]").GetAttribute("value"));
        Assert.Contains("H100", reloaded.Find("input[data-testid=chip]").GetAttribute("value"), StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_model_shape_shows_the_models_reason_on_the_field()
    {
        var cut = Render<PlannerPage>();

        // 96 heads split into 7 KV-head groups is not a GQA layout.
        cut.Find("input[data-testid=kv-heads]").Input("7");

        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll("[data-testid=error]"), e => e.GetAttribute("data-path") == "$.model.kvHeads"));
        Assert.Empty(cut.FindAll("[data-testid=step-time]"));
        cut.WaitForAssertion(() => Assert.Contains("not a multiple of 7 KV heads",
            cut.Find("input[data-testid=kv-heads]").Closest(".mud-input-control")!.TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void Find_best_plan_lists_the_top_plans_and_apply_writes_one_into_the_form()
    {
        var cut = Render<PlannerPage>();

        cut.Find("[data-testid=find-best-plan]").Click();

        cut.WaitForAssertion(() => Assert.Equal(5, cut.FindAll("[data-testid=search-row]").Count), TimeSpan.FromSeconds(30));
        var best = cut.FindAll("[data-testid=search-row]")[0];
        var bestStep = best.QuerySelector("[data-testid=search-step]")!.TextContent.Trim();
        Assert.Contains("feasible", cut.Find("[data-testid=search-stats]").TextContent, StringComparison.Ordinal);

        cut.FindAll("[data-testid=apply-plan]")[0].Click();

        cut.WaitForAssertion(() => Assert.Equal($"{bestStep} s", cut.Find("[data-testid=step-time]").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=search-stale]"));

        cut.Find("input[data-testid=gpus]").Input("512");
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=search-stale]")));
    }

    [Fact]
    public void A_feasible_plan_above_90_percent_of_hbm_is_a_visible_warning_not_plain_feasible()
    {
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo("/?mb=2&rc=none&pp=16");
        var cut = Render<PlannerPage>();

        var chip = cut.Find("[data-testid=feasible]");
        Assert.Equal("true", chip.GetAttribute("data-feasible"));
        Assert.Equal("true", chip.GetAttribute("data-hbm-tight"));
        Assert.Matches(@"Feasible, HBM 9\d\.\d % full", chip.TextContent.Trim());
        Assert.Contains("of HBM", cut.Find("[data-testid=hbm-warning]").TextContent, StringComparison.Ordinal);

        var roomy = Render<PlannerPage>(); // the same address with more recompute: plenty of headroom
        roomy.Find("input[data-testid=micro-batch]").Input("1");
        roomy.WaitForAssertion(() => Assert.Equal("false", roomy.Find("[data-testid=feasible]").GetAttribute("data-hbm-tight")));
        Assert.Empty(roomy.FindAll("[data-testid=hbm-warning]"));
        Assert.Equal("Feasible", roomy.Find("[data-testid=feasible]").TextContent.Trim());
    }

    [Fact]
    public void The_verdict_names_the_pipeline_bubble_as_the_largest_loss_with_the_same_compute_as_chart_and_table()
    {
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo(
            "/?preset=llama3-405b&chip=h100-sxm&gpus=1024&tp=8&pp=16&batch=256&mb=1&zero=1&rc=full&sp=1");
        var cut = Render<PlannerPage>();

        Assert.StartsWith("Compute-bound", cut.Find("[data-testid=verdict-headline]").TextContent.Trim(), StringComparison.Ordinal);
        var loss = cut.Find("[data-testid=verdict-largest-loss]");
        Assert.Equal("bubble", loss.GetAttribute("data-key"));
        Assert.StartsWith("Largest loss: pipeline bubble", loss.TextContent.Trim(), StringComparison.Ordinal);

        var compute = cut.Find("[data-testid=breakdown-row-compute] [data-testid=step-seconds]").TextContent.Trim();
        Assert.StartsWith($"Compute {compute} s", cut.Find("[data-testid=verdict-detail]").TextContent.Trim(), StringComparison.Ordinal);
        Assert.Contains($"compute {compute} s", cut.Find("[data-testid=step-chart-summary]").TextContent, StringComparison.Ordinal);
        var bubble = cut.Find("[data-testid=breakdown-row-bubble] [data-testid=step-seconds]").TextContent.Trim();
        Assert.Contains($"{bubble} s", loss.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sequence_parallel_switch_has_an_accessible_name_and_a_phone_summary_repeats_the_key_numbers()
    {
        var cut = Render<PlannerPage>();

        Assert.Equal("Sequence parallelism", cut.Find("input[data-testid=sequence-parallel]").GetAttribute("aria-label"));
        var summary = cut.Find("[data-testid=sticky-summary]");
        Assert.Equal("#results-title", summary.GetAttribute("href"));
        Assert.Equal(cut.Find("[data-testid=step-time]").TextContent.Trim(), cut.Find("[data-testid=sticky-step]").TextContent.Trim());
        Assert.Contains("MFU", summary.TextContent, StringComparison.Ordinal);
        Assert.Contains("Feasible", summary.TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/?chip=a100-sxm-80gb&gpus=1024&tp=8&pp=8&zero=1", "Auto: Megatron-LM 2021–23")]
    [InlineData("/?chip=a100-sxm-80gb&gpus=1024&tp=8&pp=1&zero=3", "Auto: Megatron-DeepSpeed")]
    [InlineData("/?chip=h100-sxm&gpus=1024&tp=8&pp=8&zero=1", "Auto: Megatron-Core")]
    public void Auto_names_the_stack_it_resolved_to_for_the_chip_and_ZeRO_stage(string address, string expected)
    {
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo(address);
        var cut = Render<PlannerPage>();
        Assert.Contains(expected, cut.Markup, StringComparison.Ordinal);
    }
}
