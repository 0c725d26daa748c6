using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Benchmarks;

/// <summary>The scenarios issue 3 names as speed targets.</summary>
public static class Scenarios
{
    public const string Gpt3On1024A100 = """
        { "schemaVersion": 1, "name": "GPT-3 175B on 1,024 A100", "model": { "preset": "gpt3-175b" },
          "training": { "globalBatchSequences": 1536, "precision": "bf16" }, "system": { "chip": "a100-sxm-80gb", "gpus": 1024 } }
        """;

    public const string Dense1TOn16384H100 = """
        { "schemaVersion": 1, "name": "1T dense on 16,384 H100", "model": { "preset": "megatron-1t" },
          "training": { "globalBatchSequences": 4096, "precision": "bf16" }, "system": { "chip": "h100-sxm", "gpus": 16384 } }
        """;

    public const string DeepSeekV3On2048H800 = """
        { "schemaVersion": 1, "name": "DeepSeek-V3-like MoE on 2,048 H800", "model": { "preset": "deepseek-v3" },
          "training": { "globalBatchSequences": 15360, "precision": "fp8" }, "system": { "chip": "h800-sxm", "gpus": 2048 } }
        """;

    public static (ScenarioDocument Document, ResolvedScenario Scenario) Load(string json)
    {
        var parsed = ScenarioParser.Parse(json);
        if (!parsed.Success) throw new InvalidOperationException(string.Join("; ", parsed.Errors.Select(e => e.Message)));
        var resolved = ScenarioResolver.Resolve(parsed.Document!);
        if (!resolved.Success) throw new InvalidOperationException(string.Join("; ", resolved.Errors.Select(e => e.Message)));
        return (parsed.Document!, resolved.Scenario!);
    }
}
