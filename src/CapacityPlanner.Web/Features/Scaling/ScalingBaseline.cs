using System.Globalization;
using CapacityPlanner.Contracts.Results;
using CapacityPlanner.Core.Search;

namespace CapacityPlanner.Web.Features.Scaling;

/// <summary>
/// What scaling efficiency is measured against. The sweep's own figure divides each size's tokens/s per GPU by that
/// of the smallest size that fits; when that plan is squeezed by memory (deep recompute, small micro-batches, many
/// pipeline stages) a larger cluster runs a faster plan and shows more than 100 %. The reader picks the baseline:
/// the smallest size that fits, the best tokens/s per GPU of the sweep (then nothing exceeds 100 %), or one size.
/// Values are query strings: <see cref="Smallest"/>, <see cref="Best"/> or a GPU count.
/// </summary>
public static class ScalingBaseline
{
    /// <summary>The smallest size that fits (the sweep's own baseline).</summary>
    public const string Smallest = "smallest";

    /// <summary>The size with the best tokens/s per GPU.</summary>
    public const string Best = "best";

    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>True when <paramref name="value"/> is a baseline this page understands (null, a name or a GPU count).</summary>
    public static bool IsValid(string? value) =>
        value is null or Smallest or Best || (long.TryParse(value, NumberStyles.None, s_inv, out var n) && n > 0);

    /// <summary>The choices for a sweep: the two named baselines, then every size that fits.</summary>
    public static IReadOnlyList<(string Value, string Text)> Options(SweepResult? result)
    {
        var options = new List<(string, string)> { (Smallest, "Smallest size that fits"), (Best, "Best tokens/s per GPU") };
        if (result is not null)
        {
            options.AddRange(Feasible(result).Select(p => (p.Gpus.ToString(s_inv), p.Gpus.ToString("N0", s_inv) + " GPUs")));
        }
        return options;
    }

    /// <summary>The baseline point of a sweep for a choice; a size the sweep lacks falls back to the smallest that fits.</summary>
    public static SweepPoint? Pick(SweepResult result, string? choice)
    {
        ArgumentNullException.ThrowIfNull(result);
        var feasible = Feasible(result).ToList();
        if (feasible.Count == 0) return null;
        if (choice == Best) return feasible.MaxBy(PerGpu);
        if (choice is not null && long.TryParse(choice, NumberStyles.None, s_inv, out var n) && feasible.FirstOrDefault(p => p.Gpus == n) is { } sized)
        {
            return sized;
        }
        return feasible[0];
    }

    /// <summary>Tokens/s per GPU of a point relative to the baseline's; null when either has no estimate.</summary>
    public static double? Efficiency(SweepPoint point, SweepPoint? baseline)
    {
        ArgumentNullException.ThrowIfNull(point);
        return baseline is not null && point.TokensPerSecond is not null && PerGpu(baseline) > 0 ? PerGpu(point) / PerGpu(baseline) : null;
    }

    /// <summary>Efficiency of every point of a sweep (null where it has no estimate).</summary>
    public static IReadOnlyList<double?> Efficiencies(SweepResult result, string? choice)
    {
        ArgumentNullException.ThrowIfNull(result);
        var baseline = Pick(result, choice);
        return result.Points.Select(p => Efficiency(p, baseline)).ToList();
    }

    /// <summary>
    /// One or two sentences: which size is the baseline and why, and, when some size exceeds 100 %, why that happens.
    /// </summary>
    public static string Explain(SweepResult result, string? choice, string chipName)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (Pick(result, choice) is not { } b) return $"{chipName}: no size fits, so there is no baseline.";
        var why = choice switch
        {
            Best => "the size with the best tokens/s per GPU",
            Smallest or null => "the smallest size that fits",
            _ when b.Gpus.ToString(s_inv) == choice => "the size you picked",
            _ => "the smallest size that fits (the size you picked is not in this sweep)",
        };
        var plan = b.Parallelism is { } p ? $" ({PlanJson.Describe(p)}, MFU {b.Mfu?.ToString("P1", s_inv) ?? "—"})" : "";
        var text = $"{chipName}: 100 % is {b.Gpus.ToString("N0", s_inv)} GPUs, {why}, at {PerGpu(b).ToString("N0", s_inv)} tokens/s per GPU{plan}.";
        var above = result.Points.Where(p => Efficiency(p, b) > 1.005).ToList();
        if (above.Count > 0)
        {
            var best = above.MaxBy(p => Efficiency(p, b)!.Value)!;
            text += $" {best.Gpus.ToString("N0", s_inv)} GPUs reach {Efficiency(best, b)!.Value.ToString("P0", s_inv)}: with more GPUs the model states are spread thinner, so a faster plan (less recompute, larger micro-batches, fewer pipeline stages) fits in memory than at the baseline. Pick \u201cBest tokens/s per GPU\u201d to read efficiency as a share of the best.";
        }
        return text;
    }

    private static IEnumerable<SweepPoint> Feasible(SweepResult result) => result.Points.Where(p => p.TokensPerSecond is > 0);

    private static double PerGpu(SweepPoint p) => (p.TokensPerSecond ?? 0) / p.Gpus;
}
