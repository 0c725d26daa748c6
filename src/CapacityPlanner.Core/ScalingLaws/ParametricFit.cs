namespace CapacityPlanner.Core.ScalingLaws;

/// <summary>
/// A Chinchilla-form parametric loss fit <c>L(N, D) = E + A/N^α + B/D^β</c> (nats per token; Hoffmann et al. 2022
/// eq. (2)) with its compute-optimal frontier under <c>C = 6·N·D</c> (formula sheet §9).
/// </summary>
/// <param name="Id">Identifier used in scenario documents and on the command line ("chinchilla", "epoch").</param>
/// <param name="Name">Display name with the citation.</param>
/// <param name="E">Irreducible loss.</param>
/// <param name="A">Parameter-term coefficient.</param>
/// <param name="B">Data-term coefficient.</param>
/// <param name="Alpha">Parameter exponent α.</param>
/// <param name="Beta">Data exponent β.</param>
/// <param name="Source">Source key of the constants.</param>
/// <param name="Note">What to know about the fit.</param>
public sealed record ParametricFit(string Id, string Name, double E, double A, double B, double Alpha, double Beta, string Source, string Note)
{
    /// <summary>FLOPs per parameter per training token in the frontier's convention (C = 6·N·D).</summary>
    public const double FlopsPerParameterToken = 6.0;

    /// <summary><c>G = (α·A / (β·B))^(1/(α+β))</c>.</summary>
    public double G => Math.Pow(Alpha * A / (Beta * B), 1.0 / (Alpha + Beta));

    /// <summary>Exponent of the optimal parameter count, <c>N_opt ∝ C^a</c>, <c>a = β/(α+β)</c>.</summary>
    public double ParameterExponent => Beta / (Alpha + Beta);

    /// <summary>Exponent of the optimal token count, <c>D_opt ∝ C^b</c>, <c>b = α/(α+β)</c>.</summary>
    public double TokenExponent => Alpha / (Alpha + Beta);

    /// <summary>Predicted loss for <paramref name="parameters"/> trained on <paramref name="tokens"/> fresh tokens.</summary>
    public double Loss(double parameters, double tokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        return E + A / Math.Pow(parameters, Alpha) + B / Math.Pow(tokens, Beta);
    }

    /// <summary>
    /// The compute-optimal allocation of <paramref name="flop"/>: <c>N_opt = G·(C/6)^a</c>, <c>D_opt = G⁻¹·(C/6)^b</c>
    /// (Hoffmann et al. 2022 eq. (4); E does not move the optimum). Computed in logarithms so that 1e40 FLOP stays finite.
    /// </summary>
    public (double Parameters, double Tokens) ComputeOptimal(double flop)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(flop);
        var logC6 = Math.Log(flop / FlopsPerParameterToken);
        var logG = Math.Log(G);
        return (Math.Exp(logG + ParameterExponent * logC6), Math.Exp(TokenExponent * logC6 - logG));
    }

    /// <summary>Loss on the compute-optimal frontier at <paramref name="flop"/>.</summary>
    public double OptimalLoss(double flop)
    {
        var (n, d) = ComputeOptimal(flop);
        return Loss(n, d);
    }

    /// <summary>
    /// The parameter count for which <paramref name="tokens"/> is the compute-optimal data size:
    /// <c>N = G·(D·G)^(β/α)</c> (the datablations repository's <c>D_to_N</c>).
    /// </summary>
    public double ParametersForTokens(double tokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        return G * Math.Pow(tokens * G, Beta / Alpha);
    }
}
