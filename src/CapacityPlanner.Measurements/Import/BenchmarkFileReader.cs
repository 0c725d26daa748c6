using System.Globalization;
using System.Text;
using System.Text.Json;
using CapacityPlanner.Contracts.Json;

namespace CapacityPlanner.Measurements.Import;


/// <summary>What an uploaded file is.</summary>
public enum BenchmarkFileKind
{
    /// <summary>Detect it from the content.</summary>
    Auto,

    /// <summary>A <c>capplan bench</c> result document (or one written by <c>capplan bench import</c>).</summary>
    Result,

    /// <summary>nccl-tests output (text or the <c>-J</c> JSON report).</summary>
    NcclTests,

    /// <summary>nvbandwidth output (text or the <c>-j</c> JSON).</summary>
    Nvbandwidth,

    /// <summary>A mamf-finder.py log.</summary>
    MamfFinder,
}

/// <summary>A file read into a result document, or why it could not be.</summary>
/// <param name="Kind">What the file was read as (<see cref="BenchmarkFileKind.Auto"/> when it was not recognised).</param>
/// <param name="Result">The document; null on error.</param>
/// <param name="DocumentJson">The JSON to store (a result document as uploaded, an import serialised); null on error.</param>
/// <param name="Errors">Why the file was refused, each naming the file (and the line where it is known); empty when read.</param>
/// <param name="Warnings">What the importer noticed (kept in the document too).</param>
public sealed record BenchmarkFileRead(
    BenchmarkFileKind Kind, BenchResult? Result, string? DocumentJson, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings)
{
    /// <summary>True when the file became a document.</summary>
    public bool Ok => Result is not null && DocumentJson is not null;

    internal static BenchmarkFileRead Fail(BenchmarkFileKind kind, params string[] errors) => new(kind, null, null, errors, []);
}

/// <summary>
/// Reads an uploaded file as a <c>capplan bench</c> result document or another tool's output (nccl-tests,
/// nvbandwidth, mamf-finder, through Core's <see cref="BenchImporter"/>): detects which from the content unless told,
/// and words every problem with the file name and, where it is known, the line (JSON syntax errors, type errors and
/// the checks of <see cref="BenchResultJson.Validate"/>, whose JSON paths are looked up in the text).
/// </summary>
public static class BenchmarkFileReader
{
    private const string Invalid = "invalid benchmark result document: ";

    /// <summary>Kinds in the order the page offers them.</summary>
    public static IReadOnlyList<BenchmarkFileKind> Kinds { get; } =
        [BenchmarkFileKind.Auto, BenchmarkFileKind.Result, BenchmarkFileKind.NcclTests, BenchmarkFileKind.Nvbandwidth, BenchmarkFileKind.MamfFinder];

    /// <summary>How the page names a kind.</summary>
    public static string Label(BenchmarkFileKind kind) => kind switch
    {
        BenchmarkFileKind.Auto => "Auto-detect",
        BenchmarkFileKind.Result => "capplan result",
        BenchmarkFileKind.NcclTests => BenchSources.NcclTests,
        BenchmarkFileKind.Nvbandwidth => BenchSources.Nvbandwidth,
        BenchmarkFileKind.MamfFinder => BenchSources.MamfFinder,
        _ => kind.ToString(),
    };

    /// <summary>The importer's tool name of a kind; null for result documents.</summary>
    public static string? Tool(BenchmarkFileKind kind) => kind switch
    {
        BenchmarkFileKind.NcclTests => BenchSources.NcclTests,
        BenchmarkFileKind.Nvbandwidth => BenchSources.Nvbandwidth,
        BenchmarkFileKind.MamfFinder => BenchSources.MamfFinder,
        _ => null,
    };

    /// <summary>
    /// What a text is, from its content: a JSON object with <c>nvbandwidth</c> → nvbandwidth, with a <c>results</c>
    /// list and no <c>schemaVersion</c> → nccl-tests (<c>-J</c>), any other JSON → a result document; text with
    /// nvbandwidth's version or test lines → nvbandwidth, mamf-finder's markers → mamf-finder, nccl-tests' header,
    /// column titles or <c>*_perf</c> program → nccl-tests; <see cref="BenchmarkFileKind.Auto"/> when nothing matches.
    /// </summary>
    public static BenchmarkFileKind Detect(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (LooksJson(text))
        {
            var trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
            try
            {
                if (StrictJson.Check(trimmed) is not null) return BenchmarkFileKind.Result;
                using var doc = JsonDocument.Parse(trimmed, DocumentOptions);
                return DetectJson(doc.RootElement);
            }
            catch (JsonException)
            {
                return BenchmarkFileKind.Result;
            }
        }
        return DetectText(text);
    }

    // An object, or an array that is not a launcher-tagged log ("[1,0]<stdout>: # nccl-tests …").
    private static bool LooksJson(string text)
    {
        var trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        return trimmed.StartsWith('{') || (trimmed.StartsWith('[') && DetectText(text) == BenchmarkFileKind.Auto);
    }

