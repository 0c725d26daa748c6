using CapacityPlanner.Measurements;
using CapacityPlanner.Measurements.Import;
using CapacityPlanner.Measurements.Calibration;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Contracts.Scenarios;

namespace CapacityPlanner.Measurements.Tests.Calibration;

public sealed class CalibrationTests
{
    private static ResolvedScenario Resolve(string json)
    {
        var r = ScenarioResolver.ParseAndResolve(json);
        Assert.True(r.Success, string.Join("; ", r.Errors.Select(e => $"{e.Path}: {e.Message}")));
        return r.Scenario!;
    }

    /// <summary>mamf-finder, nvbandwidth and two nccl-tests logs (one NVLink node, two nodes over InfiniBand).</summary>
    private static BenchResult[] AllThreeTools() =>
    [
        BenchImporter.Import("mamf-finder", Fixtures.Read("mamf-finder-v2.log")),
        BenchImporter.Import("nvbandwidth", Fixtures.Read("nvbandwidth-v0.8.txt")),
        BenchImporter.Import("nccl-tests", Fixtures.Read("nccl-tests-report.json")),
        BenchImporter.Import("nccl-tests", Fixtures.Read("nccl-tests-all-reduce-2nodes.txt")),
    ];

    private const string Llama70bOnH100 = """
        { "schemaVersion": 1, "name": "llama3-70b on 1024 H100",
          "model": { "preset": "llama3-70b" },
          "training": { "globalBatchSequences": 1024, "precision": "bf16", "tokens": 1.5e13 },
          "system": { "chip": "h100-sxm", "gpus": 1024 },
          "parallelism": { "tensor": 8, "pipeline": 4, "virtualStages": 5, "microBatchSize": 1, "zeroStage": 1, "recompute": "none" } }
        """;

    private static ChipSpec H100 => HardwareCatalog.Default.TryGet("h100-sxm", out var c) ? c : throw new InvalidOperationException();

    /// <summary>A CUDA run measuring bf16 GEMMs from 1 GFLOP to 10 TFLOP at a given fraction of the H100's 989 TFLOP/s.</summary>
    private static BenchResult GemmRun(Func<double, double> fractionAtFlops)
    {
        var shapes = new (long M, long N, long K)[] { (512, 512, 2048), (1024, 1024, 4096), (2048, 2048, 4096), (4096, 4096, 4096), (8192, 8192, 8192), (16384, 16384, 16384) };
        return new BenchResult
        {
            Backend = "cuda",
            Gemm = shapes.Select(s =>
            {
                var flops = 2.0 * s.M * s.N * s.K;
                var tflops = fractionAtFlops(flops) * 989;
                return new GemmMeasurement { Dtype = "bf16", M = s.M, N = s.N, K = s.K, Flops = flops, MedianTflops = tflops, BurstTflops = tflops * 1.02 };
            }).ToList(),
        };
    }

    private static Estimate EstimateWith(ChipSpec chip)
    {
        var s = Resolve(Llama70bOnH100);
        return Estimator.Estimate(s with { System = s.System with { Chip = chip } });
    }

    [Fact]
    public void Apply_puts_the_calibrated_chip_into_a_scenario()
    {
        var cal = ChipCalibrator.Calibrate(H100, [GemmRun(_ => 0.45)]);
        var s = ChipCalibrator.Apply(Resolve(Llama70bOnH100), cal);
        Assert.Same(cal.Chip, s.System.Chip);
        Assert.Equal(EstimateWith(cal.Chip).StepTimeSeconds, Estimator.Estimate(s).StepTimeSeconds);
    }

    [Fact]
    public void Slower_measured_gemms_make_the_estimate_slower_than_the_datasheet_one()
    {
        var datasheet = EstimateWith(H100);
        var cal = ChipCalibrator.Calibrate(H100, [GemmRun(_ => 0.45)]);
        var measured = EstimateWith(cal.Chip);

        Assert.Equal(0.45, cal.GemmMaxFraction!.Value, 6);
        Assert.NotNull(cal.Chip.Efficiency.GemmCurve);
        Assert.True(cal.Chip.IsCustom);
        Assert.Equal("h100-sxm-calibrated", cal.Chip.Id);
        Assert.True(measured.StepTimeSeconds > datasheet.StepTimeSeconds * 1.2, $"{measured.StepTimeSeconds} vs {datasheet.StepTimeSeconds}");
        Assert.True(measured.Mfu < datasheet.Mfu);
        Assert.True(measured.Breakdown!.ComputeSeconds > datasheet.Breakdown!.ComputeSeconds);
    }

