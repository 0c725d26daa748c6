using System.Text.Json;

namespace CapacityPlanner.Core.ScalingLaws;

/// <summary>A known limit on the compute ladder (for example Epoch AI's data-movement limit).</summary>
/// <param name="Id">Identifier.</param>
/// <param name="Label">Short label for a chart.</param>
/// <param name="Flop">Training FLOP where the limit lies.</param>
/// <param name="Source">Source key.</param>
/// <param name="Note">What the limit means and how firm it is.</param>
public sealed record ComputeLimit(string Id, string Label, double Flop, string Source, string Note);

/// <summary>
/// The scaling-law fits, Muennighoff's data-repetition constants and the known compute limits, read from the embedded
/// <c>budget-defaults.json</c> (every figure there names its source).
/// </summary>
public sealed class ScalingLawCatalog
{
    private static readonly Lazy<ScalingLawCatalog> s_default = new(() => Parse(EmbeddedData.Read("budget-defaults.json")));
    private readonly Dictionary<string, ParametricFit> _fits;

    private ScalingLawCatalog(IReadOnlyList<ParametricFit> fits, double repeatedDataDecay, double excessParameterDecay, string dataConstrainedNote,
        IReadOnlyList<ComputeLimit> limits, IReadOnlyDictionary<string, string> sources)
    {
        Fits = fits;
        _fits = fits.ToDictionary(f => f.Id, StringComparer.OrdinalIgnoreCase);
        RepeatedDataDecay = repeatedDataDecay;
        ExcessParameterDecay = excessParameterDecay;
        DataConstrainedNote = dataConstrainedNote;
        Limits = limits;
        Sources = sources;
    }

    /// <summary>The shipped catalog.</summary>
    public static ScalingLawCatalog Default => s_default.Value;

    /// <summary>Ids a scenario or the command line may choose (the Muennighoff C4 fit is for data-constrained checks only).</summary>
    public static IReadOnlyList<string> SelectableIds { get; } = ["chinchilla", "epoch"];

    /// <summary>All fits in file order.</summary>
    public IReadOnlyList<ParametricFit> Fits { get; }

    /// <summary>Hoffmann et al. 2022, rounded constants.</summary>
    public ParametricFit Chinchilla => Get("chinchilla");

    /// <summary>Besiroglu et al. 2024 (Epoch AI) refit.</summary>
    public ParametricFit Epoch => Get("epoch");

    /// <summary>Muennighoff et al. 2023 C4 fit (for the data-constrained law as published).</summary>
    public ParametricFit MuennighoffC4 => Get("muennighoff-c4");

    /// <summary>R_D*: how fast repeated epochs lose value (Muennighoff et al. 2023).</summary>
    public double RepeatedDataDecay { get; }

    /// <summary>R_N*: how fast parameters beyond what the unique data supports lose value.</summary>
    public double ExcessParameterDecay { get; }

    /// <summary>Notes on the data-constrained law.</summary>
    public string DataConstrainedNote { get; }

    /// <summary>Known limits, in increasing FLOP.</summary>
    public IReadOnlyList<ComputeLimit> Limits { get; }

    /// <summary>Source key → citation.</summary>
    public IReadOnlyDictionary<string, string> Sources { get; }

    /// <summary>A fit by id (case-insensitive).</summary>
    public ParametricFit Get(string id) => _fits.TryGetValue(id, out var f) ? f : throw new KeyNotFoundException($"unknown scaling law '{id}'");

    /// <summary>Looks a fit up by id.</summary>
    public bool TryGet(string id, out ParametricFit fit) => _fits.TryGetValue(id, out fit!);

    /// <summary>Parses the scaling-law parts of a budget-defaults document.</summary>
    public static ScalingLawCatalog Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var fits = new List<ParametricFit>();
        foreach (var p in root.GetProperty("scalingLaws").EnumerateObject())
        {
            var f = p.Value;
            fits.Add(new ParametricFit(p.Name, f.GetProperty("name").GetString()!,
                f.GetProperty("E").GetDouble(), f.GetProperty("A").GetDouble(), f.GetProperty("B").GetDouble(),
                f.GetProperty("alpha").GetDouble(), f.GetProperty("beta").GetDouble(),
                f.GetProperty("source").GetString()!, f.GetProperty("note").GetString()!));
            if (f.TryGetProperty("logA", out var la))
            {
                // The datablations README gives the C4 constants as logarithms; prefer the exact exponentials.
                fits[^1] = fits[^1] with
                {
                    A = Math.Exp(la.GetDouble()),
                    B = Math.Exp(f.GetProperty("logB").GetDouble()),
                    E = Math.Exp(f.GetProperty("logE").GetDouble()),
                };
            }
        }
        var dc = root.GetProperty("dataConstrained");
        var limits = root.GetProperty("limits").EnumerateArray()
            .Select(l => new ComputeLimit(l.GetProperty("id").GetString()!, l.GetProperty("label").GetString()!, l.GetProperty("flop").GetDouble(),
                l.GetProperty("source").GetString()!, l.GetProperty("note").GetString()!))
            .OrderBy(l => l.Flop).ToList();
        var sources = root.GetProperty("sources").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
        return new ScalingLawCatalog(fits, dc.GetProperty("repeatedDataDecay").GetDouble(), dc.GetProperty("excessParameterDecay").GetDouble(),
            dc.GetProperty("note").GetString()!, limits, sources);
    }
}
