using System.Globalization;

namespace CapacityPlanner.Core.ScalingLaws;

/// <summary>What a scaling law says about one training-compute budget.</summary>
public sealed record ScalingPrediction
{
    /// <summary>Scaling-law id.</summary>
    public required string Law { get; init; }
    /// <summary>Display name of the fit.</summary>
    public required string LawName { get; init; }
    /// <summary>Training FLOP (C = 6·N·D).</summary>
    public required double Flop { get; init; }
    /// <summary>log10 of <see cref="Flop"/>.</summary>
    public required double Log10Flop { get; init; }
    /// <summary>Compute-optimal parameters (under the data constraint when one applies).</summary>
    public required double Parameters { get; init; }
    /// <summary>Compute-optimal training tokens.</summary>
    public required double Tokens { get; init; }
    /// <summary>Tokens per parameter.</summary>
    public required double TokensPerParameter { get; init; }
    /// <summary>Passes over the unique data (tokens ÷ unique tokens); 1 when no limit on unique tokens was given.</summary>
    public required double Epochs { get; init; }
    /// <summary>Unique tokens available, when given.</summary>
    public double? UniqueTokens { get; init; }
    /// <summary>Predicted loss (nats per token, in the fit's own data and tokenizer).</summary>
    public required double PredictedLoss { get; init; }
    /// <summary>Loss above the irreducible term E.</summary>
    public required double ReducibleLoss { get; init; }
    /// <summary>Loss gained by the last 10× of compute: L(C/10) − L(C).</summary>
    public required double LossGainPer10x { get; init; }
    /// <summary>True when unique tokens bind (the unconstrained optimum would repeat data).</summary>
    public required bool DataConstrained { get; init; }
    /// <summary>Unconstrained optimum parameters (equals <see cref="Parameters"/> when data does not bind).</summary>
    public required double UnconstrainedParameters { get; init; }
    /// <summary>Unconstrained optimum tokens.</summary>
    public required double UnconstrainedTokens { get; init; }
    /// <summary>Unconstrained optimum loss.</summary>
    public required double UnconstrainedLoss { get; init; }
    /// <summary>Known limits at or below this FLOP.</summary>
    public required IReadOnlyList<ComputeLimit> LimitsReached { get; init; }
    /// <summary>Caveats: extrapolation, repeated data, limits.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }
}

/// <summary>Compute-optimal parameters, tokens, epochs and loss for a FLOP budget under a chosen fit.</summary>
public static class ScalingPredictor
{
    /// <summary>Training FLOP of Chinchilla itself (Hoffmann et al. 2022 Table 3, 70B row), the top of the fitted range.</summary>
    public const double LargestFittedRunFlop = 5.76e23;

    /// <summary>Largest FLOP the predictor accepts (far beyond every known limit; keeps every output finite).</summary>
    public const double MaxFlop = 1e40;

    /// <summary>Predicts with a fit id ("chinchilla" or "epoch").</summary>
    public static ScalingPrediction Predict(double flop, string law, double? uniqueTokens = null) =>
        Predict(flop, ScalingLawCatalog.Default.Get(law), uniqueTokens, ScalingLawCatalog.Default);

