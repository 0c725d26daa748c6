using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
namespace CapacityPlanner.Measurements.Import;

/// <summary>
/// Reads NVIDIA nccl-tests output (<c>all_reduce_perf</c> and friends) into a <see cref="BenchResult"/>.
/// Text tables are read by their header names, not positions (src/util.cu <c>writeResultHeader</c> /
/// <c>writeBenchmarkLineBody</c>), so both the pre-2.13 layout (<c>error</c> column, no <c>redop</c>/<c>root</c> for
/// some tests) and the current one (<c>#wrong</c>, <c>redop</c>, <c>root</c>, optional <c>timestamp</c>, <c>cputime</c>)
/// parse. Launcher prefixes (mpirun <c>--tag-output</c>, srun <c>--label</c>), interleaved NCCL INFO lines and several
/// tables per file are tolerated. The <c>-J</c> JSON report is read too (its <c>env</c> list is dropped).
/// </summary>
public static partial class NcclTestsParser
{
    private sealed class Table
    {
        public string? Collective;
        public string[] Keys = [];
        public List<(int Time, int Algbw, int Busbw, int Wrong)> Sides = [];
        public int HeaderTokens;
        public int? Ranks;
        public int? Nodes;
        public double? AvgBusbw;
        public readonly List<Row> Rows = [];
    }

    private sealed record Row(long Size, long Count, string? Type, string? RedOp, bool InPlace, double TimeUs, double Algbw, double Busbw, long? Wrong);

    /// <summary>Parses nccl-tests output (text or <c>-J</c> JSON).</summary>
    /// <param name="text">The file's content.</param>
    /// <param name="fileName">Name recorded in <see cref="ImportInfo.FileName"/>.</param>
    /// <param name="collectiveHint">Collective to assume when the output does not name it (e.g. "all_reduce").</param>
    public static BenchResult Parse(string text, string? fileName = null, string? collectiveHint = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (trimmed.StartsWith('{')) return ParseJson(trimmed, fileName, collectiveHint);

        var warnings = new List<string>();
        var tables = new List<Table>();
        var devices = new Dictionary<int, DeviceInfo>();
        var blockRanks = new Dictionary<int, string>();   // rank -> host, for the latest "Using devices" block
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        string? sourceVersion = null;
        string? pendingName = null;
        string? lastName = null;
        Table? current = null;
        var skipped = new List<int>();
        var outOfBoundsFailures = 0;
        var lineNumber = 0;

        foreach (var line in ImportText.Lines(text))
        {
            lineNumber++;
            var t = line.Trim();
            if (t.Length == 0) continue;

            if (t.StartsWith('#'))
            {
                var body = t[1..].Trim();
                Match m;
                if ((m = StartingRx().Match(body)).Success)
                {
                    pendingName = BusBandwidth.Normalize(m.Groups[1].Value);
                    blockRanks.Clear();
                    continue;
                }
                if ((m = ConcludedRx().Match(body)).Success)
                {
                    var name = BusBandwidth.Normalize(m.Groups[1].Value);
                    if (current is not null && current.Collective is null) current.Collective = name;
                    lastName = name;
                    current = null;
                    continue;
                }
                if ((m = VersionRx().Match(body)).Success)
                {
                    sourceVersion = m.Groups[1].Value;
                    foreach (Match kv in KeyValueRx().Matches(body)) versions[kv.Groups[1].Value] = kv.Groups[2].Value;
                    continue;
                }
                if (body.StartsWith("Using devices", StringComparison.Ordinal))
                {
                    blockRanks.Clear();
                    continue;
                }
                if ((m = RankRx().Match(body)).Success)
                {
                    var rank = int.Parse(m.Groups["rank"].Value, CultureInfo.InvariantCulture);
                    var host = m.Groups["host"].Value;
                    blockRanks[rank] = host;
                    devices[rank] = new DeviceInfo
                    {
                        Rank = rank,
                        Index = int.Parse(m.Groups["dev"].Value, CultureInfo.InvariantCulture),
                        Kind = "gpu",
                        Name = m.Groups["name"].Value.Trim(),
                        Host = host,
                        PciBusId = m.Groups["bus"].Value,
                    };
                    continue;
                }
                if ((m = AvgBusRx().Match(body)).Success)
                {
                    if (current is not null && ImportText.TryNumber(m.Groups[1].Value, out var avg)) current.AvgBusbw = avg;
                    continue;
                }
                if ((m = OutOfBoundsRx().Match(body)).Success)
                {
                    if (int.TryParse(m.Groups[1].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var oob) && oob > 0) outOfBoundsFailures += oob;
                    continue;
                }
                var header = TryHeader(body);
                if (header is not null)
                {
                    header.Collective = pendingName ?? lastName;
                    pendingName = null;
                    header.Ranks = blockRanks.Count > 0 ? blockRanks.Count : null;
                    header.Nodes = blockRanks.Count > 0 ? blockRanks.Values.Distinct(StringComparer.Ordinal).Count() : null;
                    tables.Add(header);
                    current = header;
                }
                continue;
            }

            // NCCL's own version line ("host:pid:tid [0] NCCL INFO NCCL version 2.21.5+cuda12.4").
            var nv = NcclVersionRx().Match(t);
            if (nv.Success) versions.TryAdd("nccl", nv.Groups[1].Value);
            if (!t.Contains("NCCL INFO", StringComparison.Ordinal))
            {
                var prog = ProgramRx().Match(t);
                if (prog.Success && BusBandwidth.IsKnown(prog.Groups[1].Value))
                {
                    pendingName ??= BusBandwidth.Normalize(prog.Groups[1].Value);
                }
            }

            if (current is null) continue;
            var tokens = ImportText.Tokens(t);
            // A host label left by pdsh/clush ("node01:") in front of a data line.
            if (tokens.Length > 0 && tokens[0].EndsWith(':') && tokens.Length > 1 && ImportText.TryLong(tokens[1], out _)) tokens = tokens[1..];
            if (tokens.Length == 0 || !ImportText.TryLong(tokens[0], out _)) continue;
            if (TryRow(current, tokens, out var rows)) current.Rows.AddRange(rows);
            else skipped.Add(lineNumber);
        }

        if (skipped.Count > 0) warnings.Add(ImportText.SkippedLinesWarning(skipped, "result line", "not the columns of the table above it"));
        var result = Build(tables, devices, versions, sourceVersion, warnings, fileName, skipped.Count, collectiveHint);
        if (outOfBoundsFailures > 0) warnings.Add($"nccl-tests reported {outOfBoundsFailures} out-of-bounds (wrong) values.");
        return result with { Warnings = warnings };
    }