    private static BenchmarkFileKind DetectJson(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) return BenchmarkFileKind.Result;
        if (root.TryGetProperty("schemaVersion", out _)) return BenchmarkFileKind.Result;
        if (root.TryGetProperty("nvbandwidth", out var nv) && nv.ValueKind == JsonValueKind.Object) return BenchmarkFileKind.Nvbandwidth;
        if (root.TryGetProperty("results", out var results) && results.ValueKind == JsonValueKind.Array) return BenchmarkFileKind.NcclTests;
        return BenchmarkFileKind.Result;
    }

    private static BenchmarkFileKind DetectText(string text)
    {
        bool nvbandwidth = false, nvRunning = false, nvSum = false, mamf = false, nccl = false, ncclHeader = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim().TrimStart('-', ' ');
            // Launcher prefixes ("[1,0]<stdout>:", "0: ") in front of nccl-tests lines.
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            var body = hash >= 0 ? line[(hash + 1)..].Trim() : line;
            if (line.StartsWith("nvbandwidth Version", StringComparison.Ordinal)) nvbandwidth = true;
            else if (line.StartsWith("Running ", StringComparison.Ordinal) && line.EndsWith('.') && line.Contains('_', StringComparison.Ordinal)) nvRunning = true;
            else if (line.StartsWith("SUM ", StringComparison.Ordinal)) nvSum = true;
            if (line.StartsWith("** Dtype:", StringComparison.Ordinal) || line.Contains("mamf-finder", StringComparison.OrdinalIgnoreCase)
                || line.StartsWith("MAMF (", StringComparison.Ordinal) || line.StartsWith("MSMF (", StringComparison.Ordinal)
                || line.Contains("_CudaDeviceProperties(", StringComparison.Ordinal) || line.Contains("(median)", StringComparison.Ordinal))
            {
                mamf = true;
            }
            if (body.StartsWith("nccl-tests version", StringComparison.Ordinal) || body.StartsWith("nThread ", StringComparison.Ordinal)
                || body.StartsWith("Collective test starting", StringComparison.Ordinal) || line.Contains("_perf", StringComparison.Ordinal))
            {
                nccl = true;
            }
            if (hash >= 0)
            {
                var tokens = body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (tokens.Contains("size") && tokens.Contains("count") && tokens.Contains("type") && tokens.Contains("busbw")) ncclHeader = true;
            }
        }
        if (nvbandwidth || (nvRunning && nvSum)) return BenchmarkFileKind.Nvbandwidth;
        if (mamf) return BenchmarkFileKind.MamfFinder;
        if (nccl || ncclHeader) return BenchmarkFileKind.NcclTests;
        return BenchmarkFileKind.Auto;
    }

    /// <summary>Reads a file's text as <paramref name="kind"/> (detected when <see cref="BenchmarkFileKind.Auto"/>).</summary>
    /// <param name="fileName">Name used in messages and recorded by the importers.</param>
    /// <param name="text">The file's content.</param>
    /// <param name="kind">What it is, or Auto.</param>
    public static BenchmarkFileRead Read(string fileName, string text, BenchmarkFileKind kind = BenchmarkFileKind.Auto)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(text);
        if (text.Trim('\uFEFF', ' ', '\t', '\r', '\n').Length == 0) return BenchmarkFileRead.Fail(kind, $"{fileName} is empty.");
        if (text.Contains('\0', StringComparison.Ordinal)) return BenchmarkFileRead.Fail(kind, $"{fileName} is not a text file.");

        if (LooksJson(text) && kind is BenchmarkFileKind.Auto or BenchmarkFileKind.Result or BenchmarkFileKind.NcclTests or BenchmarkFileKind.Nvbandwidth)
        {
            // The syntax first, so that a broken file gets the line of its first error whatever it is meant to be.
            try
            {
                using var doc = JsonDocument.Parse(text.TrimStart('\uFEFF'), DocumentOptions);
                if (StrictJson.Check(text) is { } invalid) return BenchmarkFileRead.Fail(kind, $"{fileName}: {invalid.Path}: {invalid.Message}");
                if (kind == BenchmarkFileKind.Auto) kind = DetectJson(doc.RootElement);
            }
            catch (JsonException ex)
            {
                return BenchmarkFileRead.Fail(kind == BenchmarkFileKind.Auto ? BenchmarkFileKind.Result : kind, JsonError(fileName, ex));
            }
        }
        else if (kind == BenchmarkFileKind.Auto)
        {
            kind = DetectText(text);
            if (kind == BenchmarkFileKind.Auto)
            {
                return BenchmarkFileRead.Fail(kind,
                    $"{fileName}: not recognised as a capplan result, nccl-tests, nvbandwidth or mamf-finder output; pick its kind and upload it again.");
            }
        }

        return kind == BenchmarkFileKind.Result ? ReadResult(fileName, text) : ReadImport(fileName, text, kind);
    }

    private static BenchmarkFileRead ReadResult(string fileName, string text)
    {
        BenchResult result;
        try
        {
            result = BenchResultJson.Deserialize(text.TrimStart('\uFEFF'));
        }
        catch (BenchResultFormatException ex)
        {
            if (ex.InnerException is JsonException json) return BenchmarkFileRead.Fail(BenchmarkFileKind.Result, JsonError(fileName, json));
            if (ex.Message.StartsWith(Invalid, StringComparison.Ordinal))
            {
                var errors = ex.Message[Invalid.Length..].Split("; ").Select(part => PathError(fileName, text, part)).ToArray();
                return BenchmarkFileRead.Fail(BenchmarkFileKind.Result, errors);
            }
            return BenchmarkFileRead.Fail(BenchmarkFileKind.Result, $"{fileName}: {ex.Message}");
        }
        if (IsEmpty(result))
        {
            return BenchmarkFileRead.Fail(BenchmarkFileKind.Result, $"no results found in {fileName} (is it a capplan bench result?)");
        }
        return new BenchmarkFileRead(BenchmarkFileKind.Result, result, text, [], []);
    }

    private static BenchmarkFileRead ReadImport(string fileName, string text, BenchmarkFileKind kind)
    {
        var tool = Tool(kind)!;
        BenchResult result;
        try
        {
            result = BenchImporter.Import(tool, text, fileName);
        }
        catch (JsonException ex)
        {
            return BenchmarkFileRead.Fail(kind, JsonError(fileName, ex));
        }
        catch (FormatException ex)
        {
            return BenchmarkFileRead.Fail(kind, ex.InnerException is JsonException json ? JsonError(fileName, json) : $"{fileName}: {ex.Message}");
        }
        catch (ArgumentException ex)
        {
            return BenchmarkFileRead.Fail(kind, $"{fileName}: {ex.Message}");
        }
        if (IsEmpty(result)) return BenchmarkFileRead.Fail(kind, $"no {tool} results found in {fileName} (is it {tool} output?)");
        // The importers name the lines they skipped in their own warnings.
        return new BenchmarkFileRead(kind, result, BenchResultJson.Serialize(result), [], result.Warnings.ToList());
    }

    private static bool IsEmpty(BenchResult r) => !BenchResultJson.HasMeasurements(r);

    /// <summary>"r.json: line 12, position 5: '}' is invalid after a value." (lines and positions counted from 1).</summary>
    internal static string JsonError(string fileName, JsonException ex)
    {
        var message = ex.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut].TrimEnd(' ', '|');
        var path = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "" : $" ({ex.Path})";
        return ex.LineNumber is { } line
            ? $"{fileName}: line {(line + 1).ToString(CultureInfo.InvariantCulture)}, position {((ex.BytePositionInLine ?? 0) + 1).ToString(CultureInfo.InvariantCulture)}{path}: {message}"
            : $"{fileName}{path}: {message}";
    }

    /// <summary>"r.json: line 3: $.backend: …" for a check of <see cref="BenchResultJson.Validate"/>.</summary>
    private static string PathError(string fileName, string json, string part)
    {
        var colon = part.IndexOf(": ", StringComparison.Ordinal);
        if (part.StartsWith('$') && colon > 0 && LineOf(json, part[..colon]) is { } line)
        {
            return $"{fileName}: line {line.ToString(CultureInfo.InvariantCulture)}: {part}";
        }
        return $"{fileName}: {part}";
    }

    /// <summary>
    /// The 1-based line where the value at a JSON path (<c>$.a.b[2].c</c>, as the contracts' checks name them) starts in
    /// <paramref name="json"/>: the line of its property name, or of the array element; null when it is not there.
    /// </summary>
    public static int? LineOf(string json, string path)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(path);
        var bytes = Encoding.UTF8.GetBytes(json);
        var start = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        var reader = new Utf8JsonReader(bytes.AsSpan(start), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var stack = new List<Frame>();
        string? property = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = stack[^1].Path + "." + reader.GetString();
                        if (property == path) return Line(bytes, start + (int)reader.TokenStartIndex);
                        break;
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                    {
                        var here = ValuePath();
                        if (here == path) return Line(bytes, start + (int)reader.TokenStartIndex);
                        stack.Add(new Frame(here, reader.TokenType == JsonTokenType.StartArray));
                        break;
                    }
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        stack.RemoveAt(stack.Count - 1);
                        break;
                    default:
                        if (ValuePath() == path) return Line(bytes, start + (int)reader.TokenStartIndex);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Malformed after the part that was read: the path is not there.
        }
        return null;

        string ValuePath()
        {
            if (stack.Count == 0) return "$";
            var top = stack[^1];
            if (top.IsArray) return $"{top.Path}[{(top.Index++).ToString(CultureInfo.InvariantCulture)}]";
            var p = property ?? top.Path;
            property = null;
            return p;
        }
    }

    private static int Line(byte[] bytes, int index)
    {
        var line = 1;
        for (var i = 0; i < index && i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n') line++;
        }
        return line;
    }

    private sealed class Frame(string path, bool isArray)
    {
        public string Path { get; } = path;
        public bool IsArray { get; } = isArray;
        public int Index { get; set; }
    }

    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
}