    /// <summary>Predicts the compute-optimal allocation and loss of <paramref name="flop"/>.</summary>
    public static ScalingPrediction Predict(double flop, ParametricFit fit, double? uniqueTokens, ScalingLawCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(catalog);
        if (!(flop > 0) || flop > MaxFlop) throw new ArgumentOutOfRangeException(nameof(flop), flop, $"training FLOP must be above 0 and at most {MaxFlop:E0}.");
        if (uniqueTokens is { } u0 && !(u0 > 0 && double.IsFinite(u0))) throw new ArgumentOutOfRangeException(nameof(uniqueTokens), uniqueTokens, "unique tokens must be above 0.");
        var inv = CultureInfo.InvariantCulture;
        var (n0, d0) = fit.ComputeOptimal(flop);
        var l0 = fit.Loss(n0, d0);
        double n = n0, d = d0, loss = l0;
        var constrained = false;
        if (uniqueTokens is { } u && d0 > u)
        {
            (n, d, loss) = DataConstrainedScaling.Optimal(fit, flop, u, catalog.RepeatedDataDecay, catalog.ExcessParameterDecay);
            constrained = true;
        }
        var epochs = uniqueTokens is { } uu ? d / uu : 1.0;
        var warnings = new List<string>();
        var orders = Math.Log10(flop / LargestFittedRunFlop);
        if (orders > 2)
        {
            warnings.Add(string.Create(inv, $"{flop:0.##e+0} FLOP is {orders:F1} orders of magnitude beyond Chinchilla's own run ({LargestFittedRunFlop:0.##e+0} FLOP), the top of the range the fits were made on: the loss is an extrapolation."));
        }
        else if (flop < 1e18)
        {
            warnings.Add(string.Create(inv, $"{flop:0.##e+0} FLOP is below the smallest runs behind the fits: the loss is an extrapolation."));
        }
        if (constrained)
        {
            warnings.Add(string.Create(inv, $"Unique data binds: the unconstrained optimum needs {d0:0.##e+0} tokens but only {uniqueTokens:0.##e+0} are unique; the data-constrained optimum repeats them {epochs:F1} times (Muennighoff et al. 2023, whose decay constants were fitted with their own C4 constants: an approximation for this fit)."));
            if (epochs > 16) warnings.Add(string.Create(inv, $"{epochs:F0} epochs: beyond ~16 repetitions added data is worth almost nothing (Muennighoff et al. 2023)."));
            else if (epochs > 4) warnings.Add(string.Create(inv, $"{epochs:F1} epochs: beyond ~4 repetitions repeated data is worth markedly less than fresh data (Muennighoff et al. 2023)."));
        }
        var reached = catalog.Limits.Where(l => flop >= l.Flop).ToList();
        foreach (var l in reached)
        {
            warnings.Add(string.Create(inv, $"{flop:0.##e+0} FLOP reaches the {l.Label} (~{l.Flop:0.##e+0} FLOP): {l.Note}."));
        }
        var previous = flop / 10;
        var previousLoss = uniqueTokens is { } up && fit.ComputeOptimal(previous).Tokens > up
            ? DataConstrainedScaling.Optimal(fit, previous, up, catalog.RepeatedDataDecay, catalog.ExcessParameterDecay).Loss
            : fit.OptimalLoss(previous);
        return new ScalingPrediction
        {
            Law = fit.Id,
            LawName = fit.Name,
            Flop = flop,
            Log10Flop = Math.Log10(flop),
            Parameters = n,
            Tokens = d,
            TokensPerParameter = d / n,
            Epochs = epochs,
            UniqueTokens = uniqueTokens,
            PredictedLoss = loss,
            ReducibleLoss = loss - fit.E,
            LossGainPer10x = previousLoss - loss,
            DataConstrained = constrained,
            UnconstrainedParameters = n0,
            UnconstrainedTokens = d0,
            UnconstrainedLoss = l0,
            LimitsReached = reached,
            Warnings = warnings,
        };
    }

    /// <summary>
    /// Loss of a given model (<paramref name="parameters"/>, for MoE the active parameters) trained on
    /// <paramref name="tokens"/> tokens; with <paramref name="uniqueTokens"/>, Muennighoff's data-constrained form.
    /// </summary>
    public static double LossOf(ParametricFit fit, double parameters, double tokens, double? uniqueTokens, ScalingLawCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(catalog);
        return uniqueTokens is { } u
            ? DataConstrainedScaling.Loss(fit, parameters, tokens, u, catalog.RepeatedDataDecay, catalog.ExcessParameterDecay)
            : fit.Loss(parameters, tokens);
    }
}