    private static Table? TryHeader(string body)
    {
        var tokens = ImportText.Tokens(body);
        if (!tokens.Contains("size") || !tokens.Contains("algbw") || !tokens.Contains("busbw")) return null;
        var firstTime = Array.FindIndex(tokens, IsTime);
        if (firstTime < 0) return null;
        var table = new Table { Keys = tokens[..firstTime], HeaderTokens = tokens.Length };
        var i = firstTime;
        while (i < tokens.Length)
        {
            if (!IsTime(tokens[i])) { i++; continue; }
            var end = i + 1;
            while (end < tokens.Length && !IsTime(tokens[end])) end++;
            int Find(string name)
            {
                for (var j = i; j < end; j++) if (tokens[j] == name) return j;
                return -1;
            }
            // "#wrong" counts wrong elements; the pre-2.13 "error" column is a max deviation, not a count.
            var wrong = Find("#wrong");
            table.Sides.Add((i, Find("algbw"), Find("busbw"), wrong));
            i = end;
        }
        return table.Sides.Count > 0 && table.Sides[0].Algbw > 0 && table.Sides[0].Busbw > 0 ? table : null;

        static bool IsTime(string s) => s is "time" or "cputime";
    }

    private static bool TryRow(Table table, string[] tokens, out List<Row> rows)
    {
        rows = [];
        // The -S timestamp prints as "YYYY-MM-DD HH:MM:SS" (two tokens under one header); trailing extras are ignored.
        if (tokens.Length < table.Sides[0].Busbw + 1) return false;
        var keys = table.Keys;
        string? Key(string name)
        {
            var idx = Array.IndexOf(keys, name);
            return idx >= 0 && idx < tokens.Length ? tokens[idx] : null;
        }
        if (!ImportText.TryLong(Key("size") ?? "", out var size)) return false;
        ImportText.TryLong(Key("count") ?? "0", out var count);
        var type = Key("type");
        var redop = Key("redop");
        if (redop is "none") redop = null;
        for (var s = 0; s < table.Sides.Count; s++)
        {
            var (ti, ai, bi, wi) = table.Sides[s];
            if (bi >= tokens.Length) break;
            if (!ImportText.TryNumber(tokens[ti], out var time) || !ImportText.TryNumber(tokens[ai], out var algbw) || !ImportText.TryNumber(tokens[bi], out var busbw))
            {
                continue; // an empty or N/A side (e.g. trace replay prints no out-of-place)
            }
            long? wrong = null;
            if (wi >= 0 && wi < tokens.Length && ImportText.TryNumber(tokens[wi], out var w))
            {
                wrong = (long)w;
            }
            rows.Add(new Row(size, count, type, redop, s == 1, time, algbw, busbw, wrong));
        }
        return rows.Count > 0;
    }

