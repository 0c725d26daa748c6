using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Workload;

namespace CapacityPlanner.Contracts.Tests.Scenarios;

/// <summary>
/// <c>model.mla</c> (multi-head latent attention, DeepSeek-V2/V3) and <c>training.recomputeModules</c> (Megatron-Core's
/// selective recompute modules) as a scenario states them: parsed, resolved with Megatron-Core's own checks, written back,
/// and refused with the field named where they cannot apply.
/// </summary>
public sealed class MlaScenarioTests
{
    private const string DeepSeekMla = """
        "mla": { "qLoraRank": 1536, "kvLoraRank": 512, "qkNopeHeadDim": 128, "qkRopeHeadDim": 64, "vHeadDim": 128 }
        """;

    private static string Scenario(string model, string training = "", string stack = "") => $$"""
        { "schemaVersion": 1,
          "model": { {{model}} },
          "training": { "globalBatchSequences": 64, "precision": "bf16"{{stack}}{{training}} },
          "system": { "chip": "b200", "gpus": 64 },
          "parallelism": { "tensor": 1, "pipeline": 1, "data": 64, "expert": 64, "microBatchSize": 1, "zeroStage": 1, "recompute": "selective" } }
        """;

    private static string Inline(string extra) => $$"""
        "name": "latent", "layers": 4, "hiddenSize": 7168, "attentionHeads": 128, "ffnHiddenSize": 18432, "gatedMlp": true,
        "vocabSize": 129280, "sequenceLength": 4096,
        "moe": { "experts": 256, "expertsPerToken": 8, "sharedExperts": 1, "expertFfnHiddenSize": 2048, "denseLayers": 1 }{{extra}}
        """;

    [Fact]
    public void The_deepseek_preset_carries_its_latent_attention_and_its_published_parameter_counts()
    {
        var r = ScenarioResolver.ParseAndResolve(Scenario("\"preset\": \"deepseek-v3\""));
        Assert.True(r.Success, string.Join("; ", r.Errors.Select(e => e.Message)));
        var m = r.Scenario!.Model;
        Assert.Equal(new MlaConfig(1536, 512, 128, 64, 128), m.Mla);
        // DeepSeek-V3 §1: 671B parameters, 37B activated per token (the MTP module aside).
        Assert.InRange(m.TotalParameters / 1e9, 668, 674);
        Assert.InRange(m.ActiveParameters / 1e9, 37.0, 38.0);
    }

    [Fact]
    public void An_inline_latent_attention_resolves_and_the_writer_keeps_it()
    {
        var json = Scenario(Inline(", " + DeepSeekMla));
        var r = ScenarioResolver.ParseAndResolve(json);
        Assert.True(r.Success, string.Join("; ", r.Errors.Select(e => e.Message)));
        Assert.Equal(new MlaConfig(1536, 512, 128, 64, 128), r.Scenario!.Model.Mla);
        Assert.Equal(128, r.Scenario.Model.KvHeads);

        var written = ScenarioWriter.ToJson(ScenarioParser.Parse(json).Document!);
        var again = ScenarioParser.Parse(written).Document!.Model.Mla!;
        Assert.Equal((1536, 512, 128, 64, 128), (again.QLoraRank, again.KvLoraRank, again.QkNopeHeadDim, again.QkRopeHeadDim, again.VHeadDim));

        // Without a query latent (DeepSeek-V2-Lite) the queries are projected from the hidden state: four projections.
        var lite = ScenarioResolver.ParseAndResolve(Scenario(Inline(""", "mla": { "kvLoraRank": 512, "qkNopeHeadDim": 128, "qkRopeHeadDim": 64, "vHeadDim": 128 }""")));
        Assert.True(lite.Success, string.Join("; ", lite.Errors.Select(e => e.Message)));
        Assert.Null(lite.Scenario!.Model.Mla!.QLoraRank);
        Assert.Equal(4, lite.Scenario.Model.AttentionProjectionCount);
    }

