using System.Diagnostics;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;

namespace CapacityPlanner.Web.Shared.Sharing;

/// <summary>
/// Undo for a page whose state lives in its address: every edit becomes a browser-history entry (edits in quick
/// succession, such as typing, share one), so Back, and Ctrl+Z (<c>app.js</c> calls <c>history.back()</c>), step through
/// the edits; when the browser goes to another address of the same page, <c>restore</c> loads the page from it. The
/// Planner, Budget and Scaling pages use this one implementation.
/// </summary>
/// <remarks>
/// <c>restore</c> runs on the navigation manager's thread: a component passes a callback that calls <c>InvokeAsync</c>.
/// </remarks>
public sealed class EditHistory : IDisposable
{
    private readonly NavigationManager _navigation;
    private readonly TimeSpan _coalesce;
    private readonly string _path;
    private readonly Action<string> _restore;
    private string? _lastWritten;
    private long _lastPush;

    /// <summary>Watches the address of the page now shown.</summary>
    /// <param name="navigation">The navigation manager.</param>
    /// <param name="coalesce">Edits closer together than this share one entry (0: every edit is an entry).</param>
    /// <param name="restore">Loads the page from an address it did not write itself (Back, Forward, a link).</param>
    public EditHistory(NavigationManager navigation, TimeSpan coalesce, Action<string> restore)
    {
        ArgumentNullException.ThrowIfNull(navigation);
        ArgumentNullException.ThrowIfNull(restore);
        _navigation = navigation;
        _coalesce = coalesce;
        _restore = restore;
        _lastWritten = navigation.Uri;
        _path = new Uri(navigation.Uri).AbsolutePath;
        navigation.LocationChanged += OnLocationChanged;
    }

    /// <summary>Records an edit: goes to <paramref name="uri"/> with a new history entry, or replaces the entry of an edit just before.</summary>
    public void Record(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (string.Equals(uri, _navigation.Uri, StringComparison.Ordinal)) return;
        var replace = _lastPush != 0 && _coalesce > TimeSpan.Zero && Stopwatch.GetElapsedTime(_lastPush) < _coalesce;
        if (!replace) _lastPush = Stopwatch.GetTimestamp();
        _lastWritten = uri;
        _navigation.NavigateTo(uri, new NavigationOptions { ReplaceHistoryEntry = replace });
    }

    /// <inheritdoc />
    public void Dispose() => _navigation.LocationChanged -= OnLocationChanged;

    private void OnLocationChanged(object? sender, LocationChangedEventArgs e)
    {
        if (string.Equals(e.Location, _lastWritten, StringComparison.Ordinal)) return;
        if (!string.Equals(new Uri(e.Location).AbsolutePath, _path, StringComparison.Ordinal)) return;
        _lastWritten = e.Location;
        // The next edit after going back starts an entry of its own.
        _lastPush = 0;
        _restore(e.Location);
    }
}
