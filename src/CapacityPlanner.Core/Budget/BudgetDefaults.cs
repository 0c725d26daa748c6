using System.Text.Json;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Core.Budget;

/// <summary>One default figure with its provenance.</summary>
/// <param name="Name">Field name in the scenario's <c>budget</c> section.</param>
/// <param name="Value">The value.</param>
/// <param name="Source">Source key (see <see cref="BudgetDefaults.Sources"/>).</param>
/// <param name="Basis">verified, derived, secondary, memory or assumed.</param>
/// <param name="Note">What the figure is and its range.</param>
public sealed record BudgetFigure(string Name, double Value, string Source, string Basis, string Note);

/// <summary>One default choice (acquisition, capital charge, scaling law) with its provenance.</summary>
/// <param name="Name">Field name.</param>
/// <param name="Value">The choice.</param>
/// <param name="Source">Source key.</param>
/// <param name="Basis">Basis.</param>
/// <param name="Note">Why this default.</param>
public sealed record BudgetChoice(string Name, string Value, string Source, string Basis, string Note);

/// <summary>Optimizer costs the budget planner charges, with their sources.</summary>
/// <param name="Id">adamw, adafactor, shampoo, soap, muon, sgd.</param>
/// <param name="Name">Display name.</param>
/// <param name="StateBytesPerParameter">Optimizer state per parameter beyond 16-bit weights and gradients (fp32 master included).</param>
/// <param name="ExtraStepTimeFraction">Step time added beyond what the analytic model prices (Shampoo, SOAP).</param>
/// <param name="NewtonSchulzSteps">Muon's orthogonalisation iterations (0 for others).</param>
/// <param name="EstimatorOptimizer">The optimizer the analytic model is run with for memory and step time.</param>
/// <param name="Source">Source key.</param>
/// <param name="Basis">verified, derived, secondary.</param>
/// <param name="Note">How the figures were obtained.</param>
public sealed record BudgetOptimizer(string Id, string Name, double StateBytesPerParameter, double ExtraStepTimeFraction, int NewtonSchulzSteps,
    OptimizerKind EstimatorOptimizer, string Source, string Basis, string Note)
{
    /// <summary>
    /// Extra training FLOPs of the optimizer as a fraction of the model's, per step: Muon's Newton–Schulz bound
    /// <c>T·m/B</c> (Jordan 2024; m = hidden size, B = tokens per step), zero for element-wise optimizers.
    /// </summary>
    public double ExtraFlopFraction(int hiddenSize, double tokensPerStep) =>
        NewtonSchulzSteps > 0 && tokensPerStep > 0 ? NewtonSchulzSteps * (double)hiddenSize / tokensPerStep : 0;
}

/// <summary>A built-in example scenario (opens with one click in the dashboard; also under the CLI's Examples).</summary>
/// <param name="Id">Identifier.</param>
/// <param name="Title">Title.</param>
/// <param name="Description">What it shows.</param>
/// <param name="DocumentJson">The scenario document (indented JSON).</param>
public sealed record BudgetExample(string Id, string Title, string Description, string DocumentJson);

/// <summary>
/// The budget planner's defaults read from the embedded <c>Data/budget-defaults.json</c>; every figure cites its
/// source (carried into <c>Data/budget-defaults.json</c> with each figure).
/// </summary>
public sealed class BudgetDefaults
{
    private static readonly Lazy<BudgetDefaults> s_standard = new(() => Parse(EmbeddedData.Read("budget-defaults.json")));

    private BudgetDefaults(IReadOnlyDictionary<string, BudgetFigure> figures, IReadOnlyDictionary<string, BudgetChoice> choices,
        IReadOnlyDictionary<string, BudgetOptimizer> optimizers, IReadOnlyDictionary<string, string> sources, IReadOnlyList<BudgetExample> examples)
    {
        Figures = figures;
        Choices = choices;
        Optimizers = optimizers;
        Sources = sources;
        Examples = examples;
    }

    /// <summary>The shipped defaults.</summary>
    public static BudgetDefaults Standard => s_standard.Value;

    /// <summary>Numeric defaults by field name (durationDays, pue, goodput, …).</summary>
    public IReadOnlyDictionary<string, BudgetFigure> Figures { get; }

    /// <summary>Default choices by field name (acquisition, capitalCost, scalingLaw).</summary>
    public IReadOnlyDictionary<string, BudgetChoice> Choices { get; }

    /// <summary>Optimizers by id.</summary>
    public IReadOnlyDictionary<string, BudgetOptimizer> Optimizers { get; }

    /// <summary>Source key → citation.</summary>
    public IReadOnlyDictionary<string, string> Sources { get; }

    /// <summary>Built-in example scenarios.</summary>
    public IReadOnlyList<BudgetExample> Examples { get; }

    /// <summary>A numeric default by field name.</summary>
    public double Value(string name) => Figures[name].Value;

    /// <summary>Parses a budget-defaults document.</summary>
    public static BudgetDefaults Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var figures = new Dictionary<string, BudgetFigure>(StringComparer.Ordinal);
        var choices = new Dictionary<string, BudgetChoice>(StringComparer.Ordinal);
        foreach (var p in root.GetProperty("defaults").EnumerateObject())
        {
            var v = p.Value.GetProperty("value");
            if (v.ValueKind == JsonValueKind.String)
            {
                choices[p.Name] = new BudgetChoice(p.Name, v.GetString()!, p.Value.GetProperty("source").GetString()!,
                    p.Value.GetProperty("basis").GetString()!, p.Value.GetProperty("note").GetString()!);
                continue;
            }
            figures[p.Name] = new BudgetFigure(p.Name, v.GetDouble(), p.Value.GetProperty("source").GetString()!,
                p.Value.GetProperty("basis").GetString()!, p.Value.GetProperty("note").GetString()!);
        }
        var optimizers = new Dictionary<string, BudgetOptimizer>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in root.GetProperty("optimizers").EnumerateObject())
        {
            var o = p.Value;
            var kind = OptimizerKinds.Parse(o.GetProperty("estimatorOptimizer").GetString());
            optimizers[p.Name] = new BudgetOptimizer(p.Name, o.GetProperty("name").GetString()!,
                o.GetProperty("stateBytesPerParameter").GetDouble(), o.GetProperty("extraStepTimeFraction").GetDouble(),
                o.TryGetProperty("newtonSchulzSteps", out var ns) ? ns.GetInt32() : 0, kind,
                o.GetProperty("source").GetString()!, o.GetProperty("basis").GetString()!, o.GetProperty("note").GetString()!);
        }
        var sources = root.GetProperty("sources").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
        var examples = root.GetProperty("examples").EnumerateArray()
            .Select(e => new BudgetExample(e.GetProperty("id").GetString()!, e.GetProperty("title").GetString()!,
                e.GetProperty("description").GetString()!,
                Indented(e.GetProperty("document"))))
            .ToList();
        return new BudgetDefaults(figures, choices, optimizers, sources, examples);
    }

    private static string Indented(JsonElement element)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            element.WriteTo(w);
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }
}
