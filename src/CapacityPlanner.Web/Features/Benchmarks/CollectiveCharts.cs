using System.Globalization;
using CapacityPlanner.Measurements;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Web.Shared.Charts;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using static CapacityPlanner.Web.Shared.Charts.ChartTheme;

namespace CapacityPlanner.Web.Features.Benchmarks;

/// <summary>One message size of one collective: the out-of-place and in-place measurements side by side.</summary>
/// <param name="Collective">all_reduce, all_gather, …</param>
/// <param name="Ranks">Ranks.</param>
/// <param name="Nodes">Nodes, when known.</param>
/// <param name="SizeBytes">Message size.</param>
/// <param name="OutOfPlace">The out-of-place measurement, or null.</param>
/// <param name="InPlace">The in-place measurement, or null.</param>
public sealed record CollectiveRow(string Collective, int Ranks, int? Nodes, long SizeBytes, CollectiveMeasurement? OutOfPlace, CollectiveMeasurement? InPlace);

/// <summary>nccl-tests style results as one row per size and as bus bandwidth against message size, with the model's tiers.</summary>
public static class CollectiveCharts
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>One row per (collective, ranks, nodes, size), out-of-place and in-place together, by size.</summary>
    public static IReadOnlyList<CollectiveRow> Rows(IEnumerable<CollectiveMeasurement> measurements)
    {
        ArgumentNullException.ThrowIfNull(measurements);
        return measurements
            .GroupBy(m => (m.Collective, m.Ranks, m.Nodes, m.SizeBytes))
            .OrderBy(g => g.Key.Collective, StringComparer.Ordinal).ThenBy(g => g.Key.Ranks).ThenBy(g => g.Key.Nodes ?? 0).ThenBy(g => g.Key.SizeBytes)
            .Select(g => new CollectiveRow(g.Key.Collective, g.Key.Ranks, g.Key.Nodes, g.Key.SizeBytes,
                g.FirstOrDefault(m => !m.InPlace), g.FirstOrDefault(m => m.InPlace)))
            .ToList();
    }

    /// <summary>"512 B", "64 KiB", "1.5 MiB", "8 GiB".</summary>
    public static string Size(long bytes) => bytes switch
    {
        < 1024 => bytes.ToString(s_inv) + " B",
        < 1 << 20 => (bytes / 1024.0).ToString("0.##", s_inv) + " KiB",
        < 1 << 30 => (bytes / 1048576.0).ToString("0.##", s_inv) + " MiB",
        _ => (bytes / 1073741824.0).ToString("0.##", s_inv) + " GiB",
    };

    /// <summary>
    /// Bus bandwidth against message size (log x), one line per collective, rank count and placement (out-of-place
    /// solid, in-place dotted), with the model's assumptions for the chip as horizontal lines: the scale-up bus
    /// bandwidth (link bandwidth × bus efficiency) and the scale-out NIC rate × efficiency.
    /// </summary>
    public static ChartFigure BusBandwidth(IReadOnlyList<CollectiveMeasurement> measurements, ChipSpec? chip, ChartTheme theme)
    {
        ArgumentNullException.ThrowIfNull(measurements);
        ArgumentNullException.ThrowIfNull(theme);
        var data = new List<ITrace>();
        var series = measurements.GroupBy(m => (m.Collective, m.Ranks, m.Nodes, m.InPlace))
            .OrderBy(g => g.Key.Collective, StringComparer.Ordinal).ThenBy(g => g.Key.Ranks).ThenBy(g => g.Key.InPlace).ToList();
        var i = 0;
        foreach (var g in series)
        {
            var color = SeriesColor(i / 2);
            i++;
            var points = g.OrderBy(m => m.SizeBytes).ToList();
            var nodes = g.Key.Nodes is { } n ? $", {n} node{(n == 1 ? "" : "s")}" : "";
            var name = $"{g.Key.Collective} ×{g.Key.Ranks}{nodes}{(g.Key.InPlace ? " in-place" : "")}";
            data.Add(new Scatter
            {
                Name = name,
                Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines | Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers,
                X = Values(points.Select(m => (double)m.SizeBytes)),
                Y = Values(points.Select(m => m.BusbwGBps)),
                Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = color, Width = 2, Dash = g.Key.InPlace ? "dot" : null },
                Marker = new Plotly.Blazor.Traces.ScatterLib.Marker { Color = color, Size = 5 },
                HoverTextArray = points.Select(m => $"{Size(m.SizeBytes)}: busbw {m.BusbwGBps.ToString("0.##", s_inv)} GB/s, algbw {m.AlgbwGBps.ToString("0.##", s_inv)} GB/s").ToList(),
                HoverTemplate = $"<b>{name}</b><br>%{{hovertext}}<extra></extra>",
            });
        }
        var layout = theme.BaseLayout(320);
        var x = theme.XAxis("message size (bytes, log scale)", log: true);
        x.TickFormat = "~s";
        layout.XAxis = [x];
        layout.YAxis = [theme.YAxis("bus bandwidth (GB/s)")];
        layout.HoverMode = HoverModeEnum.Closest;
        var tiers = Tiers(chip);
        layout.Shapes = tiers.Select(t => new Shape
        {
            Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Line,
            XRef = "paper",
            YRef = "y",
            X0 = 0,
            X1 = 1,
            Y0 = t.GBps,
            Y1 = t.GBps,
            Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Color = theme.Limit, Width = 1.5m, Dash = "dash" },
        }).ToList();
        layout.Annotations = tiers.Select(t => new Annotation
        {
            X = 0,
            Y = t.GBps,
            XRef = "paper",
            YRef = "y",
            Text = t.Label,
            ShowArrow = false,
            XAnchor = Plotly.Blazor.LayoutLib.AnnotationLib.XAnchorEnum.Left,
            YAnchor = Plotly.Blazor.LayoutLib.AnnotationLib.YAnchorEnum.Bottom,
            Font = new Plotly.Blazor.LayoutLib.AnnotationLib.Font { Color = theme.Limit, Family = FontFamily, Size = 10 },
        }).ToList();
        var best = measurements.Count == 0 ? 0 : measurements.Max(m => m.BusbwGBps);
        var summary = string.Create(s_inv, $"Bus bandwidth of {series.Count} measured series, best {best:0.#} GB/s")
            + (tiers.Count > 0 ? "; the model assumes " + string.Join(" and ", tiers.Select(t => t.Label)) + "." : ".");
        return new ChartFigure(data, layout, summary);
    }

    /// <summary>The model's bus-bandwidth assumptions for a chip: scale-up and scale-out, in GB/s.</summary>
    public static IReadOnlyList<(string Label, double GBps)> Tiers(ChipSpec? chip)
    {
        if (chip is null) return [];
        var up = chip.ScaleUp.BandwidthBytesPerSecondPerDirection * chip.ScaleUp.BusBandwidthEfficiency / 1e9;
        var outGBps = chip.ScaleOut.NicBitsPerSecondPerGpu / 8 * chip.ScaleOut.Efficiency / 1e9;
        return
        [
            (string.Create(s_inv, $"model scale-up ({chip.ScaleUp.Fabric}): {up:0} GB/s"), up),
            (string.Create(s_inv, $"model scale-out (NIC {chip.ScaleOut.NicBitsPerSecondPerGpu / 1e9:0} Gb/s × {chip.ScaleOut.Efficiency:P0}): {outGBps:0.#} GB/s"), outGBps),
        ];
    }
}
