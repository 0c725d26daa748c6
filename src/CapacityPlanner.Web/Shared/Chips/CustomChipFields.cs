using CapacityPlanner.Web.Shared.Scenario;

namespace CapacityPlanner.Web.Shared.Chips;

/// <summary>The custom-chip form's fields: JSON paths (as Core reports them), units and bounds.</summary>
public static class CustomChipFields
{
    /// <summary>JSON path of the id.</summary>
    public const string IdPath = "$.system.chip.id";

    /// <summary>JSON path of the base chip.</summary>
    public const string BaseOnPath = "$.system.chip.baseOn";

    /// <summary>Dense BF16 peak.</summary>
    public static DecimalFieldSpec PeakBf16 { get; } = new("$.system.chip.peakTflops.bf16", "BF16 peak", "TFLOP/s", 1, 1e6, false, "chip-peak-bf16", "Dense, no sparsity.", 10);

    /// <summary>Dense FP16 peak.</summary>
    public static DecimalFieldSpec PeakFp16 { get; } = new("$.system.chip.peakTflops.fp16", "FP16 peak", "TFLOP/s", 1, 1e6, false, "chip-peak-fp16", null, 10);

    /// <summary>Dense FP8 peak.</summary>
    public static DecimalFieldSpec PeakFp8 { get; } = new("$.system.chip.peakTflops.fp8", "FP8 peak", "TFLOP/s", 1, 1e6, false, "chip-peak-fp8", null, 10);

    /// <summary>HBM capacity.</summary>
    public static DecimalFieldSpec HbmCapacity { get; } = new("$.system.chip.hbmCapacityGiB", "HBM capacity", "GiB", 1, 100_000, false, "chip-hbm-capacity", null, 8);

    /// <summary>HBM bandwidth.</summary>
    public static DecimalFieldSpec HbmBandwidth { get; } = new("$.system.chip.hbmBandwidthTBps", "HBM bandwidth", "TB/s", 0.01, 1000, false, "chip-hbm-bandwidth", null, 0.1);

    /// <summary>Thermal design power.</summary>
    public static DecimalFieldSpec Tdp { get; } = new("$.system.chip.tdpWatts", "TDP", "W", 1, 100_000, false, "chip-tdp", null, 50);

    /// <summary>Scale-up bandwidth per direction.</summary>
    public static DecimalFieldSpec ScaleUpBandwidth { get; } = new("$.system.chip.scaleUpBandwidthGBps", "Scale-up bandwidth", "GB/s per direction", 1, 1e6, false, "chip-scale-up-bandwidth", "NVLink-style figure halved.", 50);

    /// <summary>Scale-up domain size.</summary>
    public static NumericFieldSpec ScaleUpDomain { get; } = new("$.system.chip.scaleUpDomainSize", "Scale-up domain", "GPUs", 1, 1_000_000, false, "chip-scale-up-domain");

    /// <summary>Scale-out NIC per GPU.</summary>
    public static DecimalFieldSpec ScaleOut { get; } = new("$.system.chip.scaleOutGbpsPerGpu", "Scale-out NIC", "Gb/s per GPU", 1, 1e6, false, "chip-scale-out", null, 100);

    /// <summary>Best matmul fraction of peak.</summary>
    public static DecimalFieldSpec GemmEfficiency { get; } = new("$.system.chip.gemmEfficiency", "GEMM efficiency", "fraction of peak", 0.01, 1, false, "chip-gemm-efficiency", "Best achievable matmul FLOP/s ÷ peak (MAMF).", 0.05);

    /// <summary>Achievable fraction of HBM bandwidth.</summary>
    public static DecimalFieldSpec HbmEfficiency { get; } = new("$.system.chip.hbmEfficiency", "HBM efficiency", "fraction of peak", 0.01, 1, false, "chip-hbm-efficiency", null, 0.05);
}
