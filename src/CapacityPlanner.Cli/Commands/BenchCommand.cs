using System.Text;
using System.Text.Json;
using CapacityPlanner.Runner;
using CapacityPlanner.Runner.Native;
using CapacityPlanner.Measurements;
using CapacityPlanner.Measurements.Import;
using CapacityPlanner.Measurements.Calibration;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Contracts.Scenarios;

namespace CapacityPlanner.Cli.Commands;

/// <summary>
/// capplan bench: GPU (or CPU) microbenchmarks into one versioned JSON document; <c>bench import</c> converts
/// nccl-tests, nvbandwidth and mamf-finder output into the same document; <c>bench probe</c> shows where the CUDA
/// libraries were found; <c>bench calibrate</c> turns results into a measured chip profile.
/// </summary>
internal static class BenchCommand
{
    /// <summary>Largest tool output or result file read.</summary>
    internal const long MaxInputBytes = 64L << 20;

    internal const string Help = """
        capplan bench — GPU microbenchmarks (GEMM, device memory, host↔device, NCCL collectives) into one JSON document

        Usage:
          capplan bench [--backend auto|cuda|cpu] [--suite gemm,memory,host,collectives|all] [--quick]
                        [--json] [--output FILE] [--lib-path DIR[:DIR]] [--device N] [--dtypes bf16,fp16,tf32,fp8]
                        [--gemm-sizes 2048,4096] [--threads N] [--rank R --world-size N --master-addr HOST --master-port P]
                        [--rendezvous-timeout SECONDS]
          capplan bench import [auto|nccl-tests|nvbandwidth|mamf-finder] <file|-> [--collective NAME] [--json] [--output FILE]
          capplan bench probe [--lib-path DIR[:DIR]] [--json]
          capplan bench calibrate <result.json>... --chip ID [--precision bf16] [--include-cpu] [--json]

        --backend auto uses CUDA when libcuda.so.1 loads and finds a device, else the CPU (the reason is recorded).
        Libraries are searched in --lib-path, then by the system loader, then in Python site-packages (NVIDIA wheels),
        then in $CUDA_HOME. Several ranks (srun, mpirun, torchrun or RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT) meet at a
        TCP rendezvous; rank 0 writes the one result. Without --json or --output a readable summary is printed.
        The document follows wwwroot/schemas/bench-result-v1.schema.json; upload it with capplan upload.
        bench calibrate --json has "scenarioChip": the measured chip (GEMM curve included) to paste as a scenario's
        "system": { "chip": … }.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0)
        {
            switch (args[0])
            {
                case "import": return await ImportAsync(args[1..], stdout, stderr, stdin);
                case "probe": return await ProbeAsync(args[1..], stdout, stderr);
                case "calibrate": return await CalibrateAsync(args[1..], stdout, stderr);
                case "run": args = args[1..]; break;
            }
        }
        var (options, errors) = BenchArguments.Parse(args);
        if (args.Contains("--help") || args.Contains("-h"))
        {
            await stdout.WriteLineAsync(Help);
            return ExitCodes.Ok;
        }
        if (errors.Count > 0) return await Invalid(stderr, errors);

        var outcome = await Task.Run(() => BenchRunner.Run(options, stderr));
        if (outcome.Error is not null)
        {
            await stderr.WriteLineAsync("capplan bench: " + outcome.Error);
            return ExitCode(outcome.Status);
        }
        if (outcome.Result is null) return ExitCode(outcome.Status);   // a rank other than 0: rank 0 writes the result
        return await WriteAsync(outcome.Result, options.Json, options.Output, stdout, stderr, "capplan bench");
    }

    /// <summary>Writes a document: --output FILE, --json to standard output, else the readable summary.</summary>
    internal static async Task<int> WriteAsync(BenchResult result, bool json, string? output, TextWriter stdout, TextWriter stderr, string who)
    {
        var text = BenchResultJson.Serialize(result);
        if (output is not null)
        {
            string? problem = null;
            if (Directory.Exists(output)) problem = "it is a directory; give a file name such as result.json";
            else
            {
                try
                {
                    var dir = Path.GetDirectoryName(Path.GetFullPath(output));
                    if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
                    await File.WriteAllTextAsync(output, text + "\n", new UTF8Encoding(false));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
                {
                    problem = ex.Message;
                }
            }
            if (problem is not null)
            {
                // A path that cannot be written is the caller's to fix (exit 2); the measurement is not lost: it goes to
                // standard output instead.
                await stderr.WriteLineAsync($"{who}: cannot write {output}: {problem}. The result follows on standard output.");
                await stdout.WriteLineAsync(text);
                return ExitCodes.InvalidInput;
            }
            await stderr.WriteLineAsync($"{who}: wrote {output}");
        }
        if (json) await stdout.WriteLineAsync(text);
        else if (output is null) await stdout.WriteAsync(BenchSummary.Format(result));
        return ExitCodes.Ok;
    }

    private static async Task<int> ImportAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        var a = CommandArgs.Parse(args.Select(x => x == "-o" ? "--output" : x).ToArray(), ["--json"], ["--output", "--collective"]);
        var errors = new List<string>(a.Errors);
        // capplan bench import [TOOL] FILE: without a tool (or with "auto") the file's kind is detected from its content,
        // by the same reader as the dashboard's upload (Measurements' BenchmarkFileReader).
        if (a.Positional.Count is not (1 or 2)) errors.Add($"expected a file, optionally after its tool ({string.Join(", ", BenchImporter.Tools)}, or auto): capplan bench import all_reduce.txt");
        else if (a.Positional.Count == 2 && a.Positional[0] != "auto" && !BenchImporter.Tools.Contains(a.Positional[0])) errors.Add($"unknown tool '{a.Positional[0]}'; tools: {string.Join(", ", BenchImporter.Tools)}, or auto.");
        if (a.Options.TryGetValue("--collective", out var coll) && !BusBandwidth.IsKnown(coll)) errors.Add($"unknown collective '{coll}'; known: {string.Join(", ", BusBandwidth.Collectives)}.");
        if (errors.Count > 0) return await Invalid(stderr, errors, "capplan bench import");
        var (tool, file) = a.Positional.Count == 2 ? (a.Positional[0], a.Positional[1]) : ("auto", a.Positional[0]);
        var (text, readError) = await ReadInputAsync(file, stdin);
        if (readError is not null) return await Invalid(stderr, [readError], "capplan bench import");
        if (tool == "auto")
        {
            var kind = BenchmarkFileReader.Detect(text!);
            if (BenchmarkFileReader.Tool(kind) is not { } detected)
            {
                return await Invalid(stderr, [kind == BenchmarkFileKind.Result
                    ? $"{file} is already a capplan bench result document: upload or calibrate it as it is."
                    : $"{file} is not recognised as nccl-tests, nvbandwidth or mamf-finder output; name its tool: capplan bench import nccl-tests {file}"], "capplan bench import");
            }
            tool = detected;
        }
        BenchResult result;
        try
        {
            result = BenchImporter.Import(tool, text!, file == "-" ? null : Path.GetFileName(file), collectiveHint: coll);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return await Invalid(stderr, [ex.Message], "capplan bench import");
        }
        foreach (var w in result.Warnings) await stderr.WriteLineAsync($"capplan bench import: warning: {w}");
        if (result.Gemm.Count + result.Memory.Count + result.HostTransfers.Count + result.Collectives.Count + result.TransferMatrices.Count == 0)
        {
            return await Invalid(stderr, [$"no {tool} results found in {file} (is it {tool} output?)"], "capplan bench import");
        }
        return await WriteAsync(result, a.Flags.Contains("--json"), a.Options.GetValueOrDefault("--output"), stdout, stderr, "capplan bench import");
    }

    private static async Task<int> ProbeAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var a = CommandArgs.Parse(args, ["--json"], ["--lib-path"]);
        if (a.Errors.Count > 0 || a.Positional.Count > 0) return await Invalid(stderr, [.. a.Errors, .. a.Positional.Select(p => $"unexpected argument '{p}'.")], "capplan bench probe");
        var probe = new LibraryProbe(RealProbeSystem.Instance, (a.Options.GetValueOrDefault("--lib-path") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));
        var found = new[] { LibrarySpec.Cuda, LibrarySpec.Nvml, LibrarySpec.CublasLt, LibrarySpec.Nccl }.Select(probe.Find).ToList();
        var diagnoses = found.Select(NativeDiagnostics.Diagnose).ToList();
        if (a.Flags.Contains("--json"))
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartArray();
                foreach (var (f, d) in found.Zip(diagnoses))
                {
                    w.WriteStartObject();
                    w.WriteString("name", f.Info.Name);
                    w.WriteBoolean("found", f.Found);
                    w.WriteBoolean("usable", d.Usable);
                    if (f.Info.Path is not null) w.WriteString("path", f.Info.Path);
                    if (f.Info.FoundBy is not null) w.WriteString("foundBy", f.Info.FoundBy);
                    if (f.Info.Error is not null) w.WriteString("error", f.Info.Error);
                    if (d.Version is not null) w.WriteString("version", d.Version);
                    if (f.Found && d.Status is not null) w.WriteString("status", d.Status);
                    if (f.Found)
                    {
                        w.WriteStartArray("missingExports");
                        foreach (var m in d.MissingExports) w.WriteStringValue(m);
                        w.WriteEndArray();
                    }
                    w.WriteStartArray("tried");
                    foreach (var t in f.Info.Tried) w.WriteStringValue(t);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            await stdout.WriteLineAsync(Encoding.UTF8.GetString(ms.ToArray()));
        }
        else
        {
            foreach (var (f, d) in found.Zip(diagnoses))
            {
                await stdout.WriteLineAsync($"{f.Info.Name}: {(f.Found ? $"{f.Info.Path} (found by {f.Info.FoundBy})" : f.Info.Error)}");
                if (f.Found)
                {
                    await stdout.WriteLineAsync($"    version: {d.Version ?? "not reported"}");
                    if (d.Status is not null) await stdout.WriteLineAsync($"    {(d.Usable ? "ok" : "problem")}: {d.Status}");
                }
                foreach (var t in f.Info.Tried) await stdout.WriteLineAsync("    " + t);
            }
        }
        foreach (var f in found.Where(f => f.Found)) System.Runtime.InteropServices.NativeLibrary.Free(f.Handle);
        return ExitCodes.Ok;
    }

    private static async Task<int> CalibrateAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var a = CommandArgs.Parse(args, ["--json", "--include-cpu"], ["--chip", "--precision"]);
        var errors = new List<string>(a.Errors);
        if (a.Positional.Count == 0) errors.Add("give at least one result document: capplan bench calibrate result.json --chip h100-sxm");
        ChipSpec? chip = null;
        if (!a.Options.TryGetValue("--chip", out var chipId)) errors.Add("--chip is required (a catalog id; see capplan chips).");
        else if (!HardwareCatalog.Default.TryGet(chipId, out chip)) errors.Add($"unknown chip \"{chipId}\"; known chips: {string.Join(", ", HardwareCatalog.Default.Ids)}.");
        var precision = Precision.Bf16;
        if (a.Options.TryGetValue("--precision", out var p) && !PrecisionExtensions.TryParse(p, out precision)) errors.Add($"unknown precision '{p}'.");
        var results = new List<BenchResult>();
        foreach (var file in a.Positional)
        {
            var (text, readError) = await ReadInputAsync(file, TextReader.Null);
            if (readError is not null)
            {
                errors.Add(readError);
                continue;
            }
            if (BenchResultJson.TryDeserialize(text!, out var r, out var err)) results.Add(r!);
            else errors.Add($"{file}: {err}");
        }
        if (errors.Count > 0) return await Invalid(stderr, errors, "capplan bench calibrate");
        var cal = ChipCalibrator.Calibrate(chip!, results, new CalibrationOptions { Precision = precision, IncludeCpuResults = a.Flags.Contains("--include-cpu") });
        if (a.Flags.Contains("--json"))
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteString("chip", cal.Chip.Id);
                w.WriteString("baseChip", cal.BaseChip.Id);
                w.WriteString("precision", precision.ToId());
                Number("gemmMaxFraction", cal.GemmMaxFraction);
                Number("hbmFraction", cal.HbmFraction);
                Number("scaleUpBusbwGBps", cal.ScaleUpBusbwGBps);
                Number("scaleUpBusEfficiency", cal.ScaleUpBusEfficiency);
                Number("scaleOutBusbwGBps", cal.ScaleOutBusbwGBps);
                Number("scaleOutEfficiency", cal.ScaleOutEfficiency);
                w.WriteStartArray("gemmCurve");
                foreach (var (x, y) in cal.GemmCurve)
                {
                    w.WriteStartObject();
                    w.WriteNumber("flops", x);
                    w.WriteNumber("fraction", y);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("notes");
                foreach (var n in cal.Notes) w.WriteStringValue(n);
                w.WriteEndArray();
                w.WriteStartArray("warnings");
                foreach (var n in cal.Warnings) w.WriteStringValue(n);
                w.WriteEndArray();
                // The measured chip as a scenario's inline chip: paste it as "system": { "chip": … }.
                w.WritePropertyName("scenarioChip");
                ScenarioWriter.WriteChip(w, ChipCalibrator.ToInlineChip(cal));
                w.WriteEndObject();

                void Number(string name, double? v)
                {
                    if (v is { } d) w.WriteNumber(name, d);
                    else w.WriteNull(name);
                }
            }
            await stdout.WriteLineAsync(Encoding.UTF8.GetString(ms.ToArray()));
        }
        else
        {
            await stdout.WriteLineAsync($"Calibrated {cal.Chip.Name} ({cal.Chip.Id}) from {results.Count} document(s):");
            foreach (var n in cal.Notes) await stdout.WriteLineAsync("  " + n);
            if (cal.GemmCurve.Count > 0)
            {
                await stdout.WriteLineAsync("  GEMM curve (FLOPs → fraction of peak): " + string.Join(", ", cal.GemmCurve.Select(c => FormattableString.Invariant($"{c.Flops:0.##e0} → {c.Fraction:P1}"))));
            }
            foreach (var w in cal.Warnings) await stdout.WriteLineAsync("  warning: " + w);
        }
        return ExitCodes.Ok;
    }

    /// <summary>Reads a file (or standard input for "-") up to <see cref="MaxInputBytes"/>.</summary>
    internal static async Task<(string? Text, string? Error)> ReadInputAsync(string file, TextReader stdin)
    {
        if (file == "-") return (await stdin.ReadToEndAsync(), null);
        try
        {
            var info = new FileInfo(file);
            if (!info.Exists) return (null, $"{file}: no such file.");
            if (info.Length > MaxInputBytes) return (null, $"{file}: {info.Length / (1024.0 * 1024):0.#} MiB is more than the {MaxInputBytes >> 20} MiB limit.");
            return (await File.ReadAllTextAsync(file), null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, $"{file}: {ex.Message}");
        }
    }

    private static async Task<int> Invalid(TextWriter stderr, IEnumerable<string> errors, string who = "capplan bench")
    {
        foreach (var e in errors) await stderr.WriteLineAsync($"{who}: {e}");
        await stderr.WriteLineAsync("See capplan bench --help.");
        return ExitCodes.InvalidInput;
    }

    private static int ExitCode(BenchStatus status) => status switch
    {
        BenchStatus.Ok => ExitCodes.Ok,
        BenchStatus.InvalidLaunch => ExitCodes.InvalidInput,
        _ => ExitCodes.Failure,
    };
}
