using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CapacityPlanner.Contracts.Sharing;

namespace CapacityPlanner.Web.Features.Budget;

/// <summary>
/// The Budget page's side of links and saved scenarios. A link (<c>/budget?s=v1.…</c>) holds the first column as its
/// scenario document and the others as page settings (<c>budget.column1</c> … <c>budget.column3</c>), with
/// <c>view=budget</c>, so a reload, a shared link or a saved scenario opens every column as it was.
/// </summary>
public static class BudgetShareState
{
    /// <summary>Value of the <c>view</c> page setting for this page.</summary>
    public const string View = "budget";

    /// <summary>The page's path.</summary>
    public const string Path = "budget";

    private const string ViewKey = "view";

    private static string ColumnKey(int index) => "budget.column" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>Page settings for the columns after the first (their scenario documents) and the view marker.</summary>
    public static IReadOnlyDictionary<string, string> PageSettings(IReadOnlyList<string> columnJsons)
    {
        ArgumentNullException.ThrowIfNull(columnJsons);
        var page = new SortedDictionary<string, string>(StringComparer.Ordinal) { [ViewKey] = View };
        for (var i = 1; i < columnJsons.Count; i++) page[ColumnKey(i)] = columnJsons[i];
        return page;
    }

    /// <summary>True when page settings were written by this page.</summary>
    public static bool IsBudget(IReadOnlyDictionary<string, string>? page) =>
        page is not null && page.TryGetValue(ViewKey, out var view) && view == View;

    /// <summary>The columns' scenario documents of a link token, or false with a message.</summary>
    public static bool TryRestore(string? token, out IReadOnlyList<string> columns, out string? error)
    {
        columns = [];
        if (!ScenarioLink.TryDecode(token, out var payload, out error)) return false;
        columns = Columns(payload.ScenarioJson, payload.Page);
        return true;
    }

    /// <summary>The columns of a stored or decoded state: the scenario, then each column in the page settings.</summary>
    public static IReadOnlyList<string> Columns(string scenarioJson, IReadOnlyDictionary<string, string>? page)
    {
        ArgumentNullException.ThrowIfNull(scenarioJson);
        var columns = new List<string> { scenarioJson };
        if (!IsBudget(page)) return columns;
        for (var i = 1; i < 8 && page!.TryGetValue(ColumnKey(i), out var json); i++) columns.Add(json);
        return columns;
    }

    /// <summary>Every column's scenario document as one JSON array (each one runs with <c>capplan budget</c>).</summary>
    public static string ExportJson(IReadOnlyList<string> columnJsons)
    {
        ArgumentNullException.ThrowIfNull(columnJsons);
        var array = new JsonArray();
        foreach (var json in columnJsons) array.Add(JsonNode.Parse(json));
        return array.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The side-by-side table as CSV: a header row of column labels, then one row per output.</summary>
    public static string ExportCsv(IReadOnlyList<string> columnLabels, IReadOnlyList<BudgetComparisonRow> rows)
    {
        ArgumentNullException.ThrowIfNull(columnLabels);
        ArgumentNullException.ThrowIfNull(rows);
        var sb = new StringBuilder();
        sb.AppendJoin(',', new[] { "output" }.Concat(columnLabels).Select(Quote)).Append("\r\n");
        foreach (var row in rows) sb.AppendJoin(',', new[] { row.Label }.Concat(row.Cells).Select(Quote)).Append("\r\n");
        return sb.ToString();
    }

    private static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
