using System.Text.Json;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Validation;

namespace CapacityPlanner.Contracts.Validation;

/// <summary>
/// The published runs shipped with the product (embedded <c>Data/validation/*.json</c>), each read with
/// <see cref="ValidationCaseFile"/> and its scenario resolved once.
/// </summary>
public static class ValidationSet
{
    private const string Prefix = "CapacityPlanner.Contracts.Data.validation.";
    private static readonly Lazy<IReadOnlyList<ValidationCase>> s_shipped = new(Load);
    // The whole shipped set through the model, once per process: the Validation page and the track record both read it.
    private static readonly Lazy<ValidationReport> s_shippedReport = new(() => Run(Shipped));
    private static readonly Lazy<TrackRecordIndex> s_trackRecord = new(() => new TrackRecordIndex(RunShipped().Results));

    /// <summary>Every shipped case, ordered by id.</summary>
    public static IReadOnlyList<ValidationCase> Shipped => s_shipped.Value;

    /// <summary>Family names of the shipped cases.</summary>
    public static IReadOnlyList<string> Families => FamiliesOf(Shipped);

    /// <summary>Family names of <paramref name="cases"/>, sorted.</summary>
    public static IReadOnlyList<string> FamiliesOf(IEnumerable<ValidationCase> cases) =>
        [.. cases.Select(c => c.Family).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>
    /// The firm shipped runs with the model's error on each, searchable by likeness to a plan (the estimate's track
    /// record); built on first use.
    /// </summary>
    public static TrackRecordIndex TrackRecord => s_trackRecord.Value;

    /// <summary>
    /// The model's record on the shipped runs most like an estimated scenario; null when the estimate has no step time, or
    /// when the shipped set could not be run (an estimate never fails for want of its record).
    /// </summary>
    public static TrackRecord? TrackRecordFor(Core.Planning.ResolvedScenario scenario, Core.Estimation.Estimate estimate)
    {
        try
        {
            return TrackRecord.For(scenario, estimate);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException or KeyNotFoundException
            or ArithmeticException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The shipped set (optionally one family) through the model; the whole set is run once per process and kept (the
    /// cases and the model do not change while it runs).
    /// </summary>
    public static ValidationReport RunShipped(string? family = null) => family is null ? s_shippedReport.Value : Run(Shipped, family);

    /// <summary>Runs <paramref name="cases"/> (optionally one family, any case) through the model.</summary>
    public static ValidationReport Run(IEnumerable<ValidationCase> cases, string? family = null) =>
        new(ValidationRunner.RunAll(cases.Where(c => family is null || string.Equals(c.Family, family, StringComparison.OrdinalIgnoreCase))));

    private static List<ValidationCase> Load()
    {
        var assembly = typeof(ValidationSet).Assembly;
        var list = new List<ValidationCase>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            var id = name[Prefix.Length..^".json".Length];
            list.Add(ValidationCaseFile.Parse(id, reader.ReadToEnd()));
        }
        list.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return list;
    }
}

/// <summary>
/// The case-file format of <c>Data/validation/*.json</c> (see its README): the scenario exactly as it ran, what was
/// measured, with its source.
/// </summary>
public static class ValidationCaseFile
{
    /// <summary>The family of a run that names none (a user's measured run, a case file without <c>family</c>).</summary>
    public const string DefaultFamily = "user";

    /// <summary>
    /// Reads one case file and resolves its scenario; throws <see cref="FormatException"/> naming the field that is wrong
    /// (a scenario that does not resolve is no format error: the case reports it when run).
    /// </summary>
    public static ValidationCase Parse(string id, string json)
    {
        if (Json.StrictJson.Check(json) is { } invalid) throw new FormatException($"{id}: {invalid.Path}: {invalid.Message}");
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        if (r.ValueKind != JsonValueKind.Object)
            throw new FormatException($"{id}: a case file is one JSON object {{ \"scenario\", \"metric\", \"measured\", … }}, not {(r.ValueKind == JsonValueKind.Array ? "an array" : r.ValueKind.ToString().ToLowerInvariant())}.");
        string Str(string name) => r.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : "";
        if (!r.TryGetProperty("scenario", out var scenario) || scenario.ValueKind != JsonValueKind.Object)
            throw new FormatException($"{id}: 'scenario' (an object) is required.");
        if (!ValidationCase.TryParseMetric(Str("metric"), out var metric))
            throw new FormatException($"{id}: 'metric' must be stepTimeSeconds, tokensPerSecondPerGpu or hardwareTflopsPerGpu.");
        if (!r.TryGetProperty("measured", out var measured) || measured.ValueKind != JsonValueKind.Number || measured.GetDouble() <= 0)
            throw new FormatException($"{id}: 'measured' must be a positive number.");
        var tolerance = r.TryGetProperty("tolerance", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetDouble() : 0.15;
        var soft = r.TryGetProperty("soft", out var s) && s.ValueKind == JsonValueKind.True;
        double? memory = null;
        if (r.TryGetProperty("measuredMemoryGiB", out var mem))
        {
            if (mem.ValueKind != JsonValueKind.Number || mem.GetDouble() <= 0)
                throw new FormatException($"{id}: 'measuredMemoryGiB' must be a positive number of GiB per GPU.");
            memory = mem.GetDouble();
        }
        var family = Str("family") is { Length: > 0 } f ? f : DefaultFamily;
        var scenarioJson = WithFamilyStack(scenario.GetRawText(), family);
        var resolved = ScenarioResolver.ParseAndResolve(scenarioJson);
        return new ValidationCase(id, scenarioJson, metric, measured.GetDouble(), tolerance, soft, family, Str("source"), Str("note"))
        {
            Scenario = resolved.Scenario,
            ScenarioErrors = resolved.Errors,
            MeasuredMemoryGiB = memory,
            MemorySource = Str("memorySource"),
        };
    }

    /// <summary>
    /// True when <paramref name="json"/> has a case file's shape, an object with a <c>scenario</c> object (a scenario
    /// document has no such field): the commands that take a scenario read such a file's scenario as it ran and compare
    /// the estimate with what was measured. Whether the rest of it is right (metric, measured) is <see cref="Parse"/>'s to say.
    /// </summary>
    public static bool IsCaseFile(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        // Text that is not strict JSON (a lone surrogate, a repeated key) is no case file: the scenario reader names what is wrong.
        if (Json.StrictJson.Check(json) is not null) return false;
        try
        {
            using var doc = JsonDocument.Parse(json);
            var r = doc.RootElement;
            return r.ValueKind == JsonValueKind.Object && r.TryGetProperty("scenario", out var s) && s.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads what a command that takes a scenario was given: a scenario document, or a published run's case file
    /// (<see cref="IsCaseFile"/>), whose scenario is read as it ran (<see cref="WithFamilyStack"/>) and whose case comes
    /// back with it. A case file's errors are named where they are in the file: its own fields at <c>$</c>, its
    /// scenario's under <c>$.scenario</c>. The CLI and the HTTP API both read their input here.
    /// </summary>
    /// <param name="json">The text given.</param>
    /// <param name="id">The case's id if it is a case file (the file's name).</param>
    /// <param name="prepare">As <see cref="ScenarioLoader.Load"/>.</param>
    /// <param name="explain">As <see cref="ScenarioLoader.Load"/>.</param>
    public static (LoadedScenario Loaded, ValidationCase? Case) LoadScenarioOrCase(string json, string id,
        Func<ScenarioDocument, ScenarioDocument>? prepare = null, Func<ScenarioError, ScenarioError>? explain = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(id);
        if (!IsCaseFile(json)) return (ScenarioLoader.Load(json, prepare, explain), null);
        if (TryParse(id, json, out var problem) is not { } published)
        {
            return (new LoadedScenario(null, null, [new ScenarioError("$", problem!)]), null);
        }
        var loaded = ScenarioLoader.Load(published.ScenarioJson, prepare, explain);
        if (loaded.Success) return (loaded, published);
        return (loaded with { Errors = [.. loaded.Errors.Select(e => e with { Path = "$.scenario" + e.Path[1..] })] }, published);
    }

    /// <summary>
    /// Reads a case file given as input (a pasted or named file): the case, or null and what is wrong, worded for the
    /// person who gave it ("a published run's case file, but 'metric' must be …").
    /// </summary>
    public static ValidationCase? TryParse(string id, string json, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            problem = null;
            return Parse(id, json);
        }
        catch (FormatException ex)
        {
            var why = ex.Message.StartsWith(id + ": ", StringComparison.Ordinal) ? ex.Message[(id.Length + 2)..] : ex.Message;
            problem = "a published run's case file, but " + why;
            return null;
        }
    }

    /// <summary>
    /// The case's scenario as it ran: where it names no <c>training.stack</c> and its family names the software
    /// (software-stacks.json caseFamilies: torchtitan, deepspeed, maxtext), that stack is written in, so the model, the table's
    /// stack column and the link to the Planner all carry it. Otherwise the scenario text as written.
    /// </summary>
    public static string WithFamilyStack(string scenarioJson, string? family)
    {
        ArgumentNullException.ThrowIfNull(scenarioJson);
        if (Core.Planning.SoftwareStackCatalog.Standard.StackForCaseFamily(family) is not { } stack) return scenarioJson;
        System.Text.Json.Nodes.JsonNode? node;
        try
        {
            node = System.Text.Json.Nodes.JsonNode.Parse(scenarioJson);
        }
        catch (JsonException)
        {
            return scenarioJson; // the reader reports it
        }
        if (node?["training"] is not System.Text.Json.Nodes.JsonObject training || training.ContainsKey("stack")) return scenarioJson;
        training["stack"] = stack;
        return node.ToJsonString(new JsonSerializerOptions { WriteIndented = scenarioJson.Contains('\n', StringComparison.Ordinal) });
    }
}
