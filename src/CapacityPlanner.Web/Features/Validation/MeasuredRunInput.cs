using System.Globalization;
using System.Text.Json;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Contracts.Sharing;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Validation;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Shared.Chips;

namespace CapacityPlanner.Web.Features.Validation;

/// <summary>A user-measured run that passed every check, ready to store.</summary>
/// <param name="Name">Display name (trimmed).</param>
/// <param name="ScenarioJson">Canonical compact scenario document.</param>
/// <param name="Metric">What was measured.</param>
/// <param name="Measured">The measured value.</param>
/// <param name="Family">Family, or null for "user".</param>
/// <param name="Notes">Notes, or null.</param>
public sealed record MeasuredRunDraft(string Name, string ScenarioJson, ValidationMetric Metric, double Measured, string? Family, string? Notes);

/// <summary>What a published run's case file gives a measured run: its scenario as it ran and the fields it fills where
/// they are left empty.</summary>
/// <param name="ScenarioJson">The scenario as it ran (the family's stack written in), indented.</param>
/// <param name="Metric">What it measured.</param>
/// <param name="Measured">The measured value.</param>
/// <param name="Family">Its family, or null when it names none.</param>
/// <param name="Name">The scenario's name, or null.</param>
/// <param name="Notes">"Source: …", or null.</param>
public sealed record CaseFileFill(string ScenarioJson, ValidationMetric Metric, double Measured, string? Family, string? Name, string? Notes);

/// <summary>
/// Checks a user-measured run, from the API's JSON body (<see cref="FromJson"/>) or the page's form fields
/// (<see cref="FromFields"/>): every problem is reported under the JSON path of its field (<c>$.name</c>,
/// <c>$.scenario.model.layers</c>, <c>$.metric</c>, <c>$.measured</c>, …), never thrown.
/// </summary>
public static class MeasuredRunInput
{
    /// <summary>Metrics a user can give (published runs also use hardware TFLOP/s).</summary>
    public static IReadOnlyList<ValidationMetric> UserMetrics { get; } = [ValidationMetric.StepTimeSeconds, ValidationMetric.TokensPerSecondPerGpu];

    private static readonly string[] Fields = ["name", "scenario", "metric", "measured", "family", "notes"];

    // Fields only a published run's case file has: a body with one of them is a case file sent whole.
    private static readonly string[] CaseOnlyFields = ["source", "note", "tolerance", "soft", "verified", "published", "measuredMemoryGiB", "memorySource"];

    /// <summary>Largest step time a run may report, in seconds (a step of more than 11 days is a unit mistake).</summary>
    public const double MaxStepSeconds = 1e6;

