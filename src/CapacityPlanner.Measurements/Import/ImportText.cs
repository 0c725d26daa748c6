using System.Globalization;
using System.Text.RegularExpressions;
namespace CapacityPlanner.Measurements.Import;

/// <summary>Line handling shared by the importers: launcher prefixes, carriage returns, numbers.</summary>
internal static partial class ImportText
{
    /// <summary>
    /// Splits text into lines and removes what launchers put in front of a program's output: OpenMPI's
    /// <c>--tag-output</c> (<c>[1,0]&lt;stdout&gt;:</c>), srun <c>--label</c> (<c>0: </c>). Carriage-return progress updates keep their last segment.
    /// </summary>
    public static List<string> Lines(string text)
    {
        var lines = new List<string>();
        foreach (var raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw;
            // "\r" inside a line: a console progress update; the last non-empty segment is what stayed on screen.
            if (line.Contains('\r', StringComparison.Ordinal))
            {
                var parts = line.Split('\r');
                line = parts.LastOrDefault(p => p.Trim().Length > 0) ?? "";
            }
            line = StripAnsi().Replace(line, "");
            lines.Add(StripPrefix(line));
        }
        return lines;
    }

    /// <summary>
    /// The warning for data lines an importer could not read, naming them by line number (1-based, as editors count)
    /// so that a user can look: "could not read 3 result lines (not the table's columns): lines 12, 40, 41.".
    /// </summary>
    /// <param name="lineNumbers">The lines, in order.</param>
    /// <param name="noun">Singular noun of a line ("result line"); an "s" makes the plural.</param>
    /// <param name="why">Why they could not be read.</param>
    public static string SkippedLinesWarning(IReadOnlyList<int> lineNumbers, string noun, string why)
    {
        ArgumentNullException.ThrowIfNull(lineNumbers);
        const int Shown = 10;
        var one = lineNumbers.Count == 1;
        var list = string.Join(", ", lineNumbers.Take(Shown).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var more = lineNumbers.Count > Shown ? $" and {lineNumbers.Count - Shown} more" : "";
        return $"could not read {lineNumbers.Count} {noun}{(one ? "" : "s")} ({why}): line{(one ? "" : "s")} {list}{more}.";
    }

    /// <summary>Removes one launcher prefix from a line.</summary>
    public static string StripPrefix(string line)
    {
        var m = MpiTag().Match(line);
        if (m.Success) return line[m.Length..];
        m = SrunLabel().Match(line);
        if (m.Success) return line[m.Length..];
        return line;
    }

    /// <summary>Whitespace-separated tokens.</summary>
    public static string[] Tokens(string s) => s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Parses a number as C's printf writes it ("24361", "1.2e+05", "0.00"); false for N/A, nan, text.</summary>
    public static bool TryNumber(string s, out double value) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>Parses a non-negative integer.</summary>
    public static bool TryLong(string s, out long value) =>
        long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    [GeneratedRegex(@"^\[\d+,\d+\]<(?:stdout|stderr)>:\s?")]
    private static partial Regex MpiTag();

    // srun --label: "0: ", "12: " (data lines never contain a colon after a bare integer).
    [GeneratedRegex(@"^\s*\d+:\s")]
    private static partial Regex SrunLabel();

    [GeneratedRegex(@"\x1B\[[0-9;?]*[A-Za-z]")]
    private static partial Regex StripAnsi();
}
