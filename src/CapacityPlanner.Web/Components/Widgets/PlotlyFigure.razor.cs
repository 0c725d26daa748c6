using System.Reflection;
using CapacityPlanner.Web.Charts;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Plotly.Blazor;

namespace CapacityPlanner.Web.Components.Widgets;

/// <summary>
/// A Plotly chart (plotly.js basic bundle from the Plotly.Blazor package; figures are Plotly.Blazor traces and layouts,
/// serialized for the browser the way Plotly.Blazor does it, <see cref="ChartJson"/>).
/// Whenever <see cref="Figure"/> changes, the chart's data list and layout object are mutated in place and pushed to the
/// browser with <c>Plotly.react</c> (<c>wwwroot/js/charts.js</c>) once the render batch with the new numbers has gone out.
/// </summary>
/// <remarks>
/// Not Plotly.Blazor's <c>PlotlyChart</c> component: that loads plotly.js only when the first chart asks for it, after
/// the interactive circuit has started, which held the first chart back by the time it takes to run 1.1 MB of script.
/// Here the page fetches and runs plotly.js with its other scripts (App.razor), and the first draw is a single call.
/// </remarks>
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
    private IJSObjectReference? _module;
    private ChartFigure? _shown;
    private int _revision;
    private int _drawn;
    private bool _disposed;

    /// <summary>The chart module (<c>wwwroot/js/charts.js</c>).</summary>
    public const string ModulePath = "./js/charts.js";

    [Inject] private IJSRuntime JS { get; set; } = default!;

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
        // Drawn after the render batch with the element (and, later, the new numbers) has gone out: the numbers are
        // not held up by the drawing.
        if (!firstRender && _drawn == _revision) return;
        _drawn = _revision;
        await ReactAsync();
    }

    private async Task ReactAsync()
    {
        if (_disposed) return;
        try
        {
            _module ??= await JS.InvokeAsync<IJSObjectReference>("import", ModulePath);
            if (_module is null || _disposed) return; // a test renderer without a browser
            await _module.InvokeVoidAsync("react", _id, ChartJson.Figure(_data, _layout, _config));
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
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_module is null) return;
        try
        {
            await _module.InvokeVoidAsync("purge", _id);
            await _module.DisposeAsync();
        }
        catch (Exception ex) when (ex is JSDisconnectedException or TaskCanceledException or ObjectDisposedException or JSException)
        {
            // The page or circuit is gone.
        }
    }
}
