using System.Globalization;
using CapacityPlanner.Core;
using CapacityPlanner.Measurements;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Contracts.Scenarios;

namespace CapacityPlanner.Measurements.Calibration;

/// <summary>What a calibration uses and how.</summary>
public sealed record CalibrationOptions
{
    /// <summary>GEMM precision to fit (the training precision of the scenarios that will use the chip).</summary>
    public Precision Precision { get; init; } = Precision.Bf16;

    /// <summary>Fit GEMM efficiency to sustained throughput where it was measured (long training runs), else the median.</summary>
    public bool PreferSustained { get; init; } = true;

    /// <summary>Smallest collective message counted as "large" when reading the bus-bandwidth plateau.</summary>
    public long MinCollectiveBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Per-GPU NIC line rate (Gb/s) the scale-out busbw is divided by; default the chip's catalog NIC.</summary>
    public double? ScaleOutGbpsPerGpu { get; init; }

    /// <summary>Use results from the CPU backend too (they measure the CPU, not the chip: for tests and demos only).</summary>
    public bool IncludeCpuResults { get; init; }

    /// <summary>Id of the calibrated chip; default "{base id}-calibrated".</summary>
    public string? Id { get; init; }

    /// <summary>Display name of the calibrated chip; default "{base name} (calibrated)".</summary>
    public string? Name { get; init; }

    /// <summary>Width of a GEMM-size bin in decades of FLOPs (points in one bin are pooled by their median).</summary>
    public double BinDecades { get; init; } = 0.25;

    /// <summary>
    /// Below the smallest measured GEMM, continue the curve with the shape of the default size curve
    /// (<c>ModelDefaults.GemmSizeCurve</c>) scaled to meet the first measured point, instead of holding it flat.
    /// </summary>
    public bool ExtendBelowMeasured { get; init; } = true;
}

/// <summary>One measured GEMM as a fraction of the chip's dense peak.</summary>
/// <param name="Flops">FLOPs of the GEMM (2·M·N·K).</param>
/// <param name="Fraction">Achieved / peak.</param>
/// <param name="Shape">"MxNxK".</param>
/// <param name="Source">Producer of the measurement.</param>
public sealed record GemmCalibrationPoint(double Flops, double Fraction, string Shape, string Source);

/// <summary>A chip profile built from measurements, with what went into it.</summary>
/// <param name="Chip">The calibrated chip (a custom chip derived from the catalog chip).</param>
/// <param name="BaseChip">The catalog chip it was derived from.</param>
/// <param name="GemmPoints">Every measured GEMM used, as a fraction of peak.</param>
/// <param name="GemmCurve">The fitted, non-decreasing curve (FLOPs → fraction of peak), extended below the smallest
/// measured size when <see cref="CalibrationOptions.ExtendBelowMeasured"/>; empty when no GEMM was usable.</param>
/// <param name="GemmMaxFraction">Measured MAMF fraction (the best single shape), null when not measured.</param>
/// <param name="HbmFraction">Measured HBM fraction, null when not measured.</param>
/// <param name="ScaleUpBusbwGBps">Large-message busbw inside a scale-up domain, null when not measured.</param>
/// <param name="ScaleUpBusEfficiency">That busbw / link bandwidth, null when not measured.</param>
/// <param name="ScaleOutBusbwGBps">Large-message busbw across nodes, null when not measured.</param>
/// <param name="ScaleOutEfficiency">That busbw / NIC line rate per GPU, null when not measured.</param>
/// <param name="Notes">What each figure came from.</param>
/// <param name="Warnings">Figures that were clamped, results that were left out, missing data.</param>
public sealed record CalibrationResult(
    ChipSpec Chip,
    ChipSpec BaseChip,
    IReadOnlyList<GemmCalibrationPoint> GemmPoints,
    IReadOnlyList<(double Flops, double Fraction)> GemmCurve,
    double? GemmMaxFraction,
    double? HbmFraction,
    double? ScaleUpBusbwGBps,
    double? ScaleUpBusEfficiency,
    double? ScaleOutBusbwGBps,
    double? ScaleOutEfficiency,
    IReadOnlyList<string> Notes,
    IReadOnlyList<string> Warnings);

