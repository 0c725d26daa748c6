using System.Globalization;

namespace CapacityPlanner.Web.Shared.Widgets;

/// <summary>Number formatting of the planner (invariant culture, units spelled out).</summary>
internal static class Display
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>Seconds without the unit, "—" for exactly zero (a table column with the unit in its header).</summary>
    public static string SecondsCell(double seconds) => seconds == 0 ? "—" : seconds.ToString("F3", s_inv);

    /// <summary>A number with fixed decimals, "—" when unknown.</summary>
    public static string Number(double? value, int decimals) =>
        value is { } v ? v.ToString("F" + decimals.ToString(s_inv), s_inv) : "—";

    /// <summary>"1,234,567".</summary>
    public static string Count(double? value) => value is { } v ? v.ToString("N0", s_inv) : "—";

    /// <summary>"45.6 %".</summary>
    public static string Percent(double? fraction) => fraction is { } f ? (f * 100).ToString("F1", s_inv) + " %" : "—";

    /// <summary>"63.2 GiB".</summary>
    public static string GiB(double? value) => value is { } v ? v.ToString("F1", s_inv) + " GiB" : "—";

    /// <summary>"3.21×", or "∞" when the denominator is zero (nothing to compare against).</summary>
    public static string Ratio(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("F2", s_inv) + "×" : "∞";

    /// <summary>"174.6 B".</summary>
    public static string Parameters(double count) => count >= 1e9
        ? (count / 1e9).ToString("F1", s_inv) + " B"
        : (count / 1e6).ToString("F0", s_inv) + " M";
}
