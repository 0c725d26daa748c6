using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace CapacityPlanner.Web.Shared;

/// <summary>Small readers and writers for the page-specific query keys (lists, enums, numbers).</summary>
public static class PageQuery
{
    /// <summary>A comma-separated list ("a,b,c"); null when the key is absent.</summary>
    public static IReadOnlyList<string>? List(IReadOnlyDictionary<string, StringValues> query, string key)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!query.TryGetValue(key, out var v) || StringValues.IsNullOrEmpty(v)) return null;
        return v.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>A string value, or null.</summary>
    public static string? String(IReadOnlyDictionary<string, StringValues> query, string key)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query.TryGetValue(key, out var v) && !StringValues.IsNullOrEmpty(v) ? v.ToString() : null;
    }

    /// <summary>A long value, or <paramref name="fallback"/> when absent or unparseable.</summary>
    public static long Long(IReadOnlyDictionary<string, StringValues> query, string key, long fallback)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query.TryGetValue(key, out var v) && long.TryParse(v.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : fallback;
    }

    /// <summary>A list as a query value, or null (removed) when it equals the default.</summary>
    public static string? Join(IReadOnlyList<string> values, IReadOnlyList<string> defaults) =>
        values.SequenceEqual(defaults, StringComparer.OrdinalIgnoreCase) ? null : string.Join(",", values);
}