    private static BenchResult Build(List<Table> tables, Dictionary<int, DeviceInfo> devices, Dictionary<string, string> versions,
        string? sourceVersion, List<string> warnings, string? fileName, int skipped, string? collectiveHint)
    {
        var measurements = new List<CollectiveMeasurement>();
        var reported = new Dictionary<string, double>(StringComparer.Ordinal);
        var dataTables = tables.Where(t => t.Rows.Count > 0).ToList();
        for (var ti = 0; ti < dataTables.Count; ti++)
        {
            var table = dataTables[ti];
            var name = table.Collective ?? (collectiveHint is null ? null : BusBandwidth.Normalize(collectiveHint));
            var ranks = table.Ranks ?? (devices.Count > 0 ? devices.Count : null);
            name ??= InferCollective(table, ranks, warnings, ti);
            if (ranks is null && name is not null && BusBandwidth.IsKnown(name))
            {
                ranks = table.Rows.Where(r => r.Algbw >= 0.5).Select(r => BusBandwidth.InferRanks(name, r.Algbw, r.Busbw)).FirstOrDefault(n => n is not null);
                if (ranks is not null) warnings.Add($"table {ti}: rank count {ranks} inferred from busbw/algbw (no '#  Rank' lines).");
            }
            if (ranks is null)
            {
                warnings.Add($"table {ti}: rank count unknown; recorded as 1.");
                ranks = 1;
            }
            name ??= "unknown";
            if (BusBandwidth.IsKnown(name) && ranks > 1)
            {
                var factor = BusBandwidth.Factor(name, ranks.Value);
                var off = table.Rows.FirstOrDefault(r => r.Algbw >= 1 && Math.Abs(r.Busbw - r.Algbw * factor) > Math.Max(0.02, 0.01 * r.Busbw));
                if (off is not null)
                {
                    warnings.Add(FormattableString.Invariant($"table {ti}: busbw {off.Busbw} ≠ algbw {off.Algbw} × {factor:0.###} ({name}, n={ranks}) at {off.Size} B; the rank count or collective may be wrong."));
                }
            }
            foreach (var r in table.Rows)
            {
                measurements.Add(new CollectiveMeasurement
                {
                    Collective = name,
                    Dtype = r.Type,
                    RedOp = r.RedOp,
                    Ranks = ranks.Value,
                    Nodes = table.Nodes,
                    SizeBytes = r.Size,
                    Count = r.Count,
                    InPlace = r.InPlace,
                    TimeUs = r.TimeUs,
                    AlgbwGBps = r.Algbw,
                    BusbwGBps = r.Busbw,
                    Wrong = r.Wrong,
                    Transport = "nccl",
                    Table = ti,
                });
            }
            if (table.AvgBusbw is { } avg) reported[dataTables.Count == 1 ? "avgBusBandwidth" : $"table{ti}.avgBusBandwidth"] = avg;
        }
        if (measurements.Count == 0) warnings.Add("no nccl-tests result rows were found.");
        var hosts = devices.Values.Select(d => d.Host).Where(h => h is not null).Distinct(StringComparer.Ordinal).ToList();
        return new BenchResult
        {
            Source = BenchSources.NcclTests,
            SourceVersion = sourceVersion,
            Backend = "import",
            Suites = ["collectives"],
            Host = hosts.Count == 1 ? new HostInfo { Hostname = hosts[0] } : null,
            Devices = devices.Values.OrderBy(d => d.Rank).ToList(),
            Software = versions.Count > 0 ? new SoftwareInfo { Versions = versions } : null,
            Cluster = devices.Count > 0
                ? new ClusterInfo
                {
                    WorldSize = devices.Count,
                    Launcher = "nccl-tests",
                    Nodes = Math.Max(1, hosts.Count),
                    Ranks = devices.Values.OrderBy(d => d.Rank).Select(d => new RankInfo { Rank = d.Rank, Host = d.Host ?? "", Device = d.Index }).ToList(),
                }
                : null,
            Collectives = measurements,
            Import = new ImportInfo
            {
                Tool = BenchSources.NcclTests,
                FileName = fileName,
                Tables = dataTables.Count,
                Rows = dataTables.Sum(t => t.Rows.Count),
                SkippedLines = skipped,
                Reported = reported,
            },
        };
    }

