using System.Diagnostics;
using System.Net;
using CapacityPlanner.Contracts.Sharing;
using CapacityPlanner.Web.ApiTests.Infrastructure;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>Whatever arrives in <c>?s=</c> or <c>/s/{id}</c>, the server answers quickly and never with a 5xx.</summary>
public sealed class HostileLinkTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    public static TheoryData<string> Tokens()
    {
        var random = new Random(11);
        var real = ScenarioLink.Encode(Http.Gpt3);
        var data = new TheoryData<string>
        {
            real,
            real[..(real.Length / 2)],
            real + "AAAA",
            "v0.AAAA",
            "v9.AAAA",
            "garbage",
            "v1." + new string('A', ScenarioLink.MaxTokenLength),
            "%00%FF%FE",
        };
        for (var i = 0; i < 5; i++)
        {
            var bytes = new byte[random.Next(1, 400)];
            random.NextBytes(bytes);
            data.Add("v1." + System.Buffers.Text.Base64Url.EncodeToString(bytes));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Tokens))]
    public async Task The_page_answers_a_hostile_state_link_without_an_error(string token)
    {
        var sw = Stopwatch.StartNew();
        var response = await fixture.App.Client.GetAsync("/?s=" + Uri.EscapeDataString(token));
        Assert.True((int)response.StatusCode < 500, $"status {(int)response.StatusCode}");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed.TotalSeconds:F1} s");
    }

    [Theory]
    [InlineData("..%2F..%2Fetc%2Fpasswd")]
    [InlineData("%E2%9C%93")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("'%20OR%201=1--")]
    public async Task A_hostile_short_link_redirects_to_the_page_with_a_missing_notice(string id)
    {
        var response = await fixture.App.Client.GetAsync("s/" + id);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/?missing=", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_nul_character_in_the_path_is_refused_by_the_server_not_crashed_on()
    {
        var response = await fixture.App.Client.GetAsync("s/%00");
        Assert.InRange((int)response.StatusCode, 300, 499);
    }
}
