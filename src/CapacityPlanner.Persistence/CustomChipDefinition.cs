using System.Globalization;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Persistence;

/// <summary>
/// A user-defined accelerator as the hardware page edits it: the scenario document's inline custom chip
/// (<c>"system": { "chip": { "id": …, "baseOn": …, … } }</c>). Empty fields inherit from <see cref="BaseOn"/>.
/// </summary>
public sealed class CustomChipDefinition
{
    /// <summary>Id used in selects and URLs; must not clash with a catalog id.</summary>
    public string Id { get; set; } = "";

    /// <summary>Display name.</summary>
    public string? Name { get; set; }

    /// <summary>Catalog chip whose figures fill every empty field.</summary>
    public string? BaseOn { get; set; } = "h100-sxm";

    /// <summary>Dense BF16 peak [TFLOP/s].</summary>
    public double? PeakBf16Tflops { get; set; }

    /// <summary>Dense FP16 peak [TFLOP/s].</summary>
    public double? PeakFp16Tflops { get; set; }

    /// <summary>Dense FP8 peak [TFLOP/s].</summary>
    public double? PeakFp8Tflops { get; set; }

    /// <summary>HBM capacity [GiB].</summary>
    public double? HbmCapacityGiB { get; set; }

    /// <summary>HBM bandwidth [TB/s].</summary>
    public double? HbmBandwidthTBps { get; set; }

    /// <summary>Thermal design power [W].</summary>
    public double? TdpWatts { get; set; }

    /// <summary>Scale-up bandwidth per GPU per direction [GB/s].</summary>
    public double? ScaleUpBandwidthGBps { get; set; }

    /// <summary>GPUs in one scale-up domain.</summary>
    public int? ScaleUpDomainSize { get; set; }

    /// <summary>Scale-out NIC per GPU [Gb/s].</summary>
    public double? ScaleOutGbpsPerGpu { get; set; }

    /// <summary>Best achievable matmul fraction of peak (0–1].</summary>
    public double? GemmEfficiency { get; set; }

    /// <summary>Achievable fraction of HBM bandwidth (0–1].</summary>
    public double? HbmEfficiency { get; set; }

    /// <summary>What sustained load keeps of the isolated GEMM rate; null: the base chip's. The form does not edit it.</summary>
    public double? SustainedGemmFraction { get; set; }

    /// <summary>
    /// Measured GEMM efficiency curve (FLOPs of one GEMM → fraction of the dense peak, FLOPs strictly increasing);
    /// null when absent. The form does not edit it; it keeps it when the chip is edited and saved.
    /// </summary>
    public IReadOnlyList<(double Flops, double Fraction)>? GemmCurve { get; set; }

    /// <summary>
    /// The calibration this chip was registered from (Benchmarks page, "Use this profile"); null for chips defined by
    /// hand. Not part of the inline chip JSON: the store keeps it next to it.
    /// </summary>
    public CustomChipProfile? Profile { get; set; }

    /// <summary>
    /// SHA-256 (hex) of the owner secret of whoever created it over the API; null for chips owned by nobody (made on the
    /// Hardware page or before ownership), which the API treats as read-only. Not part of the inline chip JSON.
    /// </summary>
    public string? OwnerHash { get; set; }

