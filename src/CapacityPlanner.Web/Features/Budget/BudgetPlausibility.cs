using System.Globalization;
using CapacityPlanner.Core.Budget;

namespace CapacityPlanner.Web.Features.Budget;

/// <summary>A reference figure a budget result is checked against, with where it comes from.</summary>
/// <param name="Value">The figure.</param>
/// <param name="Source">Reference.</param>
/// <param name="Basis">"secondary" (reported by others) or "memory" (recalled, not re-read: verify before relying on it).</param>
public sealed record PlausibilityFigure(double Value, string Source, string Basis);

/// <summary>
/// Flags a budget result that asks for more than the world has: more accelerators than any cluster (or a large share of a
/// year's production), a single site drawing more power than any built, or more training tokens than any published run
/// used or the stock of public text holds. Each warning names its reference figure and source. The result is not
/// changed: the warning says why it may not be buildable.
/// </summary>
public static class BudgetPlausibility
{
    /// <summary>Largest single training cluster reported by 2025 (xAI Colossus, ~200k H100/H200).</summary>
    public static PlausibilityFigure LargestCluster { get; } = new(200_000, "xAI Colossus, Memphis: ~200,000 H100/H200 reported in 2025 (press reports)", "memory");

    /// <summary>NVIDIA data-center GPU shipments in 2023.</summary>
    public static PlausibilityFigure AnnualGpuShipments { get; } = new(3_760_000, "TechInsights: ~3.76 M NVIDIA data-center GPUs shipped in 2023", "memory");

    /// <summary>Power of the largest training sites planned; no single site drew 1 GW by 2025.</summary>
    public static PlausibilityFigure LargestSiteMegawatts { get; } = new(1_000, "Epoch AI, 'Can AI scaling continue through 2030?' (2024): 1-5 GW campuses projected by 2030, none of 1 GW by 2025", "secondary");

    /// <summary>Largest published training set.</summary>
    public static PlausibilityFigure LargestTrainingSetTokens { get; } = new(15.6e12, "Dubey et al. 2024, 'The Llama 3 Herd of Models': 15.6 T tokens for Llama 3 405B", "secondary");

    /// <summary>Effective stock of quality public human-generated text.</summary>
    public static PlausibilityFigure PublicTextStockTokens { get; } = new(3e14, "Villalobos et al. 2024, 'Will we run out of data?' (Epoch AI, arXiv:2211.04325): ~3e14 tokens (90% CI 1e14-1e15)", "memory");

    /// <summary>Every warning for a result (empty when it is within what has been built and published).</summary>
    public static IReadOnlyList<string> Check(BudgetResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var inv = CultureInfo.InvariantCulture;
        var warnings = new List<string>();
        if (result.Gpus > AnnualGpuShipments.Value / 4)
        {
            warnings.Add(string.Create(inv,
                $"Supply: {result.Gpus:N0} {result.ChipId} is {result.Gpus / AnnualGpuShipments.Value:P0} of a year's NVIDIA data-center GPU shipments ({Cite(AnnualGpuShipments)}); no one buys that many of one chip for one run."));
        }
        else if (result.Gpus > LargestCluster.Value)
        {
            warnings.Add(string.Create(inv,
                $"Supply: {result.Gpus:N0} GPUs is {result.Gpus / LargestCluster.Value:0.#}× the largest cluster built so far ({Cite(LargestCluster)})."));
        }
        if (result.FacilityMegawatts > LargestSiteMegawatts.Value)
        {
            warnings.Add(string.Create(inv,
                $"Power: {result.FacilityMegawatts / 1000:0.##} GW for one site is beyond any data center built ({Cite(LargestSiteMegawatts)})."));
        }
        var tokens = Math.Max(result.TrainingTokens, result.Scaling?.Tokens ?? 0);
        if (tokens > PublicTextStockTokens.Value / 2)
        {
            warnings.Add(string.Create(inv,
                $"Data: {tokens:0.##e+0} training tokens is {tokens / PublicTextStockTokens.Value:P0} of the stock of public human text ({Cite(PublicTextStockTokens)}) and {tokens / LargestTrainingSetTokens.Value:0.#}× the largest published training set ({Cite(LargestTrainingSetTokens)}); expect repeated epochs or synthetic data."));
        }
        else if (tokens > LargestTrainingSetTokens.Value)
        {
            warnings.Add(string.Create(inv,
                $"Data: {tokens:0.##e+0} training tokens is {tokens / LargestTrainingSetTokens.Value:0.#}× the largest published training set ({Cite(LargestTrainingSetTokens)})."));
        }
        return warnings;
    }

    private static string Cite(PlausibilityFigure f) =>
        f.Source + (f.Basis == "memory" ? "; figure recalled, verify before relying on it" : "");
}
