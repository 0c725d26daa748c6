using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Search;
using CapacityPlanner.Core.Tests.Golden;
using CapacityPlanner.Core.Validation;

namespace CapacityPlanner.Core.Tests.Search;

public sealed class PlanSearchTests
{
    private static (ScenarioDocument Doc, ResolvedScenario Scenario) Load(string json)
    {
        var parsed = ScenarioParser.Parse(json);
        Assert.True(parsed.Success, string.Join("; ", parsed.Errors.Select(e => e.Message)));
        var resolved = ScenarioResolver.Resolve(parsed.Document!);
        Assert.True(resolved.Success, string.Join("; ", resolved.Errors.Select(e => e.Message)));
        return (parsed.Document!, resolved.Scenario!);
    }

    private const string Small = """
        { "schemaVersion": 1, "model": { "layers": 24, "hiddenSize": 2048, "attentionHeads": 16, "kvHeads": 4, "gatedMlp": true, "vocabSize": 32000, "sequenceLength": 4096 },
          "training": { "globalBatchSequences": 64 }, "system": { "chip": "h100-sxm", "gpus": 16 } }
        """;

    [Fact]
    public void Pruned_search_returns_the_same_best_plan_as_brute_force()
    {
        var (doc, scenario) = Load(Small);
        var pruned = PlanSearch.Search(scenario, ScenarioResolver.Constraints(doc.Parallelism), new SearchOptions(Top: 1));
        var exhaustive = PlanSearch.Search(scenario, ScenarioResolver.Constraints(doc.Parallelism), new SearchOptions(Top: 1, Exhaustive: true));
        Assert.Equal(exhaustive.Best[0].Plan.ToString(), pruned.Best[0].Plan.ToString());

        // An independent brute force over the public estimator: every degree combination, every knob.
        ParallelismPlan? best = null;
        double bestTime = double.MaxValue, bestMem = double.MaxValue;
        foreach (var t in new[] { 1, 2, 4, 8, 16 })
        foreach (var c in new[] { 1, 2, 4, 8, 16 })
        foreach (var p in new[] { 1, 2, 4, 8, 16 })
        {
            if (16 % ((long)t * c * p) != 0) continue;
            var d = 16 / (t * c * p);
            foreach (var v in new[] { 1, 2, 3, 4, 6, 8 })
            foreach (var b in new[] { 1, 2, 4, 8, 16 })
            foreach (var z in new[] { 0, 1, 2, 3 })
            foreach (var rc in new[] { RecomputeMode.None, RecomputeMode.Selective, RecomputeMode.Full })
            foreach (var placement in new[] { ParallelismPlan.DefaultPlacement, PlanSpec.PipelineInsideDataOrder })
            {
                if (v > 1 && (p == 1 || 24 % (p * v) != 0)) continue;
                if (64 % (b * d) != 0) continue;
                var plan = new ParallelismPlan(t, p, d, c, 1, t > 1, v, b, z, rc, placement);
                var e = Estimator.Estimate(scenario with { Plan = plan });
                if (!e.Feasible) continue;
                var time = e.StepTimeSeconds!.Value;
                var mem = e.MemoryPerGpuGiB!.Value;
                if (time < bestTime || (time == bestTime && mem < bestMem))
                {
                    best = plan;
                    bestTime = time;
                    bestMem = mem;
                }
            }
        }
        Assert.NotNull(best);
        Assert.Equal(bestTime, pruned.Best[0].Estimate.StepTimeSeconds!.Value, 12);
    }

    [Fact]
    public void Result_reports_counts_rejections_and_full_estimates()
    {
        var (doc, scenario) = Load("""
            { "schemaVersion": 1, "model": { "preset": "gpt3-175b" }, "training": { "globalBatchSequences": 256 }, "system": { "chip": "h100-sxm", "gpus": 64 } }
            """);
        var r = PlanSearch.Search(scenario, ScenarioResolver.Constraints(doc.Parallelism), new SearchOptions(Top: 3));
        Assert.Equal(3, r.Best.Count);
        Assert.True(r.Evaluated > r.Feasible && r.Feasible > 0);
        Assert.True(r.ElapsedMilliseconds >= 0);
        Assert.Contains(r.Rejected.Keys, k => k.Contains("does not divide", StringComparison.Ordinal) || k.Contains("out of memory", StringComparison.Ordinal));
        Assert.All(r.Best, p => Assert.True(p.Estimate.Feasible));
        Assert.True(r.Best[0].Estimate.StepTimeSeconds <= r.Best[1].Estimate.StepTimeSeconds);
        Assert.True(r.Best[1].Estimate.StepTimeSeconds <= r.Best[2].Estimate.StepTimeSeconds);
    }