    /// <summary>True when <paramref name="ownerHash"/> (a caller's, possibly null) is this chip's owner.</summary>
    public bool IsOwnedBy(string? ownerHash) =>
        OwnerHash is not null && ownerHash is not null
        && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(OwnerHash), System.Text.Encoding.ASCII.GetBytes(ownerHash));

    /// <summary>A deep copy (the editor works on a copy until it is saved).</summary>
    public CustomChipDefinition Clone()
    {
        var copy = (CustomChipDefinition)MemberwiseClone();
        copy.GemmCurve = GemmCurve?.ToList();
        return copy;
    }

    /// <summary>The contracts' inline chip object for this definition.</summary>
    public CustomChipSection ToSection()
    {
        Dictionary<string, double>? peaks = null;
        if (PeakBf16Tflops is not null || PeakFp16Tflops is not null || PeakFp8Tflops is not null)
        {
            peaks = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
            if (PeakBf16Tflops is { } bf16) peaks[Precision.Bf16.ToId()] = bf16;
            if (PeakFp16Tflops is { } fp16) peaks[Precision.Fp16.ToId()] = fp16;
            if (PeakFp8Tflops is { } fp8) peaks[Precision.Fp8.ToId()] = fp8;
        }
        return new CustomChipSection
        {
            Id = Id,
            Name = string.IsNullOrWhiteSpace(Name) ? null : Name,
            BaseOn = string.IsNullOrWhiteSpace(BaseOn) ? null : BaseOn,
            PeakTflops = peaks,
            HbmCapacityGiB = HbmCapacityGiB,
            HbmBandwidthTBps = HbmBandwidthTBps,
            TdpWatts = TdpWatts,
            ScaleUpBandwidthGBps = ScaleUpBandwidthGBps,
            ScaleUpDomainSize = ScaleUpDomainSize,
            ScaleOutGbpsPerGpu = ScaleOutGbpsPerGpu,
            GemmEfficiency = GemmEfficiency,
            HbmEfficiency = HbmEfficiency,
            SustainedGemmFraction = SustainedGemmFraction,
            GemmCurve = GemmCurve is { Count: > 0 } curve ? curve.ToList() : null,
        };
    }

    /// <summary>
    /// A definition from the contracts' inline chip object. Peaks of precisions other than BF16, FP16 and FP8 (which the form
    /// does not edit) are dropped.
    /// </summary>
    public static CustomChipDefinition FromSection(CustomChipSection chip)
    {
        ArgumentNullException.ThrowIfNull(chip);
        double? Peak(Precision p) =>
            chip.PeakTflops?.FirstOrDefault(kv => string.Equals(kv.Key, p.ToId(), StringComparison.OrdinalIgnoreCase)) is { Key: not null } kv ? kv.Value : null;
        return new CustomChipDefinition
        {
            Id = chip.Id ?? "",
            Name = chip.Name,
            BaseOn = chip.BaseOn,
            PeakBf16Tflops = Peak(Precision.Bf16),
            PeakFp16Tflops = Peak(Precision.Fp16),
            PeakFp8Tflops = Peak(Precision.Fp8),
            HbmCapacityGiB = chip.HbmCapacityGiB,
            HbmBandwidthTBps = chip.HbmBandwidthTBps,
            TdpWatts = chip.TdpWatts,
            ScaleUpBandwidthGBps = chip.ScaleUpBandwidthGBps,
            ScaleUpDomainSize = chip.ScaleUpDomainSize,
            ScaleOutGbpsPerGpu = chip.ScaleOutGbpsPerGpu,
            GemmEfficiency = chip.GemmEfficiency,
            HbmEfficiency = chip.HbmEfficiency,
            SustainedGemmFraction = chip.SustainedGemmFraction,
            GemmCurve = chip.GemmCurve is { Count: > 0 } curve ? curve.ToList() : null,
        };
    }

    /// <summary>Reads the inline chip JSON written by <see cref="ToJson"/> (the contracts' checks; errors under <c>$.system.chip</c>).</summary>
    public static (CustomChipDefinition? Chip, IReadOnlyList<ScenarioError> Errors) FromJson(string json)
    {
        var (section, errors) = InlineChip.Parse(json);
        return section is null ? (null, errors) : (FromSection(section), errors);
    }

    /// <summary>The inline chip object of a scenario document as JSON text (indented; only the fields that are set), with the contracts' writer.</summary>
    public string ToJson() => ScenarioWriter.ToJson(ToSection());

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Id} (based on {BaseOn ?? "nothing"})");
}

/// <summary>
/// Where a registered custom chip came from: enough to calibrate it again, deterministically, from the stored result
/// after a restart (<c>BenchmarkCalibrationService</c>).
/// </summary>
/// <param name="BenchmarkId">Stored benchmark result.</param>
/// <param name="Precision">GEMM precision the calibration was fitted to.</param>
/// <param name="IncludeCpuResults">Whether CPU-backend measurements were counted.</param>
/// <param name="RegisteredUtc">When it was registered (the newest profile of a catalog chip wins).</param>
public sealed record CustomChipProfile(string BenchmarkId, Precision Precision, bool IncludeCpuResults, DateTime RegisteredUtc);
