using CapacityPlanner.Core.ScalingLaws;

namespace CapacityPlanner.Core.Tests.Budget;

public sealed class ComputeLadderTests
{
    [Fact]
    public void The_ladder_falls_with_compute_and_each_decade_buys_less()
    {
        var ladder = ComputeLadder.Build("epoch", 20, 31, 4, [("GPT-3 class", 3.14e23), ("$30B half-year", 1.9e27)]);
        Assert.Equal(45, ladder.Points.Count);
        Assert.Equal(20, ladder.Points[0].Log10Flop, 9);
        Assert.Equal(31, ladder.Points[^1].Log10Flop, 9);
        for (var i = 1; i < ladder.Points.Count; i++)
        {
            Assert.True(ladder.Points[i].Loss < ladder.Points[i - 1].Loss);
            Assert.True(ladder.Points[i].LossGainPer10x < ladder.Points[i - 1].LossGainPer10x);
            Assert.True(ladder.Points[i].Loss > ladder.IrreducibleLoss);
        }
        Assert.All(ladder.Points, p => Assert.True(double.IsFinite(p.Loss) && double.IsFinite(p.Parameters) && double.IsFinite(p.Tokens)));
        Assert.Equal(1.8172, ladder.IrreducibleLoss);
    }

    [Fact]
    public void Thousandfold_steps_answer_the_10n_to_10n3_question()
    {
        var fit = ScalingLawCatalog.Default.Epoch;
        // Epoch frontier: L(1e24) = 1.9597, L(1e27) = 1.8588 (computed from the published constants).
        var step = ComputeLadder.Step(fit, 1e24, 1e27);
        Assert.Equal(1.9597, step.FromLoss, 4);
        Assert.Equal(1.8588, step.ToLoss, 4);
        Assert.Equal(0.1009, step.LossGain, 3);
        var ladder = ComputeLadder.Build(fit, ScalingLawCatalog.Default, 20, 31, 1, null);
        Assert.Equal(9, ladder.ThousandfoldSteps.Count);
        // On a Chinchilla-form frontier the reducible loss is a power of C, so every 1000× removes the same share of it.
        var share = ladder.ThousandfoldSteps[0].ReducibleLossRemovedFraction;
        Assert.All(ladder.ThousandfoldSteps, s => Assert.Equal(share, s.ReducibleLossRemovedFraction, 9));
        Assert.InRange(share, 0.5, 0.8);
        // …but the absolute gain shrinks step by step.
        for (var i = 1; i < ladder.ThousandfoldSteps.Count; i++) Assert.True(ladder.ThousandfoldSteps[i].LossGain < ladder.ThousandfoldSteps[i - 1].LossGain);
    }

    [Fact]
    public void Limits_and_scenario_markers_are_placed_on_the_ladder()
    {
        var ladder = ComputeLadder.Build("chinchilla", markers: [("run", 1.9e27), ("nothing", 0)]);
        Assert.Equal(["data-movement", "feasible-by-2030", "latency-wall"], ladder.Limits.Select(l => l.Id));
        Assert.Equal(1e28, ladder.Limits[0].Flop);
        Assert.Equal(1e31, ladder.Limits[^1].Flop);
        Assert.All(ladder.Limits, l => Assert.False(string.IsNullOrWhiteSpace(l.Source)));
        var marker = Assert.Single(ladder.Markers);
        Assert.Equal(Math.Log10(1.9e27), marker.Log10Flop, 9);
        Assert.Equal(ScalingLawCatalog.Default.Chinchilla.OptimalLoss(1.9e27), marker.Loss, 12);
    }
}
