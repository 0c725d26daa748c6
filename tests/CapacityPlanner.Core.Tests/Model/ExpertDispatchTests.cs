using System.Numerics;
using CapacityPlanner.Core.Workload;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Core.Tests.Model;

/// <summary>
/// Expert dispatch across scale-up domains (docs/model.md §Communication, formula sheet §6.5): a per-domain dispatcher
/// (DeepEP, HybridEP) sends one network copy per token and remote domain its experts sit in, an all-to-all dispatcher one per
/// token and expert; group-limited routing (DeepSeek-V3's node-limited routing) caps the domains a token reaches.
/// </summary>
public sealed class ExpertDispatchTests
{
    // C(n, k) exactly, an implementation independent of the product the model uses.
    private static BigInteger Choose(int n, int k)
    {
        if (k < 0 || k > n) return 0;
        BigInteger r = 1;
        for (var i = 1; i <= k; i++) r = r * (n - k + i) / i;
        return r;
    }

    private static double Ratio(BigInteger a, BigInteger b) => Math.Exp(BigInteger.Log(a) - BigInteger.Log(b));

    private static MoeConfig Moe(int experts, int k, int groups = 1, int perToken = 1) => new(experts, k, 0, 2048, 0, 1.0, groups, groups == 1 ? 1 : perToken);

    [Fact]
    public void Unrestricted_routing_reaches_each_other_domain_unless_all_k_experts_miss_it()
    {
        // 256 experts on 8 domains (32 each), top-8: a domain is missed with C(224, 8) / C(256, 8).
        var expected = 7 * (1 - Ratio(Choose(224, 8), Choose(256, 8)));
        Assert.Equal(expected, MoeRouting.RemoteDomainsPerToken(Moe(256, 8), 8), 12);
        Assert.InRange(expected, 4.5, 4.7); // against 7 network copies (8 × 7/8) under an all-to-all dispatcher
        // One expert per token: the chance it sits elsewhere, (D − 1)/D.
        Assert.Equal(7.0 / 8, MoeRouting.RemoteDomainsPerToken(Moe(64, 1), 8), 12);
        Assert.Equal(0, MoeRouting.RemoteDomainsPerToken(Moe(256, 8), 1));
    }

    [Fact]
    public void Node_limited_routing_caps_the_domains_a_token_reaches()
    {
        // DeepSeek-V3 on EP64 over eight 8-GPU nodes: one group per node, four of eight chosen: C(7, 4) / C(8, 4) = 1/2 missed.
        Assert.Equal(3.5, MoeRouting.RemoteDomainsPerToken(Moe(256, 8, 8, 4), 8), 12);
        // Two groups per domain (16 groups on 8 domains): a domain is missed when neither of its groups is chosen.
        var two = 7 * (1 - Ratio(Choose(14, 4), Choose(16, 4)));
        Assert.Equal(two, MoeRouting.RemoteDomainsPerToken(Moe(256, 8, 16, 4), 8), 12);
        // Groups spanning two domains (8 groups on 16 domains): reachable when the group is chosen (4/8), then reached unless
        // the token's 8 experts among the chosen groups' 128 all miss its 16.
        var spanning = 15 * 0.5 * (1 - Ratio(Choose(112, 8), Choose(128, 8)));
        Assert.Equal(spanning, MoeRouting.RemoteDomainsPerToken(Moe(256, 8, 8, 4), 16), 12);
        // Groups that neither hold whole domains nor whole multiples of them: counted as unrestricted.
        Assert.Equal(MoeRouting.RemoteDomainsPerToken(Moe(48, 6), 8), MoeRouting.RemoteDomainsPerToken(Moe(48, 6, 3, 2), 8), 12);
    }

    private static string Scenario(int gpus, int expert, string? dispatch, string moe = "\"preset\": \"deepseek-v3\"") => $$"""
        { "schemaVersion": 1, "model": { {{moe}} },
          "training": { "globalBatchSequences": {{gpus / 16 * 4}}, "precision": "bf16"{{(dispatch is null ? "" : $", \"expertDispatch\": \"{dispatch}\"")}} },
          "system": { "chip": "h100-sxm", "gpus": {{gpus}}, "gpusPerNode": 8 },
          "parallelism": { "tensor": 1, "pipeline": 16, "data": {{gpus / 16}}, "expert": {{expert}}, "microBatchSize": 1, "zeroStage": 1 } }
        """;

