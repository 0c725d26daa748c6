using System.Text;
using CapacityPlanner.Contracts.Results;
using CapacityPlanner.Contracts.Sharing;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Contracts.Tests.Sharing;

/// <summary>Round trips, canonical form, migrations and every way a link can be wrong (but not fuzzing: see ScenarioLinkFuzzTests).</summary>
public sealed class ScenarioLinkTests
{
    private static readonly Dictionary<string, string> Page = new() { ["units"] = "si", ["tab"] = "breakdown" };

    private static string Canonical(string json)
    {
        Assert.True(ScenarioLink.TryCanonicalize(json, out var c, out var e), e);
        return c;
    }

    [Fact]
    public void A_link_round_trips_the_scenario_and_the_page_settings()
    {
        var token = ScenarioLink.Encode(TestScenarios.Gpt3On1024, Page);

        Assert.StartsWith("v1.", token, StringComparison.Ordinal);
        Assert.Matches("^v1\\.[A-Za-z0-9_-]+$", token);
        Assert.InRange(token.Length, 50, 1000);
        Assert.True(ScenarioLink.TryDecode(token, out var payload, out var error), error);
        Assert.Equal(Canonical(TestScenarios.Gpt3On1024), payload.ScenarioJson);
        Assert.Equal(Page.OrderBy(p => p.Key, StringComparer.Ordinal), payload.Page);
        Assert.Equal(1, payload.SourceVersion);
        Assert.False(payload.Migrated);
        Assert.Equal(1024, payload.Document.System.Gpus);
        Assert.Equal("a100-sxm-80gb", payload.Document.System.ChipId);
    }

    [Fact]
    public void The_decoded_link_estimates_to_exactly_the_same_numbers()
    {
        var before = TestScenarios.Estimate(TestScenarios.Gpt3On1024);
        var payload = ScenarioLink.Decode(ScenarioLink.Encode(TestScenarios.Gpt3On1024)).Payload!;
        var after = TestScenarios.Estimate(payload.ScenarioJson);
        Assert.Equal(EstimateJson.Serialize(before), EstimateJson.Serialize(after));
    }

    [Fact]
    public void Equal_states_give_equal_tokens_whatever_the_whitespace_comments_or_key_order_of_the_page()
    {
        var pretty = TestScenarios.Gpt3On1024;
        var compact = Canonical(pretty);
        var commented = "/* shared */ " + pretty.Replace("\"gpus\": 1024", "\"gpus\": 1024 /* cluster */", StringComparison.Ordinal);
        var reversed = Page.Reverse().ToDictionary(p => p.Key, p => p.Value);

        var token = ScenarioLink.Encode(pretty, Page);
        Assert.Equal(token, ScenarioLink.Encode(compact, Page));
        Assert.Equal(token, ScenarioLink.Encode(commented, reversed));
        Assert.DoesNotContain(" ", compact, StringComparison.Ordinal);
    }

    [Fact]
    public void Encoding_a_decoded_link_gives_the_same_token()
    {
        var token = ScenarioLink.Encode(TestScenarios.Gpt3On1024, Page);
        var payload = ScenarioLink.Decode(token).Payload!;
        Assert.Equal(token, ScenarioLink.Encode(payload.ScenarioJson, payload.Page));
    }

    [Fact]
    public void Non_ascii_text_survives()
    {
        var json = TestScenarios.Gpt3On1024.Replace("\"name\": \"gpt3\"", "\"name\": \"GPT-3 auf 1 024 A100 — §5.1 “Zürich” 日本\"", StringComparison.Ordinal);
        var payload = ScenarioLink.Decode(ScenarioLink.Encode(json, new Dictionary<string, string> { ["note"] = "größer ≥ 2" })).Payload!;
        Assert.Equal("GPT-3 auf 1 024 A100 — §5.1 “Zürich” 日本", payload.Document.Name);
        Assert.Equal("größer ≥ 2", payload.Page["note"]);
    }

