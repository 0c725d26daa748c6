namespace CapacityPlanner.Core.ScalingLaws;

/// <summary>One rung of the ladder: the compute-optimal model at a FLOP budget.</summary>
/// <param name="Flop">Training FLOP.</param>
/// <param name="Log10Flop">log10 of the FLOP (the chart's x axis).</param>
/// <param name="Parameters">Compute-optimal parameters.</param>
/// <param name="Tokens">Compute-optimal tokens.</param>
/// <param name="Loss">Predicted loss (the chart's y axis).</param>
/// <param name="ReducibleLoss">Loss above the irreducible term.</param>
/// <param name="LossGainPer10x">L(C/10) − L(C): what the last 10× of compute bought.</param>
public sealed record LadderPoint(double Flop, double Log10Flop, double Parameters, double Tokens, double Loss, double ReducibleLoss, double LossGainPer10x);

/// <summary>A scenario placed on the ladder.</summary>
/// <param name="Label">Scenario name.</param>
/// <param name="Flop">Its training FLOP.</param>
/// <param name="Log10Flop">log10 of the FLOP.</param>
/// <param name="Loss">Compute-optimal loss at that FLOP.</param>
public sealed record LadderMarker(string Label, double Flop, double Log10Flop, double Loss);

/// <summary>"If training FLOP goes from 10^n to 10^(n+k), how much better is the model?"</summary>
/// <param name="FromFlop">Lower FLOP.</param>
/// <param name="ToFlop">Higher FLOP.</param>
/// <param name="FromLoss">Loss at the lower FLOP.</param>
/// <param name="ToLoss">Loss at the higher FLOP.</param>
/// <param name="LossGain">FromLoss − ToLoss (nats per token).</param>
/// <param name="ReducibleLossRemovedFraction">Share of the reducible loss (above E) at the lower FLOP that the step removes.</param>
public sealed record LadderStep(double FromFlop, double ToFlop, double FromLoss, double ToLoss, double LossGain, double ReducibleLossRemovedFraction);

/// <summary>
/// The compute ladder: predicted loss against training FLOP on the compute-optimal frontier of one fit, the marginal
/// gain per 10× of compute, the thousandfold steps, where the known limits lie and where given scenarios sit.
/// </summary>
/// <param name="Law">Fit id.</param>
/// <param name="LawName">Fit name.</param>
/// <param name="IrreducibleLoss">E of the fit: the floor the ladder approaches.</param>
/// <param name="Points">Rungs in increasing FLOP.</param>
/// <param name="ThousandfoldSteps">10^n → 10^(n+3) for every whole n in range.</param>
/// <param name="Limits">Known limits (Epoch AI) in increasing FLOP.</param>
/// <param name="Markers">Scenarios placed on the ladder.</param>
public sealed record ComputeLadder(
    string Law,
    string LawName,
    double IrreducibleLoss,
    IReadOnlyList<LadderPoint> Points,
    IReadOnlyList<LadderStep> ThousandfoldSteps,
    IReadOnlyList<ComputeLimit> Limits,
    IReadOnlyList<LadderMarker> Markers)
{
    /// <summary>Builds the ladder with the shipped catalog.</summary>
    public static ComputeLadder Build(string law, double minLog10Flop = 20, double maxLog10Flop = 31, int pointsPerDecade = 4,
        IEnumerable<(string Label, double Flop)>? markers = null) =>
        Build(ScalingLawCatalog.Default.Get(law), ScalingLawCatalog.Default, minLog10Flop, maxLog10Flop, pointsPerDecade, markers);

    /// <summary>Builds the ladder from 10^<paramref name="minLog10Flop"/> to 10^<paramref name="maxLog10Flop"/> FLOP.</summary>
    public static ComputeLadder Build(ParametricFit fit, ScalingLawCatalog catalog, double minLog10Flop, double maxLog10Flop, int pointsPerDecade,
        IEnumerable<(string Label, double Flop)>? markers)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentOutOfRangeException.ThrowIfLessThan(pointsPerDecade, 1);
        if (!(maxLog10Flop > minLog10Flop) || minLog10Flop < 10 || maxLog10Flop > 40)
            throw new ArgumentOutOfRangeException(nameof(maxLog10Flop), "the ladder spans 10^10 to 10^40 FLOP, lowest first.");
        var points = new List<LadderPoint>();
        var count = (int)Math.Round((maxLog10Flop - minLog10Flop) * pointsPerDecade);
        for (var i = 0; i <= count; i++)
        {
            var log = minLog10Flop + (double)i / pointsPerDecade;
            var c = Math.Pow(10, log);
            var (n, d) = fit.ComputeOptimal(c);
            var loss = fit.Loss(n, d);
            points.Add(new LadderPoint(c, log, n, d, loss, loss - fit.E, fit.OptimalLoss(c / 10) - loss));
        }
        var steps = new List<LadderStep>();
        for (var n = (int)Math.Ceiling(minLog10Flop); n + 3 <= maxLog10Flop + 1e-9; n++)
        {
            steps.Add(Step(fit, Math.Pow(10, n), Math.Pow(10, n + 3)));
        }
        var placed = (markers ?? [])
            .Where(m => m.Flop > 0 && double.IsFinite(m.Flop))
            .Select(m => new LadderMarker(m.Label, m.Flop, Math.Log10(m.Flop), fit.OptimalLoss(m.Flop)))
            .ToList();
        return new ComputeLadder(fit.Id, fit.Name, fit.E, points, steps, catalog.Limits, placed);
    }

    /// <summary>The loss gained by going from <paramref name="fromFlop"/> to <paramref name="toFlop"/> on the frontier.</summary>
    public static LadderStep Step(ParametricFit fit, double fromFlop, double toFlop)
    {
        ArgumentNullException.ThrowIfNull(fit);
        var from = fit.OptimalLoss(fromFlop);
        var to = fit.OptimalLoss(toFlop);
        return new LadderStep(fromFlop, toFlop, from, to, from - to, (from - to) / (from - fit.E));
    }
}
