using Bunit.TestDoubles;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Features.Hardware;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using HardwarePage = CapacityPlanner.Web.Features.Hardware.Hardware;
using PlannerPage = CapacityPlanner.Web.Features.Planner.Planner;
using CapacityPlanner.Web.Shared.Chips;

namespace CapacityPlanner.Web.Tests.Features.Hardware;

/// <summary>The hardware catalog page and custom chips.</summary>
public sealed class HardwarePageTests : PlannerTestContext
{
    private IRenderedComponent<ContainerFragment> RenderWithPopovers<T>() where T : IComponent => Render<ContainerFragment>(p => p.AddChildContent(b =>
    {
        b.OpenComponent<MudPopoverProvider>(0);
        b.CloseComponent();
        b.OpenComponent<MudSnackbarProvider>(1);
        b.CloseComponent();
        b.OpenComponent<T>(2);
        b.CloseComponent();
    }));

    [Fact]
    public void Lists_every_catalog_chip_and_filters_by_search()
    {
        var cut = Render<HardwarePage>();

        Assert.Equal(HardwareCatalog.Default.Chips.Count, cut.FindAll("[data-testid=chip-name]").Count);

        cut.Find("input[data-testid=hardware-search]").Input("tpu");

        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("[data-testid=chip-name]").Count));
        Assert.All(cut.FindAll("[data-testid=chip-name]"), n => Assert.Contains("TPU", n.TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void Sorting_by_bf16_peak_puts_the_fastest_chip_last_then_first()
    {
        var cut = Render<HardwarePage>();
        var header = cut.FindAll(".mud-table-sort-label").Single(h => h.TextContent.Contains("BF16", StringComparison.Ordinal));

        header.Click();
        Assert.Contains("TPU v5e", cut.FindAll("[data-testid=chip-name]")[0].TextContent, StringComparison.Ordinal);

        cut.FindAll(".mud-table-sort-label").Single(h => h.TextContent.Contains("BF16", StringComparison.Ordinal)).Click();
        Assert.Contains("NVIDIA", cut.FindAll("[data-testid=chip-name]")[0].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_catalog_figure_shows_its_source()
    {
        var cut = Render<HardwarePage>();

        cut.FindAll("[data-testid=toggle-sources]")[2].Click(); // H100 SXM

        var sources = cut.Find("[data-testid=sources-table]");
        Assert.Contains("peakTflops.bf16", sources.TextContent, StringComparison.Ordinal);
        Assert.Contains("verified", sources.TextContent, StringComparison.Ordinal);
        Assert.Contains("ml-engineering", sources.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_custom_chip_is_validated_saved_and_usable_in_the_planner()
    {
        var cut = RenderWithPopovers<HardwarePage>();

        cut.Find("[data-testid=add-chip]").Click();
        cut.Find("input[data-testid=chip-id]").Input("h100-sxm");
        cut.Find("input[data-testid=chip-hbm-capacity]").Input("144");

        // A catalog id: the field says so and nothing is saved.
        cut.Find("[data-testid=save-chip]").Click();
        cut.WaitForAssertion(() => Assert.Contains("is a catalog chip; choose another id",
            cut.Find("input[data-testid=chip-id]").Closest(".mud-input-control")!.TextContent, StringComparison.Ordinal));
        Assert.Empty(Services.GetRequiredService<ICustomChipStore>().All);

        cut.Find("input[data-testid=chip-id]").Input("h100-144g");
        cut.Find("[data-testid=save-chip]").Click();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=custom-badge]")));
        var chip = Assert.Single(Services.GetRequiredService<ICustomChipStore>().All);
        Assert.Equal("h100-144g", chip.Id);

        // The planner offers it and estimates with it: the inline chip goes into the scenario document.
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo("/?chip=h100-144g");
        var planner = Render<PlannerPage>();
        Assert.Equal("144.0 GiB", planner.Find("[data-testid=hbm-capacity]").TextContent.Trim());
        Assert.Contains("\"baseOn\": \"h100-sxm\"", planner.Find("[data-testid=scenario-json]").TextContent, StringComparison.Ordinal);
    }

    // A calibrated chip as the Benchmarks page registers it: "h100-measured", a measured curve and its profile link.
    private (ChipDirectory Directory, CustomChipProfile Profile) SaveMeasuredChip(List<(double Flops, double Fraction)> curve)
    {
        var directory = Services.GetRequiredService<ChipDirectory>();
        var profile = new CustomChipProfile("abc123", Precision.Bf16, false, DateTime.UtcNow);
        Assert.True(directory.Save(new CustomChipDefinition
        {
            Id = "h100-measured",
            BaseOn = "h100-sxm",
            GemmEfficiency = 0.7,
            GemmCurve = curve,
            Profile = profile,
            OwnerHash = TestOwnerKey,
        }).IsValid);
        return (directory, profile);
    }

    [Fact]
    public void Someone_elses_chip_is_read_only_and_the_callers_own_can_be_edited_and_deleted()
    {
        var directory = Services.GetRequiredService<ChipDirectory>();
        Assert.True(directory.Save(new CustomChipDefinition { Id = "theirs", BaseOn = "h100-sxm", OwnerHash = Web.Security.OwnerCredentials.HashOf(new string('B', 43)) }).IsValid);
        Assert.True(directory.Save(new CustomChipDefinition { Id = "legacy", BaseOn = "h100-sxm" }).IsValid);
        Assert.True(directory.Save(new CustomChipDefinition { Id = "mine", BaseOn = "h100-sxm", OwnerHash = TestOwnerKey }).IsValid);
        var cut = RenderWithPopovers<HardwarePage>();

        // Only the caller's chip has Edit and Delete; the other owner's and the ownerless one say read-only.
        Assert.Single(cut.FindAll("[data-testid=edit-chip]"));
        Assert.Equal("Edit mine", cut.Find("[data-testid=edit-chip]").GetAttribute("aria-label"));
        Assert.Equal(2, cut.FindAll("[data-testid=chip-readonly]").Count);

        // A chip made on the page belongs to the caller.
        cut.Find("[data-testid=delete-chip]").Click();
        Assert.Null(directory.CustomDefinition("mine"));
        Assert.NotNull(directory.CustomDefinition("theirs"));
    }

    [Fact]
    public void A_chip_with_a_measured_gemm_curve_shows_it_and_keeps_it_when_edited()
    {
        var (directory, profile) = SaveMeasuredChip([(1e9, 0.1), (1e11, 0.5), (1e13, 0.7)]);
        var cut = RenderWithPopovers<HardwarePage>();
        Assert.Equal("measured GEMM curve, 3 points", cut.Find("[data-testid=gemm-curve-badge]").TextContent.Trim());

        cut.Find("[data-testid=edit-chip]").Click();
        Assert.Contains("Measured GEMM curve, 3 points", cut.Find("[data-testid=chip-gemm-curve]").TextContent, StringComparison.Ordinal);
        cut.Find("input[data-testid=chip-hbm-capacity]").Input("96");
        cut.Find("[data-testid=save-chip]").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=custom-chip-form]")));
        var saved = Assert.Single(Services.GetRequiredService<ICustomChipStore>().All);
        Assert.Equal(96, saved.HbmCapacityGiB);
        Assert.Equal([(1e9, 0.1), (1e11, 0.5), (1e13, 0.7)], saved.GemmCurve);
        Assert.Equal(profile, saved.Profile);
        Assert.True(directory.TryGet("h100-measured", out var option));
        Assert.Equal(0.5, option.Spec.Efficiency.GemmCurve!.At(1e11), 12);
    }

    [Fact]
    public void Deleting_a_chip_can_be_undone_with_its_curve_and_profile()
    {
        var (_, profile) = SaveMeasuredChip([(1e9, 0.1), (1e13, 0.7)]);
        var cut = RenderWithPopovers<HardwarePage>();
        cut.Find("[data-testid=delete-chip]").Click();

        Assert.Empty(Services.GetRequiredService<ICustomChipStore>().All);
        cut.WaitForAssertion(() => Assert.Contains("Removed h100-measured.", cut.Markup, StringComparison.Ordinal));
        // The snackbar's Undo button.
        cut.WaitForElement(".mud-snackbar button").Click();

        cut.WaitForAssertion(() => Assert.Contains("Restored h100-measured.", cut.Markup, StringComparison.Ordinal));
        var restored = Assert.Single(Services.GetRequiredService<ICustomChipStore>().All);
        Assert.Equal([(1e9, 0.1), (1e13, 0.7)], restored.GemmCurve);
        Assert.Equal(profile, restored.Profile);
        Assert.Single(cut.FindAll("[data-testid=delete-chip]"));
    }

    [Fact]
    public void Chip_ids_must_be_new_and_well_formed()
    {
        var directory = Services.GetRequiredService<ChipDirectory>();

        Assert.Contains(directory.Check(new CustomChipDefinition { Id = "h100-sxm" }).Errors, e => e.Path == CustomChipFields.IdPath && e.Message.Contains("catalog chip", StringComparison.Ordinal));
        Assert.Contains(directory.Check(new CustomChipDefinition { Id = "bad id!" }).Errors, e => e.Path == CustomChipFields.IdPath);
        Assert.Contains(directory.Check(new CustomChipDefinition { Id = "x", BaseOn = null }).Errors, e => e.Path == "$.system.chip.peakTflops");
        Assert.True(directory.Save(new CustomChipDefinition { Id = "x1", BaseOn = "b200", PeakBf16Tflops = 3000 }).IsValid);
        Assert.Contains(directory.Check(new CustomChipDefinition { Id = "x1", BaseOn = "b200" }).Errors, e => e.Message.Contains("exists already", StringComparison.Ordinal));
        Assert.True(directory.TryGet("x1", out var saved));
        Assert.Equal(3000e12, saved.Spec.PeakFor(Precision.Bf16));
        Assert.Equal(180, saved.Spec.HbmCapacityGiB);
    }

    [Fact]
    public void Tpu_scale_up_domains_count_chips_not_gpus()
    {
        var cut = RenderWithPopovers<HardwarePage>();

        var tpu = cut.FindAll("tr").First(r => r.TextContent.Contains("tpu-v5p", StringComparison.Ordinal));
        Assert.Contains(" chips", tpu.QuerySelector(".fabric-detail")!.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("GPUs", tpu.QuerySelector(".fabric-detail")!.TextContent, StringComparison.Ordinal);
        var h100 = cut.FindAll("tr").First(r => r.TextContent.Contains("h100-sxm", StringComparison.Ordinal));
        Assert.Contains(" GPUs", h100.QuerySelector(".fabric-detail")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_custom_chip_opens_the_editor_above_the_catalog_not_below_it()
    {
        var cut = RenderWithPopovers<HardwarePage>();

        cut.Find("[data-testid=add-chip]").Click();

        var markup = cut.Markup;
        var editor = markup.IndexOf("data-testid=\"custom-chip-editor\"", StringComparison.Ordinal);
        Assert.True(editor >= 0);
        Assert.True(editor < markup.IndexOf("data-testid=\"chip-name\"", StringComparison.Ordinal), "the editor comes before the first catalog row");
    }
}
