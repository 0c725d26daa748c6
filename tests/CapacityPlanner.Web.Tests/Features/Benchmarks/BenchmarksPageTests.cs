using CapacityPlanner.Measurements;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Features.Benchmarks;
using CapacityPlanner.Web.Features.Hardware;
using CapacityPlanner.Web.Features.Planner;
using CapacityPlanner.Web.Hosting;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using BenchmarksPage = CapacityPlanner.Web.Features.Benchmarks.Benchmarks;
using CapacityPlanner.Web.Shared.Scenario;
using CapacityPlanner.Web.Shared.Chips;

namespace CapacityPlanner.Web.Tests.Features.Benchmarks;

/// <summary>The Benchmarks page over a real SQLite <see cref="BenchmarkStore"/>, calibration, and the measured comparison.</summary>
public sealed class BenchmarksPageTests : BenchmarkStoreTestContext
{
    [Fact]
    public async Task The_list_shows_a_stored_result_and_calibration_shows_measured_fractions()
    {
        var result = H100Result();
        await Store.SaveAsync(result, BenchResultJson.Serialize(result));

        var cut = Render<BenchmarksPage>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=benchmark-row]")));
        Assert.Equal("dgx-a-01", cut.Find("[data-testid=benchmark-host]").TextContent.Trim());
        Assert.Contains("700 (bf16)", cut.Find("[data-testid=benchmark-gemm]").TextContent);
        Assert.Contains("3000", cut.Find("[data-testid=benchmark-memory]").TextContent);
        Assert.Contains("360", cut.Find("[data-testid=benchmark-busbw]").TextContent);
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=detail-gemm] tbody tr")));
        Assert.Equal(4, cut.FindAll("[data-testid=detail-gemm] tbody tr").Count);

        cut.Find("[data-testid=calibrate]").Click();

        // 700 / 989 TFLOP/s = 70.8 %; 3000 / 3350 GB/s = 89.6 %.
        Assert.Contains("70.8 %", cut.Find("[data-testid=cal-gemm]").TextContent);
        Assert.Contains("89.6 %", cut.Find("[data-testid=cal-hbm]").TextContent);
        Assert.Contains("360 GB/s", cut.Find("[data-testid=cal-scaleup]").TextContent);
        Assert.NotEmpty(cut.FindAll("[data-testid=calibration-curve] tbody tr"));
        Assert.NotEmpty(cut.FindAll("[data-testid=calibration-note]"));
    }

    [Fact]
    public async Task Impossible_measurements_are_flagged_in_the_list_and_the_detail()
    {
        var clean = H100Result();
        var result = clean with { Gemm = [.. clean.Gemm, Gemm(16384, 1950)] };     // the sparse BF16 figure, not a dense GEMM
        await Store.SaveAsync(result, BenchResultJson.Serialize(result));

        var cut = Render<BenchmarksPage>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=benchmark-row]")));
        Assert.Equal("1 implausible", cut.Find("[data-testid=benchmark-implausible]").TextContent.Trim());
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=benchmark-implausible-detail]")));
        var detail = cut.Find("[data-testid=benchmark-implausible-detail]").TextContent;
        Assert.Contains("$.gemm[4]", detail, StringComparison.Ordinal);
        Assert.Contains("left out of every calibration", detail, StringComparison.Ordinal);

        // The calibration is the one without it: 700 of 989 TFLOP/s, not 100 %.
        cut.Find("[data-testid=calibrate]").Click();
        Assert.Contains("70.8 %", cut.Find("[data-testid=cal-gemm]").TextContent);
    }

    [Fact]
    public async Task Use_this_profile_registers_a_custom_chip_and_the_comparison_shows_two_step_times()
    {
        var result = H100Result();
        var saved = await Store.SaveAsync(result, BenchResultJson.Serialize(result));
        var cut = Render<BenchmarksPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=calibrate]")));
        cut.Find("[data-testid=calibrate]").Click();
        cut.Find("[data-testid=use-profile]").Click();

        var chipId = BenchmarkCalibrationService.ChipId("h100-sxm", saved.Id);
        Assert.Contains(chipId, cut.Find("[data-testid=profile-registered]").TextContent);
        var store = Services.GetRequiredService<ICustomChipStore>();
        Assert.True(store.TryGet(chipId, out var custom));
        Assert.Equal("h100-sxm", custom.BaseOn);
        Assert.Equal(TestOwnerKey, custom.OwnerHash);     // the circuit's caller owns the chip it registered
        Assert.Equal("NVIDIA H100 SXM5 80GB (measured on dgx-a-01)".Split(' ')[0], custom.Name!.Split(' ')[0]);
        Assert.Contains("measured on dgx-a-01", custom.Name);
        Assert.Equal(0.7078, custom.GemmEfficiency!.Value, 3);
        // The custom chip carries the measured curve and what it was calibrated from.
        var profile = Assert.IsType<RegisteredProfile>(Services.GetRequiredService<BenchmarkCalibrationService>().FindProfile(chipId));
        Assert.Equal(profile.Calibration.GemmCurve, custom.GemmCurve);
        Assert.Equal(new CustomChipProfile(saved.Id, Core.Hardware.Precision.Bf16, false, custom.Profile!.RegisteredUtc), custom.Profile);
        Assert.True(Services.GetRequiredService<ChipDirectory>().TryGet(chipId, out var option) && option.IsCustom);
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=measured-roofline-chart]")));

        var json = Services.GetRequiredService<EstimateService>().BuildDocument(new PlannerInput { PresetId = "llama3-8b", ChipId = "h100-sxm", Gpus = 8, Tensor = 1, Pipeline = 1, GlobalBatchSequences = 64 });
        var comparison = Render<MeasuredComparison>(p => p.Add(c => c.ScenarioJson, json));
        var datasheet = comparison.Find("[data-testid=datasheet-step-time]").TextContent;
        var measured = comparison.Find("[data-testid=measured-step-time]").TextContent;
        Assert.EndsWith(" s", datasheet);
        Assert.EndsWith(" s", measured);
        Assert.NotEqual(datasheet, measured);
        Assert.NotEqual(comparison.Find("[data-testid=datasheet-mfu]").TextContent, comparison.Find("[data-testid=measured-mfu]").TextContent);
    }

    [Fact]
    public async Task A_measured_chip_someone_else_registered_is_not_registered_again_over_theirs()
    {
        var result = H100Result();
        var saved = await Store.SaveAsync(result, BenchResultJson.Serialize(result));
        var chipId = BenchmarkCalibrationService.ChipId("h100-sxm", saved.Id);
        var other = Web.Security.OwnerCredentials.HashOf(new string('B', 42) + "A");
        Assert.True(Services.GetRequiredService<ChipDirectory>().Save(new CustomChipDefinition { Id = chipId, BaseOn = "h100-sxm", OwnerHash = other }).IsValid);

        var cut = Render<BenchmarksPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=calibrate]")));
        cut.Find("[data-testid=calibrate]").Click();
        cut.Find("[data-testid=use-profile]").Click();

        Assert.Contains("registered by someone else", cut.Find("[data-testid=calibrate-error]").TextContent, StringComparison.Ordinal);
        var kept = Services.GetRequiredService<ChipDirectory>().CustomDefinition(chipId)!;
        Assert.Equal(other, kept.OwnerHash);
        Assert.Null(kept.Profile);
    }

    [Fact]
    public async Task With_the_measured_chip_selected_datasheet_is_still_the_catalog_chip_and_calibration_applies_once()
    {
        // An H100 node plus a two-node all-reduce at 30 GB/s bus bandwidth (60 % of a 400 Gb/s NIC).
        var node = H100Result();
        var result = node with
        {
            Collectives = [.. node.Collectives, new CollectiveMeasurement { Collective = "all_reduce", Ranks = 16, Nodes = 2, SizeBytes = 1L << 30, TimeUs = 60_000, AlgbwGBps = 16, BusbwGBps = 30 }],
        };
        var saved = await Store.SaveAsync(result, BenchResultJson.Serialize(result));
        var cut = Render<BenchmarksPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=calibrate]")));
        cut.Find("[data-testid=calibrate]").Click();
        cut.Find("[data-testid=use-profile]").Click();
        var chipId = BenchmarkCalibrationService.ChipId("h100-sxm", saved.Id);
        var estimates = Services.GetRequiredService<EstimateService>();
        PlannerInput Input(string chip) => new() { PresetId = "llama3-8b", ChipId = chip, Gpus = 64, Tensor = 1, Pipeline = 1, GlobalBatchSequences = 64, ZeroStage = 0 };

        var onCatalog = Render<MeasuredComparison>(p => p.Add(c => c.ScenarioJson, estimates.BuildDocument(Input("h100-sxm"))));
        var onMeasured = Render<MeasuredComparison>(p => p.Add(c => c.ScenarioJson, estimates.BuildDocument(Input(chipId))));

        // Datasheet is the catalog chip whichever chip the Planner has selected.
        var catalogStep = estimates.Estimate(Input("h100-sxm")).Estimate!.StepTimeSeconds!.Value;
        Assert.Equal(catalogStep.ToString(catalogStep < 10 ? "0.000" : "0.0", System.Globalization.CultureInfo.InvariantCulture) + " s",
            onMeasured.Find("[data-testid=datasheet-step-time]").TextContent);
        Assert.Equal(onCatalog.Find("[data-testid=datasheet-step-time]").TextContent, onMeasured.Find("[data-testid=datasheet-step-time]").TextContent);
        // The measured column is the Planner's own estimate on the measured chip: calibration applied once, not twice.
        var measuredStep = estimates.Estimate(Input(chipId)).Estimate!.StepTimeSeconds!.Value;
        Assert.Equal(measuredStep.ToString(measuredStep < 10 ? "0.000" : "0.0", System.Globalization.CultureInfo.InvariantCulture) + " s",
            onMeasured.Find("[data-testid=measured-step-time]").TextContent);
        Assert.Equal(onCatalog.Find("[data-testid=measured-step-time]").TextContent, onMeasured.Find("[data-testid=measured-step-time]").TextContent);
        // Both are predictions; nothing calls a prediction "measured step time".
        Assert.DoesNotContain("Measured step time", onMeasured.Markup, StringComparison.Ordinal);
        Assert.Contains("predictions", onMeasured.Find("[data-testid=measured-caption]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collectives_show_one_row_per_size_with_in_place_beside_out_of_place_small_sizes_readable_and_a_chart_with_the_model_tiers()
    {
        var node = H100Result();
        CollectiveMeasurement M(long bytes, bool inPlace, double busbw) =>
            new() { Collective = "all_reduce", Ranks = 8, Nodes = 1, SizeBytes = bytes, InPlace = inPlace, TimeUs = 10, AlgbwGBps = busbw / 1.75, BusbwGBps = busbw };
        var result = node with { Collectives = [M(512, false, 0.1), M(512, true, 0.11), M(64 << 10, false, 12), M(64 << 10, true, 12.5), M(256L << 20, false, 360), M(256L << 20, true, 358)] };
        await Store.SaveAsync(result, BenchResultJson.Serialize(result));

        var cut = Render<BenchmarksPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=collective-row]")));

        var rows = cut.FindAll("[data-testid=collective-row]");
        Assert.Equal(3, rows.Count);
        Assert.Equal(["512 B", "64 KiB", "256 MiB"], cut.FindAll("[data-testid=collective-size]").Select(c => c.TextContent.Trim()));
        Assert.Equal("0.1", cut.FindAll("[data-testid=collective-busbw-out]")[0].TextContent.Trim());
        Assert.Equal("0.11", cut.FindAll("[data-testid=collective-busbw-in]")[0].TextContent.Trim());
        var summary = cut.Find("[data-testid=collectives-chart-summary]").TextContent;
        Assert.Contains("the model assumes model scale-up (NVLink", summary, StringComparison.Ordinal);
        Assert.Contains("scale-out (NIC 400 Gb/s", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hierarchical_two_node_all_reduce_does_not_calibrate_the_nic_above_its_line_rate()
    {
        // Two H100 nodes: nccl-tests reports 340 GB/s busbw, 6.8x the 50 GB/s of a 400 Gb/s NIC (NVLink carried part of it).
        var node = H100Result();
        var result = node with
        {
            Collectives = [.. node.Collectives, new CollectiveMeasurement { Collective = "all_reduce", Ranks = 16, Nodes = 2, SizeBytes = 1L << 30, TimeUs = 5_900, AlgbwGBps = 182, BusbwGBps = 340 }],
        };
        var saved = await Store.SaveAsync(result, BenchResultJson.Serialize(result));
        var calibrations = Services.GetRequiredService<BenchmarkCalibrationService>();

        var cal = calibrations.Calibrate(saved.Id, result, new CalibrationRequest("h100-sxm", Core.Hardware.Precision.Bf16, false));

        Assert.Null(cal.ScaleOutEfficiency);
        Assert.Equal(cal.BaseChip.ScaleOut.Efficiency, cal.Chip.ScaleOut.Efficiency);
        var refused = Assert.Single(cal.Warnings, w => w.StartsWith("Scale-out not calibrated", StringComparison.Ordinal));
        Assert.Contains("6.8×", refused, StringComparison.Ordinal);
        Assert.Contains("NVLink", refused, StringComparison.Ordinal);
        Assert.Equal(400, BenchmarkCalibrationService.Definition(cal).ScaleOutGbpsPerGpu ?? 400, 1);
        // The scale-up measurement is still used.
        Assert.NotNull(cal.ScaleUpBusEfficiency);

        var cut = Render<BenchmarksPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=calibrate]")));
        cut.Find("[data-testid=calibrate]").Click();
        Assert.Contains("Scale-out not calibrated", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_profile_the_comparison_renders_nothing()
    {
        var json = Services.GetRequiredService<EstimateService>().BuildDocument(new PlannerInput { PresetId = "llama3-8b", ChipId = "a100-sxm-80gb", Gpus = 8, Tensor = 1, Pipeline = 1, GlobalBatchSequences = 64 });
        var comparison = Render<MeasuredComparison>(p => p.Add(c => c.ScenarioJson, json));
        Assert.Empty(comparison.FindAll("[data-testid=measured-comparison]"));
    }

    [Fact]
    public void The_gpu_name_picks_the_catalog_chip()
    {
        Assert.Equal("h100-sxm", BenchmarkCalibrationService.SuggestChip(H100Result()));
        Assert.Null(BenchmarkCalibrationService.SuggestChip(new BenchResult { Devices = [new DeviceInfo { Kind = "cpu", Name = "Intel Xeon" }] }));
    }
}
