using System.Text.Json.Nodes;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Budget;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Contracts.Tests.Scenarios;

/// <summary>
/// The one scenario writer: every shipped scenario (the validation set, the CLI examples, the budget examples) reads,
/// writes and reads again to the same document, the written JSON says what the original said, and nulls are left out.
/// </summary>
public sealed class ScenarioWriterTests
{
    private const string ValidationPrefix = "validation/";
    private const string ExamplePrefix = "examples/";
    private const string BudgetPrefix = "budget/";

    private static string ExamplesDirectory => Path.Combine(AppContext.BaseDirectory, "Examples");

    /// <summary>Every shipped scenario by a name that says where it comes from.</summary>
    public static IEnumerable<object[]> Shipped =>
        ValidationSet.Shipped.Select(c => ValidationPrefix + c.Id)
            .Concat(Directory.EnumerateFiles(ExamplesDirectory, "*.json").Select(f => ExamplePrefix + Path.GetFileName(f)).Order(StringComparer.Ordinal))
            .Concat(BudgetExamples.All.Select(e => BudgetPrefix + e.Id))
            .Select(name => new object[] { name });

    private static string Text(string name) => name switch
    {
        _ when name.StartsWith(ValidationPrefix, StringComparison.Ordinal) => ValidationSet.Shipped.Single(c => c.Id == name[ValidationPrefix.Length..]).ScenarioJson,
        _ when name.StartsWith(ExamplePrefix, StringComparison.Ordinal) => File.ReadAllText(Path.Combine(ExamplesDirectory, name[ExamplePrefix.Length..])),
        _ => BudgetExamples.Get(name[BudgetPrefix.Length..]).DocumentJson,
    };

    private static ScenarioDocument Parse(string json)
    {
        var parsed = ScenarioParser.Parse(json);
        Assert.True(parsed.Success, string.Join("; ", parsed.Errors.Select(e => $"{e.Path}: {e.Message}")));
        return parsed.Document!;
    }

