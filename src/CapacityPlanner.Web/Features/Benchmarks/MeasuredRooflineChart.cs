using System.Globalization;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Roofline;
using CapacityPlanner.Web.Shared.Charts;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;
using static CapacityPlanner.Web.Shared.Charts.ChartTheme;

namespace CapacityPlanner.Web.Features.Benchmarks;

/// <summary>One measured GEMM placed on the roofline.</summary>
/// <param name="Shape">"MxNxK".</param>
/// <param name="Intensity">FLOP per byte of HBM traffic (each operand and the output moved once).</param>
/// <param name="AchievedTflops">Measured TFLOP/s.</param>
public sealed record MeasuredRooflinePoint(string Shape, double Intensity, double AchievedTflops);

/// <summary>The roofline overlay of a measured profile: datasheet roof, measured roof and measured GEMM points.</summary>
public static class MeasuredRooflineChart
{
    private const double MinIntensity = 0.1;
    private const double MaxIntensity = 1e5;

    /// <summary>The measured GEMMs of a profile at their intensities (shapes that do not parse are left out).</summary>
    public static IReadOnlyList<MeasuredRooflinePoint> Points(RegisteredProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var peak = profile.Calibration.BaseChip.PeakFor(profile.Precision);
        if (peak is null) return [];
        var bytes = RooflineModel.GemmElementBytes(profile.Precision);
        var points = new List<MeasuredRooflinePoint>();
        foreach (var p in profile.Calibration.GemmPoints)
        {
            var dims = p.Shape.Split('x');
            if (dims.Length != 3 || !double.TryParse(dims[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var m)
                || !double.TryParse(dims[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
                || !double.TryParse(dims[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var k)) continue;
            var traffic = (m * k + k * n + m * n) * bytes;
            if (traffic <= 0) continue;
            points.Add(new MeasuredRooflinePoint(p.Shape, p.Flops / traffic, p.Fraction * peak.Value / 1e12));
        }
        return points;
    }

    /// <summary>Datasheet roofline, measured roofline (MAMF × peak, measured HBM) and the measured GEMMs.</summary>
    public static ChartFigure Figure(RegisteredProfile profile, ChartTheme theme)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(theme);
        var cal = profile.Calibration;
        var data = new List<ITrace>();
        var datasheet = RooflineModel.For(cal.BaseChip, profile.Precision);
        if (datasheet is not null)
        {
            data.Add(Roof($"{cal.BaseChip.Name} datasheet", datasheet.PeakFlopsPerSecond, datasheet.HbmBytesPerSecond, SeriesColor(0), "solid"));
            var measuredPeak = datasheet.PeakFlopsPerSecond * cal.Chip.Efficiency.GemmMaxFraction;
            var measuredHbm = datasheet.HbmBytesPerSecond * (cal.HbmFraction ?? cal.Chip.Efficiency.HbmFraction);
            data.Add(Roof("measured (MAMF, HBM)", measuredPeak, measuredHbm, SeriesColor(1), "dash"));
        }
        var points = Points(profile);
        if (points.Count > 0)
        {
            data.Add(new Scatter
            {
                Name = "measured GEMMs",
                Mode = ModeFlag.Markers,
                X = Values(points.Select(p => p.Intensity)),
                Y = Values(points.Select(p => p.AchievedTflops)),
                Marker = new Marker { Color = SeriesColor(2), Size = 9, Symbol = Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.Circle },
                HoverTextArray = points.Select(p => BenchmarkCalibrationService.Inv($"<b>{p.Shape}</b><br>AI {p.Intensity:F1} FLOP/B · {p.AchievedTflops:0.###} TFLOP/s")).ToList(),
                HoverTemplate = "%{hovertext}<extra></extra>",
            });
        }
        var layout = theme.BaseLayout(380);
        var x = theme.XAxis("arithmetic intensity (FLOP per byte of HBM traffic)", log: true);
        x.Range = [Math.Log10(MinIntensity), Math.Log10(MaxIntensity)];
        layout.XAxis = [x];
        layout.YAxis = [theme.YAxis("TFLOP/s", log: true, tickFormat: "~s")];
        layout.HoverMode = HoverModeEnum.Closest;
        var summary = points.Count == 0
            ? $"{cal.Chip.Name}: no measured {profile.Precision.ToId()} GEMMs to place on the roofline."
            : BenchmarkCalibrationService.Inv($"{cal.Chip.Name}: {points.Count} measured {profile.Precision.ToId()} GEMMs, best {points.Max(p => p.AchievedTflops):0.###} TFLOP/s; MAMF {cal.Chip.Efficiency.GemmMaxFraction:P1} of peak.");
        return new ChartFigure(data, layout, summary);
    }

    private static Scatter Roof(string rawName, double peak, double hbm, string color, string dash)
    {
        var name = ChartText.Escape(rawName);
        var ridge = peak / hbm;
        return new Scatter
        {
            Name = name,
            Mode = ModeFlag.Lines,
            X = Values([MinIntensity, ridge, MaxIntensity]),
            Y = Values([MinIntensity * hbm / 1e12, peak / 1e12, peak / 1e12]),
            Line = new Line { Color = color, Width = 2, Dash = dash },
            HoverTemplate = $"<b>{name}</b><br>AI %{{x:.3~g}} FLOP/B → %{{y:.4~g}} TFLOP/s<extra></extra>",
        };
    }
}
