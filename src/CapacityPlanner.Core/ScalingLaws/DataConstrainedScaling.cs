namespace CapacityPlanner.Core.ScalingLaws;

/// <summary>
/// Muennighoff et al. 2023's data-constrained law (formula sheet §9): repeated epochs and parameters beyond what the
/// unique data supports decay in value, <c>D' = U + U·R_D*·(1 − e^(−R_D/R_D*))</c>, <c>R_D = D/U − 1</c>;
/// <c>N' = U_N + U_N·R_N*·(1 − e^(−R_N/R_N*))</c>, <c>U_N = min(N, N_opt(U))</c>, <c>R_N = N/U_N − 1</c>;
/// <c>L = E + A/N'^α + B/D'^β</c>.
/// </summary>
public static class DataConstrainedScaling
{
    /// <summary>Effective data: the fresh-data equivalent of <paramref name="tokens"/> drawn from <paramref name="uniqueTokens"/> unique tokens.</summary>
    public static double EffectiveTokens(double tokens, double uniqueTokens, double repeatedDataDecay)
    {
        var u = Math.Min(uniqueTokens, tokens);
        var repeats = Math.Max(tokens / u - 1, 0);
        return u + u * repeatedDataDecay * (1 - Math.Exp(-repeats / repeatedDataDecay));
    }

    /// <summary>Loss with the shipped decay constants.</summary>
    public static double Loss(ParametricFit fit, double parameters, double tokens, double uniqueTokens) =>
        Loss(fit, parameters, tokens, uniqueTokens, ScalingLawCatalog.Default.RepeatedDataDecay, ScalingLawCatalog.Default.ExcessParameterDecay);

    /// <summary>
    /// Loss of <paramref name="parameters"/> trained on <paramref name="tokens"/> tokens drawn from <paramref name="uniqueTokens"/>
    /// unique tokens (unique tokens above the total count are capped at it, as the datablations grid search does).
    /// </summary>
    public static double Loss(ParametricFit fit, double parameters, double tokens, double uniqueTokens, double repeatedDataDecay, double excessParameterDecay)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(uniqueTokens);
        var u = Math.Min(uniqueTokens, tokens);
        var effectiveData = EffectiveTokens(tokens, u, repeatedDataDecay);
        var un = Math.Min(parameters, fit.ParametersForTokens(u));
        var excess = Math.Max(parameters / un - 1, 0);
        var effectiveParameters = un + un * excessParameterDecay * (1 - Math.Exp(-excess / excessParameterDecay));
        return fit.E + fit.A / Math.Pow(effectiveParameters, fit.Alpha) + fit.B / Math.Pow(effectiveData, fit.Beta);
    }

    /// <summary>
    /// The allocation of <paramref name="flop"/> (C = 6·N·D) that minimises the data-constrained loss: a grid over log N
    /// refined by golden-section search (Muennighoff et al. find it by grid search; there is no closed form).
    /// </summary>
    public static (double Parameters, double Tokens, double Loss) Optimal(ParametricFit fit, double flop, double uniqueTokens) =>
        Optimal(fit, flop, uniqueTokens, ScalingLawCatalog.Default.RepeatedDataDecay, ScalingLawCatalog.Default.ExcessParameterDecay);

    /// <summary>As <see cref="Optimal(ParametricFit, double, double)"/> with explicit decay constants.</summary>
    public static (double Parameters, double Tokens, double Loss) Optimal(ParametricFit fit, double flop, double uniqueTokens, double repeatedDataDecay, double excessParameterDecay)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(flop);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(uniqueTokens);
        var c6 = flop / ParametricFit.FlopsPerParameterToken;
        double F(double logN)
        {
            var n = Math.Exp(logN);
            return Loss(fit, n, c6 / n, uniqueTokens, repeatedDataDecay, excessParameterDecay);
        }
        var x0 = Math.Log(fit.ComputeOptimal(flop).Parameters);
        // Repetition pushes the optimum to fewer parameters and more epochs; e^-10 .. e^+4 around the unconstrained optimum.
        const double lo = -10, hi = 4, step = 0.025;
        var bestX = x0;
        var bestF = double.PositiveInfinity;
        for (var dx = lo; dx <= hi + 1e-12; dx += step)
        {
            var f = F(x0 + dx);
            if (f < bestF)
            {
                bestF = f;
                bestX = x0 + dx;
            }
        }
        // Golden-section refinement inside the neighbouring grid cells.
        double a = bestX - step, b = bestX + step;
        var phi = (Math.Sqrt(5) - 1) / 2;
        double c = b - phi * (b - a), d = a + phi * (b - a);
        double fc = F(c), fd = F(d);
        for (var i = 0; i < 60 && b - a > 1e-10; i++)
        {
            if (fc < fd)
            {
                b = d; d = c; fd = fc;
                c = b - phi * (b - a);
                fc = F(c);
            }
            else
            {
                a = c; c = d; fc = fd;
                d = a + phi * (b - a);
                fd = F(d);
            }
        }
        var x = (a + b) / 2;
        var fx = F(x);
        if (bestF < fx)
        {
            x = bestX;
            fx = bestF;
        }
        var parameters = Math.Exp(x);
        return (parameters, c6 / parameters, fx);
    }
}
