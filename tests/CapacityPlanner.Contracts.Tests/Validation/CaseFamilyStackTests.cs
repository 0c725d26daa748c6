using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Validation;

namespace CapacityPlanner.Contracts.Tests.Validation;

/// <summary>
/// A case file's family says who ran the run and with which software: a case whose scenario names no stack runs on the
/// stack its family names (software-stacks.json caseFamilies), never on one guessed from the plan.
/// </summary>
public sealed class CaseFamilyStackTests
{
    // TorchTitan's Llama 3.1 8B BF16 run on 8 H100 (500 W) as the shared case file gives it: FSDP, no training.stack.
    private static string Case(string family, string training = "") => $$"""
        { "scenario": { "schemaVersion": 1, "name": "t",
            "model": { "preset": "llama3-8b" },
            "training": { "globalBatchSequences": 16, "precision": "bf16"{{training}} },
            "system": { "chip": "h100-sxm", "gpus": 8 },
            "parallelism": { "tensor": 1, "pipeline": 1, "data": 8, "microBatchSize": 2, "zeroStage": 3, "recompute": "selective" } },
          "metric": "tokensPerSecondPerGpu", "measured": 6667, "family": "{{family}}", "source": "s", "note": "n" }
        """;

    private static string StackOf(ValidationCase c) => c.Scenario!.Training.EffectiveStack.Id;

    [Fact]
    public void A_case_without_a_stack_runs_on_the_stack_its_family_names()
    {
        var titan = ValidationCaseFile.Parse("t", Case("torchtitan"));
        Assert.Equal("torchtitan", StackOf(titan));
        Assert.Contains("\"stack\": \"torchtitan\"", titan.ScenarioJson, StringComparison.Ordinal); // the Planner link carries it
        Assert.Equal("deepspeed", StackOf(ValidationCaseFile.Parse("t", Case("DeepSpeed"))));
    }

    [Fact]
    public void A_stack_the_scenario_names_and_families_of_several_stacks_are_left_alone()
    {
        Assert.Equal("megatron-core", StackOf(ValidationCaseFile.Parse("t", Case("torchtitan", """, "stack": "megatron-core" """))));
        Assert.True(Core.Hardware.HardwareCatalog.Default.TryGet("h100-sxm", out var h100));
        var auto = SoftwareStackCatalog.Standard.ResolveAuto(h100, 3).Id;
        foreach (var family in new[] { "mlperf", "megascale", "nemo-perf", "user", "llama3" })
        {
            var c = ValidationCaseFile.Parse("t", Case(family));
            Assert.Equal(auto, StackOf(c));
            Assert.DoesNotContain("\"stack\"", c.ScenarioJson, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Input_that_is_a_case_file_is_read_as_one_and_anything_else_goes_to_the_scenario_reader()
    {
        var (loaded, published) = ValidationCaseFile.LoadScenarioOrCase(Case("torchtitan"), "mine");
        Assert.True(loaded.Success);
        Assert.Equal("mine", published!.Id);
        Assert.Equal("torchtitan", loaded.Scenario!.Training.EffectiveStack.Id);

        // A case file's scenario errors are named where they are in the file.
        var (bad, _) = ValidationCaseFile.LoadScenarioOrCase(Case("torchtitan").Replace("\"gpus\": 8", "\"gpus\": -8", StringComparison.Ordinal), "mine");
        Assert.Contains(bad.Errors, e => e.Path == "$.scenario.system.gpus");

        // Not strict JSON (a lone surrogate in a key, a repeated key): no case file, and the scenario reader says why
        // (this threw while the shape was looked at, a 500 from the API).
        foreach (var text in new[] { """{ "sc\udfffenario": { }, "scenario": { } }""", """{ "scenario": { }, "scenario": { } }""" })
        {
            Assert.False(ValidationCaseFile.IsCaseFile(text));
            var (refused, none) = ValidationCaseFile.LoadScenarioOrCase(text, "x");
            Assert.False(refused.Success);
            Assert.Null(none);
            Assert.NotEmpty(refused.Errors);
        }
    }
}
