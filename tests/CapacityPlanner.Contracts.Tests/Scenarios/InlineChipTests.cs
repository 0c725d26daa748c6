using System.Globalization;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Contracts.Tests.Scenarios;

/// <summary>The inline custom chip's <c>gemmCurve</c>, and reading and writing the chip object on its own.</summary>
public sealed class InlineChipTests
{
    // Small GEMMs: llama3-8b with one sequence of 1024 tokens per micro-batch on 8 GPUs with TP 8.
    private static string Scenario(string chip) => $$"""
        { "schemaVersion": 1, "model": { "preset": "llama3-8b", "sequenceLength": 1024 },
          "training": { "globalBatchSequences": 8, "precision": "bf16" },
          "system": { "chip": {{chip}}, "gpus": 8 },
          "parallelism": { "tensor": 8, "pipeline": 1, "microBatchSize": 1 } }
        """;

    private const string Curve = """[ { "flops": 1e9, "fraction": 0.05 }, { "flops": 1e11, "fraction": 0.3 }, { "flops": 1e13, "fraction": 0.7 } ]""";

    private static IReadOnlyList<ScenarioError> Errors(string chip)
    {
        var r = ScenarioResolver.ParseAndResolve(Scenario(chip));
        Assert.False(r.Success);
        return r.Errors;
    }

    [Fact]
    public void A_curve_resolves_onto_the_chip_and_slows_small_gemms()
    {
        // The A100 has no measured curve in the catalog, so the plain chip runs on the default shape.
        var plain = TestScenarios.Resolve(Scenario("""{ "id": "a100-plain", "baseOn": "a100-sxm-80gb" }"""));
        var measured = TestScenarios.Resolve(Scenario($$"""{ "id": "a100-curve", "baseOn": "a100-sxm-80gb", "gemmCurve": {{Curve}} }"""));

        var curve = measured.System.Chip.Efficiency.GemmCurve;
        Assert.NotNull(curve);
        Assert.Equal([(1e9, 0.05), (1e11, 0.3), (1e13, 0.7)], curve.Points.Select(p => (Math.Round(p.X), Math.Round(p.Efficiency, 12))));
        Assert.Null(plain.System.Chip.Efficiency.GemmCurve);
        // Without gemmEfficiency the MAMF fraction is still the base chip's, as for every omitted field.
        Assert.Equal(plain.System.Chip.Efficiency.GemmMaxFraction, measured.System.Chip.Efficiency.GemmMaxFraction);

        var before = Estimator.Estimate(plain);
        var after = Estimator.Estimate(measured);
        Assert.True(after.Breakdown!.ComputeSeconds > before.Breakdown!.ComputeSeconds * 1.2, $"{after.Breakdown.ComputeSeconds} vs {before.Breakdown.ComputeSeconds}");
        Assert.True(after.StepTimeSeconds > before.StepTimeSeconds);
    }

    [Fact]
    public void Gemm_efficiency_next_to_a_curve_keeps_its_meaning_as_the_mamf_fraction()
    {
        var s = TestScenarios.Resolve(Scenario($$"""{ "id": "h100-curve", "baseOn": "h100-sxm", "gemmEfficiency": 0.7, "gemmCurve": {{Curve}} }"""));
        Assert.Equal(0.7, s.System.Chip.Efficiency.GemmMaxFraction);
        Assert.Equal(0.3, s.System.Chip.Efficiency.GemmCurve!.At(1e11), 12);
    }

