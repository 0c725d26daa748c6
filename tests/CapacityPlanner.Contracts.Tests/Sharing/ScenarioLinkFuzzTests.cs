using System.Buffers.Text;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using CapacityPlanner.Contracts.Sharing;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Contracts.Tests.Sharing;

/// <summary>
/// Hostile links: random bytes, random base64url, every truncation and every one-character change of a real link,
/// compression bombs and a 10 MB token. Every case must come back (never throw), say why it failed, and do so
/// within a time bound; bombs must also stay within a memory bound.
/// </summary>
public sealed class ScenarioLinkFuzzTests
{
    /// <summary>Time any single decode may take; real ones take microseconds.</summary>
    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(2);

    private const string Base64UrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private static readonly string RealLink = ScenarioLink.Encode(TestScenarios.Gpt3On1024,
        new Dictionary<string, string> { ["tab"] = "breakdown", ["units"] = "si" });

    private static readonly string RealV0Link = ScenarioLink.EncodeV0(TestScenarios.Gpt3On1024);

    /// <summary>
    /// Decodes on a worker so that a hang fails the test instead of stalling the run. The time bound is the decode's own
    /// (measured inside the worker): waiting for a thread-pool thread while other test classes keep both cores busy is
    /// not the decoder's time, and once failed a CI run that way (2.6 s, of which the decode was microseconds).
    /// </summary>
    private static ScenarioLinkResult Bounded(string? token) => BoundedTimed(token).Result;

    private static (ScenarioLinkResult Result, TimeSpan Elapsed) BoundedTimed(string? token)
    {
        var task = Task.Run(() =>
        {
            var sw = Stopwatch.StartNew();
            var result = ScenarioLink.Decode(token);
            return (Result: result, Elapsed: sw.Elapsed);
        });
        Assert.True(task.Wait(TimeSpan.FromSeconds(60)), $"Decoding a {token?.Length}-character token did not finish in 60 s.");
        Assert.True(task.Result.Elapsed < PerCase, $"Decoding a {token?.Length}-character token took {task.Result.Elapsed.TotalMilliseconds:F0} ms.");
        var r = task.Result.Result;
        Assert.True(r.Success || (r.Kind != ScenarioLinkErrorKind.None && !string.IsNullOrWhiteSpace(r.Error)), "A failure must say why.");
        return task.Result;
    }

    [Fact]
    public void Random_strings_never_throw_or_hang()
    {
        var random = new Random(20240611);
        for (var i = 0; i < 2000; i++)
        {
            var chars = new char[random.Next(0, 600)];
            for (var j = 0; j < chars.Length; j++) chars[j] = (char)random.Next(0, 0x3000);
            Assert.False(Bounded(new string(chars)).Success);
        }
    }

    [Fact]
    public void Random_base64url_after_a_valid_prefix_never_throws_or_hangs()
    {
        var random = new Random(42);
        foreach (var prefix in new[] { "v0.", "v1." })
        {
            for (var i = 0; i < 2000; i++)
            {
                var chars = new char[random.Next(0, 3000)];
                for (var j = 0; j < chars.Length; j++) chars[j] = Base64UrlAlphabet[random.Next(Base64UrlAlphabet.Length)];
                Assert.False(Bounded(prefix + new string(chars)).Success);
            }
        }
    }

