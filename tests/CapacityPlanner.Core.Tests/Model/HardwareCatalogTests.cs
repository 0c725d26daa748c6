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
