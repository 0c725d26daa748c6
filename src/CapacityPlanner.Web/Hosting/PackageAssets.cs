using System.Collections.Concurrent;
using Microsoft.AspNetCore.Components;

namespace CapacityPlanner.Web.Hosting;

/// <summary>
/// Static files of packages (MudBlazor's stylesheet and script, plotly.js) served compressed and cached for good. The
/// SDK maps such a file twice: under its plain name with its precompressed variants (brotli, gzip) but
/// <c>Cache-Control: no-cache</c>, and under a fingerprinted name (what <c>@Assets[…]</c> gives) <c>immutable</c> but never
/// compressed. Linked by fingerprint, MudBlazor.min.css, which holds up the first paint, went out as 627 KB instead of
/// 42 KB (brotli). Pages link the plain name with the fingerprinted name as <c>?v=</c> (<see cref="Url"/>); a request
/// that carries the version the page was given gets the compressed file with immutable caching.
/// </summary>
public static class PackageAssets
{
    private const string VersionParameter = "v";
    private const string Immutable = "max-age=31536000, immutable";

    // Request path ("/_content/MudBlazor/MudBlazor.min.css") → the version pages link it with.
    private static readonly ConcurrentDictionary<string, string> s_versions = new(StringComparer.Ordinal);

    /// <summary>
    /// The address of a package's static file for a page: its plain name (served compressed) with the fingerprinted
    /// name as its version (cached for good); the fingerprinted address itself when the app maps no such fingerprint.
    /// </summary>
    public static string Url(ResourceAssetCollection assets, string path)
    {
        ArgumentNullException.ThrowIfNull(assets);
        ArgumentNullException.ThrowIfNull(path);
        var fingerprinted = assets[path];
        if (string.Equals(fingerprinted, path, StringComparison.Ordinal)) return path;
        var version = fingerprinted[(fingerprinted.LastIndexOf('/') + 1)..];
        s_versions["/" + path] = version;
        return path + "?" + VersionParameter + "=" + Uri.EscapeDataString(version);
    }

    /// <summary>Immutable caching for a package file requested with the version a page links it with.</summary>
    public static IApplicationBuilder UsePackageAssetCaching(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use((context, next) =>
        {
            if (context.Request.Query.TryGetValue(VersionParameter, out var requested)
                && s_versions.TryGetValue(context.Request.Path.Value ?? "", out var version)
                && string.Equals(requested.ToString(), version, StringComparison.Ordinal))
            {
                var response = context.Response;
                response.OnStarting(() =>
                {
                    if (response.StatusCode is StatusCodes.Status200OK or StatusCodes.Status304NotModified) response.Headers.CacheControl = Immutable;
                    return Task.CompletedTask;
                });
            }
            return next(context);
        });
    }
}
