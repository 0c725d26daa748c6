using System.Globalization;
using System.Text;
using System.Text.Json;
using CapacityPlanner.Contracts.Results;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Validation;

namespace CapacityPlanner.Cli.Commands;

/// <summary>
/// <c>capplan validate [--family NAME] [--json] [--cases DIR]</c>: the model against every shipped published run, or
/// against the case files in DIR (the shipped format, Data/validation/README.md); <c>--fit</c> refits the calibrated
/// constants on every firm run, <c>--lofo</c> prints the leave-one-family-out table, <c>--track-record</c> checks the
/// estimates' track record with each run left out.
/// </summary>
internal static class ValidateCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var a = CommandArgs.Parse(args, ["--json", "--fit", "--lofo", "--track-record"], ["--family", "--cases"]);
        if (a.Positional.Count > 0) a.Errors.Add($"unexpected argument '{a.Positional[0]}'; validate takes --family NAME, --cases DIR, --json, --fit, --lofo and --track-record.");
        var modes = new[] { "--fit", "--lofo", "--track-record" }.Where(a.Flags.Contains).ToList();
        if (modes.Count > 1) a.Errors.Add($"{string.Join(" and ", modes)} are separate reports: give one of them per run.");
        if (modes.Count > 0 && a.Options.ContainsKey("--family")) a.Errors.Add($"--family filters the table of runs; {modes[0]} reports on the whole shipped set.");
        var json = a.Flags.Contains("--json");
        a.Options.TryGetValue("--family", out var family);
        IReadOnlyList<ValidationCase> cases = ValidationSet.Shipped;
        if (a.Options.TryGetValue("--cases", out var folder))
        {
            if (a.Flags.Contains("--fit") || a.Flags.Contains("--lofo") || a.Flags.Contains("--track-record"))
                a.Errors.Add("--cases runs the model on your case files; --fit, --lofo and --track-record work on the shipped set only.");
            else
            {
                var warnings = new List<string>();
                if (ReadCaseFiles(folder, a.Errors, warnings) is { } read) cases = read;
                foreach (var w in warnings) await stderr.WriteLineAsync("capplan validate: warning: " + w);
            }
        }
        var families = ValidationSet.FamiliesOf(cases);
        if (family is not null && a.Errors.Count == 0 && !families.Contains(family, StringComparer.OrdinalIgnoreCase))
        {
            a.Errors.Add($"unknown family '{family}'; known: {string.Join(", ", families)}.");
        }
        if (a.Errors.Count > 0)
        {
            foreach (var e in a.Errors) await stderr.WriteLineAsync("capplan validate: " + e);
            return ExitCodes.InvalidInput;
        }
        if (a.Flags.Contains("--fit"))
        {
            var fitted = ModelCalibration.FitShipped(ValidationSet.Shipped);
            var shipped = CalibratedConstants.From(Core.Estimation.ModelDefaults.Standard);
            var host = Core.Estimation.ModelDefaults.Standard.MoeHostSecondsPerLocalExpert;
            var derived = ModelCalibration.DeriveMoeHost(ValidationSet.Shipped);
            if (json)
            {
                await stdout.WriteLineAsync(ResultJson.Serialize(w =>
                {
                    w.WriteStartObject();
                    w.WritePropertyName("shipped");
                    ValidationJson.WriteConstants(w, shipped);
                    w.WritePropertyName("refit");
                    ValidationJson.WriteConstants(w, fitted);
                    w.WriteStartObject("derived");
                    w.WriteStartObject("moeHostSecondsPerLocalExpert");
                    w.WriteNumber("shippedLowPrecision", host.LowPrecision);
                    w.WriteNumber("shippedSixteenBit", host.SixteenBit);
                    w.WriteNumber("derivedLowPrecision", derived.LowPrecision);
                    w.WriteNumber("derivedSixteenBit", derived.SixteenBit);
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndObject();
                }, indented: true));
                return ExitCodes.Ok;
            }
            await stdout.WriteLineAsync("Calibrated constants refitted (gemmInModelFraction on the Korthikanti 2022 runs, the two overlap slowdowns on every firm run but the held-out dgxc family and calibration.json heldOutRuns; lowPrecisionRelativeEfficiency is measured; shipped value → refit):");
            for (var i = 0; i < CalibratedConstants.Names.Count; i++)
            {
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {CalibratedConstants.Names[i],-32} {shipped[i],8:F3} → {fitted[i],8:F3}"));
            }
            await stdout.WriteLineAsync("Derived (calibration.json derived: median over the named runs of the value that closes each run's gap; ms):");
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {"moeHostSecondsPerLocalExpert fp8",-32} {host.LowPrecision * 1e3,8:F4} → {derived.LowPrecision * 1e3,8:F4}"));
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {"moeHostSecondsPerLocalExpert 16b",-32} {host.SixteenBit * 1e3,8:F4} → {derived.SixteenBit * 1e3,8:F4}"));
            return ExitCodes.Ok;
        }
        if (a.Flags.Contains("--track-record") && json)
        {
            await stdout.WriteLineAsync(ResultJson.Serialize(w =>
            {
                w.WriteStartObject();
                w.WritePropertyName("leaveOneRunOut");
                ValidationJson.WriteTrackRecordCheck(w, ValidationSet.TrackRecord.LeaveOneOut(wholeFamily: false));
                w.WritePropertyName("leaveFamilyOut");
                ValidationJson.WriteTrackRecordCheck(w, ValidationSet.TrackRecord.LeaveOneOut(wholeFamily: true));
                w.WriteEndObject();
            }, indented: true));
            return ExitCodes.Ok;
        }
        if (a.Flags.Contains("--track-record"))
        {
            var inv = CultureInfo.InvariantCulture;
            foreach (var (wholeFamily, title) in new[] { (false, "leave one run out (each firm run's record from the other runs"), (true, "leave its family out (from the runs of other families") })
            {
                var check = ValidationSet.TrackRecord.LeaveOneOut(wholeFamily);
                await stdout.WriteLineAsync($"Track record, {title}, against its own error):");
                await stdout.WriteLineAsync(string.Create(inv, $"  runs checked                          {check.Runs}"));
                await stdout.WriteLineAsync(string.Create(inv, $"  own error within the record's range   {check.Covered} ({(double)check.Covered / Math.Max(1, check.Runs):P0})"));
                await stdout.WriteLineAsync(string.Create(inv, $"  nearest other run far                 {check.Far}"));
                await stdout.WriteLineAsync(string.Create(inv, $"  |own − record median|                 median {check.MedianMiss:P1}, mean {check.MeanMiss:P1}"));
                await stdout.WriteLineAsync(string.Create(inv, $"  |own − median of all other runs|      median {check.BaselineMedianMiss:P1}, mean {check.BaselineMeanMiss:P1}  (a record that ignores likeness)"));
            }
            return ExitCodes.Ok;
        }
        if (a.Flags.Contains("--lofo"))
        {
            var rows = ModelCalibration.LeaveOneFamilyOut(ValidationSet.Shipped);
            await stdout.WriteLineAsync(json ? ResultJson.Serialize(w => ValidationJson.WriteLeaveOneFamilyOut(w, rows), indented: true) : LeaveOneOutTable(rows));
            return ExitCodes.Ok;
        }
        var report = ValidationSet.Run(cases, family);
        if (a.Flags.Contains("--json"))
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true })) ValidationJson.Write(w, report);
            await stdout.WriteLineAsync(Encoding.UTF8.GetString(ms.ToArray()));
            return ExitCodes.Ok;
        }
        await stdout.WriteLineAsync(Table(report));
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Reads every <c>*.json</c> case file of <paramref name="folder"/> (id = file name without extension); null, with one
    /// error per unreadable file, when any is not a case file.
    /// </summary>
    private static List<ValidationCase>? ReadCaseFiles(string folder, List<string> errors, List<string> warnings)
    {
        if (!Directory.Exists(folder))
        {
            errors.Add(File.Exists(folder)
                ? $"--cases: '{folder}' is a file; give the folder that holds it (every *.json there is run), or compare one case file with capplan estimate '{folder}'."
                : $"--cases: no folder '{folder}'; give a folder of validation case files (*.json in the format of Data/validation/README.md).");
            return null;
        }
        var files = Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            errors.Add($"--cases: '{folder}' holds no *.json case files.");
            return null;
        }
        var list = new List<ValidationCase>();
        var before = errors.Count;
        foreach (var file in files)
        {
            var id = Path.GetFileNameWithoutExtension(file);
            try
            {
                var c = ValidationCaseFile.Parse(id, File.ReadAllText(file));
                list.Add(c);
                // Kept and run (a FLOP count of the model's could be what is off), but the figure is named.
                if (c.Scenario is { } s && ValidationCase.ImpossibleMeasurement(s, c.Metric, c.Measured) is { } impossible)
                    warnings.Add($"--cases: {Path.GetFileName(file)}: 'measured' {impossible}");
            }
            catch (JsonException e)
            {
                errors.Add($"--cases: {Path.GetFileName(file)} is not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}): {e.Message}");
            }
            catch (FormatException e)
            {
                errors.Add($"--cases: {Path.GetFileName(file)}: {e.Message}");
            }
        }
        return errors.Count == before ? list : null;
    }

    /// <summary>The human-readable table: one row per run, then per family and overall.</summary>
    public static string Table(ValidationReport report)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine("Model vs published runs (error = predicted/published throughput − 1; + means the model is faster)");
        sb.AppendLine(string.Create(inv, $"{"case",-50} {"family",-16} {"chip",-14} {"GPUs",5} {"stack",-16} {"metric",-22} {"published",10} {"predicted",10} {"error",8}  {"ok",-4} {"feasible",-8} source"));
        foreach (var r in report.Results)
        {
            var predicted = r.Predicted is { } p ? p.ToString("G5", inv) : "—";
            var error = r.Error is { } e ? e.ToString("+0.0%;-0.0%", inv) : "—";
            var ok = r.WithinTolerance ? "yes" : "NO";
            var feasible = r.Feasible ? "yes" : "NO";
            sb.AppendLine(string.Create(inv,
                $"{r.Case.Id + (r.Case.Soft ? " (soft)" : ""),-50} {r.Case.Family,-16} {r.Chip,-14} {r.Gpus,5} {r.Stack,-16} {ValidationCase.MetricId(r.Case.Metric),-22} {r.Case.Measured,10:G5} {predicted,10} {error,8}  {ok,-4} {feasible,-8} {Shorten(r.Case.Source)}"));
        }
        sb.AppendLine();
        sb.AppendLine(string.Create(inv, $"{"family (firm runs)",-20} {"runs",5} {"median",8} {"mean",8} {"max",8} {"within",8} {"infeasible",10} {"bias",8}"));
        foreach (var (name, s) in report.Families) sb.AppendLine(Row(name, s));
        sb.AppendLine(Row("all firm runs", report.Firm()));
        sb.AppendLine(Row("all runs (+ soft)", report.All()));
        sb.AppendLine();
        sb.AppendLine(string.Create(inv, $"{"by scale (firm runs)",-20} {"runs",5} {"median",8} {"mean",8} {"max",8} {"within",8} {"infeasible",10} {"bias",8} | {"all runs",8} {"median",8} {"bias",8}"));
        foreach (var band in report.Scales)
        {
            sb.AppendLine(Row(band.Label, band.Firm) + string.Create(inv, $" | {band.All.Cases,8} {band.All.MedianAbsError,8:P1} {band.All.Bias,8:+0.0%;-0.0%;0.0%}"));
        }
        var memory = report.MemoryRuns;
        if (memory.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine(string.Create(inv, $"Memory per GPU where the source states it (tolerance ±{ValidationCase.MemoryTolerance:P0}; + means the model needs more)"));
            sb.AppendLine(string.Create(inv, $"{"case",-50} {"published GiB",14} {"predicted GiB",14} {"error",8}  {"ok",-4} source"));
            foreach (var r in memory)
            {
                var err = r.MemoryError!.Value;
                sb.AppendLine(string.Create(inv,
                    $"{r.Case.Id,-50} {r.Case.MeasuredMemoryGiB,14:F1} {r.PredictedMemoryGiB,14:F1} {err,8:+0.0%;-0.0%}  {(Math.Abs(err) <= ValidationCase.MemoryTolerance ? "yes" : "NO"),-4} {Shorten(r.Case.MemorySource)}"));
            }
            sb.AppendLine(string.Create(inv, $"{memory.Count(r => Math.Abs(r.MemoryError!.Value) <= ValidationCase.MemoryTolerance)} of {memory.Count} within ±{ValidationCase.MemoryTolerance:P0}"));
        }
        return sb.ToString();
    }

    /// <summary>The leave-one-family-out table: constants fitted without the family, then the family's error.</summary>
    public static string LeaveOneOutTable(IReadOnlyList<LeaveOneOutRow> rows)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine("Leave one family out: the calibrated constants refitted on every other family, then this family's firm runs");
        sb.AppendLine(string.Create(inv, $"{"held-out family",-18} {"runs",5} {"gemmInModel",12} {"overlapSlow",12} {"lowPrecEff",11} {"tpOverlap",10} {"median",8} {"within",8} {"bias",8} | {"shipped median",15} {"within",8}"));
        foreach (var r in rows)
        {
            sb.AppendLine(string.Create(inv,
                $"{r.Family,-18} {r.Runs,5} {r.Fitted.GemmInModelFraction,12:F3} {r.Fitted.OverlapSlowdown,12:F3} {r.Fitted.LowPrecisionRelativeEfficiency,11:F3} {r.Fitted.TensorParallelOverlapSlowdown,10:F3} {r.HeldOut.MedianAbsError,8:P1} {r.HeldOut.WithinTolerance,8:P0} {r.HeldOut.Bias,8:+0.0%;-0.0%;0.0%} | {r.Shipped.MedianAbsError,15:P1} {r.Shipped.WithinTolerance,8:P0}"));
        }
        return sb.ToString();
    }

    private static string Row(string name, ValidationSummary s) => string.Create(CultureInfo.InvariantCulture,
        $"{name,-20} {s.Cases,5} {s.MedianAbsError,8:P1} {s.MeanAbsError,8:P1} {s.MaxAbsError,8:P1} {s.WithinTolerance,8:P0} {s.Infeasible,10} {s.Bias,8:+0.0%;-0.0%;0.0%}");

    private static string Shorten(string source) => source.Length <= 90 ? source : source[..87] + "...";
}
