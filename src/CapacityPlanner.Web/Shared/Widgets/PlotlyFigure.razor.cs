using System.Reflection;
using CapacityPlanner.Web.Shared.Charts;
using Microsoft.AspNetCore.Components;
using Plotly.Blazor;

namespace CapacityPlanner.Web.Shared.Widgets;

/// <summary>
/// A Plotly chart (plotly.js basic bundle from the Plotly.Blazor package; figures are Plotly.Blazor traces and layouts,
/// written for the browser the way Plotly.Blazor writes them, <see cref="ChartJson"/>). Whenever <see cref="Figure"/>
/// changes, the chart's data list and layout object are mutated in place and the figure goes to the browser as the
/// <c>data-figure</c> attribute of the chart element, in the same render batch as the new numbers; <c>app.js</c> draws it
/// with <c>Plotly.react</c> as soon as the batch is applied. A new figure that draws the same as the one shown keeps its
/// revision: nothing goes to the browser and nothing is drawn again.
/// </summary>
/// <remarks>
/// Not Plotly.Blazor's <c>PlotlyChart</c> component, which loaded plotly.js only when the first chart asked for it after
/// the interactive circuit had started, and pushed every update with a JS interop call once the browser had acknowledged
/// the render batch. Here the page fetches and runs plotly.js with its other scripts (App.razor) and the prerendered
/// figure is drawn before the circuit starts (the first load); updates need no second round trip.
/// </remarks>
public sealed partial class PlotlyFigure
{
    private static readonly PropertyInfo[] s_layoutProperties = typeof(Plotly.Blazor.Layout)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanRead && p.CanWrite && p.GetIndexParameters().Length == 0)
        .ToArray();

    private static int s_nextId;
    private readonly string _id = $"chart-{Interlocked.Increment(ref s_nextId)}";
    private readonly List<ITrace> _data = [];
    private readonly Plotly.Blazor.Layout _layout = new();
    private Config _config = new();
    private string? _json;
    // The figure drawn, without its revision: a new Figure that draws the same (an edit that leaves this chart as it
    // was) keeps the revision and the attribute, so the render batch does not carry it and plotly does not draw again.
    private string? _content;
    private ChartFigure? _shown;
    private int _revision;

    /// <summary>What to draw; null draws an empty chart.</summary>
    [Parameter] public ChartFigure? Figure { get; set; }

    /// <summary>Stable <c>data-testid</c> of the figure element.</summary>
    [Parameter, EditorRequired] public string TestId { get; set; } = "";

    /// <summary>File name (without extension) of the PNG export.</summary>
    [Parameter] public string? FileName { get; set; }

    /// <summary>Accessible name of the chart.</summary>
    [Parameter] public string? AriaLabel { get; set; }

    /// <summary>Extra CSS classes.</summary>
    [Parameter] public string? Class { get; set; }

    // A legend swatch drawn as the chart draws its part: pale parts at the chart's own opacity.
    private static string SwatchStyle(LegendItem item) => item.Pale
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"background-color:{item.Color};opacity:{StackedBars.PaleOpacity}")
        : $"background-color:{item.Color}";

    // Reserves the chart's height before plotly.js has drawn it (no layout shift).
    private string? PlotStyle => _layout.Height is { } h ? $"min-height:{(int)h}px" : null;

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        _config = ChartTheme.Config(FileName ?? TestId);
        if (ReferenceEquals(Figure, _shown)) return;
        _shown = Figure;
        _data.Clear();
        if (Figure is not null) _data.AddRange(Figure.Data);
        var layout = Figure?.Layout ?? new Plotly.Blazor.Layout();
        foreach (var property in s_layoutProperties) property.SetValue(_layout, property.GetValue(layout));
        _layout.DataRevision = null;
        var content = ChartJson.Figure(_data, _layout, _config);
        if (_json is not null && string.Equals(content, _content, StringComparison.Ordinal))
        {
            _layout.DataRevision = _revision;
            return;
        }
        _content = content;
        _revision++;
        _layout.DataRevision = _revision;
        _json = ChartJson.WithDataRevision(content, _revision);
    }
}
