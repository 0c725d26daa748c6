using Plotly.Blazor;

namespace CapacityPlanner.Web.Shared.Charts;

/// <summary>What one Plotly chart shows: traces and layout, ready to hand to <c>PlotlyChart</c>.</summary>
/// <param name="Data">Traces.</param>
/// <param name="Layout">Layout (themed).</param>
/// <param name="Summary">One sentence for screen readers and tests: what the chart says.</param>
public sealed record ChartFigure(IList<ITrace> Data, Plotly.Blazor.Layout Layout, string Summary);