    [Fact]
    public void Faster_measured_gemms_make_the_estimate_faster()
    {
        var datasheet = EstimateWith(H100);
        var measured = EstimateWith(ChipCalibrator.Calibrate(H100, [GemmRun(_ => 0.95)]).Chip);
        Assert.True(measured.StepTimeSeconds < datasheet.StepTimeSeconds, $"{measured.StepTimeSeconds} vs {datasheet.StepTimeSeconds}");
        Assert.True(measured.Breakdown!.ComputeSeconds < datasheet.Breakdown!.ComputeSeconds);
    }

    [Fact]
    public void Measured_busbw_inside_the_node_sets_scale_up_efficiency_and_slows_tensor_parallel_traffic()
    {
        // 8 H100 ranks on one host, ~257 GB/s busbw at 256 MiB: below the catalog's 0.81 × 450 GB/s.
        var nccl = BenchImporter.Import("nccl-tests", Fixtures.Read("nccl-tests-report.json"));
        var cal = ChipCalibrator.Calibrate(H100, [nccl]);

        Assert.NotNull(cal.ScaleUpBusEfficiency);
        Assert.InRange(cal.ScaleUpBusEfficiency!.Value, 0.5, 0.65);
        Assert.Equal(cal.ScaleUpBusEfficiency.Value, cal.Chip.ScaleUp.BusBandwidthEfficiency);
        Assert.Null(cal.ScaleOutEfficiency);
        Assert.Equal(H100.ScaleOut.Efficiency, cal.Chip.ScaleOut.Efficiency);
        Assert.Equal(H100.Efficiency.GemmMaxFraction, cal.Chip.Efficiency.GemmMaxFraction);   // no GEMM data: unchanged
        Assert.Same(H100.Efficiency.GemmCurve, cal.Chip.Efficiency.GemmCurve);   // the catalog's measured curve stays

        var datasheet = EstimateWith(H100);
        var measured = EstimateWith(cal.Chip);
        Assert.True(measured.Breakdown!.Communication.TensorParallel.LinkSeconds > datasheet.Breakdown!.Communication.TensorParallel.LinkSeconds);
        Assert.True(measured.StepTimeSeconds > datasheet.StepTimeSeconds);
    }

    [Fact]
    public void Imports_of_all_three_tools_calibrate_gemm_curve_hbm_and_both_fabric_tiers()
    {
        var cal = ChipCalibrator.Calibrate(H100, AllThreeTools());

        Assert.Equal(732.7 / 989, cal.GemmMaxFraction!.Value, 3);          // best median (no sustained figures in v2)
        Assert.Equal(16, cal.GemmPoints.Count);
        for (var i = 1; i < cal.GemmCurve.Count; i++)
        {
            Assert.True(cal.GemmCurve[i].Flops > cal.GemmCurve[i - 1].Flops);
            Assert.True(cal.GemmCurve[i].Fraction >= cal.GemmCurve[i - 1].Fraction);
        }
        // Below the smallest measured GEMM (8.6e10 FLOPs) the curve follows the default shape, not a flat line.
        Assert.True(cal.Chip.Efficiency.GemmCurve!.At(1e8) < cal.Chip.Efficiency.GemmCurve.At(1e11) / 2);
        Assert.Equal(1497.04 * 2 / 3350, cal.HbmFraction!.Value, 3);        // nvbandwidth counts a copy once
        Assert.Equal(cal.HbmFraction.Value, cal.Chip.Efficiency.HbmFraction);
        Assert.NotNull(cal.ScaleUpBusEfficiency);
        // 340 GB/s busbw ≫ 50 GB/s NIC: hierarchical traffic, refused (never clamped into a perfect NIC).
        Assert.Null(cal.ScaleOutEfficiency);
        Assert.Equal(H100.ScaleOut.Efficiency, cal.Chip.ScaleOut.Efficiency);
        Assert.Contains(cal.Warnings, w => w.StartsWith("Scale-out not calibrated", StringComparison.Ordinal) && w.Contains("NVLink", StringComparison.Ordinal));
        Assert.Equal("measured", cal.Chip.Figures!["efficiency.gemmMaxFraction"].Basis);
        Assert.Contains(cal.Notes, n => n.StartsWith("GEMM bf16: 16 shapes", StringComparison.Ordinal));
    }

    [Fact]
    public void Cpu_results_are_left_out_unless_asked_for()
    {
        var cpu = GemmRun(_ => 0.5) with { Backend = "cpu" };
        var cal = ChipCalibrator.Calibrate(H100, [cpu]);
        Assert.Null(cal.GemmMaxFraction);
        Assert.Contains(cal.Warnings, w => w.Contains("CPU backend", StringComparison.Ordinal));
        Assert.Equal(H100.Efficiency, cal.Chip.Efficiency);

        var forced = ChipCalibrator.Calibrate(H100, [cpu], new CalibrationOptions { IncludeCpuResults = true });
        Assert.Equal(0.5, forced.GemmMaxFraction!.Value, 6);
    }

