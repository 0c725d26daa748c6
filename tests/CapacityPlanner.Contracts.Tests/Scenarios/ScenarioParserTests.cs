using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Contracts.Tests.Scenarios;

public sealed class ScenarioParserTests
{
    private static IReadOnlyList<ScenarioError> Errors(string json)
    {
        var r = ScenarioResolver.ParseAndResolve(json);
        Assert.False(r.Success);
        Assert.NotEmpty(r.Errors);
        return r.Errors;
    }

    [Fact]
    public void Malformed_json_reports_line_and_position()
    {
        var err = Assert.Single(Errors("{ \"schemaVersion\": 1,\n  \"model\": { \"preset\": \"gpt3-175b\" ,,\n}"));
        Assert.Equal("$", err.Path);
        Assert.Matches(@"line 2, position \d+", err.Message);
    }

    [Fact]
    public void Unknown_fields_are_errors_at_every_level()
    {
        var errors = Errors("""
            { "schemaVersion": 1, "extra": 1, "model": { "preset": "gpt3-175b", "layerz": 3 },
              "training": { "globalBatchSequences": 8 }, "system": { "chip": "h100-sxm", "gpus": 8, "gpuz": 1 } }
            """);
        Assert.Contains(errors, e => e.Path == "$.extra" && e.Message.Contains("unknown field \"extra\"", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.model.layerz");
        Assert.Contains(errors, e => e.Path == "$.system.gpuz");
    }

    [Fact]
    public void Unknown_chip_lists_the_known_ids()
    {
        var err = Assert.Single(Errors("""
            { "schemaVersion": 1, "model": { "preset": "gpt3-175b" }, "training": { "globalBatchSequences": 8 },
              "system": { "chip": "no-such-chip", "gpus": 8 } }
            """));
        Assert.Equal("$.system.chip", err.Path);
        Assert.Contains("h100-sxm", err.Message);
        Assert.Contains("tpu-v5p", err.Message);
    }

    [Fact]
    public void Unknown_preset_lists_the_presets()
    {
        var err = Assert.Single(Errors("""
            { "schemaVersion": 1, "model": { "preset": "gpt5" }, "training": { "globalBatchSequences": 8 },
              "system": { "chip": "h100-sxm", "gpus": 8 } }
            """));
        Assert.Contains("llama3-405b", err.Message);
    }

    [Fact]
    public void Whole_numbers_written_with_an_exponent_or_a_fraction_part_are_whole_numbers()
    {
        var errors = Errors("""
            { "schemaVersion": 1, "model": { "preset": "gpt3-175b", "sequenceLength": 2.048e3 }, "training": { "globalBatchSequences": 1e308 },
              "system": { "chip": "h100-sxm", "gpus": 64.0 }, "parallelism": { "tensor": 8, "pipeline": 8, "data": 1.0, "microBatchSize": 1.5 } }
            """);
        Assert.DoesNotContain(errors, e => e.Path is "$.model.sequenceLength" or "$.system.gpus" or "$.parallelism.data");
        Assert.Contains(errors, e => e.Path == "$.training.globalBatchSequences" && e.Message.StartsWith("1E+308 is out of range", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.parallelism.microBatchSize" && e.Message.Contains("whole number, got the number 1.5", StringComparison.Ordinal));
    }

    [Fact]
    public void Wrong_types_and_ranges_are_all_reported_with_paths()
    {
        var errors = Errors("""
            { "schemaVersion": 1, "model": { "preset": "gpt3-175b" }, "training": { "globalBatchSequences": "many", "precision": "fp7" },
              "system": { "chip": "h100-sxm", "gpus": 0 }, "parallelism": { "tensor": 2.5, "zeroStage": 4, "recompute": "some" } }
            """);
        Assert.Contains(errors, e => e.Path == "$.training.globalBatchSequences" && e.Message.Contains("whole number", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.training.precision" && e.Message.Contains("bf16", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.system.gpus" && e.Message.Contains("out of range", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.parallelism.tensor");
        Assert.Contains(errors, e => e.Path == "$.parallelism.zeroStage");
        Assert.Contains(errors, e => e.Path == "$.parallelism.recompute" && e.Message.Contains("selective", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_required_sections_are_reported()
    {
        var errors = Errors("""{ "schemaVersion": 1 }""");
        Assert.Contains(errors, e => e.Path == "$.model");
        Assert.Contains(errors, e => e.Path == "$.training");
        Assert.Contains(errors, e => e.Path == "$.system");
    }

    [Fact]
    public void A_future_schema_version_is_rejected_clearly()
    {
        var errors = Errors("""{ "schemaVersion": 2, "model": { "preset": "gpt3-175b" }, "training": { "globalBatchSequences": 8 }, "system": { "chip": "h100-sxm", "gpus": 8 } }""");
        Assert.Contains(errors, e => e.Path == "$.schemaVersion" && e.Message.Contains("version 2", StringComparison.Ordinal));
    }

    [Fact]
    public void Data_parallelism_is_derived_when_omitted()
    {
        var s = TestScenarios.Resolve(TestScenarios.Gpt3On1024);
        Assert.Equal(16, s.Plan.Data);
        Assert.True(s.Plan.SequenceParallel);
    }

    [Fact]
    public void Explicit_fields_override_a_preset()
    {
        var s = TestScenarios.Resolve("""
            { "schemaVersion": 1, "model": { "preset": "llama3-8b", "sequenceLength": 32768 }, "training": { "globalBatchSequences": 8 },
              "system": { "chip": "h100-sxm", "gpus": 8 } }
            """);
        Assert.Equal(32768, s.Model.SequenceLength);
        Assert.Equal(8, s.Model.KvHeads);
        Assert.True(s.Model.GatedMlp);
    }

    [Fact]
    public void A_custom_chip_can_start_from_a_catalog_chip()
    {
        var s = TestScenarios.Resolve("""
            { "schemaVersion": 1, "model": { "preset": "llama3-8b" }, "training": { "globalBatchSequences": 8 },
              "system": { "chip": { "id": "h100-144g", "baseOn": "h100-sxm", "hbmCapacityGiB": 144 }, "gpus": 8 } }
            """);
        Assert.Equal(144, s.System.Chip.HbmCapacityGiB);
        Assert.Equal(989e12, s.System.Chip.PeakFor(Core.Hardware.Precision.Bf16));
        Assert.True(s.System.Chip.IsCustom);
    }

    [Fact]
    public void A_custom_chip_without_a_base_needs_its_core_figures()
    {
        var errors = Errors("""
            { "schemaVersion": 1, "model": { "preset": "llama3-8b" }, "training": { "globalBatchSequences": 8 },
              "system": { "chip": { "id": "mystery" }, "gpus": 8 } }
            """);
        Assert.Contains(errors, e => e.Path == "$.system.chip.peakTflops");
        Assert.Contains(errors, e => e.Path == "$.system.chip.hbmCapacityGiB");
    }

    [Fact]
    public void Network_tiers_are_read_and_checked()
    {
        var errors = Errors("""
            { "schemaVersion": 1, "model": { "preset": "llama3-8b" }, "training": { "globalBatchSequences": 8 },
              "system": { "chip": "h100-sxm", "gpus": 8, "network": { "tiers": [ { "gpus": 512 }, { "gpus": 256 } ] } } }
            """);
        Assert.Contains(errors, e => e.Path == "$.system.network.tiers[1].gpus");
    }

    [Fact]
    public void Every_field_named_in_the_json_schema_is_accepted_by_the_parser()
    {
        var schemaPath = FindSchema();
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(schemaPath));
        var names = new HashSet<string>();
        Collect(doc.RootElement, names);
        var parserSource = File.ReadAllText(Path.Combine(Path.GetDirectoryName(schemaPath)!, "..", "..", "src", "CapacityPlanner.Contracts", "Scenarios", "ScenarioParser.cs"));
        var precisionIds = Core.Hardware.PrecisionExtensions.All.Select(p => Core.Hardware.PrecisionExtensions.ToId(p)).ToHashSet();
        foreach (var n in names.Where(n => !precisionIds.Contains(n)))
        {
            Assert.True(parserSource.Contains($"\"{n}\"", StringComparison.Ordinal), $"schema property '{n}' is not read by ScenarioParser");
        }
        Assert.Contains("globalBatchSequences", names);
    }

    [Fact]
    public void The_json_schema_lists_every_software_stack_the_catalog_has()
    {
        using var schema = System.Text.Json.JsonDocument.Parse(File.ReadAllText(FindSchema()));
        var stack = schema.RootElement.GetProperty("properties").GetProperty("training").GetProperty("properties").GetProperty("stack");
        var listed = stack.GetProperty("enum").EnumerateArray().Select(x => x.GetString()!).Order(StringComparer.Ordinal);
        Assert.Equal(Core.Planning.SoftwareStackCatalog.Standard.Ids.Order(StringComparer.Ordinal), listed);
    }

    private static void Collect(System.Text.Json.JsonElement e, HashSet<string> names)
    {
        if (e.ValueKind == System.Text.Json.JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                if (p.Name == "properties" && p.Value.ValueKind == System.Text.Json.JsonValueKind.Object)
                {
                    foreach (var prop in p.Value.EnumerateObject()) names.Add(prop.Name);
                }
                Collect(p.Value, names);
            }
        }
        else if (e.ValueKind == System.Text.Json.JsonValueKind.Array)
        {
            foreach (var item in e.EnumerateArray()) Collect(item, names);
        }
    }

    private static string FindSchema()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "wwwroot", "schemas", "scenario-v1.schema.json");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("wwwroot/schemas/scenario-v1.schema.json not found");
    }
}