    private static string? InferCollective(Table table, int? ranks, List<string> warnings, int ti)
    {
        var ratios = table.Rows.Where(r => r.Algbw >= 0.5).Select(r => r.Busbw / r.Algbw).ToList();
        if (ratios.Count == 0) return null;
        var ratio = ratios.OrderBy(x => x).ElementAt(ratios.Count / 2);
        var hasRedop = table.Rows.Any(r => r.RedOp is not null);
        string? guess = null;
        if (ranks is > 1)
        {
            var n = ranks.Value;
            if (Math.Abs(ratio - 2.0 * (n - 1) / n) < 0.02) guess = "all_reduce";
            else if (Math.Abs(ratio - (n - 1.0) / n) < 0.02) guess = hasRedop ? "reduce_scatter" : "all_gather";
            else if (Math.Abs(ratio - 1) < 0.02) guess = hasRedop ? "reduce" : "broadcast";
        }
        else if (ratio > 1.02 && ratio < 2)
        {
            guess = "all_reduce";
        }
        if (guess is not null) warnings.Add($"table {ti}: the output does not name its test; assumed {guess} from busbw/algbw = {ratio.ToString("0.###", CultureInfo.InvariantCulture)} (pass the collective to override).");
        return guess;
    }

    private static BenchResult ParseJson(string json, string? fileName, string? collectiveHint)
    {
        var warnings = new List<string>();
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            // System.Text.Json counts lines and positions from 0 and appends them to its message; say them as editors do.
            var message = ex.Message;
            var cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
            if (cut > 0) message = message[..cut].TrimEnd(' ', '|', '.') + ".";
            var where = ex.LineNumber is { } line
                ? string.Create(CultureInfo.InvariantCulture, $" at line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1}")
                : "";
            throw new FormatException($"nccl-tests JSON report is malformed{where}: {message}", ex);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("not an nccl-tests JSON report: no \"results\" list.");
            }
            string? name = null;
            if (root.TryGetProperty("args", out var args) && args.ValueKind == JsonValueKind.Array && args.GetArrayLength() > 0 && args[0].ValueKind == JsonValueKind.String)
            {
                var prog = Path.GetFileName(args[0].GetString() ?? "");
                if (BusBandwidth.IsKnown(prog)) name = BusBandwidth.Normalize(prog);
            }
            name ??= collectiveHint is null ? null : BusBandwidth.Normalize(collectiveHint);
            var devices = new List<DeviceInfo>();
            if (root.TryGetProperty("devices", out var devs) && devs.ValueKind == JsonValueKind.Array)
            {
                foreach (var d in devs.EnumerateArray())
                {
                    devices.Add(new DeviceInfo
                    {
                        Rank = Int(d, "rank") ?? devices.Count,
                        Index = Int(d, "device") ?? 0,
                        Name = Str(d, "device_info") ?? "",
                        Host = Str(d, "hostname"),
                        PciBusId = Str(d, "device_hex"),
                    });
                }
            }
            var ranks = devices.Count > 0 ? devices.Count : (int?)null;
            var nodes = devices.Count > 0 ? devices.Select(d => d.Host).Distinct(StringComparer.Ordinal).Count() : (int?)null;
            var rows = new List<CollectiveMeasurement>();
            foreach (var r in results.EnumerateArray())
            {
                var size = (long)(Num(r, "size") ?? 0);
                var count = (long)(Num(r, "count") ?? 0);
                var redop = Str(r, "redop");
                if (redop is "none") redop = null;
                name ??= Str(r, "experiment_name") is { } exp && BusBandwidth.IsKnown(exp) ? BusBandwidth.Normalize(exp) : null;
                foreach (var (key, inPlace) in new[] { ("out_of_place", false), ("in_place", true) })
                {
                    if (!r.TryGetProperty(key, out var side) || side.ValueKind != JsonValueKind.Object) continue;
                    var algbw = Num(side, "alg_bw");
                    var busbw = Num(side, "bus_bw");
                    var time = Num(side, "time") ?? Num(side, "cpu_time");
                    if (algbw is null || busbw is null || time is null) continue;
                    var wrong = Num(side, "nwrong");
                    rows.Add(new CollectiveMeasurement
                    {
                        Collective = name ?? "unknown",
                        Dtype = Str(r, "type"),
                        RedOp = redop,
                        Ranks = ranks ?? 1,
                        Nodes = nodes,
                        SizeBytes = size,
                        Count = count,
                        InPlace = inPlace,
                        TimeUs = time.Value,
                        AlgbwGBps = algbw.Value,
                        BusbwGBps = busbw.Value,
                        Wrong = wrong is null ? null : (long)wrong.Value,
                        Transport = "nccl",
                        Table = 0,
                    });
                }
            }
            if (name is null) warnings.Add("the report does not name its test; pass the collective to set it.");
            if (ranks is null)
            {
                var inferred = name is null ? null : rows.Where(x => x.AlgbwGBps >= 0.5).Select(x => BusBandwidth.InferRanks(name, x.AlgbwGBps, x.BusbwGBps)).FirstOrDefault(n => n is not null);
                if (inferred is not null) rows = rows.Select(x => x with { Ranks = inferred.Value }).ToList();
                else warnings.Add("rank count unknown; recorded as 1.");
            }
            var reported = new Dictionary<string, double>(StringComparer.Ordinal);
            if (root.TryGetProperty("average_bus_bandwidth", out var avg) && Num(avg, "bandwidth") is { } a) reported["avgBusBandwidth"] = a;
            if (root.TryGetProperty("out_of_bounds", out var oob) && Num(oob, "count") is > 0) warnings.Add($"nccl-tests reported {Num(oob, "count")} out-of-bounds (wrong) values.");
            var versions = new Dictionary<string, string>(StringComparer.Ordinal);
            if (Num(root, "nccl_version") is { } ncclVersion) versions["nccl-library"] = ncclVersion.ToString(CultureInfo.InvariantCulture);
            var hosts = devices.Select(d => d.Host).Where(h => h is not null).Distinct(StringComparer.Ordinal).ToList();
            return new BenchResult
            {
                Source = BenchSources.NcclTests,
                SourceVersion = Num(root, "version") is { } v ? "json-" + v.ToString(CultureInfo.InvariantCulture) : null,
                Backend = "import",
                Suites = ["collectives"],
                Host = hosts.Count == 1 ? new HostInfo { Hostname = hosts[0] } : null,
                Devices = devices,
                Software = versions.Count > 0 ? new SoftwareInfo { Versions = versions } : null,
                Cluster = devices.Count > 0
                    ? new ClusterInfo
                    {
                        WorldSize = devices.Count,
                        Launcher = "nccl-tests",
                        Nodes = Math.Max(1, hosts.Count),
                        Ranks = devices.Select(d => new RankInfo { Rank = d.Rank, Host = d.Host ?? "", Device = d.Index }).ToList(),
                    }
                    : null,
                Collectives = rows,
                Warnings = warnings,
                Import = new ImportInfo
                {
                    Tool = BenchSources.NcclTests,
                    FileName = fileName,
                    Tables = rows.Count > 0 ? 1 : 0,
                    Rows = results.GetArrayLength(),
                    Reported = reported,
                },
            };
        }