    [Fact]
    public void Fixed_fields_stay_fixed()
    {
        var (doc, scenario) = Load(Small.Replace("\"gpus\": 16 }", "\"gpus\": 16 }, \"parallelism\": { \"tensor\": 2, \"recompute\": \"full\" }", StringComparison.Ordinal));
        var r = PlanSearch.Search(scenario, ScenarioResolver.Constraints(doc.Parallelism), new SearchOptions(Top: 10));
        Assert.NotEmpty(r.Best);
        Assert.All(r.Best, p => Assert.Equal(2, p.Plan.Tensor));
        Assert.All(r.Best, p => Assert.Equal(RecomputeMode.Full, p.Plan.Recompute));
    }

    [Fact]
    public void Memory_objective_ranks_by_memory()
    {
        var (doc, scenario) = Load(Small);
        var r = PlanSearch.Search(scenario, ScenarioResolver.Constraints(doc.Parallelism), new SearchOptions(Top: 5, Objective: SearchObjective.Memory));
        for (var i = 1; i < r.Best.Count; i++) Assert.True(r.Best[i - 1].Estimate.MemoryPerGpuGiB <= r.Best[i].Estimate.MemoryPerGpuGiB);
    }

    [Fact]
    public void Stacks_without_context_parallelism_never_get_it()
    {
        // Megatron-LM 2021–23 (the auto stack on A100) has no context-parallel group: the search keeps CP at 1 there even for
        // a long sequence, a fixed CP > 1 is refused with the fix, and Megatron-Core on the same chip may use it.
        const string Long = """
            { "schemaVersion": 1, "model": { "preset": "llama3-8b", "sequenceLength": 32768 }, "training": { "globalBatchSequences": 32, "stack": "STACK" },
              "system": { "chip": "a100-sxm-80gb", "gpus": 64 } }
            """;
        var (legacyDoc, legacy) = Load(Long.Replace("STACK", "megatron-lm-2022", StringComparison.Ordinal));
        var r = PlanSearch.Search(legacy, ScenarioResolver.Constraints(legacyDoc.Parallelism), new SearchOptions(Top: 50));
        Assert.NotEmpty(r.Best);
        Assert.All(r.Best, b => Assert.Equal(1, b.Plan.Context));
        Assert.Contains("context parallelism on a stack without it", r.Rejected.Keys);
        var (coreDoc, core) = Load(Long.Replace("STACK", "megatron-core", StringComparison.Ordinal));
        var withCp = PlanSearch.Search(core, ScenarioResolver.Constraints(coreDoc.Parallelism), new SearchOptions(Top: 50));
        Assert.Contains(withCp.Best, b => b.Plan.Context > 1);

        var (_, fixedCp) = Load(Long.Replace("STACK", "megatron-lm-2022", StringComparison.Ordinal)
            .Replace("\"gpus\": 64 }", "\"gpus\": 64 }, \"parallelism\": { \"tensor\": 8, \"pipeline\": 1, \"context\": 2, \"data\": 4 }", StringComparison.Ordinal));
        var e = Estimator.Estimate(fixedCp);
        Assert.False(e.Feasible);
        var error = Assert.Single(e.Errors, x => x.Path == "$.parallelism.context");
        Assert.Contains("has no context parallelism", error.Message);
        Assert.Contains("megatron-core", error.Message);
    }

