using System.Globalization;
using System.Text.Json;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Contracts.Scenarios;

/// <summary>
/// Reads the members of one JSON object by name, checks types and ranges, and reports every problem with its
/// JSON path, including members nobody asked for (unknown fields are errors in the scenario contract).
/// </summary>
internal sealed class JsonFieldReader
{
    private readonly JsonElement _element;
    private readonly string _path;
    private readonly List<ScenarioError> _errors;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    /// <summary>Longest string member of a scenario (names, ids, presets, choices): a name that long is a mistake or an attack.</summary>
    public const int MaxStringLength = 200;

    public JsonFieldReader(JsonElement element, string path, List<ScenarioError> errors)
    {
        _element = element;
        _path = path;
        _errors = errors;
    }

    public string Path => _path;

    /// <summary>Reads a member as an object reader, or null if absent/invalid.</summary>
    public JsonFieldReader? Object(string name, bool required = false)
    {
        if (!TryGet(name, required, out var e)) return null;
        if (e.ValueKind != JsonValueKind.Object)
        {
            Error(name, $"expected an object, got {Describe(e)}.");
            return null;
        }
        return new JsonFieldReader(e, Child(name), _errors);
    }

    /// <summary>The raw member, or null.</summary>
    public JsonElement? Raw(string name, bool required = false) => TryGet(name, required, out var e) ? e : null;

    public int? Int(string name, int min, int max, bool required = false)
    {
        var v = Long(name, min, max, required);
        return v is null ? null : (int)v.Value;
    }

    public long? Long(string name, long min, long max, bool required = false)
    {
        if (!TryGet(name, required, out var e)) return null;
        string OutOfRange(string value) =>
            $"{value} is out of range; allowed {min.ToString("N0", CultureInfo.InvariantCulture)} to {max.ToString("N0", CultureInfo.InvariantCulture)}.";
        if (e.ValueKind == JsonValueKind.Number && !e.TryGetInt64(out _)
            && e.TryGetDouble(out var d) && double.IsFinite(d) && Math.Floor(d) == d)
        {
            // A whole number written with an exponent or a fraction part (1e9, 8.0): JSON does not tell them apart.
            if (d < min || d > max)
            {
                Error(name, OutOfRange(d.ToString("R", CultureInfo.InvariantCulture)));
                return null;
            }
            return (long)d;
        }
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out var v))
        {
            Error(name, $"expected a whole number, got {Describe(e)}.");
            return null;
        }
        if (v < min || v > max)
        {
            Error(name, OutOfRange(v.ToString(CultureInfo.InvariantCulture)));
            return null;
        }
        return v;
    }

    public double? Number(string name, double min, double max, bool required = false, bool exclusiveMin = false)
    {
        if (!TryGet(name, required, out var e)) return null;
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var v) || !double.IsFinite(v))
        {
            Error(name, $"expected a number, got {Describe(e)}.");
            return null;
        }
        if (v < min || v > max || (exclusiveMin && v <= min))
        {
            Error(name, $"{v.ToString(CultureInfo.InvariantCulture)} is out of range; allowed {(exclusiveMin ? "above " : "")}{min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.");
            return null;
        }
        return v;
    }

    public bool? Bool(string name, bool required = false)
    {
        if (!TryGet(name, required, out var e)) return null;
        if (e.ValueKind is JsonValueKind.True or JsonValueKind.False) return e.GetBoolean();
        Error(name, $"expected true or false, got {Describe(e)}.");
        return null;
    }

    public string? String(string name, bool required = false, IReadOnlyCollection<string>? allowed = null)
    {
        if (!TryGet(name, required, out var e)) return null;
        if (e.ValueKind != JsonValueKind.String)
        {
            Error(name, $"expected a string, got {Describe(e)}.");
            return null;
        }
        var s = e.GetString()!;
        // Characters as people and the database count them (code points), not UTF-16 units: an emoji is one.
        var length = 0;
        foreach (var _ in s.EnumerateRunes()) length++;
        if (length > MaxStringLength)
        {
            Error(name, $"is {length.ToString("N0", CultureInfo.InvariantCulture)} characters; names, ids and choices are at most {MaxStringLength}.");
            return null;
        }
        if (allowed is not null && !allowed.Contains(s, StringComparer.OrdinalIgnoreCase))
        {
            Error(name, $"\"{s}\" is not one of: {string.Join(", ", allowed)}.");
            return null;
        }
        return allowed is null ? s : allowed.First(a => string.Equals(a, s, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Reports members that were never read.</summary>
    public void RejectUnknown(string hint)
    {
        foreach (var p in _element.EnumerateObject())
        {
            if (!_known.Contains(p.Name))
            {
                _errors.Add(new ScenarioError(Child(p.Name), $"unknown field \"{p.Name}\"; {hint}"));
            }
        }
    }

    /// <summary>A reader for an element below this one that reports into the same error list.</summary>
    public JsonFieldReader Nested(JsonElement element, string path) => new(element, path, _errors);

    public void ErrorAt(string path, string message) => _errors.Add(new ScenarioError(path, message));

    public void Error(string name, string message) => _errors.Add(new ScenarioError(Child(name), message));

    public string Child(string name) => _path + "." + name;

    private bool TryGet(string name, bool required, out JsonElement e)
    {
        _known.Add(name);
        if (_element.TryGetProperty(name, out e) && e.ValueKind != JsonValueKind.Null) return true;
        if (required) Error(name, "is required.");
        return false;
    }

    internal static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Truncate(e.GetString() ?? "")}\"",
        JsonValueKind.Number => $"the number {e.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"{e.GetRawText()}",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    private static string Truncate(string s) => Json.StrictJson.Shorten(s, 40);
}
