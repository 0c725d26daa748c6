namespace CapacityPlanner.Core.Validation;

/// <summary>The one median the validation code takes (summaries, derived figures, track records).</summary>
internal static class Statistics
{
    /// <summary>The median (mean of the two middle values for an even count); 0 for no values.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0) return 0;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
