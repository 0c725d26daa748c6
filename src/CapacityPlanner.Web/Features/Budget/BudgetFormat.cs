using System.Globalization;

namespace CapacityPlanner.Web.Features.Budget;

/// <summary>Invariant formatting for the Budget page: every absent or non-finite value is "—", never NaN or ∞.</summary>
public static class BudgetFormat
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>Shown for a value that is absent or not finite.</summary>
    public const string Missing = "—";

    private static bool Ok(double? v, out double x)
    {
        x = v ?? 0;
        return v is { } d && double.IsFinite(d);
    }

    /// <summary>"1,234,567".</summary>
    public static string Count(double? v) => Ok(v, out var x) ? (Math.Abs(x) < 1e15 ? x.ToString("N0", s_inv) : x.ToString("0.00e+0", s_inv)) : Missing;

    /// <summary>Fixed decimals.</summary>
    public static string Fixed(double? v, int decimals) => Ok(v, out var x) ? x.ToString("N" + decimals.ToString(s_inv), s_inv) : Missing;

    /// <summary>"1.89e+27".</summary>
    public static string Scientific(double? v) => Ok(v, out var x) ? x.ToString("0.00e+00", s_inv) : Missing;

    /// <summary>"41.3 %".</summary>
    public static string Percent(double? fraction) => Ok(fraction, out var x) ? (x * 100).ToString("F1", s_inv) + " %" : Missing;

    /// <summary>"$27.0B", "$412.5M", "$1,234".</summary>
    public static string Usd(double? v)
    {
        if (!Ok(v, out var x)) return Missing;
        var a = Math.Abs(x);
        return a switch
        {
            >= 1e12 => "$" + (x / 1e12).ToString("N2", s_inv) + "T",
            >= 1e9 => "$" + (x / 1e9).ToString("N2", s_inv) + "B",
            >= 1e6 => "$" + (x / 1e6).ToString("N1", s_inv) + "M",
            _ => "$" + x.ToString("N0", s_inv),
        };
    }

    /// <summary>
    /// <see cref="Usd"/> with cents where whole dollars would hide the figure: "$2.99", "$0.0123" (per step, per
    /// million tokens, per GPU-hour).
    /// </summary>
    public static string UsdFine(double? v)
    {
        if (!Ok(v, out var x)) return Missing;
        var a = Math.Abs(x);
        return a >= 100 ? Usd(x) : a >= 1 ? "$" + x.ToString("N2", s_inv) : "$" + x.ToString("0.####", s_inv);
    }

    /// <summary>A value with its unit.</summary>
    public static string WithUnit(string formatted, string unit) => formatted == Missing ? Missing : formatted + " " + unit;
}
