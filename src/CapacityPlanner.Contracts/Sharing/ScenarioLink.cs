using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CapacityPlanner.Contracts.Json;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Contracts.Sharing;

/// <summary>
/// Packs a page's state (a scenario document plus page settings) into a URL-safe token, <c>v1.&lt;base64url&gt;</c>,
/// for links such as <c>/?s=v1.G2kA…</c>, and unpacks it again. Pure: no I/O, no clock, no randomness.
/// </summary>
/// <remarks>
/// <para>Format v1: <c>"v1."</c> + base64url (RFC 4648 §5, no padding) of the Brotli-compressed UTF-8 JSON envelope
/// <c>{"v":1,"scenario":{…},"page":{"key":"value",…}}</c>. The scenario is canonical compact JSON (re-serialised, no
/// whitespace or comments); page keys are written in ordinal order, so equal states give equal tokens.</para>
/// <para>Older formats are migrated on the way in (<see cref="ScenarioLinkMigrations"/>); v0 is the bare scenario
/// document, deflate-compressed, with no envelope.</para>
/// <para>Decoding never throws and never hangs: the token is capped at <see cref="MaxTokenLength"/> characters, the
/// decompressed payload at <see cref="MaxDecompressedBytes"/> bytes (counted while decompressing, so a bomb stops
/// early), JSON nesting at 64 levels; anything else wrong comes back as a <see cref="ScenarioLinkResult"/> with a
/// message that can be shown as is.</para>
/// </remarks>
public static class ScenarioLink
{
    /// <summary>The format version this build writes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Longest token accepted, in characters (a typical scenario makes a token of 300–600).</summary>
    public const int MaxTokenLength = 16 * 1024;

    /// <summary>Largest decompressed payload accepted, in bytes.</summary>
    public const int MaxDecompressedBytes = 256 * 1024;

    /// <summary>Most page settings a link carries.</summary>
    public const int MaxPageSettings = 64;

    /// <summary>Longest page-setting key.</summary>
    public const int MaxPageKeyLength = 64;

    /// <summary>Longest page-setting value.</summary>
    public const int MaxPageValueLength = 4096;

    /// <summary>Name of the query parameter that carries the token (<c>?s=v1.…</c>).</summary>
    public const string QueryParameter = "s";

    private const int MaxJsonDepth = 64;
    private static readonly System.Buffers.SearchValues<char> Base64UrlAlphabet =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly JsonDocumentOptions ReadOptions = new()
    {
        MaxDepth = MaxJsonDepth,
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = false,
        AllowDuplicateProperties = false,
    };

    /// <summary>
    /// Encodes a scenario document and page settings as a link token. Throws <see cref="ArgumentException"/> when the
    /// scenario is not a valid scenario document, a page setting breaks the limits, or the token would be longer
    /// than <see cref="MaxTokenLength"/>.
    /// </summary>
    /// <param name="scenarioJson">The scenario document (JSON text; comments and whitespace are dropped).</param>
    /// <param name="pageSettings">Page settings to restore with it (keys: letters, digits, <c>.</c>, <c>_</c>, <c>-</c>).</param>
    public static string Encode(string scenarioJson, IReadOnlyDictionary<string, string>? pageSettings = null)
    {
        ArgumentNullException.ThrowIfNull(scenarioJson);
        return TryEncode(scenarioJson, pageSettings, out var token, out var error)
            ? token
            : throw new ArgumentException(error, nameof(scenarioJson));
    }

