using System.Globalization;
using System.Text.RegularExpressions;
namespace CapacityPlanner.Measurements.Import;

/// <summary>
/// Reads the log of stas00/ml-engineering <c>mamf-finder.py</c> (benchmark versions 2–4) into a <see cref="BenchResult"/>:
/// the dtype and device from the header, one <see cref="GemmMeasurement"/> per shape (the per-shape progress lines of
/// v2, the scout/confirm tables of v3+), and the headline figures (best mean/median/max, MAMF, MSMF, geometric mean)
/// in <see cref="ImportInfo.Reported"/>. TFLOPS = 1e12 FLOP/s and FLOPs = 2·M·N·K as the script defines them.
/// </summary>
public static partial class MamfFinderParser
{
    private sealed class Shape
    {
        public long M, N, K;
        public double? Mean, Median, Max, Peak, Burst, Sustained, Watts, MHz;
    }

    /// <summary>Parses a mamf-finder log.</summary>
    public static BenchResult Parse(string text, string? fileName = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var shapes = new Dictionary<(long, long, long), Shape>();
        var order = new List<(long, long, long)>();
        var reported = new Dictionary<string, double>(StringComparer.Ordinal);
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        var warnings = new List<string>();
        string? dtype = null;
        string? benchmarkVersion = null;
        DeviceInfo? device = null;
        HostInfo? host = null;
        string[]? tableHeader = null;
        var section = "";
        var inVersions = false;
        var rows = 0;

        Shape Get(long m, long n, long k)
        {
            if (!shapes.TryGetValue((m, n, k), out var s))
            {
                s = new Shape { M = m, N = n, K = k };
                shapes[(m, n, k)] = s;
                order.Add((m, n, k));
            }
            return s;
        }

        // Progress lines are rewritten in place with '\r' on a console: every segment is a line of its own.
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n').Select(ImportText.StripPrefix);
        string? previous = null;
        foreach (var raw in lines)
        {
            var t = AnsiRx().Replace(raw, "").Trim();
            if (t.Length == 0) { tableHeader = null; continue; }
            Match m;
            if ((m = DtypeRx().Match(t)).Success) { dtype = MapDtype(m.Groups[1].Value); inVersions = false; continue; }
            if (dtype is null && (m = DtypeArgRx().Match(t)).Success) dtype = MapDtype(m.Groups[1].Value);
            if ((m = BenchVersionRx().Match(t)).Success) { benchmarkVersion = m.Groups[1].Value; continue; }
            if ((m = DevicePropsRx().Match(t)).Success)
            {
                var props = m.Groups[1].Value;
                device = new DeviceInfo
                {
                    Kind = "gpu",
                    Name = Prop(props, "name") ?? "",
                    ComputeCapability = Prop(props, "major") is { } major && Prop(props, "minor") is { } minor ? $"{major}.{minor}" : null,
                    MemoryBytes = Prop(props, "total_memory") is { } mem && MemRx().Match(mem) is { Success: true } mm ? long.Parse(mm.Groups[1].Value, CultureInfo.InvariantCulture) * 1024 * 1024 : null,
                    Multiprocessors = int.TryParse(Prop(props, "multi_processor_count"), NumberStyles.None, CultureInfo.InvariantCulture, out var sms) ? sms : null,
                    Uuid = Prop(props, "uuid"),
                };
                continue;
            }
            if ((m = UnameRx().Match(t)).Success && host is null)
            {
                host = new HostInfo { Os = m.Groups[1].Value, Hostname = m.Groups[2].Value, Kernel = m.Groups[3].Value };
                continue;
            }
            if (t.StartsWith("** Critical software versions", StringComparison.Ordinal)) { inVersions = true; continue; }
            if (t.StartsWith("**", StringComparison.Ordinal)) { inVersions = false; continue; }
            if (inVersions)
            {
                foreach (Match kv in KeyValueRx().Matches(t)) versions[kv.Groups[1].Value] = kv.Groups[2].Value;
                continue;
            }

            // v2 per-shape progress line.
            if ((m = ProgressRx().Match(t)).Success)
            {
                var s = Get(L(m, "m"), L(m, "n"), L(m, "k"));
                s.Mean = D(m, "mean");
                s.Median = D(m, "median");
                s.Max = D(m, "max");
                rows++;
                previous = t;
                continue;
            }
            // Summary lines.
            if ((m = BestRx().Match(t)).Success)
            {
                var which = m.Groups["which"].Value;
                var v = D(m, "v");
                reported[which switch { "mean" => "bestMeanTflops", "median" => "bestMedianTflops", _ => "bestMaxTflops" }] = v;
                var s = Get(L(m, "m"), L(m, "n"), L(m, "k"));
                switch (which)
                {
                    case "mean": s.Mean ??= v; break;
                    case "median": s.Median ??= v; break;
                    default: s.Max ??= v; break;
                }
                continue;
            }
            if ((m = HeadlineRx().Match(t)).Success)
            {
                var v = D(m, "v");
                var s = Get(L(m, "m"), L(m, "n"), L(m, "k"));
                if (m.Groups["kind"].Value == "MAMF") { reported["mamfTflops"] = v; s.Burst ??= v; }
                else { reported["msmfTflops"] = v; s.Sustained ??= v; }
                if (m.Groups["w"].Success) s.Watts ??= D(m, "w");
                if (m.Groups["mhz"].Success) s.MHz ??= D(m, "mhz");
                continue;
            }
            if ((m = MeanRx().Match(t)).Success)
            {
                reported[m.Groups[1].Value.StartsWith("geo", StringComparison.Ordinal) ? "geometricMeanTflops" : "arithmeticMeanTflops"] = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                continue;
            }

            // v3+ tables: a header naming MxNxK, then rows with a shape token.
            var tokens = ImportText.Tokens(t);
            if (tokens.Contains("MxNxK"))
            {
                tableHeader = tokens;
                section = previous ?? "";
                continue;
            }
            var shapeIndex = Array.FindIndex(tokens, x => ShapeRx().IsMatch(x));
            if (tableHeader is not null && shapeIndex >= 0)
            {
                var hShape = Array.IndexOf(tableHeader, "MxNxK");
                var sm = ShapeRx().Match(tokens[shapeIndex]);
                var s = Get(long.Parse(sm.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(sm.Groups[2].Value, CultureInfo.InvariantCulture), long.Parse(sm.Groups[3].Value, CultureInfo.InvariantCulture));
                for (var h = hShape + 1; h < tableHeader.Length; h++)
                {
                    var ti = shapeIndex + (h - hShape);
                    if (ti >= tokens.Length || !ImportText.TryNumber(tokens[ti], out var v)) break;
                    switch (tableHeader[h])
                    {
                        case "mean": s.Mean = v; break;
                        case "median": s.Median = v; break;
                        case "max": s.Max = v; break;
                        case "peak": s.Peak = Math.Max(s.Peak ?? 0, v); break;
                        case "W": s.Watts = v; break;
                        case "MHz": s.MHz = v; break;
                        case "TFLOPS":
                            if (section.Contains("MSMF", StringComparison.Ordinal)) s.Sustained = v;
                            else if (section.Contains("MAMF", StringComparison.Ordinal)) s.Burst = v;
                            else s.Mean ??= v;
                            break;
                    }
                }
                rows++;
                continue;
            }
            previous = t;
        }

        var gemm = new List<GemmMeasurement>();
        foreach (var key in order)
        {
            var s = shapes[key];
            var median = s.Median ?? s.Mean ?? s.Burst ?? s.Sustained ?? s.Max ?? s.Peak;
            if (median is null) continue;
            var burst = new[] { s.Max, s.Peak, s.Burst, median }.Where(x => x is not null).Max()!.Value;
            gemm.Add(new GemmMeasurement
            {
                Dtype = dtype ?? "bf16",
                M = s.M,
                N = s.N,
                K = s.K,
                Flops = 2.0 * s.M * s.N * s.K,
                Kernel = "torch.mm (mamf-finder)",
                Fill = "torch.randn",
                CacheFlushed = true,
                MedianTflops = median.Value,
                MeanTflops = s.Mean,
                BurstTflops = burst,
                SustainedTflops = s.Sustained,
                Telemetry = s.Watts is not null || s.MHz is not null ? new TelemetrySample { PowerWatts = s.Watts, SmClockMHz = s.MHz } : null,
            });
        }
        if (dtype is null) warnings.Add("the log does not state its dtype (\"** Dtype:\"); assumed bf16.");
        if (gemm.Count == 0) warnings.Add("no mamf-finder shapes or results were found.");
        if (benchmarkVersion is not null) versions["mamf-finder benchmark version"] = benchmarkVersion;
        return new BenchResult
        {
            Source = BenchSources.MamfFinder,
            SourceVersion = benchmarkVersion,
            Backend = "import",
            Suites = ["gemm"],
            Host = host,
            Devices = device is null ? [] : [device with { Host = host?.Hostname }],
            Software = new SoftwareInfo { Versions = versions },
            Gemm = gemm,
            Warnings = warnings,
            Import = new ImportInfo { Tool = BenchSources.MamfFinder, FileName = fileName, Tables = 1, Rows = rows, Reported = reported },
        };

        static long L(Match m, string g) => long.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
        static double D(Match m, string g) => double.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>Maps a torch dtype name to the planner's precision id.</summary>
    public static string MapDtype(string torchDtype)
    {
        var d = torchDtype.Trim().Replace("torch.", "", StringComparison.Ordinal).ToLowerInvariant();
        return d switch
        {
            "bfloat16" or "bf16" => "bf16",
            "float16" or "half" or "fp16" => "fp16",
            "float32" or "float" or "fp32" => "fp32",
            "tf32" => "tf32",
            _ when d.StartsWith("float8", StringComparison.Ordinal) || d is "mxfp8" or "fp8" => "fp8",
            _ when d is "mxfp4" or "nvfp4" or "fp4" || d.StartsWith("float4", StringComparison.Ordinal) => "fp4",
            _ => d,
        };
    }

    private static string? Prop(string props, string name)
    {
        var m = Regex.Match(props, @"(?:^|[\s,])" + Regex.Escape(name) + @"=('(?<q>[^']*)'|(?<v>[^,)]*))", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        if (!m.Success) return null;
        return m.Groups["q"].Success ? m.Groups["q"].Value : m.Groups["v"].Value.Trim();
    }

    [GeneratedRegex(@"^\*\*\s*Dtype:\s*(\S+)")]
    private static partial Regex DtypeRx();

    [GeneratedRegex(@"--dtype[= ](\S+)")]
    private static partial Regex DtypeArgRx();

    [GeneratedRegex(@"benchmark version:\s*(\S+)")]
    private static partial Regex BenchVersionRx();

    [GeneratedRegex(@"_CudaDeviceProperties\((.*)\)")]
    private static partial Regex DevicePropsRx();

    [GeneratedRegex(@"^(\d+)\s*MB$")]
    private static partial Regex MemRx();

    [GeneratedRegex(@"^-?\s*(Linux|Darwin)\s+(\S+)\s+(\S+)")]
    private static partial Regex UnameRx();

    [GeneratedRegex(@"([A-Za-z_][\w.]*)=([^\s,]+)")]
    private static partial Regex KeyValueRx();

    [GeneratedRegex(@"^\d+\s*\|\s*(?<mean>[\d.]+)\(mean\)\s+(?<median>[\d.]+)\(median\)\s+(?<max>[\d.]+)\(max\)\s+@\s+(?<m>\d+)x(?<n>\d+)x(?<k>\d+)")]
    private static partial Regex ProgressRx();

    [GeneratedRegex(@"^(?<which>mean|median|max):\s+(?<v>[\d.]+)\s+TFLOPS\s+@\s+(?<m>\d+)x(?<n>\d+)x(?<k>\d+)")]
    private static partial Regex BestRx();

    [GeneratedRegex(@"^(?<kind>MAMF|MSMF)\s*\([^)]*\):\s+(?<v>[\d.]+)\s+TFLOPS\s+@\s+(?<m>\d+)x(?<n>\d+)x(?<k>\d+)(?:\s*\(MxNxK\))?(?:\s+(?<w>[\d.]+)W)?(?:\s+(?<mhz>[\d.]+)MHz)?")]
    private static partial Regex HeadlineRx();

    [GeneratedRegex(@"^(geometric mean|geomean|arithmetic mean):\s+([\d.]+)\s+TFLOPS")]
    private static partial Regex MeanRx();

    [GeneratedRegex(@"^(\d+)x(\d+)x(\d+)$")]
    private static partial Regex ShapeRx();

    [GeneratedRegex(@"\x1B\[[0-9;?]*[A-Za-z]")]
    private static partial Regex AnsiRx();
}
