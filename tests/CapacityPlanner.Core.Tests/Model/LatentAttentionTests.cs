using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Roofline;
using CapacityPlanner.Core.Workload;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Core.Tests.Model;

/// <summary>
/// Multi-head latent attention (DeepSeek-V2 §2.1, DeepSeek-V3 §2.1.1; Megatron-Core <c>multi_latent_attention.py</c>) and
/// Megatron-Core's selective recompute modules (docs/model.md §Compute and §Schedule and memory): the projections, their
/// tensor-parallel split and traffic, the attention core at MLA's head widths, and what recomputing the norms and the
/// up-projections saves and costs (DeepSeek-V3 §3.2.3).
/// </summary>
public sealed class LatentAttentionTests
{
    private static TransformerModel DeepSeek => ModelPresets.All.Single(p => p.Id == "deepseek-v3").Model;

    private static string Scenario(string model, int tensor, string training = "", string recompute = "none", int pipeline = 1, int gpus = 64) => $$"""
        { "schemaVersion": 1,
          "model": { {{model}} },
          "training": { "globalBatchSequences": {{gpus / tensor / pipeline}}, "precision": "bf16", "stack": "megatron-core"{{training}} },
          "system": { "chip": "b200", "gpus": {{gpus}} },
          "parallelism": { "tensor": {{tensor}}, "pipeline": {{pipeline}}, "data": {{gpus / tensor / pipeline}}, "expert": 64, "sequenceParallel": {{(tensor > 1 ? "true" : "false")}},
                           "microBatchSize": 1, "zeroStage": 1, "recompute": "{{recompute}}" } }
        """;

