using CapacityPlanner.Core.Budget;
using CapacityPlanner.Web.Features.Budget;
using CapacityPlanner.Web.Shared;
using CapacityPlanner.Web.Shared.Widgets;
using CapacityPlanner.Web.Shared.Scenario;

namespace CapacityPlanner.Web.Features.Planner;

/// <summary>The Planner's cost of an estimate (<see cref="PlanCostModel"/>), shared by its cost panel and its comparison.</summary>
public static class PlanCosts
{
    /// <summary>The cost of an outcome, or why there is none; both null without an estimate.</summary>
    public static (PlanCost? Cost, string? Problem) Of(EstimateOutcome? outcome, PlanCostBasis basis)
    {
        if (outcome is not { Estimate: { } e, Scenario: { } s }) return (null, null);
        var (cost, errors) = PlanCostModel.Price(s, e, basis);
        return (cost, cost is null ? "No cost: " + string.Join(" ", errors.Select(x => PlannerFields.WithFieldLabels(x.Message))) : null);
    }
}

/// <summary>Which side of a comparison row is better.</summary>
public enum ComparisonWinner
{
    /// <summary>Equal within <see cref="PlanComparison.TieFraction"/>, or not comparable.</summary>
    None,

    /// <summary>The current plan (left column).</summary>
    Current,

    /// <summary>The compared chip or cluster (right column).</summary>
    Other,
}

/// <summary>One figure of both plans.</summary>
/// <param name="Key">Stable key (test id suffix).</param>
/// <param name="Label">What the figure is.</param>
/// <param name="Current">Display text of the current plan's figure.</param>
/// <param name="Other">Display text of the compared plan's figure.</param>
/// <param name="Winner">Which is better.</param>
/// <param name="Difference">(other − current) ÷ current; null when either is missing or current is 0.</param>
public sealed record ComparisonRow(string Key, string Label, string Current, string Other, ComparisonWinner Winner, double? Difference);

/// <summary>The same plan on two systems.</summary>
/// <param name="CurrentName">"A100 SXM4 80GB × 1,024".</param>
/// <param name="OtherName">The compared chip and cluster size.</param>
/// <param name="Other">The compared outcome (errors included).</param>
/// <param name="Rows">Figures side by side.</param>
public sealed record PlanComparisonResult(string CurrentName, string OtherName, EstimateOutcome Other, IReadOnlyList<ComparisonRow> Rows);

/// <summary>
/// Evaluates the Planner's fixed plan (same workload, parallelism and batch) on a second chip or cluster size with
/// <see cref="EstimateService"/> and lines up step time, tokens/s, MFU, memory, exposed-communication share and cost
/// (<see cref="PlanCostModel"/>), marking the better side and the relative difference.
/// </summary>
public static class PlanComparison
{
    /// <summary>Relative differences below this are a tie (not highlighted).</summary>
    public const double TieFraction = 0.005;

