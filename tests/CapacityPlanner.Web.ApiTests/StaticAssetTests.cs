using System.Net;
using System.Text.RegularExpressions;
using CapacityPlanner.Web.ApiTests.Infrastructure;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>
/// What a first load fetches after the page: the packages' stylesheet and scripts (MudBlazor, plotly.js) are served
/// compressed and cached for good. Linked by their fingerprinted names they went out uncompressed (the SDK maps no
/// compressed variant there): MudBlazor.min.css was 627 KB on the wire, render-blocking. (The app's own files are
/// fingerprinted and compressed by the SDK; this test app runs in Development, where those are sent no-cache.)
/// </summary>
public sealed partial class StaticAssetTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    [GeneratedRegex("<(?:link rel=\"stylesheet\" href|script[^>]* src)=\"(?<url>[^\"]+)\"")]
    private static partial Regex LinkedAsset();

    [Fact]
    public async Task The_package_stylesheet_and_scripts_of_the_planner_are_served_compressed_and_immutable()
    {
        var html = await fixture.App.Client.GetStringAsync(new Uri("/", UriKind.Relative));
        var urls = LinkedAsset().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups["url"].Value))
            .Where(u => u.StartsWith("_content/", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, urls.Count); // MudBlazor's stylesheet and script, plotly.js

        foreach (var url in urls)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/" + url, UriKind.Relative));
            request.Headers.TryAddWithoutValidation("Accept-Encoding", "br, gzip");
            using var response = await fixture.App.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(response.Content.Headers.ContentEncoding.Count == 1, url + " is not served compressed");
            Assert.Equal("max-age=31536000, immutable", response.Headers.CacheControl?.ToString());
        }
        // By plain name (what has the compressed variants) with the build's fingerprint as the version.
        Assert.All(urls, u => Assert.Matches(@"^_content/[^?]+\?v=[^&]+$", u));
    }

    [Fact]
    public async Task A_package_file_with_another_version_is_not_cached_for_good()
    {
        using var response = await fixture.App.Client.GetAsync(new Uri("/_content/MudBlazor/MudBlazor.min.css?v=not-this-build", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("immutable", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
    }
}