/// <summary>
/// Builds a measured chip profile from benchmark results: a GEMM efficiency curve over sizes (binned in log FLOPs,
/// pooled by median, made non-decreasing by isotonic regression) and the MAMF fraction (best shape), the achieved HBM
/// fraction (best streaming kernel, traffic counted as moved), and the ring bus efficiency of each fabric tier from
/// large-message nccl-tests busbw. Everything not measured keeps the catalog value. The estimator uses the curve in
/// place of its default GEMM-size shape (<c>ChipEfficiency.GemmCurve</c>).
/// </summary>
public static class ChipCalibrator
{
    /// <summary>Calibrates <paramref name="baseChip"/> with <paramref name="results"/>.</summary>
    public static CalibrationResult Calibrate(ChipSpec baseChip, IEnumerable<BenchResult> results, CalibrationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(baseChip);
        ArgumentNullException.ThrowIfNull(results);
        options ??= new CalibrationOptions();
        var notes = new List<string>();
        var warnings = new List<string>();
        var used = new List<BenchResult>();
        foreach (var r in results)
        {
            if (r.Backend == "cpu" && !options.IncludeCpuResults)
            {
                warnings.Add($"left out a {r.Source} result measured by the CPU backend: it measures the CPU, not {baseChip.Name}.");
                continue;
            }
            used.Add(r);
        }

        // GEMM curve.
        var points = new List<GemmCalibrationPoint>();
        var usedSustained = false;
        var peak = baseChip.PeakFor(options.Precision);
        var dtype = options.Precision.ToId();
        foreach (var r in used)
        {
            var sameDtype = r.Gemm.Where(g => string.Equals(g.Dtype, dtype, StringComparison.OrdinalIgnoreCase));
            foreach (var g in KeepPossible(sameDtype, g => BenchPlausibility.GemmIssue(g, baseChip), warnings))
            {
                if (peak is null) continue;
                var sustained = options.PreferSustained && g.SustainedTflops is > 0;
                var tflops = sustained ? g.SustainedTflops!.Value : g.MedianTflops;
                if (tflops <= 0) continue;
                usedSustained |= sustained;
                var flops = g.Flops > 0 ? g.Flops : 2.0 * g.M * g.N * g.K;
                points.Add(new GemmCalibrationPoint(flops, tflops * Units.Tera / peak.Value, $"{g.M}x{g.N}x{g.K}", r.Source));
            }
        }
        if (peak is null) warnings.Add($"{baseChip.Name} has no {dtype} peak in the catalog; GEMM efficiency not calibrated.");
        var curve = FitCurve(points, options.BinDecades);
        if (curve.Count > 0 && curve.Any(p => p.Fraction > 1))
        {
            warnings.Add($"measured {dtype} GEMM throughput exceeds the datasheet peak ({curve.Max(p => p.Fraction):P0}); fractions clamped to 100%.");
            curve = curve.Select(p => (p.Flops, Math.Min(1.0, p.Fraction))).ToList();
        }
        // MAMF: the best single shape (the curve's plateau is a median of the largest sizes and may sit a little lower).
        double? gemmMax = curve.Count > 0 ? Math.Min(1.0, points.Max(p => p.Fraction)) : null;
        var measuredCurvePoints = curve.Count;
        if (curve.Count > 0 && options.ExtendBelowMeasured)
        {
            var shape = ModelDefaults.Standard.GemmSizeCurve;
            var (x0, y0) = curve[0];
            var scale = y0 / Math.Max(1e-9, shape.At(x0));
            var below = shape.Points.Where(p => p.X < x0 / 1.5).Select(p => (p.X, Math.Min(y0, p.Efficiency * scale))).ToList();
            if (below.Count > 0)
            {
                curve = below.Concat(curve).ToList();
                notes.Add(Inv($"GEMM curve below {x0:0.##e0} FLOPs (smallest measured) follows the default size-curve shape scaled to the first measured point."));
            }
        }
        if (gemmMax is not null)
        {
            notes.Add(Inv($"GEMM {dtype}: {points.Count} shapes from {Sources(used.Where(r => r.Gemm.Count > 0))}; curve of {measuredCurvePoints} measured points up to {curve[^1].Flops:0.##e0} FLOPs; MAMF {gemmMax:P1} of {peak / Units.Tera:0} TFLOP/s (catalog {baseChip.Efficiency.GemmMaxFraction:P1})."));
        }
        else if (peak is not null)
        {
            warnings.Add($"no {dtype} GEMM measurements; GEMM efficiency keeps the catalog default.");
        }

        // HBM.
        double? hbm = null;
        var memory = KeepPossible(used.SelectMany(r => r.Memory.Select(m => (r, m))).Where(x => x.m.MedianGBps > 0 && x.m.Kind != "host"),
            x => BenchPlausibility.MemoryIssue(x.m, baseChip), warnings);
        if (memory.Count > 0)
        {
            var best = memory.MaxBy(x => x.m.MedianGBps * x.m.TrafficFactor);
            var traffic = best.m.MedianGBps * best.m.TrafficFactor * Units.GB;
            hbm = traffic / baseChip.HbmBandwidthBytesPerSecond;
            notes.Add(Inv($"HBM: {traffic / Units.GB:0.#} GB/s of traffic ({best.m.Kind}, {best.m.Convention}; from {best.r.Source}) = {hbm:P1} of {baseChip.HbmBandwidthBytesPerSecond / Units.GB:0} GB/s (catalog {baseChip.Efficiency.HbmFraction:P1})."));
            if (hbm > 1)
            {
                warnings.Add(Inv($"measured memory bandwidth exceeds the datasheet HBM bandwidth ({hbm:P0}); clamped to 100%."));
                hbm = 1;
            }
        }
        else
        {
            warnings.Add("no device-memory measurements; HBM efficiency keeps the catalog default.");
        }

        // Collectives per tier.
        var collectives = KeepPossible(used.SelectMany(r => r.Collectives.Select(c => (r, c))).Where(x => x.c.Ranks > 1 && x.c.BusbwGBps > 0),
            x => BenchPlausibility.CollectiveIssue(x.c, baseChip), warnings);
        bool IsScaleUp(CollectiveMeasurement c) =>
            c.Nodes is { } nodes ? nodes <= 1 : c.Ranks <= baseChip.ScaleUp.DomainSize && c.Transport != "tcp";
        var nic = (options.ScaleOutGbpsPerGpu ?? baseChip.ScaleOut.NicBitsPerSecondPerGpu / 1e9) * 1e9 / 8;
        if (HierarchicalScaleOutRefusal(collectives.Where(x => !IsScaleUp(x.c)).Select(x => x.c), nic) is { } refusal)
        {
            var hierarchical = refusal.Measurements.ToHashSet();
            collectives = collectives.Where(x => !hierarchical.Contains(x.c)).ToList();
            warnings.Add(refusal.Message);
        }
        var (upBusbw, upNote) = Plateau(collectives.Where(x => IsScaleUp(x.c)).Select(x => x.c).ToList(), options.MinCollectiveBytes, warnings, "scale-up");
        var (outBusbw, outNote) = Plateau(collectives.Where(x => !IsScaleUp(x.c)).Select(x => x.c).ToList(), options.MinCollectiveBytes, warnings, "scale-out");
        double? upEff = null, outEff = null;
        var up = baseChip.ScaleUp;
        if (upBusbw is { } ub)
        {
            var ranks = collectives.Where(x => IsScaleUp(x.c)).Max(x => x.c.Ranks);
            // A mesh gives a ring among fewer than all peers only that share of the links (FabricModel.ScaleUpBandwidthFor).
            var share = up.Topology == ScaleUpTopology.Mesh && up.DomainSize > 1 ? Math.Min(1.0, (ranks - 1) / (double)(up.DomainSize - 1)) : 1.0;
            upEff = ub * Units.GB / (up.BandwidthBytesPerSecondPerDirection * share);
            notes.Add(Inv($"scale-up: busbw {ub:0.#} GB/s ({upNote}) = {upEff:P1} of {up.BandwidthBytesPerSecondPerDirection / Units.GB:0} GB/s {up.Fabric} per direction (catalog {up.BusBandwidthEfficiency:P1})."));
            if (upEff > 1)
            {
                warnings.Add(Inv($"scale-up busbw exceeds the link bandwidth ({upEff:P0}; in-switch reduction such as NVLS/SHARP?); clamped to 100%."));
                upEff = 1;
            }
        }
        else
        {
            warnings.Add("no multi-rank collective inside a scale-up domain; scale-up bus efficiency keeps the catalog default.");
        }
        if (outBusbw is { } ob && nic > 0)
        {
            // Never above 1: measurements over the NIC line rate were refused above (HierarchicalScaleOutRefusal).
            outEff = ob * Units.GB / nic;
            notes.Add(Inv($"scale-out: busbw {ob:0.#} GB/s ({outNote}) = {outEff:P1} of {nic * 8 / 1e9:0} Gb/s per GPU (catalog {baseChip.ScaleOut.Efficiency:P1})."));
        }
        else
        {
            warnings.Add("no cross-node collective; scale-out efficiency keeps the catalog default.");
        }

        // The catalog's GEMM fractions are isolated rates and its sustained fraction takes the power cap off them. Measured
        // GEMMs timed under sustained load hold the cap already, so the calibrated chip takes nothing more off; GEMMs timed
        // alone (imported MAMF sweeps, PreferSustained off) keep the catalog's sustained fraction.
        var capMeasured = gemmMax is not null && usedSustained;
        var capNotTakenAgain = capMeasured && baseChip.Efficiency.SustainedGemmFraction < 1;
        if (capNotTakenAgain)
        {
            notes.Add(Inv($"GEMM rates are sustained (power-capped) measurements: the catalog's sustained fraction ({baseChip.Efficiency.SustainedGemmFraction:P0}) is not taken off them again."));
        }
        var efficiency = baseChip.Efficiency with
        {
            GemmMaxFraction = gemmMax ?? baseChip.Efficiency.GemmMaxFraction,
            HbmFraction = hbm ?? baseChip.Efficiency.HbmFraction,
            GemmCurve = curve.Count > 0 ? new EfficiencyCurve(curve) : baseChip.Efficiency.GemmCurve,
            SustainedGemmFraction = capMeasured ? 1.0 : baseChip.Efficiency.SustainedGemmFraction,
        };
        var figures = new Dictionary<string, CatalogFigure>(baseChip.Figures ?? new Dictionary<string, CatalogFigure>(), StringComparer.Ordinal);
        void Measured(string path, double? value, string note)
        {
            if (value is { } v) figures[path] = new CatalogFigure(v, "MEASURED", "measured", note);
        }
        Measured("efficiency.gemmMaxFraction", gemmMax, $"calibrated from {points.Count} {dtype} GEMM shapes");
        Measured("efficiency.hbmFraction", hbm, "calibrated from measured memory bandwidth");
        Measured("efficiency.sustainedGemmFraction", capNotTakenAgain ? 1.0 : null, "GEMMs measured under sustained load: the power cap is in the measured rates");
        Measured("scaleUp.busBandwidthEfficiency", upEff, "calibrated from measured busbw");
        Measured("scaleOut.efficiency", outEff, "calibrated from measured cross-node busbw");
        var chip = baseChip with
        {
            Id = options.Id ?? baseChip.Id + "-calibrated",
            Name = options.Name ?? baseChip.Name + " (calibrated)",
            Efficiency = efficiency,
            ScaleUp = upEff is { } ue ? up with { BusBandwidthEfficiency = ue } : up,
            ScaleOut = outEff is { } oe ? baseChip.ScaleOut with { Efficiency = oe } : baseChip.ScaleOut,
            Figures = figures,
            IsCustom = true,
        };
        return new CalibrationResult(chip, baseChip, points, curve, gemmMax, hbm, upBusbw, upEff, outBusbw, outEff, notes, warnings);
    }

