using System.Reflection;
using CapacityPlanner.Web.Charts;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Plotly.Blazor;

namespace CapacityPlanner.Web.Components.Widgets;

/// <summary>
/// Wraps <see cref="PlotlyChart"/> (plotly.js shipped in the Plotly.Blazor package, basic bundle). The chart never
/// re-renders from parameter changes: it is drawn once (NewPlot) and then, whenever <see cref="Figure"/> changes,
/// its data list and layout object are mutated in place and pushed to the browser with the chart's <c>React()</c>
/// call once the render batch with the new numbers has gone out.
/// </summary>
public sealed partial class PlotlyFigure : IAsyncDisposable
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
    private PlotlyChart? _chart;
    private ChartFigure? _shown;
    private int _revision;
    private int _drawn;
    private bool _disposed;

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

    // Reserves the chart's height before plotly.js has drawn it (no layout shift).
    private string? PlotStyle => _layout.Height is { } h ? $"min-height:{(int)h}px" : null;

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        _config = ChartTheme.Config(FileName ?? TestId);
        if (ReferenceEquals(Figure, _shown)) return;
        _shown = Figure;
        _revision++;
        _data.Clear();
        if (Figure is not null) _data.AddRange(Figure.Data);
        var layout = Figure?.Layout ?? new Plotly.Blazor.Layout();
        foreach (var property in s_layoutProperties) property.SetValue(_layout, property.GetValue(layout));
        _layout.DataRevision = _revision;
    }

    /// <inheritdoc />
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // The chart draws itself (NewPlot) with what it holds at its first render; later figures go through React(),
        // after the render batch with the new numbers has gone out (the numbers are not held up by the drawing).
        if (firstRender)
        {
            _drawn = _revision;
            return;
        }
        if (_drawn == _revision) return;
        _drawn = _revision;
        await ReactAsync();
    }

    private async Task ReactAsync()
    {
        if (_chart is null || _disposed) return;
        try
        {
            await _chart.React();
        }
        catch (JSDisconnectedException)
        {
            // The circuit is gone; nothing to draw on.
        }
        catch (TaskCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _disposed = true;
        return ValueTask.CompletedTask;
    }
}
