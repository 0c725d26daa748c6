using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Hardware;

namespace CapacityPlanner.Core.Tests.Model;

public sealed class HardwareCatalogTests
{
    public static readonly string[] RequiredIds =
    [
        "a100-sxm-40gb", "a100-sxm-80gb", "h100-sxm", "h800-sxm", "h200", "b200", "gb200", "b300", "gb300",
        "mi300x", "mi325x", "mi355x", "tpu-v4", "tpu-v5e", "tpu-v5p", "tpu-v6e", "gaudi3",
    ];

    [Fact]
    public void Catalog_has_exactly_the_required_ids_in_order()
    {
        Assert.Equal(RequiredIds, HardwareCatalog.Default.Ids.ToArray());
    }

    [Fact]
    public void Hopper_runs_small_gemms_on_its_measured_curve_and_large_ones_at_its_mamf_fraction()
    {
        var catalog = HardwareCatalog.Default;
        foreach (var id in new[] { "h100-sxm", "h800-sxm", "h200" })
        {
            Assert.True(catalog.TryGet(id, out var chip));
            var eff = chip.Efficiency;
            Assert.NotNull(eff.GemmCurve);
            // capplan bench on an H200 (docs/measurements/h200-2026-12-04): a 1024³ BF16 GEMM (2.1 GFLOP) sustains 44 % of
            // the best rate, under half the default shape's 77 %; from 17 GFLOP up it is within a few percent of it.
            Assert.InRange(eff.GemmCurve!.At(2.147e9) / eff.GemmMaxFraction, 0.40, 0.48);
            Assert.InRange(ModelDefaults.Standard.GemmSizeCurve.At(2.147e9), 0.74, 0.80);
            Assert.Equal(eff.GemmMaxFraction, eff.GemmCurve.At(1e13), 9);
            // FP8 GEMMs saturate later (same sweep): at 17 GFLOP (2048³) 80 % of their best rate against BF16's 93 %.
            Assert.NotNull(eff.LowPrecisionGemmCurve);
            Assert.InRange(eff.LowPrecisionGemmCurve!.At(1.718e10) / eff.GemmMaxFraction, 0.76, 0.83);
            Assert.InRange(eff.GemmCurve.At(1.718e10) / eff.GemmMaxFraction, 0.90, 0.96);
            Assert.Equal(eff.GemmMaxFraction, eff.LowPrecisionGemmCurve.At(1e13), 9);
        }
        foreach (var id in new[] { "a100-sxm-80gb", "b200" })
        {
            Assert.True(catalog.TryGet(id, out var chip));
            Assert.Null(chip.Efficiency.GemmCurve);
            Assert.Null(chip.Efficiency.LowPrecisionGemmCurve);
        }
    }

    [Fact]
    public void Every_figure_cites_a_known_source()
    {
        var catalog = HardwareCatalog.Default;
        foreach (var chip in catalog.Chips)
        {
            Assert.NotNull(chip.Figures);
            Assert.NotEmpty(chip.Figures!);
            foreach (var (field, figure) in chip.Figures!)
            {
                Assert.True(catalog.Sources.ContainsKey(figure.Source), $"{chip.Id}.{field} cites unknown source '{figure.Source}'");
                Assert.Contains(figure.Basis, new[] { "verified", "derived", "secondary", "memory", "assumed" });
            }
        }
    }

    [Fact]
    public void Peaks_are_dense_not_sparse()
    {
        var h100 = Get("h100-sxm");
        Assert.Equal(989e12, h100.PeakFor(Precision.Bf16));
        Assert.Equal(1979e12, h100.PeakFor(Precision.Fp8));
        Assert.Null(Get("a100-sxm-80gb").PeakFor(Precision.Fp8));
    }

    [Fact]
    public void H800_has_h100_compute_and_cut_nvlink()
    {
        var h800 = Get("h800-sxm");
        var h100 = Get("h100-sxm");
        Assert.Equal(h100.PeakFor(Precision.Bf16), h800.PeakFor(Precision.Bf16));
        Assert.Equal(200e9, h800.ScaleUp.BandwidthBytesPerSecondPerDirection);
    }

    [Fact]
    public void Nvl72_chips_have_a_72_gpu_scale_up_domain()
    {
        Assert.Equal(72, Get("gb200").ScaleUp.DomainSize);
        Assert.Equal(72, Get("gb300").ScaleUp.DomainSize);
        Assert.Equal(ScaleUpTopology.Mesh, Get("mi300x").ScaleUp.Topology);
    }

    [Fact]
    public void Efficiency_fractions_are_fractions()
    {
        foreach (var c in HardwareCatalog.Default.Chips)
        {
            Assert.InRange(c.Efficiency.GemmMaxFraction, 0.3, 1.0);
            Assert.InRange(c.Efficiency.HbmFraction, 0.3, 1.0);
            Assert.InRange(c.ScaleUp.BusBandwidthEfficiency, 0.3, 1.1);
            Assert.InRange(c.ScaleOut.Efficiency, 0.3, 1.0);
        }
    }

    private static ChipSpec Get(string id)
    {
        Assert.True(HardwareCatalog.Default.TryGet(id, out var chip));
        return chip;
    }
}
