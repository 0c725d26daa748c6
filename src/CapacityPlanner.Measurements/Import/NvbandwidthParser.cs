using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
namespace CapacityPlanner.Measurements.Import;

/// <summary>
/// Reads NVIDIA nvbandwidth output (text, or the <c>-j</c> JSON) into a <see cref="BenchResult"/>: every test's
/// matrix is kept as a <see cref="TransferMatrix"/>; host→device and device→host tests also become
/// <see cref="HostTransferMeasurement"/>s, and <c>device_local_copy</c> a <see cref="MemoryMeasurement"/> whose bytes
/// are counted once (nvbandwidth's convention), i.e. traffic factor 2.
/// </summary>
public static partial class NvbandwidthParser
{
    private sealed class Block
    {
        public string Test = "";
        public string Status = "ok";
        public double? Sum;
        public readonly List<TransferMatrix> Matrices = [];
    }

    /// <summary>Parses nvbandwidth output.</summary>
    public static BenchResult Parse(string text, string? fileName = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (trimmed.StartsWith('{')) return ParseJson(trimmed, fileName);

        var warnings = new List<string>();
        var devices = new List<DeviceInfo>();
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        string? sourceVersion = null;
        string? driver = null;
        int? cudaRuntime = null, cudaDriver = null;
        var blocks = new List<Block>();
        Block? block = null;
        string? description = null;
        List<string>? columns = null;
        var rowLabels = new List<string>();
        var rows = new List<IReadOnlyList<double?>>();
        var skipped = new List<int>();
        var lineNumber = 0;

        void FlushMatrix()
        {
            if (block is not null && columns is not null && rows.Count > 0)
            {
                block.Matrices.Add(new TransferMatrix
                {
                    Test = block.Test,
                    Description = description,
                    Unit = UnitOf(description),
                    ColumnLabels = columns,
                    RowLabels = rowLabels.ToList(),
                    Values = rows.ToList(),
                });
            }
            columns = null;
            rowLabels.Clear();
            rows.Clear();
        }

        foreach (var line in ImportText.Lines(text))
        {
            lineNumber++;
            var t = line.Trim();
            if (t.Length == 0) continue;
            Match m;
            if ((m = VersionRx().Match(t)).Success) { sourceVersion = m.Groups[1].Value; continue; }
            if ((m = GitRx().Match(t)).Success) { versions["git"] = m.Groups[1].Value; continue; }
            if ((m = RuntimeRx().Match(t)).Success) { cudaRuntime = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture); continue; }
            if ((m = CudaDriverRx().Match(t)).Success) { cudaDriver = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture); continue; }
            if ((m = DriverRx().Match(t)).Success) { driver = m.Groups[1].Value; continue; }
            if ((m = DeviceRx().Match(t)).Success)
            {
                devices.Add(new DeviceInfo
                {
                    Index = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                    Kind = "gpu",
                    Name = m.Groups[2].Value.Trim(),
                    PciBusId = m.Groups[3].Success ? m.Groups[3].Value : null,
                });
                continue;
            }
            if ((m = RunningRx().Match(t)).Success)
            {
                FlushMatrix();
                block = new Block { Test = m.Groups[1].Value };
                blocks.Add(block);
                description = null;
                continue;
            }
            if ((m = SumRx().Match(t)).Success)
            {
                FlushMatrix();
                var b = blocks.LastOrDefault(x => x.Test == m.Groups[1].Value) ?? block;
                if (b is not null && ImportText.TryNumber(m.Groups[2].Value, out var sum)) b.Sum = sum;
                continue;
            }
            if ((m = PerfRx().Match(t)).Success)
            {
                FlushMatrix();
                var b = blocks.LastOrDefault(x => x.Test == m.Groups[1].Value) ?? block;
                if (b is not null && ImportText.TryNumber(m.Groups[2].Value, out var sum)) b.Sum = sum;
                continue;
            }
            if (block is null) continue;
            if (t.StartsWith("Waived", StringComparison.OrdinalIgnoreCase)) { block.Status = "waived"; FlushMatrix(); continue; }
            if (t.StartsWith("Error", StringComparison.OrdinalIgnoreCase) || t.Contains("ERROR", StringComparison.Ordinal)) { block.Status = "error"; FlushMatrix(); continue; }