    /// <summary>Encodes like <see cref="Encode"/>, returning false with a message instead of throwing.</summary>
    public static bool TryEncode(
        string scenarioJson,
        IReadOnlyDictionary<string, string>? pageSettings,
        [NotNullWhen(true)] out string? token,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(scenarioJson);
        token = null;
        if (!TryCanonicalize(scenarioJson, out var canonical, out error)) return false;
        var parsed = ScenarioParser.Parse(canonical);
        if (!parsed.Success)
        {
            error = "The scenario is not valid: " + Summarize(parsed.Errors);
            return false;
        }
        var page = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (pageSettings is not null)
        {
            foreach (var (key, value) in pageSettings) page[key] = value;
        }
        if (PageProblem(page) is { } pageError)
        {
            error = pageError;
            return false;
        }

        var envelope = new ArrayBufferWriterStream();
        using (var w = new Utf8JsonWriter(envelope))
        {
            w.WriteStartObject();
            w.WriteNumber("v", CurrentVersion);
            w.WritePropertyName("scenario");
            w.WriteRawValue(canonical, skipInputValidation: true);
            if (page.Count > 0)
            {
                w.WriteStartObject("page");
                foreach (var (key, value) in page) w.WriteString(key, value);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        if (envelope.Length > MaxDecompressedBytes)
        {
            error = $"The scenario and page settings take {envelope.Length:N0} bytes; a link holds at most {MaxDecompressedBytes:N0}. Save the scenario instead and share its short link.";
            return false;
        }
        var text = Prefix(CurrentVersion) + Base64Url.EncodeToString(BoundedCompression.Brotli(envelope.Written));
        if (text.Length > MaxTokenLength)
        {
            error = $"The link would be {text.Length:N0} characters; links hold at most {MaxTokenLength:N0}. Save the scenario instead and share its short link.";
            return false;
        }
        token = text;
        return true;
    }

    /// <summary>Decodes a token; never throws (a null or empty token is reported like any other bad link).</summary>
    public static ScenarioLinkResult Decode(string? token)
    {
        try
        {
            return DecodeCore(token);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidDataException or DecoderFallbackException
                                       or ArgumentException or InvalidOperationException or OverflowException)
        {
            // Every expected failure is handled in DecodeCore; this is the backstop that keeps the promise.
            return ScenarioLinkResult.Fail(ScenarioLinkErrorKind.InvalidPayload, "This link is damaged and cannot be opened.");
        }
    }

    /// <summary>Decodes a token; false with a friendly message instead of throwing.</summary>
    public static bool TryDecode(string? token, [NotNullWhen(true)] out ScenarioLinkPayload? payload, [NotNullWhen(false)] out string? error)
    {
        var result = Decode(token);
        payload = result.Payload;
        error = result.Error;
        if (payload is null)
        {
            error ??= "This link cannot be opened.";
            return false;
        }
        return true;
    }

    /// <summary>
    /// Re-serialises JSON as canonical compact text: no whitespace or comments, strings escaped the same way every
    /// time, property order and number text kept. Duplicate property names and nesting deeper than 64 are refused.
    /// </summary>
    public static bool TryCanonicalize(string json, [NotNullWhen(true)] out string? canonical, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(json);
        canonical = null;
        if (StrictJson.Check(json) is { } invalid)
        {
            error = $"{invalid.Path}: {invalid.Message}";
            return false;
        }
        try
        {
            using var doc = JsonDocument.Parse(json, ReadOptions);
            canonical = Compact(doc.RootElement);
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            error = Json.JsonSyntaxError.Describe(ex);
            return false;
        }
    }

    /// <summary>Checks page settings against the limits a link imposes; null when they are fine, else what is wrong.</summary>
    public static string? CheckPageSettings(IReadOnlyDictionary<string, string> pageSettings)
    {
        ArgumentNullException.ThrowIfNull(pageSettings);
        return PageProblem(pageSettings);
    }

    /// <summary>Version-0 token of a bare scenario document (the first link format; kept to test migrations).</summary>
    internal static string EncodeV0(string scenarioJson) =>
        Prefix(0) + Base64Url.EncodeToString(BoundedCompression.Deflate(Encoding.UTF8.GetBytes(scenarioJson)));

    /// <summary>A v1 token of arbitrary envelope bytes (for tests of hand-made payloads).</summary>
    internal static string EncodeRawV1(ReadOnlySpan<byte> envelopeUtf8) =>
        Prefix(1) + Base64Url.EncodeToString(BoundedCompression.Brotli(envelopeUtf8));

    private static string Prefix(int version) => string.Create(CultureInfo.InvariantCulture, $"v{version}.");

    private static ScenarioLinkResult DecodeCore(string? token)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return ScenarioLinkResult.Fail(ScenarioLinkErrorKind.Empty, "The link has no scenario in it.");
        }
        if (token.Length > MaxTokenLength)
        {
            return ScenarioLinkResult.Fail(ScenarioLinkErrorKind.TooLong,
                $"This link is too long to be a scenario link ({token.Length:N0} characters; they hold at most {MaxTokenLength:N0}).");
        }
        var text = token.AsSpan().Trim();

        // Version prefix: 'v', 1–4 digits, '.'.
        var dot = text.IndexOf('.');
        if (text.Length < 3 || text[0] != 'v' || dot < 2 || dot > 5 || !int.TryParse(text[1..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return ScenarioLinkResult.Fail(ScenarioLinkErrorKind.Malformed,
                "This is not a scenario link (it should start with a version such as \"v1.\"). It may have been copied incompletely.");
        }
        if (version > CurrentVersion)
        {
            return ScenarioLinkResult.Fail(ScenarioLinkErrorKind.UnsupportedVersion,
                $"This link was made by a newer version of CapacityPlanner (link format v{version}); this version opens formats up to v{CurrentVersion}.");
        }
        var format = ScenarioLinkMigrations.Formats[version];

        // Body: base64url, padding tolerated.
        var body = text[(dot + 1)..].TrimEnd('=');
        if (body.IsEmpty || body.ContainsAnyExcept(Base64UrlAlphabet))
        {
            return ScenarioLinkResult.Fail(ScenarioLinkErrorKind.Malformed,
                "This link is damaged: it contains characters that links never contain. It may have been altered or copied incompletely.");
        }
        if (!Base64Url.IsValid(body, out var byteCount))
        {
            // Every character belongs in a link but the length cannot be whole bytes: characters are missing (most likely
            // at the end, cut off when copied) or were changed.
            return ScenarioLinkResult.Fail(ScenarioLinkErrorKind.Truncated,
                "This link is incomplete or damaged: it was probably cut off when it was copied. Ask for the whole link.");
        }
        var compressed = new byte[byteCount];
        if (Base64Url.DecodeFromChars(body, compressed, out _, out var decoded) != System.Buffers.OperationStatus.Done)
        {
            return ScenarioLinkResult.Fail(ScenarioLinkErrorKind.Malformed, "This link is damaged and cannot be opened.");
        }
        compressed = compressed[..decoded];

        var status = format.Compression == LinkCompression.Brotli
            ? BoundedCompression.UnBrotli(compressed, MaxDecompressedBytes, out var json)
            : BoundedCompression.Inflate(compressed, MaxDecompressedBytes, out json);
        switch (status)
        {
            case InflateStatus.TooLarge:
                return ScenarioLinkResult.Fail(ScenarioLinkErrorKind.TooLarge,
                    $"This link expands to more than {MaxDecompressedBytes / 1024:N0} KB, far more than any scenario; it was not opened.");
            case InflateStatus.Truncated:
                return ScenarioLinkResult.Fail(ScenarioLinkErrorKind.Truncated,
                    "This link is incomplete: it was probably cut off when it was copied. Ask for the whole link.");
            case InflateStatus.Corrupt:
                return ScenarioLinkResult.Fail(ScenarioLinkErrorKind.Malformed,
                    "This link is damaged (its data does not decompress). It may have been altered or copied incompletely.");
        }

        JsonNode? node;
        try
        {
            _ = StrictUtf8.GetCharCount(json); // invalid UTF-8 is damage, not a JSON question
            if (StrictJson.Check(json) is not null) return InvalidPayload(version, "it is not readable JSON");
            node = JsonNode.Parse(json, documentOptions: ReadOptions);
        }
        catch (Exception ex) when (ex is JsonException or DecoderFallbackException or ArgumentException)
        {
            return InvalidPayload(version, "it is not readable JSON");
        }
        if (node is null) return InvalidPayload(version, "it is empty");
        if (version == 0 && node is not JsonObject)
        {
            return InvalidPayload(version, "its scenario is not a JSON object");
        }

        if (version != CurrentVersion)
        {
            if (version != 0 && !VersionMatches(node, version)) return InvalidPayload(version, $"its envelope does not say v{version}");
            node = ScenarioLinkMigrations.ToCurrent(node, version);
        }
        return ReadEnvelope(node, version);
    }

    private static ScenarioLinkResult ReadEnvelope(JsonNode node, int sourceVersion)
    {
        if (node is not JsonObject envelope) return InvalidPayload(sourceVersion, "it is not a JSON object");
        if (!VersionMatches(envelope, CurrentVersion)) return InvalidPayload(sourceVersion, $"its envelope does not say v{CurrentVersion}");
        foreach (var (key, _) in envelope)
        {
            if (key is not ("v" or "scenario" or "page")) return InvalidPayload(sourceVersion, $"it has an unexpected field \"{Shorten(key, 40)}\"");
        }
        if (envelope["scenario"] is not JsonObject scenario) return InvalidPayload(sourceVersion, "it has no scenario object");

        var page = new SortedDictionary<string, string>(StringComparer.Ordinal);
        switch (envelope["page"])
        {
            case null:
                break;
            case JsonObject settings:
                foreach (var (key, value) in settings)
                {
                    if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
                    {
                        return InvalidPayload(sourceVersion, $"its page setting \"{Shorten(key, 40)}\" is not text");
                    }
                    page[key] = v.GetValue<string>();
                }
                break;
            default:
                return InvalidPayload(sourceVersion, "its page settings are not an object");
        }
        if (PageProblem(page) is { } pageError) return InvalidPayload(sourceVersion, pageError);

        var canonical = scenario.ToJsonString();
        var parsed = ScenarioParser.Parse(canonical);
        if (!parsed.Success)
        {
            return ScenarioLinkResult.Fail(ScenarioLinkErrorKind.InvalidScenario,
                "The scenario in this link is not valid: " + Summarize(parsed.Errors), parsed.Errors);
        }
        return new ScenarioLinkResult(new ScenarioLinkPayload(canonical, page, sourceVersion, parsed.Document!),
            ScenarioLinkErrorKind.None, null, []);
    }

    private static bool VersionMatches(JsonNode node, int version) =>
        node is JsonObject o && o["v"] is JsonValue v && v.GetValueKind() == JsonValueKind.Number
        && v.TryGetValue<int>(out var n) && n == version;

    private static ScenarioLinkResult InvalidPayload(int version, string why) =>
        ScenarioLinkResult.Fail(ScenarioLinkErrorKind.InvalidPayload,
            $"This link is damaged and cannot be opened ({why}; format v{version}).");

    private static string? PageProblem(IReadOnlyDictionary<string, string> page)
    {
        if (page.Count > MaxPageSettings) return $"there are {page.Count} page settings; at most {MaxPageSettings} are allowed.";
        foreach (var (key, value) in page)
        {
            if (key.Length is 0 or > MaxPageKeyLength || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return $"page setting key \"{Shorten(key, 40)}\" must be 1 to {MaxPageKeyLength} letters, digits, '.', '_' or '-'.";
            }
            if (value is null || value.Length > MaxPageValueLength)
            {
                return $"page setting \"{key}\" must be text of at most {MaxPageValueLength:N0} characters.";
            }
        }
        return null;
    }

    private static string Compact(JsonElement element)
    {
        var buffer = new ArrayBufferWriterStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            element.WriteTo(w);
        }
        return Encoding.UTF8.GetString(buffer.Written);
    }

    private static string Summarize(IReadOnlyList<ScenarioError> errors)
    {
        const int Shown = 5;
        var text = string.Join("; ", errors.Take(Shown).Select(e => $"{e.Path}: {e.Message}"));
        return errors.Count > Shown ? $"{text}; and {errors.Count - Shown} more." : text;
    }

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..max] + "…";

    /// <summary>A growable in-memory stream whose contents can be read as a span without copying.</summary>
    private sealed class ArrayBufferWriterStream : MemoryStream
    {
        public ReadOnlySpan<byte> Written => GetBuffer().AsSpan(0, (int)Length);
    }
}