    [Fact]
    public void Random_compressed_looking_bytes_never_throw_or_hang()
    {
        // Real headers followed by random bytes reach deep into the decompressors.
        var random = new Random(7);
        var realBody = Base64Url.DecodeFromChars(RealLink.AsSpan(3));
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(1, 4000)];
            random.NextBytes(bytes);
            var keep = Math.Min(bytes.Length, random.Next(0, realBody.Length));
            realBody.AsSpan(0, keep).CopyTo(bytes);
            Assert.False(Bounded("v1." + Base64Url.EncodeToString(bytes)).Success);
            Assert.False(Bounded("v0." + Base64Url.EncodeToString(bytes)).Success);
        }
    }

    [Fact]
    public void Every_truncation_of_a_real_link_fails_cleanly_and_none_opens_something_else()
    {
        foreach (var link in new[] { RealLink, RealV0Link })
        {
            var whole = ScenarioLink.Decode(link).Payload!;
            var opened = 0;
            for (var n = 0; n < link.Length; n++)
            {
                var r = Bounded(link[..n]);
                if (!r.Success) continue;
                // Dropping the last character can drop only padding bits of the final byte: the same state opens.
                opened++;
                Assert.True(n >= link.Length - 2, $"The first {n} of {link.Length} characters opened.");
                Assert.Equal(whole.ScenarioJson, r.Payload!.ScenarioJson);
                Assert.Equal(whole.Page, r.Payload.Page);
            }
            Assert.True(opened <= 1);
        }
    }

    [Fact]
    public void Every_one_character_change_of_a_real_link_fails_cleanly_or_opens_a_valid_scenario()
    {
        var random = new Random(3);
        var opened = 0;
        foreach (var link in new[] { RealLink, RealV0Link })
        {
            for (var i = 3; i < link.Length; i++)
            {
                var chars = link.ToCharArray();
                char c;
                do c = Base64UrlAlphabet[random.Next(Base64UrlAlphabet.Length)]; while (c == chars[i]);
                chars[i] = c;
                var r = Bounded(new string(chars));
                if (r.Success)
                {
                    // Rarely a change lands in a literal and still decompresses: then the scenario passed the parser
                    // (a changed chip or preset id is left for the resolver to report on the page).
                    opened++;
                    Assert.True(Contracts.Scenarios.ScenarioParser.Parse(r.Payload!.ScenarioJson).Success);
                }
            }
        }
        Assert.True(opened < 50, $"{opened} tampered links opened; the checks are too lax.");
    }

    [Fact]
    public void A_brotli_bomb_stops_at_the_cap_quickly_and_in_bounded_memory()
    {
        // 64 MB of JSON-looking text compresses to a few hundred bytes.
        var big = Encoding.UTF8.GetBytes("""{"v":1,"scenario":{"name":""" + "\"" + new string('a', 64 * 1024 * 1024) + "\"}}");
        var compressed = new byte[BrotliEncoder.GetMaxCompressedLength(big.Length)];
        Assert.True(BrotliEncoder.TryCompress(big, compressed, out var written, quality: 5, window: 22));
        var token = "v1." + Base64Url.EncodeToString(compressed.AsSpan(0, written));
        Assert.True(token.Length < ScenarioLink.MaxTokenLength, $"bomb token is {token.Length} characters");

        Bounded(token); // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        var r = ScenarioLink.Decode(token);
        sw.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(ScenarioLinkErrorKind.TooLarge, r.Kind);
        // Memory is the bound that matters (deterministic); the time bound only catches decompressing the whole 64 MB.
        Assert.True(allocated < 4 * ScenarioLink.MaxDecompressedBytes, $"allocated {allocated:N0} bytes");
        Assert.True(sw.Elapsed < PerCase, $"took {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void A_deflate_bomb_in_an_old_format_link_stops_at_the_cap()
    {
        // Deflate tops out near 1000:1, so 12 MB of spaces is about 12 KB: a token that fits under the length cap.
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            deflate.Write(Encoding.ASCII.GetBytes("{\"name\":\""));
            var spaces = new byte[1024 * 1024];
            spaces.AsSpan().Fill((byte)' ');
            for (var i = 0; i < 12; i++) deflate.Write(spaces);
        }
        var token = "v0." + Base64Url.EncodeToString(output.ToArray());
        Assert.True(token.Length < ScenarioLink.MaxTokenLength, $"bomb token is {token.Length} characters");

        var r = Bounded(token);
        Assert.Equal(ScenarioLinkErrorKind.TooLarge, r.Kind);
    }

    [Fact]
    public void A_10_MB_token_is_refused_at_once()
    {
        var token = "v1." + new string('A', 10 * 1024 * 1024);
        var (r, elapsed) = BoundedTimed(token);
        Assert.Equal(ScenarioLinkErrorKind.TooLong, r.Kind);
        // Refused on its length before any decoding (microseconds); the bound only catches a decoder that reads it all.
        Assert.True(elapsed.TotalMilliseconds < 200, $"took {elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void A_payload_just_under_the_cap_is_decoded_and_judged_on_its_content()
    {
        // 250 KB of padding in the name: within the cap, so it is decompressed and parsed; the parser decides.
        var envelope = """{"v":1,"scenario":{"schemaVersion":1,"name":"NAME","model":{"preset":"gpt3-175b"},"training":{"globalBatchSequences":8},"system":{"chip":"a100-sxm-80gb","gpus":8}}}"""
            .Replace("NAME", new string('x', 250 * 1024), StringComparison.Ordinal);
        var r = Bounded(ScenarioLink.EncodeRawV1(Encoding.UTF8.GetBytes(envelope)));
        Assert.NotEqual(ScenarioLinkErrorKind.TooLarge, r.Kind);
        Assert.NotEqual(ScenarioLinkErrorKind.TooLong, r.Kind);
    }
}
