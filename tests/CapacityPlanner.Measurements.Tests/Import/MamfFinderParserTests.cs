using CapacityPlanner.Measurements.Import;

namespace CapacityPlanner.Measurements.Tests.Import;

public sealed class MamfFinderParserTests
{
    [Fact]
    public void Version_2_log_with_carriage_return_progress_lines_gives_every_shape()
    {
        var r = MamfFinderParser.Parse(Fixtures.Read("mamf-finder-v2.log"));

        Assert.Equal("2", r.SourceVersion);
        Assert.Equal(16, r.Gemm.Count);
        Assert.All(r.Gemm, g =>
        {
            Assert.Equal("bf16", g.Dtype);
            Assert.Equal(4096, g.N);
            Assert.Equal(4096, g.K);
            Assert.Equal(2.0 * g.M * g.N * g.K, g.Flops);
            Assert.True(g.BurstTflops >= g.MedianTflops);
        });
        var best = r.Gemm.Single(g => g.M == 16384);
        Assert.Equal(732.7, best.MedianTflops);
        Assert.Equal(731.3, best.MeanTflops);
        Assert.Equal(738.6, best.BurstTflops);
        Assert.Equal(738.6, r.Import!.Reported["bestMaxTflops"]);
        Assert.Equal(658.5, r.Import.Reported["geometricMeanTflops"]);
        var device = r.Devices.Single();
        Assert.Equal("NVIDIA H100 80GB HBM3", device.Name);
        Assert.Equal("9.0", device.ComputeCapability);
        Assert.Equal(132, device.Multiprocessors);
        Assert.Equal("hgx-node-12", r.Host!.Hostname);
        Assert.Equal("2.3.0+cu121", r.Software!.Versions["torch"]);
    }

    [Fact]
    public void Version_4_log_gives_burst_and_sustained_headlines()
    {
        var r = MamfFinderParser.Parse(Fixtures.Read("mamf-finder-v4.log"));

        Assert.Equal("4", r.SourceVersion);
        Assert.Equal(3, r.Gemm.Count);
        Assert.All(r.Gemm, g => Assert.Equal("fp8", g.Dtype));
        var top = r.Gemm.Single(g => g.M == 8192 && g.N == 8192 && g.K == 8192);
        Assert.Equal(3893.0, top.MedianTflops);
        Assert.Equal(3610.5, top.SustainedTflops);
        Assert.Equal(3955.3, top.BurstTflops);
        Assert.Equal(3955, r.Import!.Reported["mamfTflops"]);
        Assert.Equal(3611, r.Import.Reported["msmfTflops"]);
        Assert.Equal("NVIDIA B200", r.Devices.Single().Name);
        Assert.Equal("10.0", r.Devices.Single().ComputeCapability);
        Assert.Null(r.Gemm.Single(g => g.M == 2048).SustainedTflops);
    }

    [Theory]
    [InlineData("torch.bfloat16", "bf16")]
    [InlineData("float16", "fp16")]
    [InlineData("torch.float8_e4m3fn", "fp8")]
    [InlineData("nvfp4", "fp4")]
    [InlineData("float32", "fp32")]
    public void Dtypes_map_to_precision_ids(string torch, string id) => Assert.Equal(id, MamfFinderParser.MapDtype(torch));
}
