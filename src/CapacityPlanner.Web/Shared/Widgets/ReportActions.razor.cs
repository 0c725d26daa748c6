using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace CapacityPlanner.Web.Shared.Widgets;

/// <summary>Print the page as a report (<c>window.print</c> through JS interop) and download the page's results as CSV.</summary>
public sealed partial class ReportActions : IAsyncDisposable
{
    private const string ModulePath = "./js/download.js";
    private IJSObjectReference? _module;

    [Inject] private IJSRuntime JS { get; set; } = default!;

    /// <summary>The page's results as CSV (null when none yet); no CSV button when not given.</summary>
    [Parameter] public Func<string?>? Csv { get; set; }

    /// <summary>Whether <see cref="Csv"/> has something to export.</summary>
    [Parameter] public bool CsvReady { get; set; } = true;

    /// <summary>File name without extension.</summary>
    [Parameter] public string FileName { get; set; } = "report";

    private async Task PrintAsync()
    {
        try
        {
            await JS.InvokeVoidAsync("print");
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or TaskCanceledException)
        {
            // The browser went away or refused: nothing to print.
        }
    }

    private async Task DownloadCsvAsync()
    {
        if (Csv?.Invoke() is not { } table) return;
        try
        {
            _module ??= await JS.InvokeAsync<IJSObjectReference>("import", ModulePath);
            if (_module is not null) await _module.InvokeVoidAsync("downloadText", FileName + ".csv", "text/csv", table);
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or TaskCanceledException or InvalidOperationException)
        {
            // The browser went away: nothing to save.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_module is null) return;
        try
        {
            await _module.DisposeAsync();
        }
        catch (JSDisconnectedException)
        {
            // The circuit is gone.
        }
    }
}