    [Fact]
    public void Sustained_throughput_is_preferred_when_measured()
    {
        var run = GemmRun(_ => 0.8);
        run = run with { Gemm = run.Gemm.Select(g => g with { SustainedTflops = g.MedianTflops * 0.9 }).ToList() };
        Assert.Equal(0.72, ChipCalibrator.Calibrate(H100, [run]).GemmMaxFraction!.Value, 6);
        Assert.Equal(0.8, ChipCalibrator.Calibrate(H100, [run], new CalibrationOptions { PreferSustained = false }).GemmMaxFraction!.Value, 6);
    }

    [Fact]
    public void Sustained_measurements_hold_the_power_cap_so_the_catalogs_sustained_fraction_is_not_taken_off_again()
    {
        // The catalog's H100 GEMM rates are isolated ones with a sustained fraction below 1 (the power cap, measured on
        // an H200). A calibration from GEMMs timed under sustained load must not apply that cap twice; one from GEMMs
        // timed alone keeps it. The inline chip written from the calibration carries it, so both estimate alike.
        Assert.True(H100.Efficiency.SustainedGemmFraction < 1);
        var run = GemmRun(_ => 0.8);
        run = run with { Gemm = run.Gemm.Select(g => g with { SustainedTflops = g.MedianTflops * 0.87 }).ToList() };

        var sustained = ChipCalibrator.Calibrate(H100, [run]);
        Assert.Equal(1.0, sustained.Chip.Efficiency.SustainedGemmFraction);
        Assert.Contains(sustained.Notes, n => n.Contains("not taken off them again", StringComparison.Ordinal));
        var inline = ChipCalibrator.ToInlineChip(sustained);
        Assert.Equal(1.0, inline.SustainedGemmFraction);
        var spec = InlineChip.Resolve(InlineChip.Parse(ScenarioWriter.ToJson(inline)).Chip!).Chip!;
        Assert.Equal(1.0, spec.Efficiency.SustainedGemmFraction);
        Assert.Equal(1.0, EstimateWith(spec).StepTimeSeconds!.Value / EstimateWith(sustained.Chip).StepTimeSeconds!.Value, 1e-9);

        var isolated = ChipCalibrator.Calibrate(H100, [run], new CalibrationOptions { PreferSustained = false });
        Assert.Equal(H100.Efficiency.SustainedGemmFraction, isolated.Chip.Efficiency.SustainedGemmFraction);
        Assert.Null(ChipCalibrator.ToInlineChip(isolated).SustainedGemmFraction);
        // Timed alone at 0.8 and capped by the catalog's fraction, or timed hot at 0.8 × 0.87 and not capped again: the
        // same GEMM rate within the two ratios' difference.
        Assert.Equal(EstimateWith(isolated.Chip).StepTimeSeconds!.Value, EstimateWith(sustained.Chip).StepTimeSeconds!.Value, EstimateWith(isolated.Chip).StepTimeSeconds!.Value * 0.03);
    }

    [Fact]
    public void Curve_fit_pools_adjacent_violators_into_a_non_decreasing_curve()
    {
        var pts = new[] { (1e9, 0.5), (1e10, 0.7), (1e11, 0.65), (1e12, 0.8) }
            .Select(p => new GemmCalibrationPoint(p.Item1, p.Item2, "", "test")).ToList();
        var curve = ChipCalibrator.FitCurve(pts);
        Assert.Equal([0.5, 0.675, 0.675, 0.8], curve.Select(c => Math.Round(c.Fraction, 6)));
        Assert.Equal([1e9, 1e10, 1e11, 1e12], curve.Select(c => Math.Round(c.Flops)));
    }

    [Fact]
    public void Points_in_one_bin_are_pooled_by_their_median()
    {
        var pts = new[] { (1.0e10, 0.5), (1.1e10, 0.9), (1.2e10, 0.6) }.Select(p => new GemmCalibrationPoint(p.Item1, p.Item2, "", "t")).ToList();
        var curve = ChipCalibrator.FitCurve(pts);
        Assert.Equal(0.6, curve.Single().Fraction);
    }