            var tokens = ImportText.Tokens(t);
            if (columns is null)
            {
                if (tokens.All(x => int.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out _)) && description is not null)
                {
                    columns = tokens.ToList();
                }
                else
                {
                    description = t;
                }
                continue;
            }
            if (tokens.Length == columns.Count + 1 && tokens.Skip(1).All(x => x == "N/A" || ImportText.TryNumber(x, out _)))
            {
                rowLabels.Add(tokens[0]);
                rows.Add(tokens.Skip(1).Select(x => ImportText.TryNumber(x, out var v) ? v : (double?)null).ToList());
                continue;
            }
            // Anything else ends the matrix: a new description (bidirectional tests print several) or noise.
            FlushMatrix();
            if (tokens.All(x => int.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out _))) { skipped.Add(lineNumber); continue; }
            description = t;
        }
        FlushMatrix();

        if (skipped.Count > 0) warnings.Add(ImportText.SkippedLinesWarning(skipped, "matrix line", "its numbers do not fit the matrix columns above it"));
        return Build(blocks, devices, versions, sourceVersion, driver, cudaRuntime, cudaDriver, warnings, fileName, skipped.Count);
    }

    private static BenchResult Build(List<Block> blocks, List<DeviceInfo> devices, Dictionary<string, string> versions, string? sourceVersion,
        string? driver, int? cudaRuntime, int? cudaDriver, List<string> warnings, string? fileName, int skipped)
    {
        var matrices = new List<TransferMatrix>();
        var host = new List<HostTransferMeasurement>();
        var memory = new List<MemoryMeasurement>();
        var reported = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var b in blocks)
        {
            if (b.Matrices.Count == 0)
            {
                matrices.Add(new TransferMatrix { Test = b.Test, Sum = b.Sum, Status = b.Status });
            }
            for (var i = 0; i < b.Matrices.Count; i++)
            {
                matrices.Add(b.Matrices[i] with { Status = b.Status, Sum = i == b.Matrices.Count - 1 ? b.Sum : null });
            }
            if (b.Sum is { } s) reported[b.Test] = s;
            if (b.Status != "ok" || b.Matrices.Count == 0) continue;
            var mtx = b.Matrices[^1];
            var engine = b.Test.EndsWith("_sm", StringComparison.Ordinal) ? "sm" : b.Test.EndsWith("_ce", StringComparison.Ordinal) ? "ce" : null;
            string? direction = b.Test.StartsWith("host_to_device", StringComparison.Ordinal) ? "h2d"
                : b.Test.StartsWith("device_to_host", StringComparison.Ordinal) ? "d2h"
                : null;
            if (direction is not null && !b.Test.Contains("bidirectional", StringComparison.Ordinal) && mtx.Unit == "GB/s")
            {
                foreach (var (device, value) in Cells(mtx))
                {
                    host.Add(new HostTransferMeasurement { Device = device, Direction = direction, Pinned = true, Engine = engine, MedianGBps = value, BestGBps = value });
                }
            }
            if (b.Test.StartsWith("device_local_copy", StringComparison.Ordinal) && mtx.Unit == "GB/s")
            {
                foreach (var (device, value) in Cells(mtx))
                {
                    memory.Add(new MemoryMeasurement
                    {
                        Device = device,
                        Kind = "device-local-copy",
                        Convention = "nvbandwidth: bytes copied, counted once (read + write traffic is twice this)",
                        TrafficFactor = 2,
                        MedianGBps = value,
                        BestGBps = value,
                    });
                }
            }
        }
        if (blocks.Count == 0) warnings.Add("no nvbandwidth test blocks ('Running <test>.') were found.");
        return new BenchResult
        {
            Source = BenchSources.Nvbandwidth,
            SourceVersion = sourceVersion,
            Backend = "import",
            Suites = ["memory", "host"],
            Devices = devices,
            Software = new SoftwareInfo { DriverVersion = driver, CudaDriverVersion = cudaDriver, CudaRuntimeVersion = cudaRuntime, Versions = versions },
            HostTransfers = host,
            Memory = memory,
            TransferMatrices = matrices,
            Warnings = warnings,
            Import = new ImportInfo
            {
                Tool = BenchSources.Nvbandwidth,
                FileName = fileName,
                Tables = matrices.Count,
                Rows = matrices.Sum(x => x.Values.Count),
                SkippedLines = skipped,
                Reported = reported,
            },
        };
    }

    /// <summary>Device and value of every cell of a one-row matrix (CPU row × GPU columns), or of each column's non-null cell.</summary>
    private static IEnumerable<(int Device, double Value)> Cells(TransferMatrix m)
    {
        for (var c = 0; c < m.ColumnLabels.Count; c++)
        {
            var value = m.Values.Select(r => c < r.Count ? r[c] : null).FirstOrDefault(v => v is not null);
            if (value is null) continue;
            var device = int.TryParse(m.ColumnLabels[c], NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d : c;
            yield return (device, value.Value);
        }
    }

    private static string UnitOf(string? description) =>
        description is not null && (description.Contains("(ns)", StringComparison.Ordinal) || description.Contains("latency", StringComparison.OrdinalIgnoreCase)) ? "ns" : "GB/s";

    private static BenchResult ParseJson(string json, string? fileName)
    {
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("nvbandwidth", out var nv) || nv.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("not an nvbandwidth JSON report: no \"nvbandwidth\" object.");
        }
        string? Str(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) ? v.ValueKind switch { JsonValueKind.String => v.GetString(), JsonValueKind.Number => v.GetRawText(), _ => null } : null;
        var devices = new List<DeviceInfo>();
        if (nv.TryGetProperty("GPU Device list", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var d in list.EnumerateArray())
            {
                var s = d.ValueKind == JsonValueKind.String ? d.GetString() ?? "" : d.GetRawText();
                var m = DeviceRx().Match(s.StartsWith("Device", StringComparison.Ordinal) ? s : "Device " + devices.Count + ": " + s);
                devices.Add(m.Success
                    ? new DeviceInfo { Index = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Name = m.Groups[2].Value.Trim(), PciBusId = m.Groups[3].Success ? m.Groups[3].Value : null }
                    : new DeviceInfo { Index = devices.Count, Name = s });
            }
        }
        var blocks = new List<Block>();
        if (nv.TryGetProperty("testcases", out var cases) && cases.ValueKind == JsonValueKind.Array)
        {
            foreach (var c in cases.EnumerateArray())
            {
                var b = new Block { Test = Str(c, "name") ?? "", Status = (Str(c, "status") ?? "ok").ToLowerInvariant() switch { "passed" or "ok" or "pass" or "success" => "ok", "waived" => "waived", _ => "error" } };
                if (Str(c, "sum") is { } sumText && ImportText.TryNumber(sumText, out var sum)) b.Sum = sum;
                if (c.TryGetProperty("bandwidth_matrix", out var mtx) && mtx.ValueKind == JsonValueKind.Array)
                {
                    var values = new List<IReadOnlyList<double?>>();
                    foreach (var row in mtx.EnumerateArray())
                    {
                        values.Add(row.EnumerateArray().Select(cell =>
                            cell.ValueKind == JsonValueKind.Number ? cell.GetDouble()
                            : cell.ValueKind == JsonValueKind.String && ImportText.TryNumber(cell.GetString() ?? "", out var v) ? v
                            : (double?)null).ToList());
                    }
                    var cols = values.Count == 0 ? 0 : values.Max(r => r.Count);
                    var description = Str(c, "bandwidth_description");
                    b.Matrices.Add(new TransferMatrix
                    {
                        Test = b.Test,
                        Description = description,
                        Unit = UnitOf(description),
                        RowLabels = Enumerable.Range(0, values.Count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList(),
                        ColumnLabels = Enumerable.Range(0, cols).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList(),
                        Values = values,
                    });
                }
                blocks.Add(b);
            }
        }
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Str(nv, "git_version") is { } git) versions["git"] = git;
        int? Int(string? s) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
        var result = Build(blocks, devices, versions, Str(nv, "version"), Str(nv, "Driver Version"), Int(Str(nv, "CUDA Runtime Version")), Int(Str(nv, "CUDA Driver Version")), [], fileName, 0);
        return Str(nv, "hostname") is { } hostName ? result with { Host = new HostInfo { Hostname = hostName } } : result;
    }

    [GeneratedRegex(@"^nvbandwidth Version:\s*(\S+)")]
    private static partial Regex VersionRx();

    [GeneratedRegex(@"^Built from Git version:\s*(\S+)")]
    private static partial Regex GitRx();

    [GeneratedRegex(@"^CUDA Runtime Version:\s*(\d+)")]
    private static partial Regex RuntimeRx();

    [GeneratedRegex(@"^CUDA Driver Version:\s*(\d+)")]
    private static partial Regex CudaDriverRx();

    [GeneratedRegex(@"^Driver Version:\s*(\S+)")]
    private static partial Regex DriverRx();

    [GeneratedRegex(@"^Device\s+(\d+):\s*(.+?)(?:\s+\(([0-9A-Fa-f:.]+)\))?\s*$")]
    private static partial Regex DeviceRx();

    [GeneratedRegex(@"^Running\s+(\S+?)\.?$")]
    private static partial Regex RunningRx();

    [GeneratedRegex(@"^SUM\s+(\S+)\s+(\S+)")]
    private static partial Regex SumRx();

    [GeneratedRegex(@"^&&&& PERF\s+(\S+)\s+(\S+)")]
    private static partial Regex PerfRx();
}
