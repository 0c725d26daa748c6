using CapacityPlanner.Core.Budget;

namespace CapacityPlanner.Web.Features.Budget;

/// <summary>One row of the comparison table.</summary>
/// <param name="Key">Stable key (the cells' test id is <c>budget-{Key}-{column}</c>).</param>
/// <param name="Label">Row heading.</param>
/// <param name="Cells">Formatted value per column ("—" where a column has no result).</param>
/// <param name="Differs">Per column: true where the cell differs from the first column's.</param>
public sealed record BudgetComparisonRow(string Key, string Label, IReadOnlyList<string> Cells, IReadOnlyList<bool> Differs);

/// <summary>Builds the Budget page's table of every output, side by side, with differences from the first column marked.</summary>
public static class BudgetComparison
{
    private static readonly (string Key, string Label, Func<BudgetResult, string> Format)[] s_rows =
    [
        ("gpus", "GPUs", r => BudgetFormat.Count(r.Gpus)),
        ("affordable-gpus", "GPUs the budget pays for", r => BudgetFormat.Count(r.AffordableGpus)),
        ("nodes", "Nodes", r => BudgetFormat.Count(r.Nodes) + $" × {r.GpusPerNode}"),
        ("it-mw", "IT power (MW)", r => BudgetFormat.Fixed(r.ItMegawatts, 1)),
        ("facility-mw", "Facility power (MW)", r => BudgetFormat.Fixed(r.FacilityMegawatts, 1)),
        ("energy", "Energy (MWh)", r => BudgetFormat.Count(r.EnergyMegawattHours)),
        ("duration", "Duration (days)", r => BudgetFormat.Fixed(r.DurationDays, 1)),
        ("training-days", "Training days (× goodput)", r => BudgetFormat.Fixed(r.TrainingDays, 1)),
        ("goodput", "Goodput (effective training time)", r => BudgetFormat.Percent(r.Goodput) + (r.Assumptions.GoodputOverride is not null ? " (given)" : r.Reliability is { EffectiveTrainingTimeRatio: > 0 } ? " (reliability model)" : " (default: see warnings)")),
        ("interruptions", "Interruptions per day", r => BudgetFormat.Fixed(r.Reliability?.InterruptionsPerDay, 1)),
        ("checkpoint-interval", "Optimal checkpoint interval (s)", r => BudgetFormat.Fixed(r.Reliability?.OptimalIntervalSeconds, 1)),
        ("lost-time", "Lost: saves / lost work / restarts", r => r.Reliability is { } g
            ? $"{BudgetFormat.Percent(g.Lost.CheckpointSaves)} / {BudgetFormat.Percent(g.Lost.LostWork)} / {BudgetFormat.Percent(g.Lost.Restarts)}" : BudgetFormat.Missing),
        ("sites", "Sites", r => r.Sites is { } st ? (st.SitesNeeded is { } n ? $"{n} needed, " : "") + $"{st.Sites} × {BudgetFormat.Count(st.GpusPerSite)} GPUs" : "1"),
        ("mw-per-site", "Facility MW per site", r => BudgetFormat.Fixed(r.Sites?.MegawattsPerSite ?? r.FacilityMegawatts, 1)),
        ("flop", "Total training FLOP", r => BudgetFormat.Scientific(r.TotalFlop)),
        ("log10-flop", "log₁₀ FLOP", r => BudgetFormat.Fixed(r.Log10TotalFlop, 2)),
        ("cost-per-1e24", "Cost per 10²⁴ FLOP", r => BudgetFormat.Usd(r.CostPer1e24FlopUsd)),
        ("cost-per-gpu-hour", "Run cost per GPU-hour", r => r.CostPerGpuHourUsd is { } c && double.IsFinite(c) ? "$" + c.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : BudgetFormat.Missing),
        ("mfu", "MFU", r => BudgetFormat.Percent(r.Mfu) + $" ({r.MfuSource})"),
        ("plan", "Plan", r => r.Plan is null ? BudgetFormat.Missing : CapacityPlanner.Contracts.Results.PlanJson.Describe(r.Plan)),
        ("optimal-n", "Compute-optimal parameters N", r => BudgetFormat.Scientific(r.Scaling?.Parameters)),
        ("optimal-d", "Compute-optimal tokens D", r => BudgetFormat.Scientific(r.Scaling?.Tokens)),
        ("loss", "Predicted loss (compute-optimal)", r => BudgetFormat.Fixed(r.Scaling?.PredictedLoss, 4)),
        ("loss-gain", "Loss gained by the last 10× compute", r => BudgetFormat.Fixed(r.Scaling?.LossGainPer10x, 4)),
        ("alt-loss", "Loss under the other fit", r => r.AlternativeScaling is { } a ? $"{BudgetFormat.Fixed(a.PredictedLoss, 4)} ({a.Law})" : BudgetFormat.Missing),
        ("model-loss", "Loss of the scenario's model", r => BudgetFormat.Fixed(r.ScenarioModelLoss, 4)),
        ("cost-servers", "Servers", r => BudgetFormat.Usd(r.Costs.ServersUsd)),
        ("cost-network", "Network", r => BudgetFormat.Usd(r.Costs.NetworkUsd)),
        ("cost-facility", "Facility", r => BudgetFormat.Usd(r.Costs.FacilityUsd)),
        ("cost-energy", "Energy", r => BudgetFormat.Usd(r.Costs.EnergyUsd)),
        ("cost-rental", "Rental", r => BudgetFormat.Usd(r.Costs.RentalUsd)),
        ("cost-hyperparameter", "Hyperparameter search", r => BudgetFormat.Usd(r.Costs.HyperparameterSearchUsd)),
        ("cost-unallocated", "Unallocated", r => BudgetFormat.Usd(r.Costs.UnallocatedUsd)),
        ("cost-total", "Total", r => BudgetFormat.Usd(r.Costs.TotalUsd)),
        ("warnings", "Warnings", r => r.Warnings.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    /// <summary>Row keys in display order.</summary>
    public static IReadOnlyList<string> Keys { get; } = s_rows.Select(r => r.Key).ToList();

    /// <summary>The rows for the given columns (null: no result in that column).</summary>
    public static IReadOnlyList<BudgetComparisonRow> Build(IReadOnlyList<BudgetResult?> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var rows = new List<BudgetComparisonRow>(s_rows.Length);
        foreach (var (key, label, format) in s_rows)
        {
            var cells = results.Select(r => r is null ? BudgetFormat.Missing : Safe(format, r)).ToList();
            var differs = cells.Select((c, i) => i > 0 && results[0] is not null && results[i] is not null && !string.Equals(c, cells[0], StringComparison.Ordinal)).ToList();
            rows.Add(new BudgetComparisonRow(key, label, cells, differs));
        }
        return rows;
    }

    private static string Safe(Func<BudgetResult, string> format, BudgetResult r)
    {
        var s = format(r);
        // Belt and braces: nothing non-finite reaches the screen.
        return s.Contains("NaN", StringComparison.Ordinal) || s.Contains('∞', StringComparison.Ordinal) || s.Contains("Infinity", StringComparison.Ordinal)
            ? BudgetFormat.Missing : s;
    }
}