    [Fact]
    public void The_shipped_scenarios_are_all_there()
    {
        var names = Shipped.Select(s => (string)s[0]).ToList();
        Assert.Equal(ValidationSet.Shipped.Count, names.Count(n => n.StartsWith(ValidationPrefix, StringComparison.Ordinal)));
        Assert.True(names.Count(n => n.StartsWith(ExamplePrefix, StringComparison.Ordinal)) >= 7, "the CLI examples were not copied next to the tests");
        Assert.Contains(names, n => n.StartsWith(BudgetPrefix, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Shipped))]
    public void A_shipped_scenario_parses_writes_and_parses_to_the_same_document(string name)
    {
        var original = Text(name);
        var first = ScenarioWriter.ToJson(Parse(original));
        var second = ScenarioWriter.ToJson(Parse(first));
        Assert.Equal(first, second);
        Assert.Equal(ScenarioWriter.ToJson(Parse(original), indented: false), ScenarioWriter.ToJson(Parse(second), indented: false));

        // Nothing the file says is lost or changed: the same members with the same values (order and number text aside).
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(original), JsonNode.Parse(first)), $"{name} written:\n{first}");
    }

    [Fact]
    public void Every_field_of_the_document_is_written_under_the_name_the_parser_reads()
    {
        const string Full = """
            { "schemaVersion": 1, "name": "every field",
              "model": { "preset": "llama3-8b", "name": "m", "layers": 32, "hiddenSize": 4096, "attentionHeads": 32, "kvHeads": 8,
                "ffnHiddenSize": 14336, "gatedMlp": true, "vocabSize": 128256, "sequenceLength": 8192, "tiedEmbeddings": false,
                "moe": { "experts": 8, "expertsPerToken": 2, "sharedExperts": 1, "expertFfnHiddenSize": 2048, "denseLayers": 1, "capacityFactor": 1.25,
                  "routingGroups": 4, "groupsPerToken": 2 } },
              "training": { "globalBatchSequences": 512, "precision": "fp8", "optimizer": "adamw", "tokens": 1.5e13, "attention": "flash",
                "stack": "megatron-core", "tpCommOverlap": true, "epCommOverlap": true, "expertDispatch": "allToAll",
                "fusedExpertKernels": true },
              "system": { "chip": { "id": "x1", "name": "X one", "baseOn": "h100-sxm", "peakTflops": { "bf16": 1000, "fp8": 2000 },
                  "hbmCapacityGiB": 96, "hbmBandwidthTBps": 4, "tdpWatts": 800, "scaleUpBandwidthGBps": 450, "scaleUpDomainSize": 8,
                  "scaleOutGbpsPerGpu": 400, "gemmEfficiency": 0.7, "hbmEfficiency": 0.85, "sustainedGemmFraction": 0.9,
                  "gemmCurve": [{ "flops": 1e9, "fraction": 0.3 }, { "flops": 1e12, "fraction": 0.7 }] },
                "gpus": 1024, "gpusPerNode": 8, "scaleOutGbpsPerGpu": 400,
                "network": { "scaleUpDomainGpus": 8, "railOptimized": false,
                  "tiers": [{ "name": "leaf", "gpus": 256, "oversubscription": 1, "latencyMicroseconds": 1.5 }, { "name": "spine", "gpus": 1024, "oversubscription": 2, "latencyMicroseconds": 3 }] } },
              "parallelism": { "tensor": 4, "pipeline": 2, "data": 64, "context": 2, "expert": 2, "sequenceParallel": true, "virtualStages": 2,
                "microBatchSize": 1, "zeroStage": 3, "recompute": "full", "zeroShardScope": "domain",
                "placement": ["tensor", "context", "expert", "pipeline", "data"], "activationOffloadLayers": 3 },
              "budget": { "budgetUsd": 1e9, "durationDays": 90, "acquisition": "buy", "capitalCost": "depreciation", "rentUsdPerGpuHour": 2.5,
                "gpuPriceUsd": 30000, "serverOverheadFactor": 1.5, "networkShareOfClusterCost": 0.15, "facilityUsdPerMegawatt": 1e7,
                "depreciationYears": 4, "facilityLifeYears": 15, "serverPowerFactor": 1.4, "averageLoad": 0.8, "pue": 1.2,
                "electricityUsdPerKWh": 0.08, "goodput": 0.9, "mfu": 0.4, "optimizer": "muon", "hyperparameterSearchShare": 0.1,
                "uniqueTokens": 2e13, "scalingLaw": "chinchilla" },
              "reliability": { "interruptionRateScale": 1.5, "includePlanned": false, "checkpointing": "async", "checkpointIntervalMinutes": 30,
                "storageGBpsPerNode": 10, "storageTotalTBps": 2, "storageCapacityTB": 500, "asyncSnapshotGBpsPerGpu": 20, "detectionMinutes": 2,
                "initMinutes": 5, "spareSwapMinutes": 3, "waitForRepairMinutes": 60, "repairHours": 24, "hotSpareNodes": 4 },
              "sites": { "count": 2, "powerCapMw": 100, "maxSiteMw": 60, "interSite": { "gbps": 800, "latencyMs": 5, "distanceKm": 1000 },
                "diloco": { "innerSteps": 50, "compression": "int8", "overlap": true } } }
            """;
        var written = ScenarioWriter.ToJson(Parse(Full));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Full), JsonNode.Parse(written)), written);
        Assert.Equal(written, ScenarioWriter.ToJson(Parse(written)));
    }

    [Fact]
    public void Nulls_and_absent_sections_are_left_out()
    {
        var document = new ScenarioDocument
        {
            Model = new ModelSection { Preset = "gpt3-175b" },
            Training = new TrainingSection { GlobalBatchSequences = 1536 },
            System = new SystemSection { ChipId = "a100-sxm-80gb", Gpus = 1024, Network = new NetworkSection() },
            Sites = new SitesSection { PowerCapMw = 50 },
        };

        var json = ScenarioWriter.ToJson(document, indented: false);

        Assert.Equal(
            """{"schemaVersion":1,"model":{"preset":"gpt3-175b"},"training":{"globalBatchSequences":1536},"system":{"chip":"a100-sxm-80gb","gpus":1024,"network":{}},"sites":{"powerCapMw":50}}""",
            json);
        Assert.DoesNotContain("null", ScenarioWriter.ToJson(Parse(TestScenarios.Gpt3On1024)), StringComparison.Ordinal);
        Assert.Equal(json, ScenarioWriter.ToJson(Parse(json), indented: false));
    }

    [Fact]
    public void An_inline_chip_is_written_in_place_of_the_catalog_id_and_on_its_own()
    {
        var chip = new CustomChipSection { Id = "h100-144g", BaseOn = "h100-sxm", HbmCapacityGiB = 144, Name = " " };
        var gpt3 = Parse(TestScenarios.Gpt3On1024);
        var document = gpt3 with { System = gpt3.System with { ChipId = null, CustomChip = chip } };

        var json = ScenarioWriter.ToJson(document, indented: false);

        Assert.Contains("""
            "system":{"chip":{"id":"h100-144g","baseOn":"h100-sxm","hbmCapacityGiB":144},"gpus":1024}
            """.Trim(), json, StringComparison.Ordinal);
        Assert.Equal("""{"id":"h100-144g","baseOn":"h100-sxm","hbmCapacityGiB":144}""", ScenarioWriter.ToJson(chip, indented: false));
        Assert.Equal(chip with { Name = null }, Parse(json).System.CustomChip);
    }
}