    /// <summary>
    /// Cross-node collectives whose bus bandwidth exceeds the NIC line rate per GPU (<paramref name="nicBytesPerSecond"/>)
    /// did not run over the NIC alone: a hierarchical all-reduce (NVLink inside the node, network between nodes) counts
    /// both tiers in nccl-tests' busbw, and nothing in the log says how much each carried. Calibrating the scale-out
    /// efficiency from them would put it above 100 % (a 400G port showing 533 Gb/s), so <see cref="Calibrate"/> leaves
    /// them out and keeps the catalog's scale-out efficiency, with this message saying why. Null when none exceeds it.
    /// Used by every calibration path (the web Benchmarks page and <c>capplan bench calibrate</c>).
    /// </summary>
    public static (IReadOnlyList<CollectiveMeasurement> Measurements, string Message)? HierarchicalScaleOutRefusal(
        IEnumerable<CollectiveMeasurement> scaleOut, double nicBytesPerSecond)
    {
        ArgumentNullException.ThrowIfNull(scaleOut);
        if (nicBytesPerSecond <= 0) return null;
        var nicGBps = nicBytesPerSecond / Units.GB;
        var all = scaleOut.ToList();
        // A whole series (one collective over one set of ranks) mixes the tiers once any size exceeds the line rate:
        // its smaller messages, under the line rate, are no cleaner a measure of the network.
        static (string, int, int?, string?) Series(CollectiveMeasurement c) => (c.Collective, c.Ranks, c.Nodes, c.Transport);
        var mixed = all.Where(c => c.BusbwGBps > nicGBps).Select(Series).ToHashSet();
        if (mixed.Count == 0) return null;
        var over = all.Where(c => mixed.Contains(Series(c))).ToList();
        var max = over.Max(c => c.BusbwGBps);
        var message = Inv($"Scale-out not calibrated from {over.Count} multi-node measurement(s): their bus bandwidth (up to {max:0.#} GB/s) reaches {max / nicGBps:0.0}× the {nicBytesPerSecond * 8 / 1e9:0} Gb/s NIC line rate per GPU ({nicGBps:0.#} GB/s), so NVLink inside each node carried part of the traffic. Measure across nodes with one rank per node to calibrate the network tier; the catalog's scale-out efficiency is kept.");
        return (over, message);
    }

