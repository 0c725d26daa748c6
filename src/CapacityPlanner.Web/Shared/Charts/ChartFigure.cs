using Plotly.Blazor;

namespace CapacityPlanner.Web.Shared.Charts;

/// <summary>What one Plotly chart shows: traces and layout, ready to hand to <c>PlotlyFigure</c>.</summary>
/// <param name="Data">Traces.</param>
/// <param name="Layout">Layout (themed).</param>
/// <param name="Summary">One sentence for screen readers and tests: what the chart says.</param>
/// <param name="Legend">A legend the page draws as HTML above the chart, for charts that turn plotly's off
/// (<see cref="StackedBars"/>); null when plotly draws its own or none is needed.</param>
public sealed record ChartFigure(IList<ITrace> Data, Plotly.Blazor.Layout Layout, string Summary, IReadOnlyList<LegendItem>? Legend = null);
