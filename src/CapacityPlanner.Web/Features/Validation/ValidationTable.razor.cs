using System.Globalization;
using Microsoft.AspNetCore.Components;

namespace CapacityPlanner.Web.Features.Validation;

/// <summary>A table of runs (published or the user's) with the model's prediction and error.</summary>
public sealed partial class ValidationTable
{
    /// <summary>The rows to show (already filtered).</summary>
    [Parameter, EditorRequired] public IReadOnlyList<ValidationRow> Rows { get; set; } = [];

    /// <summary><c>data-testid</c> of the table.</summary>
    [Parameter, EditorRequired] public string TestId { get; set; } = "";

    /// <summary>Heading of the measured-value column.</summary>
    [Parameter] public string PublishedHeader { get; set; } = "Published";

    /// <summary>What the table says when it has no rows.</summary>
    [Parameter] public string EmptyText { get; set; } = "No runs match the filters.";

    /// <summary>When set, every row has a Delete button that calls it.</summary>
    [Parameter] public EventCallback<ValidationRow> OnDelete { get; set; }

    // Rows without a prediction sort after every number.
    private static object ErrorKey(ValidationRow r) => r.Error is { } e && double.IsFinite(e) ? e : double.MaxValue;

    private static string Value(double v) => v.ToString(Math.Abs(v) >= 1000 ? "N0" : "G4", CultureInfo.InvariantCulture);

    private static string RowClass(ValidationRow r, int index) => r.Error is null || !r.Feasible ? "validation-row-problem" : "";

    private static string Shorten(string s) => s.Length <= 48 ? s : s[..47] + "…";
}
