using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Core.Tests.Model;

/// <summary>Invalid plans are results with a path and a sentence, never exceptions.</summary>
public sealed class PlanValidatorTests
{
    private static Estimate Run(string parallelism, int gpus = 1024, string model = """{ "preset": "gpt3-175b" }""", int batch = 1536) =>
        TestScenarios.Estimate($$"""
            { "schemaVersion": 1, "model": {{model}}, "training": { "globalBatchSequences": {{batch}} },
              "system": { "chip": "h100-sxm", "gpus": {{gpus}} }, "parallelism": {{parallelism}} }
            """);

    private static ScenarioError Error(Estimate e, string path)
    {
        Assert.False(e.Feasible);
        Assert.Null(e.StepTimeSeconds);
        return Assert.Single(e.Errors, x => x.Path == path);
    }

    [Fact]
    public void Tp_that_does_not_divide_the_heads_is_reported()
    {
        var e = Run("""{ "tensor": 16, "pipeline": 1, "data": 1 }""", gpus: 16,
            model: """{ "layers": 40, "hiddenSize": 5120, "attentionHeads": 40, "vocabSize": 32000, "sequenceLength": 2048 }""", batch: 16);
        Assert.Equal("TP=16 does not divide 40 attention heads; use a divisor of 40.", Error(e, "$.parallelism.tensor").Message);
    }

    [Fact]
    public void Degrees_whose_product_is_not_the_gpu_count_are_reported()
    {
        var e = Run("""{ "tensor": 8, "pipeline": 8, "data": 8 }""");
        Assert.Contains("= 512, but system.gpus = 1024", Error(e, "$.parallelism.data").Message);
    }

    [Fact]
    public void A_batch_that_does_not_divide_is_reported()
    {
        var e = Run("""{ "tensor": 8, "pipeline": 8, "data": 16, "microBatchSize": 5 }""");
        Assert.Contains("not divisible by micro-batch 5 × data-parallel 16", Error(e, "$.parallelism.microBatchSize").Message);
    }

    [Fact]
    public void Pipeline_deeper_than_the_model_is_reported()
    {
        var e = Run("""{ "tensor": 1, "pipeline": 128, "data": 8 }""");
        Assert.Contains("exceed the model's 96 layers", Error(e, "$.parallelism.pipeline").Message);
    }

    [Fact]
    public void Interleaving_with_more_chunks_than_layers_is_reported()
    {
        var e = Run("""{ "tensor": 8, "pipeline": 8, "data": 16, "virtualStages": 13 }""");
        Assert.Contains("chunks exceed the model's 96 layers", Error(e, "$.parallelism.virtualStages").Message);
    }

    [Fact]
    public void Chunks_may_count_the_embedding_and_the_loss_as_layers_as_Llama_3_did()
    {
        // Llama 3 405B (§3.3.2, Table 4): 126 layers on 16 stages with one layer per chunk, the first and last stages one
        // layer short; Megatron-Core's account_for_embedding/loss_in_pipeline_split gives those chunks the embedding and
        // the loss. 128 chunks are a plan that ran; 144 are not.
        const string llama = """{ "preset": "llama3-405b" }""";
        var ran = Run("""{ "tensor": 8, "pipeline": 16, "data": 64, "virtualStages": 8, "zeroStage": 1 }""", gpus: 8192, model: llama, batch: 2048);
        Assert.DoesNotContain(ran.Errors, x => x.Path == "$.parallelism.virtualStages");
        Assert.DoesNotContain(ran.Warnings, w => w.Contains("do not split evenly", StringComparison.Ordinal));
        var tooMany = Run("""{ "tensor": 8, "pipeline": 16, "data": 64, "virtualStages": 9 }""", gpus: 8192, model: llama, batch: 2048);
        Assert.Contains("144 chunks exceed the model's 126 layers plus the embedding and the loss", Error(tooMany, "$.parallelism.virtualStages").Message);
    }

    [Fact]
    public void Uneven_interleaving_is_a_warning_not_an_error()
    {
        var e = Run("""{ "tensor": 8, "pipeline": 8, "data": 16, "virtualStages": 5 }""");
        Assert.True(e.Feasible, string.Join("; ", e.Errors.Select(x => x.Message)));
        Assert.Contains(e.Warnings, w => w.Contains("do not split evenly", StringComparison.Ordinal));
    }

    [Fact]
    public void Expert_parallelism_on_a_dense_model_is_reported()
    {
        var e = Run("""{ "tensor": 8, "pipeline": 8, "data": 16, "expert": 4 }""");
        Assert.Contains("needs a Mixture-of-Experts model", Error(e, "$.parallelism.expert").Message);
    }

    [Fact]
    public void Every_violation_is_listed_at_once()
    {
        var e = Run("""{ "tensor": 7, "pipeline": 200, "data": 3, "virtualStages": 2 }""");
        Assert.True(e.Errors.Count >= 4, string.Join("\n", e.Errors.Select(x => x.Message)));
    }

    [Fact]
    public void Fp8_on_a_chip_without_fp8_is_reported()
    {
        var e = TestScenarios.Estimate("""
            { "schemaVersion": 1, "model": { "preset": "llama3-8b" }, "training": { "globalBatchSequences": 64, "precision": "fp8" },
              "system": { "chip": "a100-sxm-80gb", "gpus": 8 }, "parallelism": { "tensor": 8 } }
            """);
        Assert.Contains("has no fp8 peak", Error(e, "$.training.precision").Message);
    }
}