    [Fact]
    public void Across_nodes_a_per_domain_dispatcher_sends_half_the_network_copies_of_an_all_to_all_under_node_limited_routing()
    {
        var perDomain = TestScenarios.Estimate(Scenario(1024, 64, "perDomain"));
        var allToAll = TestScenarios.Estimate(Scenario(1024, 64, "allToAll"));
        Assert.True(perDomain.Feasible, string.Join("; ", perDomain.Errors.Select(e => e.Message)));
        // The network share bounds both (NVLink carries the rest faster): 3.5 remote copies per token against 8 × 56/64 = 7.
        var ratio = perDomain.Breakdown!.Communication.ExpertParallel.LinkSeconds / allToAll.Breakdown!.Communication.ExpertParallel.LinkSeconds;
        Assert.InRange(ratio, 0.49, 0.52);
        Assert.True(perDomain.StepTimeSeconds < allToAll.StepTimeSeconds);
        // megatron-core's dispatcher is the per-domain one unless the scenario says otherwise.
        Assert.Equal(perDomain.StepTimeSeconds, TestScenarios.Estimate(Scenario(1024, 64, null)).StepTimeSeconds);
    }

    [Fact]
    public void Inside_one_domain_the_two_dispatchers_cost_the_same()
    {
        var perDomain = TestScenarios.Estimate(Scenario(128, 8, "perDomain"));
        var allToAll = TestScenarios.Estimate(Scenario(128, 8, "allToAll"));
        Assert.True(perDomain.Breakdown!.Communication.ExpertParallel.LinkSeconds > 0);
        Assert.Equal(allToAll.Breakdown!.Communication.ExpertParallel.LinkSeconds, perDomain.Breakdown.Communication.ExpertParallel.LinkSeconds, 12);
    }

    [Fact]
    public void Node_limited_routing_only_pays_where_the_dispatcher_sends_per_domain()
    {
        const string Unlimited = "\"preset\": \"deepseek-v3\", \"moe\": { \"experts\": 256, \"expertsPerToken\": 8, \"sharedExperts\": 1, \"expertFfnHiddenSize\": 2048, \"denseLayers\": 3 }";
        const string Limited = "\"preset\": \"deepseek-v3\", \"moe\": { \"experts\": 256, \"expertsPerToken\": 8, \"sharedExperts\": 1, \"expertFfnHiddenSize\": 2048, \"denseLayers\": 3, \"routingGroups\": 8, \"groupsPerToken\": 4 }";
        double Ep(string moe, string dispatch) => TestScenarios.Estimate(Scenario(1024, 64, dispatch, moe)).Breakdown!.Communication.ExpertParallel.LinkSeconds;
        Assert.True(Ep(Limited, "perDomain") < Ep(Unlimited, "perDomain"));
        Assert.Equal(Ep(Unlimited, "allToAll"), Ep(Limited, "allToAll"), 12);
        // The preset carries DeepSeek-V3's routing (n_group 8, topk_group 4).
        Assert.Equal(Ep(Limited, "perDomain"), TestScenarios.Estimate(Scenario(1024, 64, "perDomain")).Breakdown!.Communication.ExpertParallel.LinkSeconds, 12);
    }

    [Theory]
    [InlineData("\"routingGroups\": 3", "$.model.moe.routingGroups", "do not split evenly")]
    [InlineData("\"routingGroups\": 8, \"groupsPerToken\": 9", "$.model.moe.groupsPerToken", "between 1 and routingGroups")]
    [InlineData("\"routingGroups\": 64, \"groupsPerToken\": 16", "$.model.moe.groupsPerToken", "exceeds the 8 experts per token")]
    [InlineData("\"routingGroups\": 64, \"groupsPerToken\": 1", "$.model.moe.groupsPerToken", "do not fit in 1 groups of 4 experts")]
    public void A_routing_group_setting_that_cannot_route_is_an_error_that_says_how_to_fix_it(string groups, string path, string message)
    {
        var r = Contracts.Scenarios.ScenarioResolver.ParseAndResolve($$"""
            { "schemaVersion": 1,
              "model": { "preset": "deepseek-v3", "moe": { "experts": 256, "expertsPerToken": 8, "expertFfnHiddenSize": 2048, {{groups}} } },
              "training": { "globalBatchSequences": 64 }, "system": { "chip": "h100-sxm", "gpus": 64 },
              "parallelism": { "tensor": 1, "pipeline": 16, "data": 4, "expert": 4, "microBatchSize": 1, "zeroStage": 1 } }
            """);
        Assert.False(r.Success);
        var error = Assert.Single(r.Errors, x => x.Path == path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains("leave both out for unrestricted routing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_expert_dispatch_is_refused_with_the_names_it_takes()
    {
        var r = Contracts.Scenarios.ScenarioResolver.ParseAndResolve(Scenario(128, 8, "deepep"));
        Assert.False(r.Success);
        var error = Assert.Single(r.Errors, x => x.Path == "$.training.expertDispatch");
        Assert.Contains("allToAll", error.Message, StringComparison.Ordinal);
        Assert.Contains("perDomain", error.Message, StringComparison.Ordinal);
    }
}
