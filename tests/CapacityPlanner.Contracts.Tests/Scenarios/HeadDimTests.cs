using CapacityPlanner.Contracts.Scenarios;

namespace CapacityPlanner.Contracts.Tests.Scenarios;

/// <summary>
/// <c>model.headDim</c>: a head width other than hidden / heads (Qwen3: 32 query heads of 128 on a 2,048-wide model,
/// so the query projection is twice the hidden size). It sizes the attention projections, their FLOPs and the
/// attention core; omitted, or equal to hidden / heads, it changes nothing.
/// </summary>
public sealed class HeadDimTests
{
    private static string Qwen3(string headDim) => $$"""
        { "schemaVersion": 1,
          "model": { "name": "Qwen3 30B-A3B", "layers": 48, "hiddenSize": 2048, "attentionHeads": 32, "kvHeads": 4 {{headDim}},
                     "ffnHiddenSize": 6144, "gatedMlp": true, "vocabSize": 151936, "sequenceLength": 4096, "tiedEmbeddings": false,
                     "moe": { "experts": 128, "expertsPerToken": 8, "sharedExperts": 0, "expertFfnHiddenSize": 768, "denseLayers": 0 } },
          "training": { "globalBatchSequences": 64 },
          "system": { "chip": "b200", "gpus": 8 },
          "parallelism": { "tensor": 1, "pipeline": 1, "data": 8, "expert": 8, "microBatchSize": 1, "zeroStage": 1 } }
        """;

    [Fact]
    public void Heads_that_do_not_divide_the_hidden_size_need_an_explicit_head_width()
    {
        // 2,048 / 48 is no whole head width: refused, with the fix; with headDim it is a valid shape.
        var fractional = ScenarioResolver.ParseAndResolve(Qwen3("").Replace("\"attentionHeads\": 32", "\"attentionHeads\": 48", StringComparison.Ordinal));
        Assert.False(fractional.Success);
        var error = Assert.Single(fractional.Errors);
        Assert.Equal("$.model.attentionHeads", error.Path);
        Assert.Contains("42.67 wide", error.Message, StringComparison.Ordinal);
        Assert.Contains("model.headDim", error.Message, StringComparison.Ordinal);
        var explicitWidth = ScenarioResolver.ParseAndResolve(Qwen3(""", "headDim": 64""").Replace("\"attentionHeads\": 32", "\"attentionHeads\": 48", StringComparison.Ordinal));
        Assert.True(explicitWidth.Success, string.Join("; ", explicitWidth.Errors.Select(e => e.Message)));
    }

    [Fact]
    public void A_head_width_sizes_the_attention_and_the_parameter_count()
    {
        var with = ScenarioResolver.ParseAndResolve(Qwen3(""", "headDim": 128"""));
        var without = ScenarioResolver.ParseAndResolve(Qwen3(""));
        Assert.True(with.Success, string.Join("; ", with.Errors.Select(e => e.Message)));
        Assert.True(without.Success);
        var m = with.Scenario!.Model;
        Assert.Equal(128, m.HeadDimension);
        Assert.Equal(4096, m.QueryWidth);
        Assert.Equal(512, m.KvWidth);
        // Qwen3-30B-A3B has 30.5 B parameters; at hidden/heads = 64 the attention would be half its size.
        Assert.InRange(m.TotalParameters / 1e9, 30.3, 30.7);
        Assert.True(without.Scenario!.Model.TotalParameters < m.TotalParameters - 0.4e9);
        Assert.True(m.AttentionCoreFlopsPerToken > without.Scenario.Model.AttentionCoreFlopsPerToken * 1.99);
    }

    [Fact]
    public void A_head_width_equal_to_hidden_over_heads_is_no_override_and_the_writer_keeps_what_was_given()
    {
        var same = ScenarioResolver.ParseAndResolve(Qwen3(""", "headDim": 64"""));
        Assert.Null(same.Scenario!.Model.HeadDimension);

        var parsed = ScenarioParser.Parse(Qwen3(""", "headDim": 128"""));
        Assert.Equal(128, parsed.Document!.Model!.HeadDim);
        var written = ScenarioWriter.ToJson(parsed.Document);
        Assert.Contains("\"headDim\": 128", written, StringComparison.Ordinal);
        Assert.Equal(128, ScenarioParser.Parse(written).Document!.Model!.HeadDim);
    }

    [Fact]
    public void A_head_width_out_of_range_is_refused_with_the_field_named()
    {
        var r = ScenarioResolver.ParseAndResolve(Qwen3(""", "headDim": 0"""));
        Assert.False(r.Success);
        Assert.Contains(r.Errors, e => e.Path == "$.model.headDim");
    }
}
