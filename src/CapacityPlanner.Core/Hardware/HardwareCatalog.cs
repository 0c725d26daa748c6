using System.Text.Json;

namespace CapacityPlanner.Core.Hardware;

/// <summary>A source a catalog figure cites.</summary>
/// <param name="Key">Source key.</param>
/// <param name="Reference">Citation.</param>
/// <param name="Kind">Kind of source (repo, vendor doc, …).</param>
public sealed record CatalogSource(string Key, string Reference, string Kind);

/// <summary>The chip catalog embedded in Core (<c>Data/hardware-catalog.json</c>); every figure cites a source.</summary>
public sealed class HardwareCatalog
{
    private static readonly Lazy<HardwareCatalog> s_default = new(() => Parse(EmbeddedData.Read("hardware-catalog.json")));
    private readonly Dictionary<string, ChipSpec> _chips;

    private HardwareCatalog(IReadOnlyList<ChipSpec> chips, IReadOnlyDictionary<string, CatalogSource> sources, CatalogFigure powerLimitClockExponent)
    {
        Chips = chips;
        Sources = sources;
        PowerLimitClockExponent = powerLimitClockExponent;
        _chips = chips.ToDictionary(c => c.Id, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The shipped catalog.</summary>
    public static HardwareCatalog Default => s_default.Value;

    /// <summary>Chips in catalog order.</summary>
    public IReadOnlyList<ChipSpec> Chips { get; }

    /// <summary>Sources by key.</summary>
    public IReadOnlyDictionary<string, CatalogSource> Sources { get; }

    /// <summary>
    /// How a chip's sustained tensor clock, and so its peak rate, falls when its power limit is set below the TDP of the
    /// part it is based on: peak ∝ (limit / TDP)^exponent (docs/model.md §Power-limited chips).
    /// </summary>
    public CatalogFigure PowerLimitClockExponent { get; }

    /// <summary>
    /// The factor by which a chip run at <paramref name="limitWatts"/> reaches the peaks its base part is rated for at
    /// <paramref name="baseTdpWatts"/>: 1 at or above the base TDP (clocks do not rise above their rated maximum).
    /// </summary>
    public double PowerLimitPeakFactor(double limitWatts, double baseTdpWatts) =>
        limitWatts > 0 && limitWatts < baseTdpWatts ? Math.Pow(limitWatts / baseTdpWatts, PowerLimitClockExponent.Value) : 1.0;

    /// <summary>Known ids in catalog order.</summary>
    public IEnumerable<string> Ids => Chips.Select(c => c.Id);

    /// <summary>Looks a chip up by id (case-insensitive).</summary>
    public bool TryGet(string id, out ChipSpec chip) => _chips.TryGetValue(id, out chip!);

    /// <summary>Parses a catalog document.</summary>
    public static HardwareCatalog Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var sources = new Dictionary<string, CatalogSource>(StringComparer.Ordinal);
        foreach (var s in root.GetProperty("sources").EnumerateObject())
        {
            sources[s.Name] = new CatalogSource(s.Name,
                s.Value.TryGetProperty("reference", out var r) ? r.GetString() ?? "" : "",
                s.Value.TryGetProperty("kind", out var k) ? k.GetString() ?? "" : "");
        }
        var chips = new List<ChipSpec>();
        foreach (var c in root.GetProperty("chips").EnumerateArray())
        {
            chips.Add(ParseChip(c));
        }
        var exponent = root.GetProperty("powerLimit").GetProperty("clockExponent");
        var powerLimit = new CatalogFigure(
            exponent.GetProperty("value").GetDouble(),
            exponent.GetProperty("source").GetString() ?? "",
            exponent.GetProperty("basis").GetString() ?? "",
            exponent.TryGetProperty("note", out var note) ? note.GetString() : null);
        return new HardwareCatalog(chips, sources, powerLimit);
    }

    private static ChipSpec ParseChip(JsonElement c)
    {
        var figures = new Dictionary<string, CatalogFigure>(StringComparer.Ordinal);
        CatalogFigure? Figure(JsonElement parent, string name, string path)
        {
            if (!parent.TryGetProperty(name, out var f) || f.ValueKind == JsonValueKind.Null) return null;
            var fig = new CatalogFigure(
                f.GetProperty("value").GetDouble(),
                f.TryGetProperty("source", out var s) ? s.GetString() ?? "" : "",
                f.TryGetProperty("basis", out var b) ? b.GetString() ?? "" : "",
                f.TryGetProperty("note", out var n) ? n.GetString() : null);
            figures[path] = fig;
            return fig;
        }
        double Req(JsonElement parent, string name, string path) =>
            Figure(parent, name, path)?.Value ?? throw new InvalidOperationException($"Catalog chip '{c.GetProperty("id").GetString()}' lacks {path}.");

        var peaks = new Dictionary<Precision, double>();
        var peakEl = c.GetProperty("peakTflops");
        foreach (var p in PrecisionExtensions.All)
        {
            var f = Figure(peakEl, p.ToId(), "peakTflops." + p.ToId());
            if (f is not null) peaks[p] = f.Value * Units.Tera;
        }
        var up = c.GetProperty("scaleUp");
        var outEl = c.GetProperty("scaleOut");
        var eff = c.GetProperty("efficiency");
        var price = c.TryGetProperty("price", out var pr) ? pr : default;
        var topology = up.GetProperty("topology").GetString() switch
        {
            "mesh" => ScaleUpTopology.Mesh,
            "torus" => ScaleUpTopology.Torus,
            _ => ScaleUpTopology.Switch,
        };
        return new ChipSpec(
            Id: c.GetProperty("id").GetString()!,
            Name: c.GetProperty("name").GetString()!,
            Vendor: c.GetProperty("vendor").GetString() ?? "",
            PeakFlopsPerSecond: peaks,
            HbmCapacityGiB: Req(c, "hbmCapacityGiB", "hbmCapacityGiB"),
            HbmBandwidthBytesPerSecond: Req(c, "hbmBandwidthTBps", "hbmBandwidthTBps") * Units.Tera,
            TdpWatts: Req(c, "tdpWatts", "tdpWatts"),
            ScaleUp: new ScaleUpFabric(
                up.GetProperty("fabric").GetString() ?? "",
                topology,
                Req(up, "bandwidthGBpsPerDirection", "scaleUp.bandwidthGBpsPerDirection") * Units.GB,
                (int)Req(up, "domainSize", "scaleUp.domainSize"),
                Req(up, "latencyMicroseconds", "scaleUp.latencyMicroseconds") * Units.Microsecond,
                Req(up, "busBandwidthEfficiency", "scaleUp.busBandwidthEfficiency")),
            ScaleOut: new ScaleOutAttachment(
                Req(outEl, "nicGbpsPerGpu", "scaleOut.nicGbpsPerGpu") * 1e9,
                Req(outEl, "latencyMicroseconds", "scaleOut.latencyMicroseconds") * Units.Microsecond,
                Req(outEl, "efficiency", "scaleOut.efficiency")),
            Efficiency: new ChipEfficiency(
                Req(eff, "gemmMaxFraction", "efficiency.gemmMaxFraction"),
                Req(eff, "hbmFraction", "efficiency.hbmFraction"),
                MeasuredGemmCurve(eff, "gemmCurve"),
                MeasuredGemmCurve(eff, "gemmCurveLowPrecision"),
                Figure(eff, "sustainedGemmFraction", "efficiency.sustainedGemmFraction")?.Value ?? 1.0),
            Price: price.ValueKind == JsonValueKind.Object
                ? new ChipPrice(Figure(price, "purchaseUsd", "price.purchaseUsd")?.Value, Figure(price, "rentUsdPerGpuHour", "price.rentUsdPerGpuHour")?.Value)
                : new ChipPrice(null, null),
            Architecture: c.TryGetProperty("architecture", out var a) ? a.GetString() ?? "" : "",
            Figures: figures,
            HostLinkBytesPerSecond: c.TryGetProperty("hostLink", out var host)
                ? (Figure(host, "bandwidthGBpsPerDirection", "hostLink.bandwidthGBpsPerDirection")?.Value ?? 0) * Units.GB
                : 0,
            HostMemoryGiBPerGpu: c.TryGetProperty("hostLink", out var hostMemory)
                ? Figure(hostMemory, "memoryGiBPerGpu", "hostLink.memoryGiBPerGpu")?.Value ?? 0
                : 0,
            ExpPerSecond: c.TryGetProperty("attention", out var attention)
                ? (Figure(attention, "expPerSecondT", "attention.expPerSecondT")?.Value ?? 0) * Units.Tera
                : 0);
    }

    /// <summary>
    /// A chip's measured GEMM-size curve (<c>efficiency.gemmCurve.points</c>: FLOPs per GEMM → fraction of the BF16 peak),
    /// in place of the default shape; null where the catalog has none.
    /// </summary>
    private static EfficiencyCurve? MeasuredGemmCurve(JsonElement eff, string name)
    {
        if (!eff.TryGetProperty(name, out var curve) || !curve.TryGetProperty("points", out var points)) return null;
        return new EfficiencyCurve([.. points.EnumerateArray().Select(p => (p.GetProperty("flops").GetDouble(), p.GetProperty("fraction").GetDouble()))]);
    }
}
