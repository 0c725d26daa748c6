using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Web.Options;
using CapacityPlanner.Web.Shared.Scenario;
using CapacityPlanner.Web.Shared.Sharing;

namespace CapacityPlanner.Web.Tests.Features.Validation;

/// <summary>
/// "Open in the Planner" on the Validation page: the Planner reads the run's scenario into its form and estimates the
/// document the form writes. Every shipped run whose chip is in the catalog must come back with the estimate the
/// table shows; the form keeps the fields it does not edit (a MoE shape, the attention kernel) as the scenario gives them.
/// Before the form carried gated MLPs, tied embeddings, head widths, MoE shapes, the optimizer, TP overlap and the
/// shard scope, 142 of 231 runs opened with another estimate (every Llama-shaped one about 20% faster).
/// </summary>
public sealed class PlannerLinkFidelityTests
{
    [Fact]
    public void Every_shipped_run_opens_in_the_planner_with_the_estimate_the_validation_table_shows()
    {
        var defaults = PlannerInput.CreateDefault(new PlannerOptions());
        var checkedRuns = 0;
        var mismatches = new List<string>();
        foreach (var c in ValidationSet.Shipped)
        {
            var original = ScenarioParser.Parse(c.ScenarioJson).Document!;
            // Not carried: inline chips (the Planner's chip list holds catalog and user chips) and a hand-drawn tier list (the
            // form has the default leaf/spine/core hierarchy with one oversubscription above the leaf): GPT-NeoX-20B's.
            if (original.System.CustomChip is not null || original.System.Network?.Tiers is not null) continue;
            var input = PlannerShareState.FromDocument(c.ScenarioJson, defaults);
            Assert.Empty(PlannerInputValidator.Validate(input));
            var resolved = ScenarioResolver.ParseAndResolve(ScenarioDocumentBuilder.Build(input));
            Assert.True(resolved.Scenario is not null, $"{c.Id}: {string.Join("; ", resolved.Errors.Select(e => e.Message))}");
            var fromPlanner = Estimator.Estimate(resolved.Scenario!).StepTimeSeconds!.Value;
            var shipped = Estimator.Estimate(c.Scenario!).StepTimeSeconds!.Value;
            if (Math.Abs(fromPlanner / shipped - 1) > 1e-9) mismatches.Add($"{c.Id}: {shipped} vs {fromPlanner}");
            checkedRuns++;
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        Assert.True(checkedRuns > 200, $"{checkedRuns} runs checked");
    }

    [Fact]
    public void A_run_on_an_inline_chip_opens_on_the_catalog_chip_it_is_based_on()
    {
        // The form holds catalog and server chips only: the torchtitan, TPU int8 and MI350X runs (inline chips) open on
        // their base chip with a valid form and an estimate, never on an "unknown chip".
        var defaults = PlannerInput.CreateDefault(new PlannerOptions());
        var inline = ValidationSet.Shipped.Where(c => ScenarioParser.Parse(c.ScenarioJson).Document!.System.CustomChip is not null).ToList();
        Assert.True(inline.Count >= 10, $"{inline.Count} runs on inline chips");
        foreach (var c in inline)
        {
            var chip = ScenarioParser.Parse(c.ScenarioJson).Document!.System.CustomChip!;
            var input = PlannerShareState.FromDocument(c.ScenarioJson, defaults);
            Assert.Equal(chip.BaseOn, input.ChipId);
            Assert.Empty(PlannerInputValidator.Validate(input));
            var resolved = ScenarioResolver.ParseAndResolve(ScenarioDocumentBuilder.Build(input));
            Assert.True(resolved.Success, $"{c.Id}: {string.Join("; ", resolved.Errors.Select(e => e.Message))}");
            Assert.NotNull(Estimator.Estimate(resolved.Scenario!).StepTimeSeconds);
        }
    }
}
