using System.Text.Json;
using CapacityPlanner.Contracts.Json;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Contracts.Sharing;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Contracts.Tests.Json;

/// <summary>
/// The one rule for outside JSON (<see cref="StrictJson"/>): a duplicate key and a lone UTF-16 surrogate escape are
/// errors with their JSON path, in every reader, never an exception; listed errors are capped.
/// </summary>
public sealed class StrictJsonTests
{
    private const string LoneSurrogate = "\\ud800";

    private static string Gpt3Replacing(string from, string to)
    {
        Assert.Contains(from, TestScenarios.Gpt3On1024, StringComparison.Ordinal);
        return TestScenarios.Gpt3On1024.Replace(from, to, StringComparison.Ordinal);
    }

    private static string Gpt3NamedWithLoneSurrogate => Gpt3Replacing("\"name\": \"gpt3\"", "\"name\": \"" + LoneSurrogate + "\"");

    [Theory]
    [InlineData("""{"name":"\ud800"}""", "$.name")]
    [InlineData("""{"a":{"b":["ok","x\udc00y"]}}""", "$.a.b[1]")]
    [InlineData("""{"a":[{"c":1},{"\udfff":2}]}""", "$.a[1]")]
    public void A_lone_surrogate_escape_is_an_error_at_its_path(string json, string path)
    {
        var error = StrictJson.Check(json);
        Assert.NotNull(error);
        Assert.Equal(path, error.Path);
        Assert.Contains("lone UTF-16 surrogate", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"name":"plan\u0000"}""", "$.name", "string")]
    [InlineData("""{"a":{"b":["ok","x\u0000y"]}}""", "$.a.b[1]", "string")]
    [InlineData("""{"a":[{"c":1},{"k\u0000":2}]}""", "$.a[1][\"k\u0000\"]", "key")]
    public void A_nul_in_a_string_or_a_key_is_an_error_at_its_path(string json, string path, string what)
    {
        // PostgreSQL's text type cannot hold U+0000: refused where the JSON comes in, for every reader alike.
        var error = StrictJson.Check(json);
        Assert.NotNull(error);
        Assert.Equal(path, error.Path);
        Assert.StartsWith($"the {what} ", error.Message, StringComparison.Ordinal);
        Assert.Contains("U+0000 (NUL", error.Message, StringComparison.Ordinal);
        Assert.Null(StrictJson.Check("""{"notes":"tab\there, line\nbreak, bell\u0007"}"""));
    }

    [Fact]
    public void Valid_pairs_and_ordinary_text_pass()
    {
        Assert.Null(StrictJson.Check("""{"name":"\ud83d\ude00 😀 é","list":[{"a":1},{"a":2}],"o":{"a":1},"a":3}"""));
        Assert.Null(StrictJson.Check(TestScenarios.Gpt3On1024));
    }

    [Fact]
    public void A_duplicate_key_is_an_error_that_names_the_key_and_its_path()
    {
        var error = StrictJson.Check("""{"system":{"chip":"a100-sxm-80gb","gpus":8,"gpus":16}}""");
        Assert.NotNull(error);
        Assert.Equal("$.system.gpus", error.Path);
        Assert.Contains("duplicate key \"gpus\"", error.Message, StringComparison.Ordinal);
        Assert.Contains(StrictJson.DuplicateKeyRule, error.Message, StringComparison.Ordinal);
        // Keys are compared after unescaping: "\u0061" is "a".
        Assert.Equal("$[0].a", StrictJson.Check("""[{"a":1,"\u0061":2}]""")?.Path);
    }

    [Fact]
    public void The_scenario_parser_reports_both_instead_of_throwing()
    {
        foreach (var (json, path) in new[]
                 {
                     (Gpt3NamedWithLoneSurrogate, "$.name"),
                     (Gpt3Replacing("\"precision\": \"bf16\"", "\"precision\": \"" + LoneSurrogate + "\""), "$.training.precision"),
                     (Gpt3Replacing("\"gpus\": 1024", "\"gpus\": 1024, \"gpus\": 8"), "$.system.gpus"),
                 })
        {
            var result = ScenarioParser.Parse(json);
            var error = Assert.Single(result.Errors);
            Assert.Equal(path, error.Path);
        }
    }

    [Fact]
    public void Links_and_inline_chips_follow_the_same_rule()
    {
        Assert.False(ScenarioLink.TryEncode(Gpt3NamedWithLoneSurrogate, null, out _, out var linkError));
        Assert.Contains("$.name", linkError, StringComparison.Ordinal);
        Assert.False(ScenarioLink.TryCanonicalize("""{"a":1,"a":2}""", out _, out var dupError));
        Assert.Contains("duplicate key \"a\"", dupError, StringComparison.Ordinal);

        var (chip, chipErrors) = InlineChip.Parse("""{"id":"x","baseOn":"h100-sxm","name":"a","name":"b"}""");
        Assert.Null(chip);
        Assert.Equal("$.system.chip.name", Assert.Single(chipErrors).Path);
        (chip, chipErrors) = InlineChip.Parse("""{"id":"x","baseOn":"h100-sxm","name":"\udbff"}""");
        Assert.Null(chip);
        Assert.Equal("$.system.chip.name", Assert.Single(chipErrors).Path);

    }

    [Fact]
    public void Listed_errors_are_capped_with_a_count_of_the_rest()
    {
        var errors = Enumerable.Range(0, 250).Select(i => new ScenarioError($"$.x{i}", "unknown field")).ToList();
        var capped = StrictJson.Capped(errors);
        Assert.Equal(StrictJson.MaxListedErrors + 1, capped.Count);
        Assert.Equal("$.x99", capped[StrictJson.MaxListedErrors - 1].Path);
        Assert.Equal("$", capped[^1].Path);
        Assert.StartsWith("150 more errors", capped[^1].Message, StringComparison.Ordinal);
        Assert.Equal(3, StrictJson.Capped(errors.Take(3)).Count);
    }

    [Fact]
    public void Shortening_never_splits_a_surrogate_pair()
    {
        var s = new string('a', 39) + "😀tail";
        var shortened = StrictJson.Shorten(s, 40);
        Assert.Equal(new string('a', 39) + "…", shortened);
        // The result is valid text: serialising it does not throw.
        Assert.Equal(shortened, JsonSerializer.Deserialize<string>(JsonSerializer.Serialize(shortened)));
    }
}