    [Fact]
    public void Grouped_query_attention_keeps_its_two_projections_and_its_parameter_count()
    {
        var m = ModelPresets.All.Single(p => p.Id == "llama3-8b").Model;
        Assert.Equal(2, m.AttentionProjectionCount);
        Assert.Equal(("QKV projection", ProjectionSplit.Column), (m.AttentionProjectionAt(0).Name, m.AttentionProjectionAt(0).Split));
        Assert.Equal(("Attention output projection", ProjectionSplit.Row), (m.AttentionProjectionAt(1).Name, m.AttentionProjectionAt(1).Split));
        double h = m.HiddenSize, q = m.QueryWidth, kv = m.KvWidth;
        Assert.Equal(h * q + 2 * h * kv + q * h, m.AttentionParametersPerLayer);
        Assert.Equal(4.0 * m.SequenceLength * q, m.AttentionCoreFlopsPerToken);
        Assert.Equal(0, m.ReplicatedAttentionParametersPerLayer);
        Assert.Equal(h, m.AttentionInputWidth);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.AttentionProjectionAt(2));
    }

    [Fact]
    public void Latent_attention_has_five_projections_with_its_down_projections_whole_on_every_rank()
    {
        var m = DeepSeek;
        Assert.Equal(5, m.AttentionProjectionCount);
        var names = Enumerable.Range(0, 5).Select(i => (m.AttentionProjectionAt(i).Name, m.AttentionProjectionAt(i).In, m.AttentionProjectionAt(i).Out, m.AttentionProjectionAt(i).Split)).ToList();
        Assert.Equal(
        [
            ("Q down-projection", 7168, 1536, ProjectionSplit.Replicated),
            ("KV down-projection", 7168, 512 + 64, ProjectionSplit.Replicated),
            ("Q up-projection", 1536, 128 * 192, ProjectionSplit.Column),
            ("KV up-projection", 512, 128 * (128 + 128), ProjectionSplit.Column),
            ("Attention output projection", 128 * 128, 7168, ProjectionSplit.Row),
        ], names);
        Assert.Equal(7168.0 * 1536 + 7168.0 * 576 + 1536 + 512, m.ReplicatedAttentionParametersPerLayer);
        Assert.Equal(m.ReplicatedAttentionParametersPerLayer + (m.AttentionParametersPerLayer + m.NormParametersPerLayer - m.ReplicatedAttentionParametersPerLayer) / 4,
            m.AttentionAndNormParametersPerRank(4));
        // Scores at the query/key width (128 + 64) and the context at the value width (128), per head.
        Assert.Equal(2.0 * 4096 * 128 * (192 + 128), m.AttentionCoreFlopsPerToken);
        Assert.Equal((128 * 192.0, 128 * 192.0, 128 * 128.0, 128 * 128.0), (m.QueryWidth, m.KeyWidth, m.ValueWidth, m.ContextWidth));
        Assert.Equal(1536 + 512 + 64, m.AttentionInputWidth);
        // The roofline lists the same projections.
        var ops = RooflineModel.LayerOperations(m, 1, 1, Hardware.Precision.Bf16);
        Assert.Equal(names.Select(n => n.Name), ops.Take(5).Select(o => o.Name));
    }

    [Fact]
    public void Tensor_parallelism_gathers_the_latents_not_the_hidden_state()
    {
        const string Mla = """
            "name": "latent", "layers": 4, "hiddenSize": 7168, "attentionHeads": 128, "ffnHiddenSize": 18432, "gatedMlp": true,
            "vocabSize": 129280, "sequenceLength": 4096,
            "moe": { "experts": 64, "expertsPerToken": 8, "sharedExperts": 1, "expertFfnHiddenSize": 2048, "denseLayers": 1 },
            "mla": { QLORA"kvLoraRank": 512, "qkNopeHeadDim": 128, "qkRopeHeadDim": 64, "vHeadDim": 128 }
            """;
        var latents = TestScenarios.Estimate(Scenario(Mla.Replace("QLORA", "\"qLoraRank\": 1536, ", StringComparison.Ordinal), tensor: 2, gpus: 128));
        var hidden = TestScenarios.Estimate(Scenario(Mla.Replace("QLORA", "", StringComparison.Ordinal), tensor: 2, gpus: 128));
        var tpLatents = latents.Breakdown!.Communication.TensorParallel.LinkSeconds;
        var tpHidden = hidden.Breakdown!.Communication.TensorParallel.LinkSeconds;
        // Two of the eight collectives per layer (the attention's gather and its gradient's scatter) move 2,112 instead of
        // 7,168 elements per token: (3 + 2112/7168) / 4 = 82% of the bytes; each collective's fixed latency keeps the time a
        // little above that.
        Assert.InRange(tpLatents / tpHidden, 0.82, 0.90);
    }

    [Fact]
    public void Recomputing_the_norms_and_up_projections_drops_their_outputs_and_reruns_the_up_projections()
    {
        // DeepSeek-V3 §3.2.3: "We recompute all RMSNorm operations and MLA up-projections during back-propagation."
        var model = "\"preset\": \"deepseek-v3\"";
        var stored = TestScenarios.Estimate(Scenario(model, tensor: 1));
        var rerun = TestScenarios.Estimate(Scenario(model, tensor: 1, training: """, "recomputeModules": ["layernorm", "mla_up_proj"]""", recompute: "selective"));
        var m = DeepSeek;
        // One micro-batch in flight on one stage of 61 layers, 4,096 tokens, 2-byte activations, no TP: each layer keeps
        // neither the two norm outputs (2 + 2 elements of h per token) nor Q, K and V (2 × (q + k + v) / h).
        var perToken = 4 + 2 * (m.QueryWidth + m.KeyWidth + m.ValueWidth) / m.HiddenSize;
        var expected = 61 * 4096.0 * m.HiddenSize * perToken;
        var dropped = (stored.Memory!.ActivationsGiB - rerun.Memory!.ActivationsGiB) * Units.GiB;
        Assert.Equal(expected, dropped, expected * 1e-9);
        // The up-projections run again: the hardware FLOPs exceed the model FLOPs by exactly them.
        var upFlops = 2.0 * (1536 * 128 * 192 + 512 * 128 * 256);
        Assert.Equal(1 + m.Layers * upFlops / m.ModelFlopsPerToken, rerun.HardwareTflopsPerGpu!.Value / rerun.ModelTflopsPerGpu!.Value, 9);
        Assert.True(rerun.StepTimeSeconds > stored.StepTimeSeconds);
        Assert.True(rerun.Breakdown!.RecomputeSeconds > 0);
        Assert.Equal(0, stored.Breakdown!.RecomputeSeconds);
    }

    [Fact]
    public void Recomputing_the_dense_mlp_drops_its_intermediates_in_the_dense_layers_only()
    {
        var model = "\"preset\": \"deepseek-v3\"";
        var stored = TestScenarios.Estimate(Scenario(model, tensor: 1, training: """, "recomputeModules": []""", recompute: "selective"));
        var mlp = TestScenarios.Estimate(Scenario(model, tensor: 1, training: """, "recomputeModules": ["mlp"]""", recompute: "selective"));
        var m = DeepSeek;
        // The three dense layers keep neither the gate and up outputs nor the SwiGLU output: 6 × F / h elements per token.
        var expected = 3 * 4096.0 * m.HiddenSize * (6.0 * m.FfnHiddenSize / m.HiddenSize);
        Assert.Equal(expected, (stored.Memory!.ActivationsGiB - mlp.Memory!.ActivationsGiB) * Units.GiB, expected * 1e-9);
        Assert.Equal(1 + 3 * m.DenseMlpFlopsPerToken / m.ModelFlopsPerToken, mlp.HardwareTflopsPerGpu!.Value / mlp.ModelTflopsPerGpu!.Value, 9);
        // An empty list recomputes nothing: the same as no recompute.
        var none = TestScenarios.Estimate(Scenario(model, tensor: 1));
        Assert.Equal(none.StepTimeSeconds!.Value, stored.StepTimeSeconds!.Value, 12);
        Assert.Equal(none.MemoryPerGpuGiB!.Value, stored.MemoryPerGpuGiB!.Value, 12);
    }

    [Fact]
    public void Megatron_cores_default_selective_recompute_is_the_attention_core()
    {
        var json = Scenario("\"preset\": \"llama3-8b\"", tensor: 1, recompute: "selective").Replace("\"expert\": 64,", "", StringComparison.Ordinal);
        var byDefault = TestScenarios.Estimate(json);
        var stated = TestScenarios.Estimate(json.Replace("\"stack\": \"megatron-core\"", "\"stack\": \"megatron-core\", \"recomputeModules\": [\"core_attn\"]", StringComparison.Ordinal));
        Assert.Equal(byDefault.StepTimeSeconds!.Value, stated.StepTimeSeconds!.Value, 12);
        Assert.Equal(byDefault.MemoryPerGpuGiB!.Value, stated.MemoryPerGpuGiB!.Value, 12);
        Assert.Equal(byDefault.HardwareTflopsPerGpu!.Value, stated.HardwareTflopsPerGpu!.Value, 9);
    }
}
