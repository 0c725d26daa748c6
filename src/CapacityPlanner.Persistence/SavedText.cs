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
        if (name.Length > maxLength) return $"is {name.Length} characters; names are at most {maxLength}.";
        foreach (var c in name)
        {
            if (char.IsControl(c))
            {
                return $"contains the control character U+{(int)c:X4}{(c == '\0' ? " (NUL)" : "")}: a name is one line of printable text.";
            }
        }
        return null;
    }

    /// <summary>What is wrong with (trimmed) free text of at most <paramref name="maxLength"/> characters, or null.</summary>
    public static string? TextProblem(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > maxLength) return $"is {text.Length} characters; at most {maxLength}.";
        return text.Contains('\0', StringComparison.Ordinal) ? "contains U+0000 (NUL), which no stored text can hold: remove it." : null;
    }
}
