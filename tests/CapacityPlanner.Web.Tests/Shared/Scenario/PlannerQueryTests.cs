using CapacityPlanner.Web.Shared.Scenario;

namespace CapacityPlanner.Web.Tests.Shared.Scenario;

/// <summary>The planner state in the URL query.</summary>
public sealed class PlannerQueryTests
{
    private static readonly PlannerInput s_defaults = new();

    [Fact]
    public void Defaults_write_an_empty_query_and_changes_write_short_keys()
    {
        Assert.All(PlannerQuery.ToParameters(new PlannerInput(), s_defaults).Values, Assert.Null);

        var input = new PlannerInput { ChipId = "h100-sxm", Gpus = 2048, Tensor = 4, Data = 32, SequenceParallel = false, TokensBillions = 1.5, Layers = 48 };
        var p = PlannerQuery.ToParameters(input, s_defaults);

        Assert.Equal("h100-sxm", p["chip"]);
        Assert.Equal("2048", p["gpus"]);
        Assert.Equal("4", p["tp"]);
        Assert.Equal("32", p["dp"]);
        Assert.Equal("0", p["sp"]);
        Assert.Equal("1.5", p["tokens"]);
        Assert.Equal("48", p["layers"]);
        Assert.Null(p["pp"]);
    }

    [Fact]
    public void The_compare_chip_its_gpus_and_the_cost_basis_travel_in_the_query()
    {
        var input = new PlannerInput { CompareChipId = "h100-sxm", CompareGpus = 2048, CostBasis = Core.Budget.PlanCostBasis.Own };
        var p = PlannerQuery.ToParameters(input, s_defaults);
        Assert.Equal("h100-sxm", p["cmp"]);
        Assert.Equal("2048", p["cmpgpus"]);
        Assert.Equal("own", p["cost"]);

        var restored = PlannerQuery.FromUri("/?cmp=h100-sxm&cmpgpus=2048&cost=own", s_defaults);
        Assert.Equal("h100-sxm", restored.CompareChipId);
        Assert.Equal(2048, restored.CompareGpus);
        Assert.Equal(Core.Budget.PlanCostBasis.Own, restored.CostBasis);

        var problems = new List<string>();
        Assert.Equal(Core.Budget.PlanCostBasis.Rent, PlannerQuery.FromUri("/?cost=lease", s_defaults, problems).CostBasis);
        Assert.Contains("rent or own", Assert.Single(problems), StringComparison.Ordinal);

        // A compared GPU count below 1 and a sequence-parallel flag that is neither 1 nor 0 are named, not dropped in silence.
        problems.Clear();
        var odd = PlannerQuery.FromUri("/?cmpgpus=-3&sp=7", s_defaults, problems);
        Assert.Equal(s_defaults.CompareGpus, odd.CompareGpus);
        Assert.Equal(s_defaults.SequenceParallel, odd.SequenceParallel);
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("\u201c-3\u201d", StringComparison.Ordinal) && p.Contains("at least 1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("\u201c7\u201d", StringComparison.Ordinal) && p.Contains("1 or 0", StringComparison.Ordinal));
    }

    [Fact]
    public void Reading_the_written_query_restores_the_form()
    {
        var input = new PlannerInput
        {
            PresetId = "llama3-70b", ChipId = "b200", Gpus = 4096, GlobalBatchSequences = 2048, Precision = "fp8", TokensBillions = 15000,
            Tensor = 8, Pipeline = 4, Data = null, Context = 2, Expert = 1, VirtualStages = 5, MicroBatchSize = 2, ZeroStage = 3,
            Recompute = "full", SequenceParallel = true, Placement = "pipeline-inside-data", ScaleOutGbpsPerGpu = 800, ScaleUpDomainGpus = 72,
            Oversubscription = 2, Layers = 40, SequenceLength = 8192, ActivationOffloadLayers = 20,
            HeadDim = 128, GatedMlp = true, TiedEmbeddings = false, GpusPerNode = 4, Optimizer = "lamb", TpCommOverlap = false,
            EpCommOverlap = true, Attention = "flash", ZeroShardScope = "domain", ExpertDispatch = "allToAll",
            FusedExpertKernels = true,
            Moe = new Contracts.Scenarios.MoeSection { Experts = 64, ExpertsPerToken = 8, SharedExperts = 1, ExpertFfnHiddenSize = 1408, DenseLayers = 1, CapacityFactor = 1.25,
                RoutingGroups = 8, GroupsPerToken = 4 },
        };
        var query = string.Join("&", PlannerQuery.ToParameters(input, s_defaults)
            .Where(kv => kv.Value is not null)
            .Select(kv => $"{kv.Key}={Uri.EscapeDataString((string)kv.Value!)}"));

        var read = PlannerQuery.FromUri("http://localhost/?" + query, s_defaults);

        Assert.Equal(PlannerQuery.ToParameters(input, s_defaults), PlannerQuery.ToParameters(read, s_defaults));
        Assert.Equal("llama3-70b", read.PresetId);
        Assert.Equal(800, read.ScaleOutGbpsPerGpu);
        Assert.Equal(20, read.ActivationOffloadLayers);
        Assert.Equal(input.Moe, read.Moe);
        Assert.Equal((128, true, false, 4, "lamb", false, true, "flash", "domain", "allToAll", true),
            (read.HeadDim, read.GatedMlp, read.TiedEmbeddings, read.GpusPerNode, read.Optimizer, read.TpCommOverlap, read.EpCommOverlap, read.Attention, read.ZeroShardScope,
                read.ExpertDispatch, read.FusedExpertKernels));
        Assert.Null(read.Data);
    }

    [Fact]
    public void The_software_stack_travels_in_the_address_and_the_scenario_and_changes_the_estimate()
    {
        var input = new PlannerInput { PresetId = "gpt3-175b", ChipId = "a100-sxm-80gb", Gpus = 384, Tensor = 4, Pipeline = 12, Data = 8, Stack = "deepspeed" };
        var p = PlannerQuery.ToParameters(input, s_defaults);
        Assert.Equal("deepspeed", p["stack"]);
        var read = PlannerQuery.FromUri("http://localhost/?stack=deepspeed", s_defaults);
        Assert.Equal("deepspeed", read.Stack);
        Assert.Null(PlannerQuery.ToParameters(new PlannerInput(), s_defaults)["stack"]);

        var json = ScenarioDocumentBuilder.Build(input);
        using (var doc = System.Text.Json.JsonDocument.Parse(json))
        {
            Assert.Equal("deepspeed", doc.RootElement.GetProperty("training").GetProperty("stack").GetString());
        }
        var deepspeed = Core.Estimation.Estimator.Estimate(Contracts.Scenarios.ScenarioResolver.ParseAndResolve(json).Scenario!);
        var auto = Core.Estimation.Estimator.Estimate(Contracts.Scenarios.ScenarioResolver.ParseAndResolve(ScenarioDocumentBuilder.Build(new PlannerInput
        {
            PresetId = "gpt3-175b", ChipId = "a100-sxm-80gb", Gpus = 384, Tensor = 4, Pipeline = 12, Data = 8,
        })).Scenario!);
        Assert.NotEqual(auto.StepTimeSeconds, deepspeed.StepTimeSeconds);

        Assert.Contains(PlannerInputValidator.Validate(new PlannerInput { Stack = "nope" }), e => e.Path == PlannerFields.StackPath);
    }

    [Fact]
    public void Unparseable_values_are_ignored_and_empty_values_clear_a_field()
    {
        var read = PlannerQuery.FromUri("http://localhost/?gpus=lots&tp=&tokens=NaN&sp=maybe", s_defaults);

        Assert.Equal(1024, read.Gpus);
        Assert.Null(read.Tensor);
        Assert.Equal(300, read.TokensBillions);
        Assert.True(read.SequenceParallel);
    }

    [Fact]
    public void The_scenario_part_of_a_query_is_kept_for_the_other_pages()
    {
        Assert.Equal("?chip=h100-sxm&gpus=64", PlannerQuery.ScenarioQueryOf("http://localhost/scaling?chips=a,b&chip=h100-sxm&gpus=64&mode=weak"));
        Assert.Equal("", PlannerQuery.ScenarioQueryOf("http://localhost/hardware"));
    }

    [Fact]
    public void A_moe_shape_that_is_not_six_numbers_is_named_and_the_form_keeps_its_own()
    {
        var problems = new List<string>();
        var read = PlannerQuery.FromUri("/?moe=64,8,x", s_defaults, problems);
        Assert.Null(read.Moe);
        var problem = Assert.Single(problems);
        Assert.Contains("MoE shape", problem, StringComparison.Ordinal);
        Assert.Contains("six or eight comma-separated numbers", problem, StringComparison.Ordinal);
        Assert.Null(PlannerQuery.ParseMoe("64,8,1,1408,1,inf"));
        Assert.Null(PlannerQuery.ParseMoe("64,8,1,1408,1,1,8"));
        Assert.Equal("64,8,,1408,,1.25", PlannerQuery.MoeText(PlannerQuery.ParseMoe("64,8,,1408,,1.25")));
        Assert.Equal("256,8,1,2048,3,1,8,4", PlannerQuery.MoeText(PlannerQuery.ParseMoe("256,8,1,2048,3,1,8,4")));
        Assert.Equal((8, 4), (PlannerQuery.ParseMoe("256,8,1,2048,3,1,8,4")!.RoutingGroups, PlannerQuery.ParseMoe("256,8,1,2048,3,1,8,4")!.GroupsPerToken));
    }

    [Fact]
    public void A_latent_attention_shape_and_recompute_modules_travel_in_the_query_and_bad_ones_are_named()
    {
        var input = new PlannerInput
        {
            PresetId = "deepseek-v3",
            Mla = new Contracts.Scenarios.MlaSection { QLoraRank = 1536, KvLoraRank = 512, QkNopeHeadDim = 128, QkRopeHeadDim = 64, VHeadDim = 128 },
            RecomputeModules = ["layernorm", "mla_up_proj"],
        };
        var p = PlannerQuery.ToParameters(input, s_defaults);
        Assert.Equal("1536,512,128,64,128", p["mla"]);
        Assert.Equal("layernorm,mla_up_proj", p["rcm"]);
        var restored = PlannerQuery.FromUri("/?preset=deepseek-v3&mla=1536,512,128,64,128&rcm=layernorm,mla_up_proj", s_defaults);
        Assert.Equal((1536, 512, 128, 64, 128), (restored.Mla!.QLoraRank, restored.Mla.KvLoraRank, restored.Mla.QkNopeHeadDim, restored.Mla.QkRopeHeadDim, restored.Mla.VHeadDim));
        Assert.Equal(["layernorm", "mla_up_proj"], restored.RecomputeModules);
        // No query latent (DeepSeek-V2-Lite) is an empty first number; an empty module list is "none".
        Assert.Null(PlannerQuery.ParseMla(",512,128,64,128")!.QLoraRank);
        Assert.Equal(",512,128,64,128", PlannerQuery.MlaText(PlannerQuery.ParseMla(",512,128,64,128")));
        Assert.Empty(PlannerQuery.FromUri("/?rcm=none", s_defaults).RecomputeModules!);
        Assert.Equal("none", PlannerQuery.RecomputeModulesText([]));
        // Both leave the form as it was when the address gives something else, and say why.
        var problems = new List<string>();
        var kept = PlannerQuery.FromUri("/?mla=1536,512,128&rcm=attention", s_defaults, problems);
        Assert.Null(kept.Mla);
        Assert.Null(kept.RecomputeModules);
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, x => x.Contains("latent attention shape", StringComparison.Ordinal) && x.Contains("five comma-separated numbers", StringComparison.Ordinal));
        Assert.Contains(problems, x => x.Contains("recompute modules", StringComparison.Ordinal) && x.Contains("mla_up_proj", StringComparison.Ordinal));
        Assert.Null(PlannerQuery.ParseMla("1536,0,128,64,128"));
        // Dropping the preset's shape drops both shape fields.
        input.ClearShapeOverrides();
        Assert.Null(input.Mla);
        Assert.False(input.HasShapeOverrides);
    }

    [Fact]
    public void An_expert_dispatch_the_model_does_not_know_is_named_and_the_form_keeps_its_own()
    {
        Assert.Equal("perDomain", PlannerQuery.FromUri("/?epd=perdomain", s_defaults).ExpertDispatch);
        Assert.Null(PlannerQuery.FromUri("/?epd=", s_defaults).ExpertDispatch);
        var problems = new List<string>();
        var read = PlannerQuery.FromUri("/?epd=deepep", new PlannerInput { ExpertDispatch = "allToAll" }, problems);
        Assert.Equal("allToAll", read.ExpertDispatch);
        var problem = Assert.Single(problems);
        Assert.Contains("Expert dispatch", problem, StringComparison.Ordinal);
        Assert.Contains("allToAll or perDomain", problem, StringComparison.Ordinal);
    }
}
