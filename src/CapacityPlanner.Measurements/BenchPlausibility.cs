using System.Globalization;
using CapacityPlanner.Core;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Measurements;

/// <summary>A measurement that the chip it is compared with cannot have produced.</summary>
/// <param name="Path">JSON path of the measurement in the result document (<c>$.gemm[3]</c>).</param>
/// <param name="Message">What is impossible and the likely cause.</param>
public sealed record PlausibilityIssue(string Path, string Message);

/// <summary>
/// Physical limits of a chip that measurements cannot exceed: a GEMM above the dense datasheet peak of its precision,
/// device-memory traffic above the HBM bandwidth, bus bandwidth above what the fabric can carry. Such figures come from
/// counting sparse FLOPs, a wrong byte or FLOP convention, or another chip than the one named; they are flagged on
/// upload and left out of calibrations, never used.
/// </summary>
public static class BenchPlausibility
{
    /// <summary>
    /// Margin over the datasheet for GEMMs and HBM traffic: datasheet peaks are at boost clock and rounded, and timers
    /// have some resolution; more than 5% over is not a measurement of that chip.
    /// </summary>
    public const double Tolerance = 1.05;

    /// <summary>
    /// Margin for bus bandwidth: in-switch and in-network reduction (NVLink SHARP, InfiniBand SHARP) legitimately
    /// report busbw above the per-GPU link rate, up to about twice it (NCCL's NVLS all-reduce on H100 reaches ~480 GB/s
    /// of busbw over 450 GB/s links).
    /// </summary>
    public const double CollectiveAllowance = 2.0;

    /// <summary>Every measurement of <paramref name="result"/> that <paramref name="chip"/> cannot have produced.</summary>
    public static IReadOnlyList<PlausibilityIssue> Check(BenchResult result, ChipSpec chip)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(chip);
        var issues = new List<PlausibilityIssue>();
        for (var i = 0; i < result.Gemm.Count; i++)
        {
            if (GemmIssue(result.Gemm[i], chip) is { } message) issues.Add(new($"$.gemm[{i}]", message));
        }
        for (var i = 0; i < result.Memory.Count; i++)
        {
            if (MemoryIssue(result.Memory[i], chip) is { } message) issues.Add(new($"$.memory[{i}]", message));
        }
        for (var i = 0; i < result.Collectives.Count; i++)
        {
            if (CollectiveIssue(result.Collectives[i], chip) is { } message) issues.Add(new($"$.collectives[{i}]", message));
        }
        return issues;
    }

    /// <summary>Why a GEMM is impossible on the chip, or null.</summary>
    public static string? GemmIssue(GemmMeasurement g, ChipSpec chip)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(chip);
        if (!PrecisionExtensions.TryParse(g.Dtype, out var precision) || chip.PeakFor(precision) is not { } peak) return null;
        var best = Math.Max(g.MedianTflops, Math.Max(g.BurstTflops, g.SustainedTflops ?? 0));
        if (!(best * Units.Tera > peak * Tolerance)) return null;
        return Inv($"{g.Dtype} {g.M}x{g.N}x{g.K}: {best:0.#} TFLOP/s is {best * Units.Tera / peak:P0} of the {chip.Name}'s dense {g.Dtype} peak ({peak / Units.Tera:0.#} TFLOP/s); sparse FLOPs counted, a wrong FLOP count, or another chip?");
    }

    /// <summary>Why a device-memory figure is impossible on the chip, or null (host transfers are not HBM traffic).</summary>
    public static string? MemoryIssue(MemoryMeasurement m, ChipSpec chip)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(chip);
        if (m.Kind == "host" || chip.HbmBandwidthBytesPerSecond <= 0) return null;
        var traffic = Math.Max(m.MedianGBps, m.BestGBps) * m.TrafficFactor * Units.GB;
        if (!(traffic > chip.HbmBandwidthBytesPerSecond * Tolerance)) return null;
        return Inv($"{m.Kind}: {traffic / Units.GB:0} GB/s of traffic is {traffic / chip.HbmBandwidthBytesPerSecond:P0} of the {chip.Name}'s HBM bandwidth ({chip.HbmBandwidthBytesPerSecond / Units.GB:0} GB/s); bytes counted twice, a cache-resident buffer, or another chip?");
    }

    /// <summary>Why a collective's bus bandwidth is impossible on the chip's fabrics, or null.</summary>
    public static string? CollectiveIssue(CollectiveMeasurement c, ChipSpec chip)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(chip);
        if (c.Ranks <= 1 || c.BusbwGBps <= 0 || c.Transport == "tcp") return null;
        var insideDomain = c.Nodes is { } nodes ? nodes <= 1 : c.Ranks <= chip.ScaleUp.DomainSize;
        // Across nodes, hierarchical algorithms move most of the traffic over the scale-up fabric (2-node all-reduce
        // reports busbw far above the NIC rate per GPU), so the bound is what one GPU can move on both fabrics.
        var (limit, what) = insideDomain
            ? (chip.ScaleUp.BandwidthBytesPerSecondPerDirection, $"{chip.ScaleUp.Fabric} bandwidth per direction")
            : (chip.ScaleUp.BandwidthBytesPerSecondPerDirection + chip.ScaleOut.NicBitsPerSecondPerGpu / 8, $"{chip.ScaleUp.Fabric} plus NIC bandwidth per GPU");
        if (limit <= 0 || !(c.BusbwGBps * Units.GB > limit * CollectiveAllowance)) return null;
        return Inv($"{c.Collective} {c.SizeBytes:N0} B over {c.Ranks} ranks: busbw {c.BusbwGBps:0.#} GB/s is more than {CollectiveAllowance:0}× the {chip.Name}'s {what} ({limit / Units.GB:0.#} GB/s), beyond even in-network reduction; a wrong busbw factor or rank count?");
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
