using System.Globalization;
using System.Text;
using System.Text.Json;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Contracts.Json;

/// <summary>
/// The one rule for JSON text that comes from outside (scenario documents, links, custom chips, benchmark results,
/// every API body): <b>a duplicate key is refused</b> (an object that names the same member twice is an error that
/// names the key and its JSON path; no "last one wins"), <b>every string and key must be valid UTF-16</b> (an
/// escape such as <c>"\ud800"</c> that leaves a lone surrogate is an error with its path), and <b>none may hold U+0000</b>
/// (<see cref="NulRule"/>). Readers call
/// <see cref="Check(string)"/> before they parse; syntax errors are left to their own parser, which reports line and
/// position.
/// </summary>
public static class StrictJson
{
    /// <summary>The rule as the documentation and error messages state it.</summary>
    public const string DuplicateKeyRule = "a JSON object may name each key once";

    /// <summary>Why no string may hold U+0000: stored text cannot (PostgreSQL's text type refuses it) and no field means it.</summary>
    public const string NulRule = "U+0000 (NUL, written \\u0000), which no stored text can hold: remove it";

    /// <summary>Most errors an answer lists; the rest are counted in one final entry.</summary>
    public const int MaxListedErrors = 100;

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        // Lenient on syntax on purpose: the caller's own parse reports syntax errors with its line and position.
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 256,
    };

    /// <summary>The first duplicate key or invalid string in <paramref name="json"/>, or null (also for malformed JSON).</summary>
    public static ScenarioError? Check(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Check(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>The first duplicate key or invalid string in UTF-8 JSON, or null (also for malformed JSON).</summary>
    public static ScenarioError? Check(ReadOnlySpan<byte> utf8)
    {
        if (utf8.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        var frames = new List<Frame>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        Advance(frames);
                        frames.Add(new Frame(reader.TokenType == JsonTokenType.StartObject));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                    {
                        var frame = frames[^1];
                        if (!TryGetString(ref reader, out var name))
                        {
                            return new ScenarioError(PathOf(frames),
                                $"the key {Raw(ref reader)} is not valid text: it contains a lone UTF-16 surrogate escape (\\uD800–\\uDFFF without its pair).");
                        }
                        frame.Name = name;
                        if (name.Contains('\0', StringComparison.Ordinal))
                        {
                            return new ScenarioError(PathOf(frames), $"the key {Raw(ref reader)} contains {NulRule}.");
                        }
                        frame.Names ??= new HashSet<string>(StringComparer.Ordinal);
                        if (!frame.Names.Add(name))
                        {
                            return new ScenarioError(PathOf(frames),
                                $"duplicate key \"{Shorten(name)}\": {DuplicateKeyRule}. Remove one of them.");
                        }
                        break;
                    }
                    case JsonTokenType.String:
                        Advance(frames);
                        if (!TryGetString(ref reader, out var text))
                        {
                            return new ScenarioError(PathOf(frames),
                                $"the string {Raw(ref reader)} is not valid text: it contains a lone UTF-16 surrogate escape (\\uD800–\\uDFFF without its pair).");
                        }
                        if (text.Contains('\0', StringComparison.Ordinal))
                        {
                            return new ScenarioError(PathOf(frames), $"the string {Raw(ref reader)} contains {NulRule}.");
                        }
                        break;
                    default:
                        Advance(frames);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }
        return null;
    }

    /// <summary>
    /// The first <see cref="MaxListedErrors"/> errors and, when there are more, a last entry (path <c>$</c>) that says how
    /// many were left out: an answer never grows with the number of mistakes in a body.
    /// </summary>
    public static IReadOnlyList<ScenarioError> Capped(IEnumerable<ScenarioError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var list = new List<ScenarioError>(MaxListedErrors + 1);
        var more = 0;
        foreach (var e in errors)
        {
            if (list.Count < MaxListedErrors) list.Add(e);
            else more++;
        }
        if (more > 0)
        {
            list.Add(new ScenarioError("$", string.Create(CultureInfo.InvariantCulture,
                $"{more:N0} more error{(more == 1 ? "" : "s")} not listed (only the first {MaxListedErrors} are); fix these and send it again.")));
        }
        return list;
    }

    private static bool TryGetString(ref Utf8JsonReader reader, out string value)
    {
        try
        {
            value = reader.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            value = "";
            return false;
        }
    }

    // The token as written (escapes kept), shortened.
    private static string Raw(ref Utf8JsonReader reader)
    {
        var span = reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan.ToArray();
        return "\"" + Shorten(Encoding.UTF8.GetString(span)) + "\"";
    }

    // A value inside an array moves the array's index on.
    private static void Advance(List<Frame> frames)
    {
        if (frames.Count > 0 && !frames[^1].IsObject) frames[^1].Index++;
    }

    private static string PathOf(List<Frame> frames)
    {
        var sb = new StringBuilder("$");
        foreach (var f in frames)
        {
            if (f.IsObject)
            {
                if (f.Name is null) continue;
                if (f.Name.Length > 0 && f.Name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')) sb.Append('.').Append(Shorten(f.Name));
                else sb.Append("[\"").Append(Shorten(f.Name).Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\"]");
            }
            else if (f.Index >= 0)
            {
                sb.Append('[').Append(f.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
        }
        return sb.ToString();
    }

    private static string Shorten(string s) => Shorten(s, 60);

    /// <summary>
    /// At most <paramref name="max"/> characters of <paramref name="s"/> and "…" when cut; never cuts a surrogate pair
    /// in two (a lone half would make the message itself invalid text).
    /// </summary>
    public static string Shorten(string s, int max)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (s.Length <= max) return s;
        var cut = max > 0 && char.IsHighSurrogate(s[max - 1]) ? max - 1 : max;
        return s[..cut] + "…";
    }

    private sealed class Frame(bool isObject)
    {
        public bool IsObject { get; } = isObject;
        public int Index { get; set; } = -1;
        public string? Name { get; set; }
        public HashSet<string>? Names { get; set; }
    }
}

/// <summary>The one wording of a JSON syntax error for people: where it is (line and position from 1) and what the parser
/// expected, without the parser's own zero-based "LineNumber: … | BytePositionInLine: …" and "Path: …" tail.</summary>
public static class JsonSyntaxError
{
    /// <summary>"Malformed JSON at line 3, position 14: '}' is invalid after a property name."</summary>
    public static string Describe(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var reason = exception.Message;
        foreach (var tail in (string[])[" LineNumber:", " Path:"])
        {
            var cut = reason.IndexOf(tail, StringComparison.Ordinal);
            if (cut > 0) reason = reason[..cut];
        }
        reason = reason.Trim();
        var where = exception.LineNumber is { } line
            ? string.Create(CultureInfo.InvariantCulture, $" at line {line + 1}, position {(exception.BytePositionInLine ?? 0) + 1}")
            : "";
        return $"Malformed JSON{where}: {reason}";
    }
}
