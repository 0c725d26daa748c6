using System.Text.Json;
using System.Text.Json.Serialization;
using CapacityPlanner.Contracts.Json;

namespace CapacityPlanner.Measurements;

/// <summary>A benchmark result document that could not be read.</summary>
public sealed class BenchResultFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BenchResultFormatException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>Creates the exception.</summary>
    public BenchResultFormatException() : base("Invalid benchmark result document.") { }

    /// <summary>Creates the exception.</summary>
    public BenchResultFormatException(string message) : base(message) { }
}

/// <summary>
/// Reads and writes <see cref="BenchResult"/> documents (camelCase, nulls omitted). Uses System.Text.Json source
/// generation, so it is safe in trimmed and native-AOT builds.
/// </summary>
public static class BenchResultJson
{
    /// <summary>Serialises a result.</summary>
    public static string Serialize(BenchResult result, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(result);
        return JsonSerializer.Serialize(result, indented ? BenchJsonContext.Default.BenchResult : BenchJsonContextCompact.Default.BenchResult);
    }

    /// <summary>Serialises a result as UTF-8 bytes.</summary>
    public static byte[] SerializeToUtf8(BenchResult result, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(result);
        return JsonSerializer.SerializeToUtf8Bytes(result, indented ? BenchJsonContext.Default.BenchResult : BenchJsonContextCompact.Default.BenchResult);
    }