    /// <summary>Frozen tokens: links already shared must open in every later build. Never change these strings.</summary>
    public const string FrozenV1 = "v1.G1MBAIzTFfOihHUPIpxT-dOlL05PuSQFwNRh6bO8Tcj1zwebYh-Eb6Z9kM1GqVonRIme-soPaTfdLvH0sEMsFpP1aq4GPAiBmSKDcA6gGNeAQDI8jCLj4GxLEmkOLhUPeO2vVlPOxS2QKIgtts0DZkDnEhONvSwIMpEveP7jwZTVCJR4nr2cnf3zCk0U47bg79i_WK4u1VLWr1m_DDN-0VSNJn3mwCPyrLS6syOSpDCBBU-eswXvLtJYq_aMUShteFiVBs2jW1RCC4GaUvE";

    /// <summary>The same scenario as a version-0 link (bare scenario, deflate).</summary>
    public const string FrozenV0 = "v0.NVDJbsIwEL33K6w5J1LcAEU98gtIvTtmcEb1VntStSD-HTsxt1neNnMXkPWMTn1hyhQ8fArZCfDKYSnBRB6hexMCXLigLaO7gJgwI7_WvfzYTyAeK4qTIk_ebEBjw6TsSbGez_izoNeYq8F-PHSrjKbmCdNVHqAMOXyjr6ARpWyi-T8zuk1SzxQrXslh6POf64-DmSrRxGXVHt53jRZVUtaipdy4XJRDKvWxulMsK4-tdaRT2JLSDdsXbpjCmZV59SVwcHHh9TUZLWqmXyy3i8cT";

    [Fact]
    public void A_frozen_v1_link_still_opens()
    {
        Assert.True(ScenarioLink.TryDecode(FrozenV1, out var payload, out var error), error);
        Assert.Equal(Canonical(TestScenarios.Gpt3On1024), payload.ScenarioJson);
        Assert.Equal("breakdown", payload.Page["tab"]);
        Assert.Equal("si", payload.Page["units"]);
    }