    /// <summary>The plan of <paramref name="input"/> on <paramref name="otherChipId"/> with <paramref name="otherGpus"/> GPUs (null: the same count).</summary>
    public static PlanComparisonResult Compare(EstimateService estimates, PlannerInput input, EstimateOutcome current,
        string otherChipId, int? otherGpus, PlanCostBasis basis, Func<string?, string> chipName)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(chipName);
        var otherInput = input.Clone();
        otherInput.ChipId = otherChipId;
        if (otherGpus is { } g) otherInput.Gpus = g;
        // An unset data-parallel size is derived from the GPU count; a fixed one would not fit another cluster size.
        if (otherGpus is not null && otherGpus != input.Gpus) otherInput.Data = null;
        var other = estimates.Estimate(otherInput);
        return new PlanComparisonResult(
            Name(chipName(input.ChipId), input.Gpus),
            Name(chipName(otherChipId), otherInput.Gpus),
            other,
            Rows(current, other, basis));
    }

    /// <summary>The rows for two outcomes.</summary>
    public static IReadOnlyList<ComparisonRow> Rows(EstimateOutcome a, EstimateOutcome b, PlanCostBasis basis)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var ea = a.Estimate;
        var eb = b.Estimate;
        var (ca, _) = PlanCosts.Of(a, basis);
        var (cb, _) = PlanCosts.Of(b, basis);
        var basisText = basis == PlanCostBasis.Rent ? "rent" : "own";
        return
        [
            Row("feasible", "Fits in HBM", a.Feasible ? "yes" : "no", b.Feasible ? "yes" : "no",
                a.Feasible == b.Feasible ? ComparisonWinner.None : a.Feasible ? ComparisonWinner.Current : ComparisonWinner.Other, null),
            Numeric("step-time", "Step time (s)", ea?.StepTimeSeconds, eb?.StepTimeSeconds, lowerIsBetter: true, v => Display.Number(v, 3)),
            Numeric("tokens-per-second", "Tokens/s", ea?.TokensPerSecond, eb?.TokensPerSecond, lowerIsBetter: false, v => Display.Count(v)),
            Numeric("mfu", "MFU", ea?.Mfu, eb?.Mfu, lowerIsBetter: false, v => Display.Percent(v)),
            Numeric("memory", "Memory per GPU", ea?.MemoryPerGpuGiB, eb?.MemoryPerGpuGiB, lowerIsBetter: true, v => Display.GiB(v),
                // Memory is better judged as a share of each chip's HBM.
                winnerOf: (HbmShare(a), HbmShare(b))),
            Numeric("comm-share", "Exposed communication share", CommShare(a), CommShare(b), lowerIsBetter: true, v => Display.Percent(v)),
            Numeric("time-to-train", "Time to train (days)", ea?.TimeToTrainDays, eb?.TimeToTrainDays, lowerIsBetter: true, v => Display.Number(v, 1)),
            Numeric("cost-per-million-tokens", $"$ per million tokens ({basisText})", ca?.UsdPerMillionTokens, cb?.UsdPerMillionTokens, lowerIsBetter: true, v => BudgetFormat.UsdFine(v)),
            Numeric("cost-run", $"Whole run ({basisText})", ca?.RunUsd, cb?.RunUsd, lowerIsBetter: true, v => BudgetFormat.UsdFine(v)),
        ];
    }

    private static string Name(string chip, int? gpus) => gpus is { } g ? $"{chip} × {g:N0}" : chip;

    private static double? HbmShare(EstimateOutcome o) =>
        o.Estimate is { MemoryPerGpuGiB: { } used, HbmCapacityGiB: > 0 and var capacity } ? used / capacity : null;

    private static double? CommShare(EstimateOutcome o) =>
        o.Estimate is { StepTimeSeconds: > 0 and var step, Breakdown: { } b } ? b.Communication.TotalExposedSeconds / step : null;

    private static ComparisonRow Row(string key, string label, string a, string b, ComparisonWinner winner, double? difference) =>
        new(key, label, a, b, winner, difference);

    private static ComparisonRow Numeric(string key, string label, double? a, double? b, bool lowerIsBetter, Func<double, string> format,
        (double? A, double? B)? winnerOf = null)
    {
        var text = (double? v) => v is { } x ? format(x) : "—";
        double? difference = a is { } x && b is { } y && x != 0 ? (y - x) / Math.Abs(x) : null;
        var (wa, wb) = winnerOf ?? (a, b);
        var winner = ComparisonWinner.None;
        if (wa is { } p && wb is { } q && Math.Abs(q - p) > TieFraction * Math.Max(Math.Abs(p), Math.Abs(q)))
        {
            winner = (q < p) == lowerIsBetter ? ComparisonWinner.Other : ComparisonWinner.Current;
        }
        return new ComparisonRow(key, label, text(a), text(b), winner, difference);
    }
}
