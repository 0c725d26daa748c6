using System.Globalization;
using System.Text;
using CapacityPlanner.Contracts.Results;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Validation;

namespace CapacityPlanner.Cli.Commands;

/// <summary><c>capplan estimate &lt;scenario.json&gt; [--json]</c>.</summary>
internal static class EstimateCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        var a = CommandArgs.Parse(args, ["--json"], SiteOptions.Names);
        if (a.Positional.Count != 1) a.Errors.Add("give exactly one scenario file (or - for standard input).");
        var patch = SiteOptions.Parse(a);
        if (a.Errors.Count > 0)
        {
            foreach (var e in a.Errors) await stderr.WriteLineAsync("capplan estimate: " + e);
            return ExitCodes.InvalidInput;
        }
        var json = a.Flags.Contains("--json");
        var loaded = await ScenarioInput.LoadAsync(a.Positional[0], stdin, json, stdout, stderr, patch);
        if (loaded is null) return ExitCodes.InvalidInput;
        var scenario = loaded.Value.Scenario;
        var estimate = CapacityPlanner.Core.Reliability.ScenarioAnalysis.EstimateWithGoodput(scenario);
        // A published run's file: the estimate beside what the run measured, unless site options changed its cluster.
        ValidationResult? published = null;
        if (loaded.Value.Case is { } run)
        {
            if (patch is null) published = ValidationRunner.Result(run, scenario, estimate);
            else await stderr.WriteLineAsync("capplan estimate: the site options change the published run's cluster, so it is not compared with what the run measured.");
        }
        if (json) await stdout.WriteLineAsync(EstimateJson.Serialize(scenario, estimate, published: published));
        else await stdout.WriteLineAsync(EstimateTable.Render(scenario, estimate, ValidationSet.TrackRecordFor(scenario, estimate), published));
        return ExitCodes.Ok;
    }
}

/// <summary>Reading scenario files and reporting input errors, shared by every command that takes a scenario.</summary>
internal static class ScenarioInput
{
    /// <summary>Largest scenario file accepted (scenario documents are a few KB).</summary>
    public const long MaxBytes = 4 * 1024 * 1024;