    [Fact]
    public void A_v0_link_is_migrated_to_v1_with_no_page_settings()
    {
        foreach (var token in new[] { FrozenV0, ScenarioLink.EncodeV0(TestScenarios.Gpt3On1024) })
        {
            Assert.StartsWith("v0.", token, StringComparison.Ordinal);
            Assert.True(ScenarioLink.TryDecode(token, out var payload, out var error), error);
            Assert.Equal(0, payload.SourceVersion);
            Assert.Equal(1, payload.Version);
            Assert.True(payload.Migrated);
            Assert.Empty(payload.Page);
            Assert.Equal(Canonical(TestScenarios.Gpt3On1024), payload.ScenarioJson);
            // Re-sharing a migrated link writes the current format.
            Assert.StartsWith("v1.", ScenarioLink.Encode(payload.ScenarioJson, payload.Page), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_format_up_to_the_current_one_is_registered_with_a_migration_to_the_next()
    {
        var formats = ScenarioLinkMigrations.Formats;
        Assert.Equal(ScenarioLink.CurrentVersion + 1, formats.Count);
        for (var v = 0; v < formats.Count; v++)
        {
            Assert.Equal(v, formats[v].Version);
            Assert.Equal(v < ScenarioLink.CurrentVersion, formats[v].ToNext is not null);
        }
    }

    [Fact]
    public void A_v0_link_whose_scenario_is_invalid_reports_the_scenario_errors_with_paths()
    {
        var token = ScenarioLink.EncodeV0("""{ "schemaVersion": 1, "model": { "preset": "gpt3-175b" }, "training": { "globalBatchSequences": 0 }, "system": { "chip": "a100-sxm-80gb", "gpus": 8 } }""");
        var r = ScenarioLink.Decode(token);
        Assert.Equal(ScenarioLinkErrorKind.InvalidScenario, r.Kind);
        Assert.Contains(r.ScenarioErrors, e => e.Path == "$.training.globalBatchSequences");
        Assert.Contains("$.training.globalBatchSequences", r.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, ScenarioLinkErrorKind.Empty)]
    [InlineData("", ScenarioLinkErrorKind.Empty)]
    [InlineData("   ", ScenarioLinkErrorKind.Empty)]
    [InlineData("hello", ScenarioLinkErrorKind.Malformed)]
    [InlineData("v1", ScenarioLinkErrorKind.Malformed)]
    [InlineData("v1.", ScenarioLinkErrorKind.Malformed)]
    [InlineData("V1.G1MB", ScenarioLinkErrorKind.Malformed)]
    [InlineData("v.G1MB", ScenarioLinkErrorKind.Malformed)]
    [InlineData("v-1.G1MB", ScenarioLinkErrorKind.Malformed)]
    [InlineData("v99999.G1MB", ScenarioLinkErrorKind.Malformed)]
    [InlineData("v1.G1M+/B", ScenarioLinkErrorKind.Malformed)]
    [InlineData("v1.ab cd", ScenarioLinkErrorKind.Malformed)]
    [InlineData("v1.AAAA", ScenarioLinkErrorKind.Truncated)]
    [InlineData("v1.G1MB\u0000AA", ScenarioLinkErrorKind.Malformed)]
    [InlineData("v2.G1MBAIzTFfOihHUP", ScenarioLinkErrorKind.UnsupportedVersion)]
    [InlineData("v1234.G1MBAIzTFfOihHUP", ScenarioLinkErrorKind.UnsupportedVersion)]
    public void Bad_tokens_give_a_friendly_reason(string? token, ScenarioLinkErrorKind kind)
    {
        var r = ScenarioLink.Decode(token);
        Assert.False(r.Success);
        Assert.Equal(kind, r.Kind);
        Assert.False(string.IsNullOrWhiteSpace(r.Error));
        Assert.DoesNotContain("Exception", r.Error, StringComparison.Ordinal);
        Assert.False(ScenarioLink.TryDecode(token, out var payload, out var error));
        Assert.Null(payload);
        Assert.Equal(r.Error, error);
    }

    [Fact]
    public void A_newer_version_says_so()
    {
        var r = ScenarioLink.Decode("v7." + FrozenV1[3..]);
        Assert.Equal(ScenarioLinkErrorKind.UnsupportedVersion, r.Kind);
        Assert.Contains("newer version", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Padding_and_surrounding_whitespace_are_tolerated()
    {
        Assert.True(ScenarioLink.Decode("  " + FrozenV1 + "==\n").Success);
    }

    [Fact]
    public void A_truncated_link_says_it_was_cut_off()
    {
        var r = ScenarioLink.Decode(FrozenV1[..(FrozenV1.Length / 2)]);
        Assert.Equal(ScenarioLinkErrorKind.Truncated, r.Kind);
        Assert.Contains("cut off", r.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(20)]
    public void A_link_missing_its_last_characters_is_incomplete_however_many(int dropped)
    {
        // Cut at any length (even one that is no whole number of bytes) the link is incomplete, not "damaged".
        var r = ScenarioLink.Decode(FrozenV1[..^dropped]);
        Assert.Equal(ScenarioLinkErrorKind.Truncated, r.Kind);
        Assert.Contains("cut off", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_after_the_compressed_stream_are_damage()
    {
        var r = ScenarioLink.Decode(FrozenV1 + "AAAA");
        Assert.False(r.Success);
        Assert.Equal(ScenarioLinkErrorKind.Malformed, r.Kind);
    }

    [Fact]
    public void The_v0_prefix_on_a_v1_body_and_the_v1_prefix_on_a_v0_body_are_rejected()
    {
        Assert.False(ScenarioLink.Decode("v0." + FrozenV1[3..]).Success);
        Assert.False(ScenarioLink.Decode("v1." + FrozenV0[3..]).Success);
    }

    [Theory]
    [InlineData("""{"v":1}""", "no scenario")]
    [InlineData("""{"v":2,"scenario":{}}""", "does not say v1")]
    [InlineData("""{"v":"1","scenario":{}}""", "does not say v1")]
    [InlineData("""{"scenario":{}}""", "does not say v1")]
    [InlineData("""[1,2,3]""", "not a JSON object")]
    [InlineData("""null""", "empty")]
    [InlineData("""{"v":1,"scenario":[]}""", "no scenario")]
    [InlineData("""{"v":1,"scenario":{},"extra":1}""", "unexpected field")]
    [InlineData("""{"v":1,"scenario":{},"page":[]}""", "not an object")]
    [InlineData("""{"v":1,"scenario":{},"page":{"tab":3}}""", "not text")]
    [InlineData("""{"v":1,"scenario":{},"page":{"a b":"x"}}""", "must be 1 to")]
    [InlineData("""{"v":1,"v":1,"scenario":{}}""", "not readable JSON")]
    [InlineData("""{"v":1,"scenario":{}""", "not readable JSON")]
    [InlineData("""{"v":1,"scenario":{}} trailing""", "not readable JSON")]
    public void A_tampered_envelope_is_rejected_with_a_reason(string envelope, string reason)
    {
        var r = ScenarioLink.Decode(ScenarioLink.EncodeRawV1(Encoding.UTF8.GetBytes(envelope)));
        Assert.Equal(ScenarioLinkErrorKind.InvalidPayload, r.Kind);
        Assert.Contains(reason, r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tampered_scenario_lists_every_error_with_its_path()
    {
        var envelope = """{"v":1,"scenario":{"schemaVersion":1,"model":{"preset":"gpt3-175b","layerz":3},"training":{"globalBatchSequences":-1},"system":{"chip":"a100-sxm-80gb","gpus":8}}}""";
        var r = ScenarioLink.Decode(ScenarioLink.EncodeRawV1(Encoding.UTF8.GetBytes(envelope)));
        Assert.Equal(ScenarioLinkErrorKind.InvalidScenario, r.Kind);
        Assert.Contains(r.ScenarioErrors, e => e.Path == "$.model.layerz");
        Assert.Contains(r.ScenarioErrors, e => e.Path == "$.training.globalBatchSequences");
    }

    [Fact]
    public void Invalid_utf8_inside_the_payload_is_damage()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"v":1,"scenario":{"name":"__"}}""");
        bytes[^5] = 0xC3; // a lead byte followed by an ASCII byte
        var r = ScenarioLink.Decode(ScenarioLink.EncodeRawV1(bytes));
        Assert.Equal(ScenarioLinkErrorKind.InvalidPayload, r.Kind);
    }

    [Fact]
    public void Deep_nesting_is_refused_without_a_stack_overflow()
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);
        var r = ScenarioLink.Decode(ScenarioLink.EncodeRawV1(Encoding.UTF8.GetBytes("""{"v":1,"scenario":""" + deep + "}")));
        Assert.Equal(ScenarioLinkErrorKind.InvalidPayload, r.Kind);
    }

    [Fact]
    public void Encode_refuses_what_could_not_be_opened()
    {
        Assert.Throws<ArgumentException>(() => ScenarioLink.Encode("{ not json"));
        Assert.Throws<ArgumentException>(() => ScenarioLink.Encode("""{ "schemaVersion": 1 }"""));
        Assert.Throws<ArgumentException>(() => ScenarioLink.Encode(TestScenarios.Gpt3On1024, new Dictionary<string, string> { ["bad key"] = "x" }));
        Assert.Throws<ArgumentException>(() => ScenarioLink.Encode(TestScenarios.Gpt3On1024, new Dictionary<string, string> { ["k"] = new string('x', 5000) }));
        Assert.Throws<ArgumentException>(() => ScenarioLink.Encode(TestScenarios.Gpt3On1024,
            Enumerable.Range(0, 65).ToDictionary(i => "k" + i, i => "v")));

        Assert.False(ScenarioLink.TryEncode("""{ "schemaVersion": 1 }""", null, out var token, out var error));
        Assert.Null(token);
        Assert.Contains("$.model", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_state_too_big_for_a_link_is_refused_with_advice()
    {
        // 64 page settings of 3,000 random characters (192 KB) do not compress into 16 K characters.
        var random = new Random(7);
        var page = Enumerable.Range(0, 64).ToDictionary(i => "k" + i,
            _ => new string(Enumerable.Range(0, 3000).Select(_ => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[random.Next(62)]).ToArray()));
        Assert.False(ScenarioLink.TryEncode(TestScenarios.Gpt3On1024, page, out _, out var error));
        Assert.Contains("links hold at most", error, StringComparison.Ordinal);
        Assert.Contains("Save the scenario", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Canonicalize_reports_malformed_json_with_a_position_and_refuses_duplicate_keys()
    {
        Assert.False(ScenarioLink.TryCanonicalize("{\n \"a\": ,}", out _, out var error));
        Assert.Contains("line 2", error, StringComparison.Ordinal);
        Assert.False(ScenarioLink.TryCanonicalize("""{"a":1,"a":2}""", out _, out _));
        Assert.True(ScenarioLink.TryCanonicalize("""{ "b" : [ 1 , 2.50 , 3e11 ] , "a" : "x" }""", out var c, out _));
        Assert.Equal("""{"b":[1,2.50,3e11],"a":"x"}""", c);
    }
}