    [Theory]
    [InlineData("{}", "$.system.chip.gemmCurve", "expected an array of points")]
    [InlineData("[]", "$.system.chip.gemmCurve", "is empty")]
    [InlineData("[ 1 ]", "$.system.chip.gemmCurve[0]", "expected a point")]
    [InlineData("""[ { "flops": 0, "fraction": 0.5 } ]""", "$.system.chip.gemmCurve[0].flops", "must be above 0")]
    [InlineData("""[ { "flops": "big", "fraction": 0.5 } ]""", "$.system.chip.gemmCurve[0].flops", "expected a number")]
    [InlineData("""[ { "flops": 1e9 } ]""", "$.system.chip.gemmCurve[0].fraction", "is required")]
    [InlineData("""[ { "flops": 1e9, "fraction": 0.5, "dtype": "bf16" } ]""", "$.system.chip.gemmCurve[0].dtype", "allowed: flops, fraction")]
    [InlineData("""[ { "flops": 1e9, "fraction": 0.2 }, { "flops": 1e10, "fraction": 0 } ]""", "$.system.chip.gemmCurve[1].fraction", "lies in [1e-6, 1]")]
    [InlineData("""[ { "flops": 1e9, "fraction": 0.2 }, { "flops": 1e10, "fraction": 0.4 }, { "flops": 1e11, "fraction": 1.2 } ]""", "$.system.chip.gemmCurve[2].fraction", "lies in [1e-6, 1]")]
    [InlineData("""[ { "flops": 1e10, "fraction": 0.2 }, { "flops": 1e9, "fraction": 0.4 } ]""", "$.system.chip.gemmCurve[1].flops", "strictly increasing")]
    [InlineData("""[ { "flops": 1e10, "fraction": 0.2 }, { "flops": 1e10, "fraction": 0.4 } ]""", "$.system.chip.gemmCurve[1].flops", "each size once")]
    public void Each_invalid_curve_is_reported_at_its_path(string curve, string path, string message)
    {
        var errors = Errors($$"""{ "id": "bad", "baseOn": "h100-sxm", "gemmCurve": {{curve}} }""");
        var error = Assert.Single(errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_64_points_are_refused_with_a_hint_to_thin_the_curve()
    {
        var points = string.Join(", ", Enumerable.Range(0, 65).Select(i => string.Create(CultureInfo.InvariantCulture, $$"""{ "flops": {{Math.Pow(10, 6 + i * 0.1)}}, "fraction": 0.5 }""")));
        var error = Assert.Single(Errors($$"""{ "id": "bad", "baseOn": "h100-sxm", "gemmCurve": [ {{points}} ] }"""));
        Assert.Equal("$.system.chip.gemmCurve", error.Path);
        Assert.Contains("has 65 points; at most 64", error.Message, StringComparison.Ordinal);
        Assert.Contains("thin the curve", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_chip_fields_list_gemm_curve_as_allowed()
    {
        var error = Assert.Single(Errors("""{ "id": "bad", "baseOn": "h100-sxm", "gemmCurv": [] }"""));
        Assert.Equal("$.system.chip.gemmCurv", error.Path);
        Assert.Contains("hbmEfficiency, sustainedGemmFraction, gemmCurve.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_chip_object_reads_back_what_it_writes()
    {
        var chip = new CustomChipSection
        {
            Id = "x1",
            Name = "X one",
            BaseOn = "b200",
            PeakTflops = new Dictionary<string, double> { ["fp8"] = 5000, ["bf16"] = 2500 },
            HbmCapacityGiB = 288,
            HbmBandwidthTBps = 8,
            TdpWatts = 1200,
            ScaleUpBandwidthGBps = 900,
            ScaleUpDomainSize = 72,
            ScaleOutGbpsPerGpu = 800,
            GemmEfficiency = 0.712345678901,
            HbmEfficiency = 0.9,
            GemmCurve = [(1.234567e9, 0.1234567890123), (1e12, 0.7)],
        };
        var json = ScenarioWriter.ToJson(chip);
        Assert.True(json.IndexOf("\"bf16\"", StringComparison.Ordinal) < json.IndexOf("\"fp8\"", StringComparison.Ordinal), "peaks in catalog order");

        var (read, errors) = InlineChip.Parse(json);
        Assert.Empty(errors);
        Assert.Equal(json, ScenarioWriter.ToJson(read!));
        Assert.Equal(chip.GemmCurve, read!.GemmCurve);
        Assert.Equal(0.712345678901, read.GemmEfficiency);

        var (spec, resolveErrors) = InlineChip.Resolve(read);
        Assert.Empty(resolveErrors);
        Assert.Equal(2500e12, spec!.PeakFor(Precision.Bf16));
        Assert.NotNull(spec.Efficiency.GemmCurve);
    }

    [Fact]
    public void Reading_a_chip_object_alone_reports_paths_under_system_chip()
    {
        var (chip, errors) = InlineChip.Parse("""{ "id": "x", "baseOn": "h100-sxm", "gemmCurve": [ { "flops": 1e9, "fraction": 2 } ] }""");
        Assert.Null(chip);
        Assert.Equal("$.system.chip.gemmCurve[0].fraction", Assert.Single(errors).Path);

        var (_, resolveErrors) = InlineChip.Resolve(new CustomChipSection { Id = "x", BaseOn = "h100-gone" });
        Assert.Equal("$.system.chip.baseOn", Assert.Single(resolveErrors).Path);

        Assert.Equal("$.system.chip", Assert.Single(InlineChip.Parse("[1]").Errors).Path);
        Assert.Contains("Malformed JSON", Assert.Single(InlineChip.Parse("{ \"id\": ").Errors).Message, StringComparison.Ordinal);
    }
}
