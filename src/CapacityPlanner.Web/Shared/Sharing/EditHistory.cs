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
/// <para>
/// <c>restore</c> runs on the navigation manager's thread: a component passes a callback that calls <c>InvokeAsync</c>.
/// </para>
/// <para>
/// In Blazor Server an address the page writes reaches <c>LocationChanged</c> (and <see cref="NavigationManager.Uri"/>)
/// only a round trip later, when the browser reports it; by then the page may have handled more clicks and written more
/// addresses. Every address written and not yet reported is kept, oldest first, and a report of any of them is the page's
/// own: it never restores (which would undo what the user did since). Only an address the page did not write (Back,
/// Forward, a link) restores.
/// </para>
/// </remarks>
public sealed class EditHistory : IDisposable
{
    // Reports that never come (a navigation the browser dropped) must not grow the list without bound.
    private const int MaxUnreported = 64;

    private readonly NavigationManager _navigation;
    private readonly TimeSpan _coalesce;
    private readonly string _path;
    private readonly Action<string> _restore;
    private readonly List<string> _unreported = [];
    private string _current;
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
        _current = navigation.Uri;
        _path = new Uri(navigation.Uri).AbsolutePath;
        navigation.LocationChanged += OnLocationChanged;
    }

    /// <summary>Records an edit: goes to <paramref name="uri"/> with a new history entry, or replaces the entry of an edit just before.</summary>
    public void Record(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        // Compared with the address the page last asked for, not NavigationManager.Uri, which lags until the browser
        // reports: an edit taken back before that report must still take the address back.
        if (string.Equals(uri, _current, StringComparison.Ordinal)) return;
        var replace = _lastPush != 0 && _coalesce > TimeSpan.Zero && Stopwatch.GetElapsedTime(_lastPush) < _coalesce;
        if (!replace) _lastPush = Stopwatch.GetTimestamp();
        _current = uri;
        if (_unreported.Count == MaxUnreported) _unreported.RemoveAt(0);
        _unreported.Add(uri);
        _navigation.NavigateTo(uri, new NavigationOptions { ReplaceHistoryEntry = replace });
    }

    /// <inheritdoc />
    public void Dispose() => _navigation.LocationChanged -= OnLocationChanged;

    private void OnLocationChanged(object? sender, LocationChangedEventArgs e)
    {
        // The browser reports addresses in the order they were asked for: a report of one of the page's own addresses
        // also settles those written before it.
        var own = _unreported.FindIndex(u => string.Equals(u, e.Location, StringComparison.Ordinal));
        if (own >= 0)
        {
            _unreported.RemoveRange(0, own + 1);
            return;
        }
        if (!string.Equals(new Uri(e.Location).AbsolutePath, _path, StringComparison.Ordinal)) return;
        // Already showing this address (a link to it): nothing to restore.
        if (string.Equals(e.Location, _current, StringComparison.Ordinal)) return;
        // Back, Forward or a link: the page follows the browser's address. Reports of addresses written before it
        // arrive later and are no longer the address shown, so they restore too, leaving the page on the browser's address.
        _unreported.Clear();
        _current = e.Location;
        // The next edit after going back starts an entry of its own.
        _lastPush = 0;
        _restore(e.Location);
    }
}