    // Measurements the chip cannot have produced (BenchPlausibility) are left out with a warning, never clamped into a
    // perfect chip; figures a little over the datasheet (within its tolerance) stay and are clamped where they are used.
    private static List<T> KeepPossible<T>(IEnumerable<T> items, Func<T, string?> impossible, List<string> warnings)
    {
        var kept = new List<T>();
        foreach (var item in items)
        {
            if (impossible(item) is { } why) warnings.Add($"left out {why}");
            else kept.Add(item);
        }
        return kept;
    }

    /// <summary>
    /// The scenario on the calibrated chip: estimates, searches, sweeps and budgets of the returned scenario use the
    /// measured efficiencies instead of the datasheet defaults.
    /// </summary>
    public static ResolvedScenario Apply(ResolvedScenario scenario, CalibrationResult calibration)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(calibration);
        return scenario with { System = scenario.System with { Chip = calibration.Chip } };
    }

    /// <summary>
    /// Smallest GEMM or HBM efficiency <see cref="ToInlineChip"/> writes: what the custom-chip editors accept (a CPU
    /// "measurement" of a GPU falls far below it; its curve keeps the measured fractions).
    /// </summary>
    public const double MinInlineEfficiency = 0.01;

    /// <summary>
    /// The calibrated chip as an inline custom chip object (<c>system.chip</c> of a scenario, written by
    /// <see cref="ScenarioWriter.WriteChip"/>): based on the catalog chip, with the measured MAMF and HBM fractions, the measured
    /// GEMM curve (<see cref="InlineCurve"/>), and the measured bus efficiencies folded into the link bandwidths
    /// (bandwidth × measured efficiency ÷ catalog efficiency), because the inline object has no bus-efficiency fields
    /// and the collective model uses only that product. It resolves to a chip that estimates like
    /// <see cref="CalibrationResult.Chip"/> (unless a scenario overrides the NIC with <c>system.scaleOutGbpsPerGpu</c>).
    /// </summary>
    public static CustomChipSection ToInlineChip(CalibrationResult calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        var b = calibration.BaseChip;
        var c = calibration.Chip;
        double? scaleUp = null, scaleOut = null;
        // Bandwidths stay at least 1 GB/s (Gb/s), the smallest the editors accept.
        if (calibration.ScaleUpBusEfficiency is { } up && b.ScaleUp.BusBandwidthEfficiency > 0)
        {
            scaleUp = Math.Max(1, b.ScaleUp.BandwidthBytesPerSecondPerDirection / Units.GB * up / b.ScaleUp.BusBandwidthEfficiency);
        }
        if (calibration.ScaleOutEfficiency is { } so && b.ScaleOut.Efficiency > 0)
        {
            scaleOut = Math.Max(1, b.ScaleOut.NicBitsPerSecondPerGpu / 1e9 * so / b.ScaleOut.Efficiency);
        }
        var curve = InlineCurve(calibration.GemmCurve);
        return new CustomChipSection
        {
            Id = c.Id,
            Name = c.Name,
            BaseOn = b.Id,
            GemmEfficiency = Math.Clamp(c.Efficiency.GemmMaxFraction, MinInlineEfficiency, 1.0),
            HbmEfficiency = Math.Clamp(c.Efficiency.HbmFraction, MinInlineEfficiency, 1.0),
            SustainedGemmFraction = c.Efficiency.SustainedGemmFraction.Equals(b.Efficiency.SustainedGemmFraction) ? null : c.Efficiency.SustainedGemmFraction,
            ScaleUpBandwidthGBps = scaleUp,
            ScaleOutGbpsPerGpu = scaleOut,
            GemmCurve = curve.Count > 0 ? curve : null,
        };
    }

    /// <summary>
    /// A GEMM curve as the inline chip object takes it: points with a non-positive or non-finite size or fraction are
    /// dropped, fractions above 1 are clamped to 1, points whose size does not increase are dropped, and a curve longer
    /// than <paramref name="maxPoints"/> is thinned by removing, one at a time, the inner point that linear
    /// interpolation (in log FLOPs, as <see cref="EfficiencyCurve"/> reads it) between its neighbours reproduces best;
    /// the end points always stay.
    /// </summary>
    public static IReadOnlyList<(double Flops, double Fraction)> InlineCurve(
        IReadOnlyList<(double Flops, double Fraction)> curve, int maxPoints = CustomChipSection.MaxGemmCurvePoints)
    {
        ArgumentNullException.ThrowIfNull(curve);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 2);
        var points = new List<(double Flops, double Fraction)>(curve.Count);
        foreach (var (flops, fraction) in curve)
        {
            if (!double.IsFinite(flops) || flops <= 0 || !double.IsFinite(fraction) || fraction <= 0) continue;
            if (points.Count > 0 && flops <= points[^1].Flops) continue;
            points.Add((flops, Math.Min(1.0, fraction)));
        }
        while (points.Count > maxPoints)
        {
            var drop = 1;
            var least = double.MaxValue;
            for (var i = 1; i < points.Count - 1; i++)
            {
                var (x0, y0) = points[i - 1];
                var (x1, y1) = points[i];
                var (x2, y2) = points[i + 1];
                var t = (Math.Log10(x1) - Math.Log10(x0)) / (Math.Log10(x2) - Math.Log10(x0));
                var error = Math.Abs(y1 - (y0 + t * (y2 - y0)));
                if (error < least)
                {
                    least = error;
                    drop = i;
                }
            }
            points.RemoveAt(drop);
        }
        return points;
    }

    /// <summary>
    /// Fits the GEMM curve: points binned by log10(FLOPs) into bins <paramref name="binDecades"/> wide, each bin's
    /// median fraction at its geometric-mean size, then pool-adjacent-violators (weighted by bin counts) so the curve
    /// never falls with size.
    /// </summary>
    public static IReadOnlyList<(double Flops, double Fraction)> FitCurve(IReadOnlyList<GemmCalibrationPoint> points, double binDecades = 0.25)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0) return [];
        if (binDecades <= 0) throw new ArgumentOutOfRangeException(nameof(binDecades));
        var bins = points
            .Where(p => p.Flops > 0 && p.Fraction > 0)
            .GroupBy(p => (long)Math.Floor(Math.Log10(p.Flops) / binDecades))
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                var fr = g.Select(p => p.Fraction).OrderBy(x => x).ToArray();
                var median = fr.Length % 2 == 1 ? fr[fr.Length / 2] : 0.5 * (fr[fr.Length / 2 - 1] + fr[fr.Length / 2]);
                var x = Math.Pow(10, g.Average(p => Math.Log10(p.Flops)));
                return (X: x, Y: median, W: (double)fr.Length);
            })
            .ToList();
        // Pool adjacent violators for a non-decreasing fit.
        var blocks = new List<(double Y, double W, int Count)>();
        foreach (var b in bins)
        {
            blocks.Add((b.Y, b.W, 1));
            while (blocks.Count > 1 && blocks[^2].Y > blocks[^1].Y)
            {
                var a = blocks[^2];
                var c = blocks[^1];
                blocks.RemoveRange(blocks.Count - 2, 2);
                blocks.Add(((a.Y * a.W + c.Y * c.W) / (a.W + c.W), a.W + c.W, a.Count + c.Count));
            }
        }
        var fitted = new List<(double, double)>(bins.Count);
        var i = 0;
        foreach (var block in blocks)
        {
            for (var j = 0; j < block.Count; j++, i++) fitted.Add((bins[i].X, block.Y));
        }
        return fitted;
    }

    private static (double? Busbw, string Note) Plateau(List<CollectiveMeasurement> rows, long minBytes, List<string> warnings, string tier)
    {
        if (rows.Count == 0) return (null, "");
        // Prefer all-reduce (what data parallelism and TP pay most), then any collective.
        var pool = rows.Any(r => r.Collective == "all_reduce") ? rows.Where(r => r.Collective == "all_reduce").ToList() : rows;
        var large = pool.Where(r => r.SizeBytes >= minBytes).ToList();
        if (large.Count == 0)
        {
            var maxSize = pool.Max(r => r.SizeBytes);
            large = pool.Where(r => r.SizeBytes == maxSize).ToList();
            warnings.Add(Inv($"{tier}: no {pool[0].Collective} message of at least {minBytes / (1024.0 * 1024):0} MiB; used the largest ({maxSize / (1024.0 * 1024):0.##} MiB), which may understate the plateau."));
        }
        var best = large.MaxBy(r => r.BusbwGBps)!;
        return (best.BusbwGBps, Inv($"{best.Collective}, {best.Ranks} ranks, {best.SizeBytes / (1024.0 * 1024):0.##} MiB, {best.Transport ?? "nccl"}"));
    }

    private static string Sources(IEnumerable<BenchResult> results) =>
        string.Join(", ", results.Select(r => r.Backend == "import" ? r.Source : $"{r.Source} ({r.Backend})").Distinct(StringComparer.Ordinal).DefaultIfEmpty("no result"));

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
