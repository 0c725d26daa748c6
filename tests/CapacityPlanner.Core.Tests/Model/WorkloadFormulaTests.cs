using CapacityPlanner.Core.Workload;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Core.Tests.Model;

/// <summary>Parameter and FLOP counts against the formula sheet's test vectors (§1, §2.3).</summary>
public sealed class WorkloadFormulaTests
{
    private static TransformerModel Llama(int layers, int h, int heads, int kv, int ffn, int vocab, MoeConfig? moe = null) =>
        new(layers, h, heads, kv, ffn, GatedMlp: true, vocab, 4096, TiedEmbeddings: false, moe);

    [Fact]
    public void Llama2_7b_parameter_count_matches_formula_sheet()
    {
        Assert.Equal(6_738_415_616, Llama(32, 4096, 32, 32, 11008, 32000).TotalParameters);
    }

    [Fact]
    public void Llama3_8b_parameter_count_matches_formula_sheet()
    {
        Assert.Equal(8_030_261_248, Llama(32, 4096, 32, 8, 14336, 128256).TotalParameters);
    }

    [Fact]
    public void Mixtral_total_and_active_parameters_match_formula_sheet()
    {
        var m = Llama(32, 4096, 32, 8, 14336, 32000, new MoeConfig(8, 2, 0, 14336, 0, 1.0));
        Assert.Equal(46_702_792_704, m.TotalParameters);
        Assert.Equal(12_879_925_248, m.ActiveParameters);
    }

    [Fact]
    public void Gpt3_model_flops_equal_the_closed_form_without_recompute()
    {
        // 72·B·s·L·h²·(1 + s/6h + V/12Lh) with B = 1 (Korthikanti et al. 2022) = 2.2046e15 (formula sheet §2.3).
        var m = new TransformerModel(96, 12288, 96, 96, 4 * 12288, false, 51200, 2048, true);
        double s = 2048, h = 12288, l = 96, v = 51200;
        var closed = 72 * s * l * h * h * (1 + s / (6 * h) + v / (12 * l * h));
        var bottomUp = m.ModelFlopsPerToken * s;
        Assert.Equal(closed, bottomUp, closed * 1e-12);
        Assert.Equal(2.2046e15, bottomUp, 0.0001e15);
    }

    [Fact]
    public void Full_recompute_hardware_flops_equal_narayanan_eq3()
    {
        // 96·B·s·L·h²·(1 + s/6h + V/16Lh) = 2.9368e15 for B = 1 (formula sheet §2.3).
        var scenario = TestScenarios.Resolve("""
            { "schemaVersion": 1, "model": { "layers": 96, "hiddenSize": 12288, "attentionHeads": 96, "vocabSize": 51200, "sequenceLength": 2048, "tiedEmbeddings": true },
              "training": { "globalBatchSequences": 8 }, "system": { "chip": "a100-sxm-80gb", "gpus": 8 },
              "parallelism": { "tensor": 8, "recompute": "full", "zeroStage": 0 } }
            """);
        var e = Estimation.Estimator.Estimate(scenario);
        var perSequence = e.HardwareTflopsPerGpu!.Value * 1e12 * e.StepTimeSeconds!.Value * 8 / 8;
        Assert.Equal(2.9368e15, perSequence, 0.0001e15);
    }

    [Fact]
    public void Every_required_preset_exists_with_a_source()
    {
        foreach (var id in new[] { "gpt3-175b", "megatron-1t", "llama3-8b", "llama3-70b", "llama3-405b", "mixtral-8x7b", "deepseek-v3" })
        {
            Assert.True(ModelPresets.TryGet(id, out var preset), id);
            Assert.False(string.IsNullOrWhiteSpace(preset.Source), id);
        }
        Assert.InRange(ModelPresets.All.Single(p => p.Id == "llama3-405b").Model.TotalParameters, 4.0e11, 4.1e11);
        Assert.InRange(ModelPresets.All.Single(p => p.Id == "deepseek-v3").Model.ActiveParameters, 3.5e10, 4.0e10);
    }

    [Theory]
    // Total and active parameters as their model cards state them (Qwen3 report Table 2: 30.5B/3.3B, 235B/22B; gpt-oss
    // model card: 116.8B total, 20.9B), within what the preset leaves out (QK-norm, linear biases, attention sinks);
    // GPT-OSS's active count here includes its 201,088-row embedding and LM head.
    [InlineData("qwen3-30b-a3b", 30.0e9, 31.0e9, 3.2e9, 3.4e9, 128.0)]
    [InlineData("qwen3-235b-a22b", 234e9, 236e9, 21.5e9, 22.5e9, 128.0)]
    [InlineData("gpt-oss-120b", 116e9, 117.5e9, 5.0e9, 6.0e9, 64.0)]
    [InlineData("gpt-oss-20b", 20.5e9, 21.5e9, 3.5e9, 4.5e9, 64.0)]
    public void Moe_presets_carry_their_head_width_and_parameter_counts(string id, double totalLow, double totalHigh, double activeLow, double activeHigh, double headDim)
    {
        Assert.True(ModelPresets.TryGet(id, out var preset), id);
        Assert.False(string.IsNullOrWhiteSpace(preset.Source), id);
        Assert.Equal(headDim, preset.Model.HeadDim);
        Assert.InRange(preset.Model.TotalParameters, totalLow, totalHigh);
        Assert.InRange(preset.Model.ActiveParameters, activeLow, activeHigh);
    }
}