    /// <summary>Reads a result; throws <see cref="BenchResultFormatException"/> with the position of the problem.</summary>
    public static BenchResult Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (StrictJson.Check(json) is { } invalid) throw new BenchResultFormatException($"invalid benchmark result document: {invalid.Path}: {invalid.Message}");
        BenchResult? result;
        try
        {
            result = JsonSerializer.Deserialize(json, BenchJsonContext.Default.BenchResult);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1}, path {ex.Path})" : "";
            throw new BenchResultFormatException($"not a benchmark result document: {FirstSentence(ex.Message)}{where}", ex);
        }
        if (result is null) throw new BenchResultFormatException("not a benchmark result document: the JSON is null.");
        // After the typed read (which reports syntax and type errors with line and path): the defaults it filled in must not
        // pass for what the producer never said.
        var errors = Validate(result);
        if (MissingRequired(json) is { Count: > 0 } missing)
        {
            errors = [.. missing.Select(m => $"$.{m}: is required"), .. errors,
                $"every result document names {string.Join(", ", RequiredMembers)}, as `capplan bench` writes them (wwwroot/schemas/bench-result-v1.schema.json)."];
        }
        if (errors.Count > 0) throw new BenchResultFormatException("invalid benchmark result document: " + string.Join("; ", errors));
        return result;
    }

    /// <summary>
    /// Whether a result holds any measurement (GEMMs, memory, host transfers, collectives or transfer matrices): the one rule
    /// by which the dashboard's upload, <c>POST /api/benchmarks</c> and the importers refuse a document with nothing to store.
    /// </summary>
    public static bool HasMeasurements(BenchResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return r.Gemm.Count + r.Memory.Count + r.HostTransfers.Count + r.Collectives.Count + r.TransferMatrices.Count > 0;
    }

    /// <summary>The members every result document names (the schema's <c>required</c>): without them the reader's defaults
    /// would stand in for what the producer never said.</summary>
    public static readonly IReadOnlyList<string> RequiredMembers = ["schemaVersion", "source", "createdUtc", "backend"];

    private static List<string>? MissingRequired(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return null; // the typed reader reports the wrong kind
            return [.. RequiredMembers.Where(m => !doc.RootElement.TryGetProperty(m, out var v) || v.ValueKind == JsonValueKind.Null)];
        }
        catch (JsonException)
        {
            return null; // malformed: the typed reader reports it with line and position
        }
    }

    /// <summary>Reads a result; false with a message instead of an exception.</summary>
    public static bool TryDeserialize(string json, out BenchResult? result, out string? error)
    {
        try
        {
            result = Deserialize(json);
            error = null;
            return true;
        }
        catch (BenchResultFormatException ex)
        {
            result = null;
            error = ex.Message;
            return false;
        }
    }

    /// <summary>Semantic checks beyond the JSON shape: version, producer, non-negative figures.</summary>
    public static IReadOnlyList<string> Validate(BenchResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var errors = new List<string>();
        if (r.SchemaVersion != BenchResult.CurrentSchemaVersion)
        {
            errors.Add($"$.schemaVersion: {r.SchemaVersion} is not supported; this build reads version {BenchResult.CurrentSchemaVersion}.");
        }
        if (string.IsNullOrWhiteSpace(r.Source)) errors.Add("$.source: is required.");
        if (r.Suites.Count > BenchResult.KnownSuites.Count)
        {
            errors.Add($"$.suites: has {r.Suites.Count:N0} entries; a result names each of {string.Join(", ", BenchResult.KnownSuites)} at most once.");
        }
        else
        {
            for (var i = 0; i < r.Suites.Count; i++)
            {
                if (!BenchResult.KnownSuites.Contains(r.Suites[i], StringComparer.Ordinal))
                    errors.Add($"$.suites[{i}]: \"{StrictJson.Shorten(r.Suites[i] ?? "null", 40)}\" is not a suite; known: {string.Join(", ", BenchResult.KnownSuites)}.");
            }
        }
        Limit(errors, "devices", r.Devices.Count, BenchResult.MaxDevices);
        Limit(errors, "libraries", r.Libraries.Count, BenchResult.MaxListEntries);
        Limit(errors, "gemm", r.Gemm.Count, BenchResult.MaxMeasurements);
        Limit(errors, "memory", r.Memory.Count, BenchResult.MaxMeasurements);
        Limit(errors, "hostTransfers", r.HostTransfers.Count, BenchResult.MaxMeasurements);
        Limit(errors, "collectives", r.Collectives.Count, BenchResult.MaxMeasurements);
        Limit(errors, "transferMatrices", r.TransferMatrices.Count, BenchResult.MaxListEntries);
        Limit(errors, "skipped", r.Skipped.Count, BenchResult.MaxListEntries);
        Limit(errors, "warnings", r.Warnings.Count, BenchResult.MaxListEntries);
        if (errors.Count > 0) return errors;
        if (r.Backend is not ("cuda" or "cpu" or "import")) errors.Add($"$.backend: \"{r.Backend}\" is not one of cuda, cpu, import.");
        for (var i = 0; i < r.Gemm.Count; i++)
        {
            var g = r.Gemm[i];
            if (g.M <= 0 || g.N <= 0 || g.K <= 0) errors.Add($"$.gemm[{i}]: M, N and K must be positive.");
            if (g.MedianTflops < 0 || g.BurstTflops < 0) errors.Add($"$.gemm[{i}]: throughput must not be negative.");
        }
        for (var i = 0; i < r.Memory.Count; i++)
        {
            if (r.Memory[i].MedianGBps < 0 || r.Memory[i].TrafficFactor <= 0) errors.Add($"$.memory[{i}]: bandwidth must not be negative and trafficFactor must be positive.");
        }
        for (var i = 0; i < r.Collectives.Count; i++)
        {
            var c = r.Collectives[i];
            if (c.Ranks < 1) errors.Add($"$.collectives[{i}].ranks: must be at least 1.");
            if (c.SizeBytes < 0 || c.TimeUs < 0 || c.AlgbwGBps < 0 || c.BusbwGBps < 0) errors.Add($"$.collectives[{i}]: sizes, times and bandwidths must not be negative.");
        }
        return errors;
    }

    private static void Limit(List<string> errors, string name, int count, int max)
    {
        if (count > max) errors.Add($"$.{name}: has {count:N0} entries; at most {max:N0} are accepted.");
    }

    private static string FirstSentence(string message)
    {
        var i = message.IndexOf(". ", StringComparison.Ordinal);
        return i > 0 ? message[..(i + 1)] : message;
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(BenchResult))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false)]
[JsonSerializable(typeof(BenchResult))]
internal sealed partial class BenchJsonContextCompact : JsonSerializerContext;
