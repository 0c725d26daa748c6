using Plotly.Blazor.Traces;
using static CapacityPlanner.Web.Shared.Charts.ChartTheme;

namespace CapacityPlanner.Web.Shared.Charts;

/// <summary>One part of a horizontal stacked bar: its row, length, colour and hover text (plotly's HTML subset).</summary>
/// <param name="Row">The bar (category on the y axis) the part belongs to.</param>
/// <param name="Value">Its length along x; parts of zero or less are left out.</param>
/// <param name="Color">Its colour.</param>
/// <param name="Hover">What hovering shows (escape any user text).</param>
/// <param name="Pale">Drawn paler: the part of a quantity that is hidden behind another (communication behind compute).</param>
public sealed record BarSegment(string Row, double Value, string Color, string Hover, bool Pale = false);

/// <summary>One entry of a chart's legend, which the page draws as HTML beside the chart (<c>PlotlyFigure</c>).</summary>
/// <param name="Label">What the colour stands for.</param>
/// <param name="Color">The colour.</param>
/// <param name="Pale">A pale swatch (the paler parts of a bar).</param>
public sealed record LegendItem(string Label, string Color, bool Pale = false);

/// <summary>
/// Horizontal stacked bars as one plotly trace: every part is a bar starting at the running total of its row
/// (<c>base</c>), in a colour of its own. Plotly then draws one trace and no legend of its own; the legend is HTML
/// (<see cref="LegendItem"/>). A trace per part with plotly's legend took four times as long to redraw (Chromium,
/// two cores: 29 ms against 7 ms per update of the step-time chart), and every input change redraws the chart.
/// </summary>
public static class StackedBars
{
    /// <summary>Opacity of the pale parts.</summary>
    public const double PaleOpacity = 0.4;

    /// <summary>The layout such a chart needs: its bars overlay (each part has its own base) and plotly draws no legend.</summary>
    public static void Prepare(Plotly.Blazor.Layout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        layout.BarMode = Plotly.Blazor.LayoutLib.BarModeEnum.Overlay;
        layout.ShowLegend = false;
    }

    /// <summary>The trace: the parts in order, each row stacked from zero.</summary>
    public static Bar Trace(IEnumerable<BarSegment> segments, decimal? width = null)
    {
        ArgumentNullException.ThrowIfNull(segments);
        var x = new List<double>();
        var bases = new List<double>();
        var rows = new List<string>();
        var colors = new List<object>();
        var opacity = new List<decimal?>();
        var hover = new List<string>();
        var totals = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var s in segments)
        {
            if (!(s.Value > 0) || !double.IsFinite(s.Value)) continue;
            totals.TryGetValue(s.Row, out var at);
            x.Add(s.Value);
            bases.Add(at);
            totals[s.Row] = at + s.Value;
            rows.Add(s.Row);
            colors.Add(s.Color);
            opacity.Add(s.Pale ? (decimal)PaleOpacity : 1m);
            hover.Add(s.Hover);
        }
        return new Bar
        {
            Orientation = Plotly.Blazor.Traces.BarLib.OrientationEnum.H,
            X = Values(x),
            BaseArray = Values(bases),
            Y = Labels(rows),
            Width = width,
            ShowLegend = false,
            Marker = new Plotly.Blazor.Traces.BarLib.Marker
            {
                ColorArray = colors,
                OpacityArray = opacity,
                Line = new Plotly.Blazor.Traces.BarLib.MarkerLib.Line { Width = 0 },
            },
            HoverTextArray = hover,
            HoverTemplate = "%{hovertext}<extra></extra>",
        };
    }
}
