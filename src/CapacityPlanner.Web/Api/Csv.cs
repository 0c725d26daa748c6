using System.Text;
using System.Text.Json;

namespace CapacityPlanner.Web.Api;

/// <summary>
/// CSV (RFC 4180, comma-separated, CRLF) made from the API's JSON, so that column names are the JSON field paths
/// (<c>breakdown.communication.dataParallel.exposedSeconds</c>) and numbers are written exactly as in the JSON.
/// </summary>
public static class Csv
{
    /// <summary>Media type of the exports.</summary>
    public const string ContentType = "text/csv; charset=utf-8";

    /// <summary>One row per scalar of a JSON object: <c>field,value</c>.</summary>
    public static string FieldsOf(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var doc = JsonDocument.Parse(json);
        var row = new List<KeyValuePair<string, string>>();
        Flatten(doc.RootElement, "", row);
        var sb = new StringBuilder("field,value\r\n");
        foreach (var (k, v) in row) sb.Append(Cell(k)).Append(',').Append(v).Append("\r\n");
        return sb.ToString();
    }

    /// <summary>One row per element of a JSON array (found at <paramref name="arrayProperty"/>), one column per scalar path.</summary>
    public static string RowsOf(string json, string arrayProperty)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var doc = JsonDocument.Parse(json);
        var rows = new List<List<KeyValuePair<string, string>>>();
        var columns = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in doc.RootElement.GetProperty(arrayProperty).EnumerateArray())
        {
            var row = new List<KeyValuePair<string, string>>();
            Flatten(item, "", row);
            foreach (var (k, _) in row)
            {
                if (seen.Add(k)) columns.Add(k);
            }
            rows.Add(row);
        }
        var sb = new StringBuilder();
        sb.AppendJoin(',', columns.Select(Cell)).Append("\r\n");
        foreach (var row in rows)
        {
            var values = row.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            sb.AppendJoin(',', columns.Select(c => values.GetValueOrDefault(c, ""))).Append("\r\n");
        }
        return sb.ToString();
    }

    private static void Flatten(JsonElement e, string path, List<KeyValuePair<string, string>> into)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject()) Flatten(p.Value, path.Length == 0 ? p.Name : path + "." + p.Name, into);
                break;
            case JsonValueKind.Array:
                // Lists (warnings, placement, errors) go into one cell: scalars joined with "; ", objects as JSON.
                into.Add(new(path, Cell(string.Join("; ", e.EnumerateArray().Select(x =>
                    x.ValueKind == JsonValueKind.String ? x.GetString() : x.GetRawText())))));
                break;
            case JsonValueKind.String:
                into.Add(new(path, Cell(e.GetString()!)));
                break;
            case JsonValueKind.Null:
                into.Add(new(path, ""));
                break;
            default:
                into.Add(new(path, e.GetRawText()));
                break;
        }
    }

    /// <summary>Quotes a text cell when needed, and defuses spreadsheet formulas (a leading =, +, -, @).</summary>
    private static string Cell(string text)
    {
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r') text = "'" + text;
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }
}
