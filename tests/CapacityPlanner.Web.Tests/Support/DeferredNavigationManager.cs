using Microsoft.AspNetCore.Components;

namespace CapacityPlanner.Web.Tests.Support;

/// <summary>
/// A navigation manager that behaves like Blazor Server's: <see cref="NavigationManager.NavigateTo(string, NavigationOptions)"/>
/// only asks the browser to go there, and <see cref="NavigationManager.Uri"/> and <c>LocationChanged</c> follow when the
/// browser reports back (<see cref="DeliverNext"/>), a round trip later; in between the circuit may have handled further
/// events. (bUnit's own navigation manager changes the address and raises <c>LocationChanged</c> inside the call, so a
/// late report never happens there.) <see cref="BrowserGoesTo"/> is Back, Forward or a typed address.
/// </summary>
public sealed class DeferredNavigationManager : NavigationManager
{
    private readonly Queue<string> _inFlight = new();

    /// <summary>Opens at <paramref name="relativeUri"/> under http://localhost/.</summary>
    public DeferredNavigationManager(string relativeUri) => Initialize("http://localhost/", "http://localhost/" + relativeUri.TrimStart('/'));

    /// <summary>Every address asked for, in order, with its options.</summary>
    public List<(string Uri, NavigationOptions Options)> Requests { get; } = [];

    /// <summary>Addresses asked for that the browser has not reported back yet, oldest first.</summary>
    public IReadOnlyList<string> InFlight => [.. _inFlight];

    /// <summary>The browser reports the oldest address asked for (call on the renderer's dispatcher).</summary>
    public void DeliverNext()
    {
        Uri = _inFlight.Dequeue();
        NotifyLocationChanged(isInterceptedLink: false);
    }

    /// <summary>The browser reports every address asked for, in order (call on the renderer's dispatcher).</summary>
    public void DeliverAll()
    {
        while (_inFlight.Count > 0) DeliverNext();
    }

    /// <summary>The browser goes to an address on its own: Back, Forward (call on the renderer's dispatcher).</summary>
    public void BrowserGoesTo(string absoluteUri)
    {
        Uri = absoluteUri;
        NotifyLocationChanged(isInterceptedLink: false);
    }

    /// <inheritdoc />
    protected override void NavigateToCore(string uri, NavigationOptions options)
    {
        var absolute = System.Uri.IsWellFormedUriString(uri, UriKind.Absolute) ? uri : ToAbsoluteUri(uri).AbsoluteUri;
        Requests.Add((absolute, options));
        _inFlight.Enqueue(absolute);
    }
}
