using System.Globalization;
using System.Text;
using CapacityPlanner.Contracts.Results;
using CapacityPlanner.Core.ScalingLaws;

namespace CapacityPlanner.Cli.Commands;

/// <summary>
/// <c>capplan scaling --flop 5.76e23 [--law chinchilla|epoch] [--unique-tokens X] [--ladder] [--json]</c>: the
/// compute-optimal parameters, tokens, epochs and predicted loss of a FLOP budget, with the other fit alongside.
/// </summary>
internal static class ScalingCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        _ = stdin;
        var a = CommandArgs.Parse(args, ["--json", "--ladder"], ["--flop", "--law", "--unique-tokens"]);
        var inv = CultureInfo.InvariantCulture;
        if (a.Positional.Count > 0) a.Errors.Add($"unexpected argument '{a.Positional[0]}'; usage: capplan scaling --flop 5.76e23 [--law chinchilla|epoch] [--unique-tokens X] [--ladder] [--json].");
        double flop = 0;
        if (!a.Options.TryGetValue("--flop", out var flopText)) a.Errors.Add("--flop is required (training FLOP, e.g. 5.76e23).");
        else if (!double.TryParse(flopText, NumberStyles.Float, inv, out flop) || !double.IsFinite(flop) || flop <= 0 || flop > ScalingPredictor.MaxFlop)
            a.Errors.Add($"--flop expects a number above 0 and at most 1e40, got '{flopText}'.");
        var law = "epoch";
        if (a.Options.TryGetValue("--law", out var lawText))
        {
            law = lawText.ToLowerInvariant();
            if (!ScalingLawCatalog.SelectableIds.Contains(law)) a.Errors.Add($"--law expects {string.Join(" or ", ScalingLawCatalog.SelectableIds)}, got '{lawText}'.");
        }
        double? unique = null;
        if (a.Options.TryGetValue("--unique-tokens", out var uText))
        {
            if (double.TryParse(uText, NumberStyles.Float, inv, out var u) && double.IsFinite(u) && u > 0) unique = u;
            else a.Errors.Add($"--unique-tokens expects a number of tokens above 0, got '{uText}'.");
        }
        if (a.Errors.Count > 0)
        {
            foreach (var e in a.Errors) await stderr.WriteLineAsync("capplan scaling: " + e);
            return ExitCodes.InvalidInput;
        }
        var catalog = ScalingLawCatalog.Default;
        var prediction = ScalingPredictor.Predict(flop, catalog.Get(law), unique, catalog);
        var other = ScalingPredictor.Predict(flop, catalog.Get(law == "epoch" ? "chinchilla" : "epoch"), unique, catalog);
        var ladder = a.Flags.Contains("--ladder")
            ? ComputeLadder.Build(catalog.Get(law), catalog, 20, 31, 1, [("this budget", flop)])
            : null;
        await stdout.WriteLineAsync(a.Flags.Contains("--json") ? ScalingJson.Serialize(prediction, other, ladder) : Render(prediction, other, ladder));
        return ExitCodes.Ok;
    }

    private static string Sci(double v) => v.ToString("0.00e+0", CultureInfo.InvariantCulture);

    private static string Render(ScalingPrediction p, ScalingPrediction other, ComputeLadder? ladder)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"{Sci(p.Flop)} training FLOP (log10 {p.Log10Flop:F2}), C = 6·N·D");
        sb.AppendLine();
        sb.AppendLine(inv, $"{"law",-12} {"parameters",11} {"tokens",11} {"tokens/param",13} {"epochs",7} {"loss",8} {"gain/10x",9}");
        foreach (var x in new[] { p, other })
        {
            sb.AppendLine(inv, $"{x.Law,-12} {Sci(x.Parameters),11} {Sci(x.Tokens),11} {x.TokensPerParameter,13:N1} {x.Epochs,7:0.##} {x.PredictedLoss,8:F4} {x.LossGainPer10x,9:F4}");
        }
        sb.AppendLine();
        sb.AppendLine(inv, $"{p.LawName}: {ScalingLawCatalog.Default.Get(p.Law).Note}.");
        sb.AppendLine(inv, $"{other.LawName}: {ScalingLawCatalog.Default.Get(other.Law).Note}.");
        if (p.DataConstrained)
        {
            sb.AppendLine(inv, $"Unconstrained ({p.Law}): {Sci(p.UnconstrainedParameters)} parameters, {Sci(p.UnconstrainedTokens)} tokens, loss {p.UnconstrainedLoss:F4}.");
        }
        if (ladder is not null)
        {
            sb.AppendLine();
            sb.AppendLine(inv, $"Compute ladder ({ladder.Law}, irreducible loss {ladder.IrreducibleLoss:F4})");
            sb.AppendLine(inv, $"{"FLOP",9} {"parameters",11} {"tokens",11} {"loss",8} {"gain/10x",9}");
            foreach (var pt in ladder.Points)
            {
                var limit = ladder.Limits.FirstOrDefault(l => Math.Abs(Math.Log10(l.Flop) - pt.Log10Flop) < 0.5);
                sb.AppendLine(inv, $"{"1e" + pt.Log10Flop.ToString("F0", inv),9} {Sci(pt.Parameters),11} {Sci(pt.Tokens),11} {pt.Loss,8:F4} {pt.LossGainPer10x,9:F4}{(limit is null ? "" : "   ← " + limit.Label)}");
            }
            sb.AppendLine();
            sb.AppendLine("10^n → 10^(n+3) FLOP:");
            foreach (var s in ladder.ThousandfoldSteps)
            {
                sb.AppendLine(inv, $"  1e{Math.Log10(s.FromFlop):F0} → 1e{Math.Log10(s.ToFlop):F0}: loss {s.FromLoss:F4} → {s.ToLoss:F4} (−{s.LossGain:F4}, {s.ReducibleLossRemovedFraction:P0} of the reducible loss)");
            }
        }
        if (p.Warnings.Count > 0)
        {
            sb.AppendLine();
            foreach (var w in p.Warnings) sb.AppendLine("  ! " + w);
        }
        return sb.ToString();
    }
}