    [Fact]
    public void Contradictory_fixed_fields_leave_an_empty_space_that_says_why()
    {
        var (doc, scenario) = Load(Small.Replace("\"gpus\": 16 }", "\"gpus\": 16 }, \"parallelism\": { \"tensor\": 3 }", StringComparison.Ordinal));
        var r = PlanSearch.Search(scenario, ScenarioResolver.Constraints(doc.Parallelism), new SearchOptions());
        Assert.Empty(r.Best);
        Assert.Equal("The scenario fixes tensor 3, which does not divide 16 GPUs; choose a GPU count that is a multiple of 3, or leave that field to the search.", r.EmptyReason);

        // Two fixed degrees whose product does not divide the GPU count: the product is named, not a rule of some candidate.
        var (doc3, scenario3) = Load(Small.Replace("\"gpus\": 16 }", "\"gpus\": 24 }, \"parallelism\": { \"tensor\": 4, \"pipeline\": 4 }", StringComparison.Ordinal));
        var r3 = PlanSearch.Search(scenario3, ScenarioResolver.Constraints(doc3.Parallelism), new SearchOptions());
        Assert.Empty(r3.Best);
        Assert.Contains("tensor 4 × pipeline 4 = 16, which does not divide 24 GPUs", r3.EmptyReason);

        var (doc2, scenario2) = Load(Small.Replace("\"attentionHeads\": 16", "\"attentionHeads\": 24, \"headDim\": 128", StringComparison.Ordinal)
            .Replace("\"gpus\": 16 }", "\"gpus\": 16 }, \"parallelism\": { \"tensor\": 16 }", StringComparison.Ordinal));
        var r2 = PlanSearch.Search(scenario2, ScenarioResolver.Constraints(doc2.Parallelism), new SearchOptions());
        Assert.Empty(r2.Best);
        Assert.Contains("TP does not divide 24 attention heads", r2.EmptyReason);
    }

    [Fact]
    public void When_nothing_fits_the_closest_plan_and_fixes_are_reported()
    {
        var (doc, scenario) = Load("""
            { "schemaVersion": 1, "model": { "preset": "gpt3-175b" }, "training": { "globalBatchSequences": 64 }, "system": { "chip": "a100-sxm-80gb", "gpus": 8 } }
            """);
        var r = PlanSearch.Search(scenario, ScenarioResolver.Constraints(doc.Parallelism), new SearchOptions());
        Assert.Empty(r.Best);
        Assert.NotNull(r.Closest);
        Assert.True(r.Closest!.MemoryGiB > 80);
        Assert.Contains(r.Closest.Suggestions, s => s.Contains("more GPUs", StringComparison.Ordinal));
        Assert.Contains("closest needs", r.EmptyReason);
    }

    [Fact]
    public void Awkward_cluster_sizes_are_warned_about()
    {
        var (doc, scenario) = Load(Small.Replace("\"gpus\": 16", "\"gpus\": 1018", StringComparison.Ordinal).Replace("64 }", "1018 }", StringComparison.Ordinal));
        var r = PlanSearch.Search(scenario, ScenarioResolver.Constraints(doc.Parallelism), new SearchOptions());
        Assert.Contains(r.Warnings, w => w.Contains("prime factor 509", StringComparison.Ordinal));
    }

    public static IEnumerable<object[]> Table1 => ValidationSet.Shipped.Where(c => c.Id.StartsWith("megatron2021-t1", StringComparison.Ordinal)).Select(c => new object[] { c.Id });

    [Theory]
    [MemberData(nameof(Table1))]
    public void Search_never_misses_the_published_megatron_plan(string id)
    {
        var c = ValidationSet.Shipped.Single(x => x.Id == id);
        var published = Load(c.ScenarioJson);
        var publishedEstimate = Estimator.Estimate(published.Scenario);
        Assert.True(publishedEstimate.Feasible);

        // The published plan is in the search space and feasible: fixing every field leaves exactly it.
        var exact = PlanSearch.Search(published.Scenario, ScenarioResolver.Constraints(published.Doc.Parallelism), new SearchOptions(Top: 2));
        Assert.InRange(exact.Feasible, 1, 2); // the placement is not fixed: default and pipeline-inside-data
        Assert.Contains(exact.Best, b => b.Plan with { Placement = ParallelismPlan.DefaultPlacement } == published.Scenario.Plan with { Placement = ParallelismPlan.DefaultPlacement }
            || (b.Plan.Tensor == published.Scenario.Plan.Tensor && b.Plan.Pipeline == published.Scenario.Plan.Pipeline && b.Plan.Data == published.Scenario.Plan.Data
                && b.Plan.MicroBatchSize == published.Scenario.Plan.MicroBatchSize && b.Plan.ZeroStage == published.Scenario.Plan.ZeroStage));

        // Free search (2021 software: no sequence parallelism, full recompute) finds a plan at least as fast.
        var free = new SearchConstraints { SequenceParallel = false, Recompute = RecomputeMode.Full };
        var r = PlanSearch.Search(published.Scenario, free, new SearchOptions(Top: 1));
        Assert.NotEmpty(r.Best);
        Assert.True(r.Best[0].Estimate.StepTimeSeconds <= publishedEstimate.StepTimeSeconds * (1 + 1e-12),
            $"search best {r.Best[0].Estimate.StepTimeSeconds} s vs published plan {publishedEstimate.StepTimeSeconds} s");
    }
}