    [Fact]
    public void The_inline_chip_of_a_calibration_estimates_exactly_like_the_calibrated_chip()
    {
        // The two-node fixture mixes NVLink and the NIC (refused); one rank per node measures the network alone.
        var network = new BenchResult
        {
            Source = BenchSources.NcclTests,
            Backend = "import",
            Collectives = [new CollectiveMeasurement { Collective = "all_reduce", Ranks = 2, Nodes = 2, SizeBytes = 1L << 30, TimeUs = 26_800, AlgbwGBps = 40, BusbwGBps = 40 }],
        };
        var cal = ChipCalibrator.Calibrate(H100, [.. AllThreeTools(), network]);
        Assert.Equal(40.0 / 50, cal.ScaleOutEfficiency!.Value, 6);
        Assert.NotNull(cal.ScaleUpBusEfficiency);
        Assert.NotNull(cal.ScaleOutEfficiency);

        // Calibration → inline chip JSON (what capplan bench calibrate prints as scenarioChip) → a scenario document.
        var chipJson = ScenarioWriter.ToJson(ChipCalibrator.ToInlineChip(cal));
        Assert.Contains("\"gemmCurve\"", chipJson, StringComparison.Ordinal);
        var scenario = Resolve(Llama70bOnH100.Replace("\"chip\": \"h100-sxm\"", "\"chip\": " + chipJson, StringComparison.Ordinal));
        var resolved = scenario.System.Chip;
        Assert.Equal(cal.Chip.Id, resolved.Id);
        Assert.Equal(cal.GemmCurve.Count, resolved.Efficiency.GemmCurve!.Points.Count());
        Assert.Equal(cal.Chip.Efficiency.GemmMaxFraction, resolved.Efficiency.GemmMaxFraction);
        Assert.Equal(cal.Chip.Efficiency.HbmFraction, resolved.Efficiency.HbmFraction);

        var direct = EstimateWith(cal.Chip);
        var inline = Estimator.Estimate(scenario);
        Assert.NotNull(direct.StepTimeSeconds);
        Assert.Equal(1.0, inline.StepTimeSeconds!.Value / direct.StepTimeSeconds!.Value, 1e-9);
        Assert.Equal(1.0, inline.Breakdown!.Communication.DataParallel.LinkSeconds / direct.Breakdown!.Communication.DataParallel.LinkSeconds, 1e-9);
        Assert.Equal(1.0, inline.Breakdown.Communication.TensorParallel.LinkSeconds / direct.Breakdown.Communication.TensorParallel.LinkSeconds, 1e-9);
        Assert.NotEqual(EstimateWith(H100).StepTimeSeconds, inline.StepTimeSeconds);
    }

    [Fact]
    public void A_synthetic_gemm_run_round_trips_through_the_inline_chip_too()
    {
        var cal = ChipCalibrator.Calibrate(H100, [GemmRun(f => Math.Min(0.9, 0.1 * Math.Log10(f) - 0.5))]);
        var chip = InlineChip.Parse(ScenarioWriter.ToJson(ChipCalibrator.ToInlineChip(cal))).Chip!;
        var spec = InlineChip.Resolve(chip).Chip!;
        Assert.Equal(1.0, EstimateWith(spec).StepTimeSeconds!.Value / EstimateWith(cal.Chip).StepTimeSeconds!.Value, 1e-9);
        foreach (var flops in new[] { 1e6, 3e8, 1e10, 4.4e11, 1e13, 1e15 })
        {
            Assert.Equal(cal.Chip.Efficiency.GemmCurve!.At(flops), spec.Efficiency.GemmCurve!.At(flops));
        }
    }

    [Fact]
    public void Inline_curves_are_cleaned_and_thinned_to_64_points_keeping_the_ends_and_the_bends()
    {
        var cleaned = ChipCalibrator.InlineCurve([(1e9, 0.2), (1e9, 0.3), (5e8, 0.4), (1e10, 0), (1e11, 1.2), (double.NaN, 0.5), (1e12, 0.9)]);
        Assert.Equal([(1e9, 0.2), (1e11, 1.0), (1e12, 0.9)], cleaned);

        // 200 points along a curve with a knee at 1e12 FLOPs.
        static double Shape(double x) => Math.Log10(x) < 12 ? 0.05 * (Math.Log10(x) - 6) + 0.3 : 0.6;
        var dense = Enumerable.Range(0, 200).Select(i => Math.Pow(10, 6 + i * 0.05)).Select(x => (x, Shape(x))).ToList();
        var thin = ChipCalibrator.InlineCurve(dense);
        Assert.Equal(CustomChipSection.MaxGemmCurvePoints, thin.Count);
        Assert.Equal(dense[0], thin[0]);
        Assert.Equal(dense[^1], thin[^1]);
        var curve = new EfficiencyCurve(thin);
        Assert.All(dense, p => Assert.Equal(p.Item2, curve.At(p.x), 6));
        Assert.Equal(thin, ChipCalibrator.InlineCurve(thin));
    }

    [Fact]
    public void Without_any_usable_data_the_chip_keeps_its_catalog_figures()
    {
        var cal = ChipCalibrator.Calibrate(H100, [new BenchResult { Backend = "cuda" }]);
        Assert.Equal(H100.Efficiency, cal.Chip.Efficiency);
        Assert.Equal(H100.ScaleUp, cal.Chip.ScaleUp);
        Assert.Equal(4, cal.Warnings.Count(w => w.Contains("keeps the catalog default", StringComparison.Ordinal)));
        Assert.Contains(cal.Warnings, w => w.Contains("no bf16 GEMM measurements", StringComparison.Ordinal));
    }
}