    [Theory]
    [InlineData(""", "headDim": 56""", "$.model.headDim", "does not apply to multi-head latent attention")]
    [InlineData(""", "kvHeads": 8""", "$.model.kvHeads", "no grouped KV heads")]
    public void Settings_that_latent_attention_does_not_have_are_refused_with_the_field_named(string extra, string path, string text)
    {
        var r = ScenarioResolver.ParseAndResolve(Scenario(Inline(extra + ", " + DeepSeekMla)));
        Assert.False(r.Success);
        var e = Assert.Single(r.Errors, x => x.Path == path);
        Assert.Contains(text, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "kvLoraRank": 512, "qkNopeHeadDim": 128, "qkRopeHeadDim": 64 }""", "$.model.mla.vHeadDim")]
    [InlineData("""{ "kvLoraRank": 0, "qkNopeHeadDim": 128, "qkRopeHeadDim": 64, "vHeadDim": 128 }""", "$.model.mla.kvLoraRank")]
    [InlineData("""{ "kvLoraRank": 512, "qkNopeHeadDim": 128, "qkRopeHeadDim": 64, "vHeadDim": 128, "heads": 2 }""", "$.model.mla.heads")]
    public void A_latent_attention_shape_that_is_incomplete_or_out_of_range_is_refused(string mla, string path)
    {
        var r = ScenarioResolver.ParseAndResolve(Scenario(Inline(", \"mla\": " + mla)));
        Assert.False(r.Success);
        Assert.Contains(r.Errors, e => e.Path == path);
    }

    [Fact]
    public void Recompute_modules_resolve_to_megatron_cores_modules_and_the_writer_keeps_them()
    {
        var json = Scenario("\"preset\": \"deepseek-v3\"", """, "recomputeModules": ["layernorm", "MLA_UP_PROJ", "layernorm"]""");
        var r = ScenarioResolver.ParseAndResolve(json);
        Assert.True(r.Success, string.Join("; ", r.Errors.Select(e => e.Message)));
        Assert.Equal(RecomputeModules.Layernorm | RecomputeModules.MlaUpProjection, r.Scenario!.Training.RecomputeModules);

        var doc = ScenarioParser.Parse(json).Document!;
        Assert.Equal(["layernorm", "mla_up_proj"], doc.Training.RecomputeModules);
        Assert.Equal(["layernorm", "mla_up_proj"], ScenarioParser.Parse(ScenarioWriter.ToJson(doc)).Document!.Training.RecomputeModules);

        // An empty list is selective recompute of nothing; absent is the stack's policy.
        var empty = ScenarioResolver.ParseAndResolve(Scenario("\"preset\": \"deepseek-v3\"", """, "recomputeModules": []"""));
        Assert.Equal(RecomputeModules.None, empty.Scenario!.Training.RecomputeModules);
        Assert.Null(ScenarioResolver.ParseAndResolve(Scenario("\"preset\": \"deepseek-v3\"")).Scenario!.Training.RecomputeModules);
    }

    [Theory]
    [InlineData("\"preset\": \"deepseek-v3\"", """["attention"]""", "", "is not one of: core_attn, layernorm, mla_up_proj, mlp, moe_act")]
    [InlineData("\"preset\": \"deepseek-v3\"", """["moe"]""", "", "does not cost yet")]
    [InlineData("\"preset\": \"deepseek-v3\"", "\"mlp\"", "", "expected an array")]
    [InlineData("\"preset\": \"llama3-8b\"", """["mla_up_proj"]""", "", "no multi-head latent attention")]
    [InlineData("\"preset\": \"llama3-8b\"", """["moe_act"]""", "", "no MoE layers")]
    [InlineData("\"preset\": \"llama3-8b\"", """["core_attn"]""", """, "stack": "torchtitan" """, "recomputes by its own selective policy")]
    public void Recompute_modules_that_cannot_apply_are_refused_with_the_reason(string model, string modules, string stack, string text)
    {
        var json = Scenario(model, ", \"recomputeModules\": " + modules, stack).Replace("\"expert\": 64,", "", StringComparison.Ordinal);
        var r = ScenarioResolver.ParseAndResolve(json);
        Assert.False(r.Success);
        var e = Assert.Single(r.Errors, x => x.Path == "$.training.recomputeModules");
        Assert.Contains(text, e.Message, StringComparison.Ordinal);
    }
}
