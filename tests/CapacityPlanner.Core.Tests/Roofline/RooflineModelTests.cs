using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Roofline;
using CapacityPlanner.Core.Workload;

namespace CapacityPlanner.Core.Tests.Roofline;

/// <summary>Ridge points, GEMM intensities and the smallest compute-bound micro-batch (formula sheet §8).</summary>
public sealed class RooflineModelTests
{
    private static ChipSpec Chip(string id) => HardwareCatalog.Default.TryGet(id, out var c) ? c : throw new InvalidOperationException(id);

    private static TransformerModel Preset(string id) => ModelPresets.TryGet(id, out var p) ? p.Model : throw new InvalidOperationException(id);

    [Fact]
    public void H100_bf16_ridge_point_is_about_295_flop_per_byte()
    {
        // 989 TFLOP/s ÷ 3.35 TB/s (formula sheet §8: ≈ 295).
        var ridge = RooflineModel.RidgePoint(Chip("h100-sxm"), Precision.Bf16);

        Assert.NotNull(ridge);
        Assert.Equal(295.2, ridge.Value, 0.5);
    }

    [Fact]
    public void Fp8_doubles_the_ridge_and_a_missing_precision_has_none()
    {
        var h100 = Chip("h100-sxm");

        // 1,979 TFLOP/s fp8 against 989 bf16 over the same HBM: twice the ridge (to the catalog's rounding).
        Assert.Equal(2 * RooflineModel.RidgePoint(h100, Precision.Bf16)!.Value, RooflineModel.RidgePoint(h100, Precision.Fp8)!.Value, 1.0);
        Assert.Null(RooflineModel.RidgePoint(Chip("a100-sxm-80gb"), Precision.Fp8));
        Assert.DoesNotContain(RooflineModel.ForAllPrecisions(Chip("a100-sxm-80gb")), r => r.Precision == Precision.Fp8);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(128)]
    public void A_bf16_gemm_with_few_tokens_has_an_intensity_of_about_the_token_count(int tokens)
    {
        // [B × D]·[D × F] with B ≪ D, F: AI = 2BDF / (2(BD + DF + BF)) ≈ B.
        var op = RooflineModel.Gemm("up", tokens, 16384, 65536, 2, "test");

        Assert.Equal(tokens, op.ArithmeticIntensity, tokens * 0.02);
        Assert.Equal(2.0 * tokens * 16384 * 65536, op.Flops);
        Assert.Equal(RooflineModel.GemmIntensity(tokens, 16384, 65536, 2), op.ArithmeticIntensity, 1e-9);
    }

    [Fact]
    public void Attainable_flops_follow_the_bandwidth_slope_then_the_peak()
    {
        var roofline = RooflineModel.For(Chip("h100-sxm"), Precision.Bf16)!;

        Assert.Equal(10 * 3.35e12, roofline.AttainableFlopsPerSecond(10), 1e3);
        Assert.Equal(989e12, roofline.AttainableFlopsPerSecond(10_000), 1e3);
        Assert.False(roofline.IsComputeBound(100));
        Assert.True(roofline.IsComputeBound(1000));
    }

    [Fact]
    public void Smallest_tokens_put_the_gemm_exactly_on_the_ridge()
    {
        const double k = 8192, n = 28672 / 8.0, ridge = 295.2;

        var tokens = RooflineModel.MinimumTokensForGemm(k, n, 2, ridge)!.Value;

        Assert.Equal(ridge, RooflineModel.GemmIntensity(tokens, k, n, 2), 1e-6);
        Assert.True(RooflineModel.GemmIntensity(tokens * 0.9, k, n, 2) < ridge);
        // A weight matrix too thin for the ridge never becomes compute-bound.
        Assert.Null(RooflineModel.MinimumTokensForGemm(256, 256, 2, ridge));
    }

    [Fact]
    public void A_dense_model_needs_a_few_hundred_tokens_per_micro_batch_on_h100()
    {
        var roofline = RooflineModel.For(Chip("h100-sxm"), Precision.Bf16)!;

        var batch = RooflineModel.SmallestComputeBoundBatch(Preset("llama3-70b"), roofline, tensor: 8);

        // ≈ I* tokens, more because the TP-sharded matrices are not infinitely wide: the attention output projection
        // [T × 1024]·[1024 × 8192] needs I*·q·K·N / (2·K·N − I*·q·(K + N)) ≈ 436 tokens.
        Assert.InRange(batch.Tokens!.Value, 295, 520);
        Assert.Equal("Attention output projection", batch.LimitingGemm);
        Assert.Equal(1, batch.Sequences);
        Assert.NotNull(batch.LimitingGemm);
    }

    [Fact]
    public void A_fine_grained_moe_needs_experts_over_top_k_times_more_tokens()
    {
        var roofline = RooflineModel.For(Chip("h800-sxm"), Precision.Bf16)!;
        var model = Preset("deepseek-v3");

        var batch = RooflineModel.SmallestComputeBoundBatch(model, roofline, tensor: 1);

        Assert.StartsWith("Expert", batch.LimitingGemm, StringComparison.Ordinal);
        Assert.True(batch.Tokens > roofline.RidgeFlopsPerByte * model.Moe!.Experts / model.Moe.ExpertsPerToken);
        Assert.True(batch.Sequences > 1);
    }

    [Fact]
    public void Layer_operations_place_gemms_above_attention_and_elementwise_far_below()
    {
        var ops = RooflineModel.LayerOperations(Preset("gpt3-175b"), microBatchSequences: 1, tensor: 8, Precision.Bf16);

        var qkv = ops.Single(o => o.Name == "QKV projection");
        Assert.Equal(2048, qkv.M);
        Assert.Equal(12288, qkv.K);
        Assert.Equal(3 * 12288 / 8, qkv.N);
        Assert.All(ops.Where(o => o.Kind == OperationKind.Elementwise), o => Assert.InRange(o.ArithmeticIntensity, 0.05, 5));
        var attention = ops.Single(o => o.Kind == OperationKind.Attention);
        // Flash attention grows with s: a sizeable fraction of the 2,048-token sequence.
        Assert.InRange(attention.ArithmeticIntensity, 2048 / 8.0, 2048);
        Assert.Contains(ops, o => o.Name == "MLP down");
    }
}
