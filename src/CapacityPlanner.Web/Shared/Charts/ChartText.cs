using System.Text;

namespace CapacityPlanner.Web.Shared.Charts;

/// <summary>
/// User text (chip, scenario and model names; messages that quote them) on its way into a Plotly figure. Plotly renders
/// a subset of HTML in trace names, legends, tick labels, annotations and hover text (<c>&lt;a href&gt;</c> included),
/// so every such string is escaped here, and only here: <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> become entities, which
/// Plotly shows as the characters themselves. Labels the code writes (with their own <c>&lt;b&gt;</c> or <c>&lt;br&gt;</c>)
/// are put around the escaped text, never escaped.
/// </summary>
public static class ChartText
{
    /// <summary>The text with <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> replaced by entities, shown literally by Plotly.</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.AsSpan().IndexOfAny('&', '<', '>') < 0) return text ?? "";
        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            sb.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }
}