    // Bytes that are not UTF-8 are an error, never silently replaced (every string must be valid text).
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static async Task<(string? Text, string? Error)> ReadAsync(string path, TextReader stdin)
    {
        if (path == "-")
        {
            // The same limit as files; standard input is read as the console decodes it (UTF-8 on Linux).
            var buffer = new char[64 * 1024];
            var text = new StringBuilder();
            long bytes = 0;
            int read;
            while ((read = await stdin.ReadAsync(buffer.AsMemory())) > 0)
            {
                text.Append(buffer, 0, read);
                bytes += Encoding.UTF8.GetByteCount(buffer, 0, read);
                if (bytes > MaxBytes) return (null, $"standard input is over {MaxBytes:N0} bytes; scenario files are limited to that.");
            }
            var all = text.ToString();
            return all.Contains('\uFFFD', StringComparison.Ordinal)
                ? (null, "standard input is not valid UTF-8 text (it decodes to U+FFFD replacement characters); save the scenario as UTF-8.")
                : (all, null);
        }
        if (Directory.Exists(path)) return (null, $"cannot read '{path}': it is a directory; give a scenario file (or - for standard input).");
        var info = new FileInfo(path);
        if (!info.Exists) return (null, $"cannot read '{path}': the file does not exist.");
        if (info.Length > MaxBytes) return (null, $"'{path}' is {info.Length:N0} bytes; scenario files are limited to {MaxBytes:N0} bytes.");
        try
        {
            return (await File.ReadAllTextAsync(path, s_strictUtf8), null);
        }
        catch (DecoderFallbackException ex)
        {
            return (null, $"cannot read '{path}': it is not valid UTF-8 text ({ex.Message.TrimEnd('.')}); save the scenario as UTF-8.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, $"cannot read '{path}': {ex.Message}");
        }
    }

    /// <summary>
    /// Reads, parses and resolves a scenario; reports errors and returns null when it is invalid. A published run's case
    /// file (<see cref="ValidationCaseFile.IsCaseFile"/>) gives its scenario as it ran, and the case comes back with it.
    /// </summary>
    public static async Task<(ScenarioDocument Document, CapacityPlanner.Core.Planning.ResolvedScenario Scenario, ValidationCase? Case)?> LoadAsync(
        string path, TextReader stdin, bool json, TextWriter stdout, TextWriter stderr, Func<ScenarioDocument, ScenarioDocument>? patch = null)
    {
        var (text, readError) = await ReadAsync(path, stdin);
        if (readError is not null)
        {
            await ReportAsync([new ScenarioError("$", readError)], json, stdout, stderr);
            return null;
        }
        var (loaded, published) = ValidationCaseFile.LoadScenarioOrCase(text!, path == "-" ? "stdin" : Path.GetFileNameWithoutExtension(path), patch);
        if (!loaded.Success)
        {
            await ReportAsync(loaded.Errors, json, stdout, stderr);
            return null;
        }
        if (published is not null && ValidationCase.ImpossibleMeasurement(loaded.Scenario!, published.Metric, published.Measured) is { } impossible)
        {
            await stderr.WriteLineAsync("capplan: warning: " + impossible);
        }
        return (loaded.Document!, loaded.Scenario!, published);
    }

    public static async Task ReportAsync(IReadOnlyList<ScenarioError> errors, bool json, TextWriter stdout, TextWriter stderr)
    {
        if (json)
        {
            using var stream = new MemoryStream();
            using (var w = new System.Text.Json.Utf8JsonWriter(stream, new System.Text.Json.JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteBoolean("valid", false);
                EstimateJson.WriteErrors(w, "errors", errors);
                w.WriteEndObject();
            }
            await stdout.WriteLineAsync(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        }
        await stderr.WriteLineAsync($"capplan: the scenario is invalid ({errors.Count} error{(errors.Count == 1 ? "" : "s")}):");
        foreach (var e in errors)
        {
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {e.Path}: {e.Message}"));
        }
    }
}

/// <summary>
/// The site options shared by estimate, sweep and budget: <c>--power-cap-mw X</c> (what fits in X MW per site: the
/// cluster is sized to it), <c>--max-site-mw X</c> (largest site: how many sites the cluster needs) and <c>--sites N</c>;
/// they override the scenario's <c>sites</c> section.
/// </summary>
internal static class SiteOptions
{
    public static readonly IReadOnlyCollection<string> Names = ["--power-cap-mw", "--max-site-mw", "--sites"];

    public static IReadOnlyCollection<string> With(params string[] more) => [.. Names, .. more];

    /// <summary>Reads the options; adds errors to <paramref name="a"/>; returns a document patch, or null when none was given.</summary>
    public static Func<ScenarioDocument, ScenarioDocument>? Parse(CommandArgs a)
    {
        double? cap = Mw(a, "--power-cap-mw"), max = Mw(a, "--max-site-mw");
        int? sites = null;
        if (a.Options.TryGetValue("--sites", out var text))
        {
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 1000) sites = n;
            else a.Errors.Add($"--sites expects a whole number of sites from 1 to 1000, got '{text}'.");
        }
        if (cap is null && max is null && sites is null) return null;
        return doc => doc with
        {
            Sites = (doc.Sites ?? new SitesSection()) with
            {
                PowerCapMw = cap ?? doc.Sites?.PowerCapMw,
                MaxSiteMw = max ?? doc.Sites?.MaxSiteMw,
                Count = sites ?? doc.Sites?.Count,
            },
        };
    }

    private static double? Mw(CommandArgs a, string name)
    {
        if (!a.Options.TryGetValue(name, out var text)) return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && double.IsFinite(v)) return v;
        a.Errors.Add($"{name} expects megawatts above 0, got '{text}'.");
        return null;
    }
}
