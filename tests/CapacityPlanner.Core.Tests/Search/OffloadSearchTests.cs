using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Search;

namespace CapacityPlanner.Core.Tests.Search;

/// <summary>
/// Activation offloading in the search and its host-memory limit (docs/model.md §Schedule and memory): the search
/// offloads only where a plan without pipelining or recompute would not fit otherwise, the fewest layers that make it fit,
/// and never more than the host's memory holds; an estimate whose offloaded activations overflow host memory is infeasible.
/// </summary>
public sealed class OffloadSearchTests
{
    private static readonly ParallelismSection s_nvidiaShape = new() { Tensor = 1, Pipeline = 1, Context = 1, ZeroStage = 3, Recompute = "none", MicroBatchSize = 2 };

    // Megatron-Bridge 25.11's Llama 3 70B under Megatron-FSDP on 64 GB200 (shipped; NVIDIA offloads 40 layers).
    private static ResolvedScenario Fsdp70b(string? stack = null, string id = "mb2511-llama3-70b-gb200-64-fsdp")
    {
        var parsed = ScenarioParser.Parse(ValidationSet.Shipped.Single(c => c.Id == id).ScenarioJson);
        Assert.True(parsed.Success, string.Join("; ", parsed.Errors.Select(e => e.Message)));
        var doc = parsed.Document!;
        var resolved = ScenarioResolver.Resolve(stack is null ? doc : doc with { Training = doc.Training! with { Stack = stack } });
        Assert.True(resolved.Success, string.Join("; ", resolved.Errors.Select(e => e.Message)));
        return resolved.Scenario!;
    }

    private static SearchResult Search(ResolvedScenario s, ParallelismSection? fixedFields) =>
        PlanSearch.Search(s, ScenarioResolver.Constraints(fixedFields), new SearchOptions(Top: 5));

    [Fact]
    public void A_plan_that_fits_only_by_offloading_offloads_the_fewest_layers_that_make_it_fit()
    {
        var s = Fsdp70b();
        var best = Search(s, s_nvidiaShape).Best[0];
        var k = best.Plan.ActivationOffloadLayers;
        Assert.InRange(k, 2, s.Model.Layers - 1);
        Assert.True(best.Estimate.Feasible, string.Join("; ", best.Estimate.Errors.Select(e => e.Message)));
        Assert.True(best.Estimate.MemoryPerGpuGiB <= best.Estimate.HbmCapacityGiB);
        // One layer fewer does not fit in HBM.
        var fewer = Estimator.Estimate(s with { Plan = best.Plan with { ActivationOffloadLayers = k - 1 } });
        Assert.Contains(fewer.Errors, e => e.Message.StartsWith("Out of memory", StringComparison.Ordinal));
    }

    [Fact]
    public void A_stack_that_cannot_offload_gets_no_offloaded_plan()
    {
        // TorchTitan runs FSDP2 without host offloading: the same fixed shape finds nothing that fits.
        var result = Search(Fsdp70b(stack: "torchtitan"), s_nvidiaShape);
        Assert.Empty(result.Best);
        Assert.NotNull(result.Closest);
        Assert.Contains("No plan fits", result.EmptyReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plans_that_fit_are_not_offloaded()
    {
        var result = Search(Fsdp70b(), new ParallelismSection { Tensor = 2, Pipeline = 1, ZeroStage = 1, Recompute = "selective" });
        Assert.NotEmpty(result.Best);
        Assert.All(result.Best, b => Assert.Equal(0, b.Plan.ActivationOffloadLayers));
    }

    [Fact]
    public void Offloaded_activations_must_fit_in_the_hosts_memory()
    {
        var s = Fsdp70b();
        // Every layer but one offloaded at micro-batch 2: about 267 GiB per GPU against the Grace CPU's 223.
        var all = Estimator.Estimate(s with { Plan = s.Plan with { ActivationOffloadLayers = s.Model.Layers - 1 } });
        Assert.False(all.Feasible);
        var error = Assert.Single(all.Errors, e => e.Path == "$.parallelism.activationOffloadLayers");
        Assert.Contains("223 GiB of host memory per GPU", error.Message, StringComparison.Ordinal);
        Assert.Contains("Offload fewer layers", error.Message, StringComparison.Ordinal);
        // NVIDIA's 40 layers fit (about 135 GiB).
        Assert.True(Estimator.Estimate(s).Feasible);

        // The search never proposes more than the host holds. At micro-batch 4 (one per replica) HBM would need about 62
        // layers offloaded and the host holds 32 (6.8 GiB each): nothing fits, for memory and not for a plan rule.
        var big = Search(s, s_nvidiaShape with { MicroBatchSize = 4 });
        Assert.Empty(big.Best);
        Assert.Equal(["out of memory"], big.Rejected.Keys);
        var hostLimit = Estimator.Estimate(s with { Plan = s.Plan with { MicroBatchSize = 4, ActivationOffloadLayers = 34 } });
        Assert.Contains(hostLimit.Errors, e => e.Path == "$.parallelism.activationOffloadLayers");
        Assert.Contains(hostLimit.Errors, e => e.Message.StartsWith("Out of memory", StringComparison.Ordinal));
    }
}