        static string? Str(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        static int? Int(JsonElement e, string name) => Num(e, name) is { } d ? (int)d : null;
    }

    private static double? Num(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
        // nccl-tests writes NaN as the string "nan"; numbers in strings are accepted too.
        if (v.ValueKind == JsonValueKind.String && ImportText.TryNumber(v.GetString() ?? "", out var d)) return d;
        return null;
    }

    [GeneratedRegex(@"^Collective test starting:\s*(\S+)")]
    private static partial Regex StartingRx();

    [GeneratedRegex(@"^Collective test concluded:\s*(\S+)")]
    private static partial Regex ConcludedRx();

    [GeneratedRegex(@"^nccl-tests version\s+(\S+)")]
    private static partial Regex VersionRx();

    [GeneratedRegex(@"([\w-]+)=(\S+)")]
    private static partial Regex KeyValueRx();

    // "#  Rank  0 Group  0 Pid   6899 on ztan-mig-235z device  0 [0000:04:00] NVIDIA H100 80GB HBM3"; old builds have
    // no Group and print the bus id as "[0x07]".
    [GeneratedRegex(@"^Rank\s+(?<rank>\d+)\s+(?:Group\s+\d+\s+)?Pid\s+\d+\s+on\s+(?<host>\S+)\s+device\s+(?<dev>\d+)\s+\[(?<bus>[^\]]*)\]\s*(?<name>.*)$")]
    private static partial Regex RankRx();

    [GeneratedRegex(@"^Avg bus bandwidth\s*:\s*(\S+)")]
    private static partial Regex AvgBusRx();

    [GeneratedRegex(@"^Out of bounds values\s*:\s*(\d+)")]
    private static partial Regex OutOfBoundsRx();

    [GeneratedRegex(@"NCCL version\s+(\S+)")]
    private static partial Regex NcclVersionRx();

    [GeneratedRegex(@"(?:^|[\s/])([a-z_]+?)_perf(?:_mpi)?(?=\s|$)")]
    private static partial Regex ProgramRx();
}
