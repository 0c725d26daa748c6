using System.Text.Json;

namespace CapacityPlanner.Core.Reliability;

/// <summary>One component class of the interruption model with its per-GPU-hour rate.</summary>
/// <param name="Id">gpu, hbm, nic, network, host, software, planned.</param>
/// <param name="Name">Display name.</param>
/// <param name="Interruptions">Interruptions counted in the source exposure.</param>
/// <param name="RatePerGpuHour">Interruptions ÷ exposure GPU-hours.</param>
/// <param name="Hardware">True when the failed node leaves the pool (needs a spare or a repair).</param>
/// <param name="Planned">True for planned interruptions.</param>
/// <param name="Source">Source key.</param>
/// <param name="Basis">Basis.</param>
/// <param name="Note">How the count was obtained.</param>
public sealed record ComponentClass(string Id, string Name, double Interruptions, double RatePerGpuHour, bool Hardware, bool Planned,
    string Source, string Basis, string Note);

/// <summary>A default figure or choice of the goodput model with its provenance.</summary>
/// <param name="Name">Field name.</param>
/// <param name="Value">Numeric value (NaN for text choices).</param>
/// <param name="Text">Text value for choices, else null.</param>
/// <param name="Source">Source key.</param>
/// <param name="Basis">Basis.</param>
/// <param name="Note">Meaning and range.</param>
public sealed record ReliabilityFigure(string Name, double Value, string? Text, string Source, string Basis, string Note);

/// <summary>DiLoCo's evaluation-loss gap to data parallelism by replicas (data, not code).</summary>
/// <param name="Replicas">Replica counts, increasing.</param>
/// <param name="LossPercent">Loss difference in percent at each count (negative: DiLoCo better).</param>
/// <param name="Source">Source key.</param>
/// <param name="Basis">Basis.</param>
/// <param name="Note">Note.</param>
public sealed record DilocoPenaltyTable(IReadOnlyList<double> Replicas, IReadOnlyList<double> LossPercent, string Source, string Basis, string Note)
{
    /// <summary>Loss gap in percent for <paramref name="replicas"/>: linear in log₂ M between points, extrapolated beyond the last two.</summary>
    public double LossPercentFor(double replicas)
    {
        var x = Math.Log2(Math.Max(1, replicas));
        var xs = Replicas.Select(r => Math.Log2(r)).ToArray();
        if (x <= xs[0]) return LossPercent[0];
        var i = 1;
        while (i < xs.Length - 1 && x > xs[i]) i++;
        var t = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
        return LossPercent[i - 1] + t * (LossPercent[i] - LossPercent[i - 1]);
    }
}

/// <summary>The published INTELLECT-1 figures the cross-site model is checked against.</summary>
/// <param name="Parameters">Model parameters.</param>
/// <param name="Nodes">Replicas (nodes).</param>
/// <param name="GpusPerNode">GPUs per node.</param>
/// <param name="InnerSteps">DiLoCo H.</param>
/// <param name="OuterBytesPerParameter">Bytes per parameter of the outer all-reduce (int8 = 1).</param>
/// <param name="GbpsUsa">Effective per-node bandwidth, nodes across the US.</param>
/// <param name="GbpsGlobal">Effective per-node bandwidth, three continents.</param>
/// <param name="UtilizationUsa">Reported compute utilization (US).</param>
/// <param name="UtilizationGlobal">Reported compute utilization (global).</param>
/// <param name="Note">Provenance.</param>
public sealed record Intellect1Reference(double Parameters, int Nodes, int GpusPerNode, int InnerSteps, double OuterBytesPerParameter,
    double GbpsUsa, double GbpsGlobal, double UtilizationUsa, double UtilizationGlobal, string Note);

/// <summary>
/// The goodput model's data, read from the embedded <c>Data/reliability.json</c>: interruption rates per component
/// class (Llama 3's root-cause table), checkpoint, restart and spare defaults, inter-site link defaults and DiLoCo's
/// token-efficiency data, every figure with its source.
/// </summary>
public sealed class ReliabilityData
{
    private static readonly Lazy<ReliabilityData> s_standard = new(() => Parse(EmbeddedData.Read("reliability.json")));

    private ReliabilityData() { }

    /// <summary>The shipped data.</summary>
    public static ReliabilityData Standard => s_standard.Value;

    /// <summary>Component classes in file order.</summary>
    public IReadOnlyList<ComponentClass> Classes { get; private init; } = [];

    /// <summary>Defaults by name.</summary>
    public IReadOnlyDictionary<string, ReliabilityFigure> Defaults { get; private init; } = new Dictionary<string, ReliabilityFigure>();