    /// <summary>
    /// Reads a published run's case file given where a measured run's scenario goes (pasted on the page, or the API's
    /// <c>scenario</c>, or the API's whole body): null when <paramref name="json"/> is no case file; else the fill, or null
    /// with <paramref name="problem"/> saying what is wrong with the file. The page and the API both read case files here.
    /// </summary>
    public static CaseFileFill? ReadCaseFile(string json, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(json);
        problem = null;
        if (!ValidationCaseFile.IsCaseFile(json)) return null;
        if (ValidationCaseFile.TryParse("pasted", json, out problem) is not { } run) return null;
        var document = System.Text.Json.Nodes.JsonNode.Parse(run.ScenarioJson)!;
        var name = document["name"] is System.Text.Json.Nodes.JsonValue n && n.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) ? text : null;
        return new CaseFileFill(document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), run.Metric, run.Measured,
            run.Family == ValidationCaseFile.DefaultFamily ? null : run.Family, name, run.Source.Length > 0 ? "Source: " + run.Source : null);
    }

    /// <summary>Why a case file's measurement cannot be a user's run (it measured neither step time nor tokens/s per GPU), or null.</summary>
    public static string? UnusableMetric(CaseFileFill fill)
    {
        ArgumentNullException.ThrowIfNull(fill);
        return UserMetrics.Contains(fill.Metric) ? null
            : $"the file measured {ValidationCase.MetricId(fill.Metric)}; a measured run gives step time or tokens/s per GPU: enter one of them.";
    }

    /// <summary>Reads and checks the body of <c>POST /api/runs</c>.</summary>
    /// <param name="json">The request body.</param>
    /// <param name="customChip">Inline chip object of a custom chip of this server by id, or null: a scenario that names one
    /// is stored with the chip inlined, so that the run stays what it was when the chip changes or goes.</param>
    public static (MeasuredRunDraft? Draft, IReadOnlyList<ScenarioError> Errors) FromJson(string json, Func<string, CustomChipSection?>? customChip = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        // Duplicate keys and invalid UTF-16 (a lone surrogate escape) are refused as everywhere else (StrictJson).
        if (Contracts.Json.StrictJson.Check(json) is { } strict) return (null, [strict]);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            return (null, [new ScenarioError("$", Contracts.Json.JsonSyntaxError.Describe(ex))]);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, [new ScenarioError("$", "expected a JSON object { \"name\", \"scenario\", \"metric\", \"measured\", \"family\"?, \"notes\"? }.")]);
            }
            var errors = new List<ScenarioError>();
            // A published run's case file sent whole: what it measured becomes the run (a name given beside it wins).
            var wholeCase = root.EnumerateObject().Any(p => CaseOnlyFields.Contains(p.Name, StringComparer.Ordinal));
            if (wholeCase)
            {
                var fill = ReadCaseFile(json, out var problem);
                if (fill is null) return (null, [new ScenarioError("$", problem ?? "a published run's case file could not be read.")]);
                if (UnusableMetric(fill) is { } unusable) return (null, [new ScenarioError("$.metric", unusable)]);
                var givenName = root.TryGetProperty("name", out var nameElement) && nameElement.ValueKind == JsonValueKind.String ? nameElement.GetString() : null;
                return Check(givenName ?? fill.Name, fill.ScenarioJson, ValidationCase.MetricId(fill.Metric), fill.Measured, fill.Family, fill.Notes,
                    errors, measuredReported: false, customChip);
            }
            foreach (var p in root.EnumerateObject())
            {
                if (!Fields.Contains(p.Name, StringComparer.Ordinal))
                {
                    errors.Add(new($"$.{p.Name}", $"unknown field; the fields are {string.Join(", ", Fields)}."));
                }
            }
            string? Text(string field)
            {
                if (!root.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null) return null;
                if (e.ValueKind == JsonValueKind.String) return e.GetString();
                errors.Add(new($"$.{field}", $"must be a string, got {Kind(e)}."));
                return null;
            }
            var name = Text("name");
            var metric = Text("metric");
            var family = Text("family");
            var notes = Text("notes");
            string? scenario = null;
            double? fillMeasured = null;
            if (!root.TryGetProperty("scenario", out var s) || s.ValueKind == JsonValueKind.Null)
            {
                errors.Add(new("$.scenario", "is required: the scenario document of the run (as capplan estimate takes it)."));
            }
            else if (s.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new("$.scenario", $"must be a scenario document (a JSON object), got {Kind(s)}."));
            }
            else if (ReadCaseFile(s.GetRawText(), out var caseProblem) is { } fill)
            {
                // A published run's case file given as the scenario: its scenario as it ran, and what it measured, its family,
                // name and source where the body leaves them out (as the page fills its form).
                scenario = fill.ScenarioJson;
                if (metric is null && !root.TryGetProperty("measured", out _))
                {
                    if (UnusableMetric(fill) is { } unusable) errors.Add(new("$.scenario.metric", unusable));
                    else
                    {
                        metric = ValidationCase.MetricId(fill.Metric);
                        fillMeasured = fill.Measured;
                    }
                }
                name ??= fill.Name;
                family ??= fill.Family;
                notes ??= fill.Notes;
            }
            else if (caseProblem is not null)
            {
                errors.Add(new("$.scenario", caseProblem));
            }
            else
            {
                scenario = s.GetRawText();
            }
            double? measured = fillMeasured;
            var measuredReported = false;
            if (root.TryGetProperty("measured", out var m) && m.ValueKind != JsonValueKind.Null)
            {
                if (m.ValueKind == JsonValueKind.Number && m.TryGetDouble(out var v))
                {
                    measured = v;
                }
                else
                {
                    errors.Add(new("$.measured", m.ValueKind == JsonValueKind.Number
                        ? "must be a positive finite number."
                        : $"must be a positive number, got {Kind(m)}."));
                    measuredReported = true;
                }
            }
            return Check(name, scenario, metric, measured, family, notes, errors, measuredReported, customChip);
        }
    }

    /// <summary>Checks the page's form: the scenario as JSON text, the measured value as typed (invariant culture).</summary>
    public static (MeasuredRunDraft? Draft, IReadOnlyList<ScenarioError> Errors) FromFields(
        string? name, string? scenarioJson, ValidationMetric metric, string? measured, string? family, string? notes, Func<string, CustomChipSection?>? customChip = null)
    {
        var errors = new List<ScenarioError>();
        string? scenario = null;
        if (string.IsNullOrWhiteSpace(scenarioJson))
        {
            errors.Add(new("$.scenario", "is required: paste the scenario document of the run."));
        }
        else
        {
            scenario = scenarioJson;
        }
        double? value = null;
        var reported = false;
        if (!string.IsNullOrWhiteSpace(measured))
        {
            if (double.TryParse(measured.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) value = v;
            else
            {
                errors.Add(new("$.measured", $"must be a positive number, got \"{measured.Trim()}\"."));
                reported = true;
            }
        }
        return Check(name, scenario, ValidationCase.MetricId(metric), value, family, notes, errors, reported, customChip);
    }

    /// <summary>The case the model is run on, its scenario resolved (tolerance: the case files' default, 15%).</summary>
    public static ValidationCase ToCase(SavedMeasuredRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var resolved = ScenarioResolver.ParseAndResolve(run.ScenarioJson);
        return ToCase(run, resolved.Scenario, resolved.Errors);
    }

    /// <summary>The case of a run with what its scenario resolved to (null: it does not resolve, <paramref name="errors"/> say why).</summary>
    public static ValidationCase ToCase(SavedMeasuredRun run, ResolvedScenario? scenario, IReadOnlyList<ScenarioError> errors)
    {
        ArgumentNullException.ThrowIfNull(run);
        ValidationCase.TryParseMetric(run.Metric, out var metric);
        return new ValidationCase(run.Id, run.ScenarioJson, metric, run.Measured, DefaultTolerance, Soft: false,
            run.Family ?? ValidationCaseFile.DefaultFamily, Source: "measured by a user", Note: run.Notes ?? "")
        {
            Scenario = scenario,
            ScenarioErrors = errors,
        };
    }

    /// <summary>Accepted |error| of a user run (that of case files that state none).</summary>
    public const double DefaultTolerance = 0.15;

    private static (MeasuredRunDraft?, IReadOnlyList<ScenarioError>) Check(
        string? name, string? scenario, string? metricId, double? measured, string? family, string? notes, List<ScenarioError> errors, bool measuredReported,
        Func<string, CustomChipSection?>? customChip)
    {
        name = name?.Trim();
        if (errors.All(e => e.Path != "$.name"))
        {
            if (string.IsNullOrEmpty(name)) errors.Add(new("$.name", "is required and must not be blank."));
            else if (SavedText.NameProblem(name) is { } problem) errors.Add(new("$.name", problem));
        }

        var metric = ValidationMetric.StepTimeSeconds;
        if (errors.All(e => e.Path != "$.metric"))
        {
            if (string.IsNullOrEmpty(metricId))
                errors.Add(new("$.metric", "is required: \"stepTimeSeconds\" or \"tokensPerSecondPerGpu\"."));
            else if (!ValidationCase.TryParseMetric(metricId, out metric) || !UserMetrics.Contains(metric))
                errors.Add(new("$.metric", $"unknown metric \"{metricId}\"; use \"stepTimeSeconds\" (seconds per optimizer step) or \"tokensPerSecondPerGpu\"."));
        }

        if (!measuredReported && errors.All(e => e.Path != "$.measured"))
        {
            if (measured is not { } v) errors.Add(new("$.measured", "is required: the measured step time in seconds or tokens per second per GPU."));
            else if (!double.IsFinite(v) || v <= 0) errors.Add(new("$.measured", $"must be a positive number, got {v.ToString("R", CultureInfo.InvariantCulture)}."));
            else if (metric == ValidationMetric.StepTimeSeconds && v > MaxStepSeconds)
                errors.Add(new("$.measured", string.Create(CultureInfo.InvariantCulture, $"a step of {v:G4} s is more than {MaxStepSeconds:N0} s (11.6 days): give the step time in seconds.")));
        }

        family = family?.Trim();
        if (family is not null && SavedText.NameProblem(family, CapacityPlannerDbContext.MaxFamilyLength) is { } familyProblem)
            errors.Add(new("$.family", familyProblem));
        notes = notes?.Trim();
        if (notes is not null && SavedText.TextProblem(notes, CapacityPlannerDbContext.MaxNotesLength) is { } notesProblem)
            errors.Add(new("$.notes", notesProblem));

        string? canonical = null;
        if (scenario is not null)
        {
            if (!ScenarioLink.TryCanonicalize(scenario, out canonical, out var jsonError))
            {
                errors.Add(new("$.scenario", jsonError));
            }
            else
            {
                canonical = ChipDirectory.InlineCustomChip(ValidationCaseFile.WithFamilyStack(canonical!, family), customChip);
                var resolved = ScenarioResolver.ParseAndResolve(canonical);
                if (!resolved.Success) errors.AddRange(resolved.Errors.Select(e => e with { Path = UnderScenario(e.Path) }));
                // Only once everything else is right: the bound depends on the scenario, the metric and the figure together.
                else if (errors.Count == 0 && measured is { } value
                    && ValidationCase.ImpossibleMeasurement(resolved.Scenario!, metric, value) is { } impossible)
                {
                    errors.Add(new("$.measured", impossible));
                }
            }
        }
        if (errors.Count > 0) return (null, errors);
        return (new MeasuredRunDraft(name!, canonical!, metric, measured!.Value, string.IsNullOrEmpty(family) ? null : family,
            string.IsNullOrEmpty(notes) ? null : notes), []);
    }

    /// <summary>"$.model.layers" → "$.scenario.model.layers"; "$" → "$.scenario".</summary>
    internal static string UnderScenario(string path) =>
        path == "$" || string.IsNullOrEmpty(path) ? "$.scenario"
        : path.StartsWith("$.", StringComparison.Ordinal) ? "$.scenario." + path[2..]
        : path.StartsWith("$[", StringComparison.Ordinal) ? "$.scenario" + path[1..]
        : "$.scenario." + path;

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
