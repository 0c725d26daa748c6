namespace CapacityPlanner.Core.Hardware;

/// <summary>Topology of a chip's scale-up fabric.</summary>
public enum ScaleUpTopology
{
    /// <summary>Switched all-to-all (NVSwitch, NVLink Switch trays): full bandwidth between any pair.</summary>
    Switch,
    /// <summary>Point-to-point full mesh (AMD xGMI, Gaudi RoCE): a pair gets only one link's share.</summary>
    Mesh,
    /// <summary>Torus (TPU ICI): a ring along one axis uses a fraction of the chip's links.</summary>
    Torus,
}

/// <summary>Scale-up fabric of a chip: NVLink/NVSwitch, xGMI, ICI.</summary>
/// <param name="Fabric">Human-readable fabric name.</param>
/// <param name="Topology">Switch, mesh or torus.</param>
/// <param name="BandwidthBytesPerSecondPerDirection">Per-GPU unidirectional bandwidth.</param>
/// <param name="DomainSize">GPUs in one scale-up domain.</param>
/// <param name="LatencySecondsPerStep">Latency of one collective step on this fabric.</param>
/// <param name="BusBandwidthEfficiency">Achievable ring bus bandwidth / link bandwidth (nccl-tests busbw).</param>
public sealed record ScaleUpFabric(
    string Fabric,
    ScaleUpTopology Topology,
    double BandwidthBytesPerSecondPerDirection,
    int DomainSize,
    double LatencySecondsPerStep,
    double BusBandwidthEfficiency);

/// <summary>Default scale-out attachment of one accelerator.</summary>
/// <param name="NicBitsPerSecondPerGpu">NIC line rate per GPU.</param>
/// <param name="LatencySecondsPerStep">Latency of one network step of a collective.</param>
/// <param name="Efficiency">Achievable fraction of line rate for large messages.</param>
public sealed record ScaleOutAttachment(double NicBitsPerSecondPerGpu, double LatencySecondsPerStep, double Efficiency);

/// <summary>Achievable-efficiency defaults of a chip (replaced by measured curves after calibration).</summary>
/// <param name="GemmMaxFraction">Maximum achievable matmul FLOP/s as a fraction of the dense peak (MAMF / peak).</param>
/// <param name="HbmFraction">Achievable fraction of HBM bandwidth for streaming kernels.</param>
/// <param name="GemmCurve">Optional measured GEMM efficiency curve (FLOPs per GEMM → fraction of peak); replaces the default shape when present.</param>
/// <param name="LowPrecisionGemmCurve">Optional measured FP8 GEMM-size shape (FLOPs → fraction, topping at GemmMaxFraction); FP8/FP4 GEMMs use it in place of <paramref name="GemmCurve"/>.</param>
/// <param name="SustainedGemmFraction">
/// GEMM rate under sustained load (seconds of back-to-back GEMMs, as in a training step) over the isolated rate that
/// <paramref name="GemmMaxFraction"/> states: below 1 where the power cap lowers the clock once the card is hot. 1 where
/// no measurement says otherwise (docs/model.md, Compute).
/// </param>
public sealed record ChipEfficiency(double GemmMaxFraction, double HbmFraction, EfficiencyCurve? GemmCurve = null, EfficiencyCurve? LowPrecisionGemmCurve = null, double SustainedGemmFraction = 1.0);

/// <summary>Representative prices; null where no published figure exists.</summary>
public sealed record ChipPrice(double? PurchaseUsd, double? RentUsdPerGpuHour);

/// <summary>An accelerator: compute, memory, fabric, power, efficiency.</summary>
/// <param name="Id">Catalog id, e.g. <c>h100-sxm</c>.</param>
/// <param name="Name">Display name.</param>
/// <param name="Vendor">Vendor.</param>
/// <param name="PeakFlopsPerSecond">Dense peak FLOP/s per precision; a missing precision is not supported.</param>
/// <param name="HbmCapacityGiB">HBM capacity.</param>
/// <param name="HbmBandwidthBytesPerSecond">HBM bandwidth.</param>
/// <param name="TdpWatts">Thermal design power.</param>
/// <param name="ScaleUp">Scale-up fabric.</param>
/// <param name="ScaleOut">Default NIC per GPU.</param>
/// <param name="Efficiency">Achievable-efficiency defaults.</param>
/// <param name="Price">Prices.</param>
/// <param name="Architecture">Micro-architecture name.</param>
/// <param name="Figures">Sourced figures by field path, for display (empty for custom chips).</param>
/// <param name="IsCustom">True when defined inline in a scenario.</param>
/// <param name="HostLinkBytesPerSecond">Bandwidth per direction between one GPU and host memory (PCIe, NVLink-C2C); 0: the
/// model default (PCIe 5.0 x16).</param>
/// <param name="ExpPerSecond">Exponentials per second of the special-function units (MUFU.EX2), which every softmax score of a fused
/// attention kernel needs once forward and once backward; 0: not known (no bound).</param>
/// <param name="HostMemoryGiBPerGpu">Host memory one GPU can fill with offloaded activations (its share of the node's or
/// superchip's CPU memory); 0: the model default.</param>
public sealed record ChipSpec(
    string Id,
    string Name,
    string Vendor,
    IReadOnlyDictionary<Precision, double> PeakFlopsPerSecond,
    double HbmCapacityGiB,
    double HbmBandwidthBytesPerSecond,
    double TdpWatts,
    ScaleUpFabric ScaleUp,
    ScaleOutAttachment ScaleOut,
    ChipEfficiency Efficiency,
    ChipPrice Price,
    string Architecture = "",
    IReadOnlyDictionary<string, CatalogFigure>? Figures = null,
    bool IsCustom = false,
    double HostLinkBytesPerSecond = 0,
    double HostMemoryGiBPerGpu = 0,
    double ExpPerSecond = 0)
{
    /// <summary>HBM capacity in bytes (GiB are binary).</summary>
    public double HbmCapacityBytes => HbmCapacityGiB * Units.GiB;

    /// <summary>Dense peak for a precision, or null when the chip does not support it.</summary>
    public double? PeakFor(Precision precision) =>
        PeakFlopsPerSecond.TryGetValue(precision, out var v) && v > 0 ? v : null;
}
