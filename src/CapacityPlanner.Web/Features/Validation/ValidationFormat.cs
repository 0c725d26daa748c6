using System.Globalization;

namespace CapacityPlanner.Web.Features.Validation;

/// <summary>Invariant number formats of the Validation page.</summary>
public static class ValidationFormat
{
    /// <summary>0.0523 → "+5.2 %"; null → "—".</summary>
    public static string SignedPercent(double? fraction) =>
        fraction is { } f && double.IsFinite(f) ? (f * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + " %" : "—";

    /// <summary>0.0523 → "5.2 %" (with <paramref name="decimals"/> decimals).</summary>
    public static string Percent(double fraction, int decimals = 1) =>
        (fraction * 100).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + " %";
}