    /// <summary>Source key → citation.</summary>
    public IReadOnlyDictionary<string, string> Sources { get; private init; } = new Dictionary<string, string>();

    /// <summary>GPU-hours of the exposure the class counts come from.</summary>
    public double ExposureGpuHours { get; private init; }

    /// <summary>DiLoCo loss gap by replicas.</summary>
    public DilocoPenaltyTable Diloco { get; private init; } = null!;

    /// <summary>INTELLECT-1 reference figures.</summary>
    public Intellect1Reference Intellect1 { get; private init; } = null!;

    /// <summary>Published Llama 3 interruptions per day (all, unexpected) and the lower bound of its effective training time.</summary>
    public (double PerDay, double UnexpectedPerDay, double EttrMin) Llama3 { get; private init; }

    /// <summary>Spread of published effective-training-time ratios.</summary>
    public (double Min, double Max) EttrSpread { get; private init; }

    /// <summary>Spread of published job-interrupting failures per 1,000 node-days.</summary>
    public (double Min, double Max) RatePerThousandNodeDaysSpread { get; private init; }

    /// <summary>A numeric default.</summary>
    public double Value(string name) => Defaults[name].Value;

    /// <summary>Parses a reliability document.</summary>
    public static ReliabilityData Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var exposure = root.GetProperty("exposure").GetProperty("gpuHours").GetDouble();
        var classes = new List<ComponentClass>();
        foreach (var p in root.GetProperty("componentClasses").EnumerateObject())
        {
            var c = p.Value;
            var n = c.GetProperty("interruptions").GetDouble();
            classes.Add(new ComponentClass(p.Name, c.GetProperty("name").GetString()!, n, n / exposure,
                c.GetProperty("hardware").GetBoolean(), c.TryGetProperty("planned", out var pl) && pl.GetBoolean(),
                c.GetProperty("source").GetString()!, c.GetProperty("basis").GetString()!, c.GetProperty("note").GetString()!));
        }
        var defaults = new Dictionary<string, ReliabilityFigure>(StringComparer.Ordinal);
        foreach (var p in root.GetProperty("defaults").EnumerateObject())
        {
            var v = p.Value.GetProperty("value");
            var text = v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            defaults[p.Name] = new ReliabilityFigure(p.Name, text is null ? v.GetDouble() : double.NaN, text,
                p.Value.GetProperty("source").GetString()!, p.Value.GetProperty("basis").GetString()!, p.Value.GetProperty("note").GetString()!);
        }
        var sources = root.GetProperty("sources").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
        var d = root.GetProperty("dilocoPenalty");
        var diloco = new DilocoPenaltyTable(
            d.GetProperty("replicas").EnumerateArray().Select(e => e.GetDouble()).ToList(),
            d.GetProperty("lossPercentVsDataParallel").EnumerateArray().Select(e => e.GetDouble()).ToList(),
            d.GetProperty("source").GetString()!, d.GetProperty("basis").GetString()!, d.GetProperty("note").GetString()!);
        var i = root.GetProperty("intellect1");
        var intellect = new Intellect1Reference(i.GetProperty("parameters").GetDouble(), i.GetProperty("nodes").GetInt32(),
            i.GetProperty("gpusPerNode").GetInt32(), i.GetProperty("innerSteps").GetInt32(), i.GetProperty("outerBytesPerParameter").GetDouble(),
            i.GetProperty("interSiteGbps").GetProperty("usa").GetDouble(), i.GetProperty("interSiteGbps").GetProperty("global").GetDouble(),
            i.GetProperty("utilization").GetProperty("usa").GetDouble(), i.GetProperty("utilization").GetProperty("global").GetDouble(),
            i.GetProperty("note").GetString()!);
        var pub = root.GetProperty("published");
        var l3 = pub.GetProperty("llama3");
        var spread = pub.GetProperty("ettrSpread");
        var rate = pub.GetProperty("ratePerThousandNodeDays");
        return new ReliabilityData
        {
            Classes = classes,
            Defaults = defaults,
            Sources = sources,
            ExposureGpuHours = exposure,
            Diloco = diloco,
            Intellect1 = intellect,
            Llama3 = (l3.GetProperty("interruptionsPerDay").GetDouble(), l3.GetProperty("unexpectedPerDay").GetDouble(), l3.GetProperty("effectiveTrainingTimeMin").GetDouble()),
            EttrSpread = (spread.GetProperty("min").GetDouble(), spread.GetProperty("max").GetDouble()),
            RatePerThousandNodeDaysSpread = (rate.GetProperty("min").GetDouble(), rate.GetProperty("max").GetDouble()),
        };
    }
}
