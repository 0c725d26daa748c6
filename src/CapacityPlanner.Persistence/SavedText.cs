namespace CapacityPlanner.Persistence;

/// <summary>
/// The one rule for text that users give the store: a name (scenario, measured run, family) is one line of printable text
/// of at most <see cref="CapacityPlannerDbContext.MaxNameLength"/> characters; free text (notes) may span lines but holds
/// no U+0000, which PostgreSQL's text type refuses. Callers trim first and report the answer under their own path.
/// </summary>
public static class SavedText
{
    /// <summary>What is wrong with a (trimmed) name, or null.</summary>
    public static string? NameProblem(string name, int maxLength = CapacityPlannerDbContext.MaxNameLength)
    {
        ArgumentNullException.ThrowIfNull(name);
        // Characters as the database counts them (code points: PostgreSQL's varchar(n)), not UTF-16 units.
        var length = CodePoints(name);
        if (length > maxLength) return $"is {length} characters; names are at most {maxLength}.";
        foreach (var c in name)
        {
            if (char.IsControl(c))
            {
                return $"contains the control character U+{(int)c:X4}{(c == '\0' ? " (NUL)" : "")}: a name is one line of printable text.";
            }
            // Invisible formatting (bidirectional overrides, zero-width spaces) makes a name read as something it is not;
            // the joiners that scripts and emoji need (U+200C, U+200D) stay allowed.
            if (char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format && c is not ('\u200C' or '\u200D'))
            {
                return $"contains the invisible formatting character U+{(int)c:X4}: a name is one line of printable text; remove it.";
            }
        }
        return null;
    }

    private static int CodePoints(string text)
    {
        var n = 0;
        foreach (var _ in text.EnumerateRunes()) n++;
        return n;
    }

    /// <summary>What is wrong with (trimmed) free text of at most <paramref name="maxLength"/> characters, or null.</summary>
    public static string? TextProblem(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        var length = CodePoints(text);
        if (length > maxLength) return $"is {length} characters; at most {maxLength}.";
        return text.Contains('\0', StringComparison.Ordinal) ? "contains U+0000 (NUL), which no stored text can hold: remove it." : null;
    }
}
