using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Roofline;
using CapacityPlanner.Persistence;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using CapacityPlanner.Web.Shared.Chips;

namespace CapacityPlanner.Web.Features.Hardware;

/// <summary>
/// The hardware catalog as a sortable, searchable table with each figure's source, and the custom-chip editor.
/// Custom chips go to <see cref="ChipDirectory"/> (kept in the database) and appear in every page's chip list.
/// </summary>
public sealed partial class Hardware : IDisposable
{
    private readonly HashSet<string> _expanded = new(StringComparer.OrdinalIgnoreCase);
    private string? _search;
    // Column groups that are off: the table has more figures than a laptop screen shows at once, so the ridge point
    // and the scale-up fabric start hidden (the Roofline page has the ridge points; the sources list every figure).
    private readonly HashSet<string> _hiddenColumns = new(StringComparer.Ordinal) { "ridge", "scaleup" };

    /// <summary>The table's column groups (CSS class <c>col-{key}</c>), with their labels.</summary>
    internal static IReadOnlyList<(string Key, string Label)> ColumnGroups { get; } =
    [
        ("peak", "Peak FLOP/s"), ("memory", "HBM"), ("ridge", "Ridge point"), ("power", "TDP"), ("scaleup", "Scale-up fabric"),
        ("nic", "NIC"), ("price", "Price"), ("sources", "Sources"),
    ];

    private string TableClass => "hardware-table" + string.Concat(_hiddenColumns.Order(StringComparer.Ordinal).Select(k => " hide-" + k));

    private void ToggleColumn(string key, bool visible)
    {
        if (visible) _hiddenColumns.Remove(key);
        else _hiddenColumns.Add(key);
    }
    private CustomChipDefinition? _editing;
    private string? _editingId;

    [Inject] private ChipDirectory ChipDirectory { get; set; } = default!;

    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Inject] private Security.CircuitCaller CircuitCaller { get; set; } = default!;

    /// <summary>True when this circuit's caller may edit and delete the custom chip (its owner, or an administrator).</summary>
    internal bool CanChange(ChipOption chip) => chip.Definition is { } d && CircuitCaller.Current.CanChange(d.OwnerHash);

    private IReadOnlyList<ChipOption> Rows => ChipDirectory.Chips;

    /// <inheritdoc />
    protected override void OnInitialized() => ChipDirectory.Changed += OnChipsChanged;

    /// <inheritdoc />
    public void Dispose() => ChipDirectory.Changed -= OnChipsChanged;

    private void OnChipsChanged() => _ = InvokeAsync(StateHasChanged);

    private bool Matches(ChipOption chip)
    {
        if (string.IsNullOrWhiteSpace(_search)) return true;
        var s = _search.Trim();
        return chip.Id.Contains(s, StringComparison.OrdinalIgnoreCase)
            || chip.Spec.Name.Contains(s, StringComparison.OrdinalIgnoreCase)
            || chip.Spec.Vendor.Contains(s, StringComparison.OrdinalIgnoreCase)
            || chip.Spec.Architecture.Contains(s, StringComparison.OrdinalIgnoreCase)
            || chip.Spec.ScaleUp.Fabric.Contains(s, StringComparison.OrdinalIgnoreCase)
            || (chip.IsCustom && "custom".Contains(s, StringComparison.OrdinalIgnoreCase));
    }

    private static double Peak(ChipOption chip, Precision precision) => chip.Spec.PeakFor(precision) ?? 0;

    private static string Tflops(ChipOption chip, Precision precision) =>
        chip.Spec.PeakFor(precision) is { } p ? (p / 1e12).ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "—";

    private static string CurveTitle(IReadOnlyList<(double Flops, double Fraction)> curve) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"GEMM efficiency measured from {curve[0].Flops:0.##e0} FLOPs ({curve[0].Fraction:P0} of peak) to {curve[^1].Flops:0.##e0} FLOPs ({curve[^1].Fraction:P0}); it replaces the default GEMM-size curve.");

    // TPUs and Gaudi are not GPUs: their scale-up domain counts chips.
    internal static string DeviceNoun(ChipOption chip) =>
        chip.Spec.Vendor.Contains("NVIDIA", StringComparison.OrdinalIgnoreCase) || chip.Spec.Vendor.Contains("AMD", StringComparison.OrdinalIgnoreCase)
            ? "GPUs"
            : "chips";

    private static double Ridge(ChipOption chip) => RooflineModel.RidgePoint(chip.Spec, Precision.Bf16) ?? 0;

    private static Color BasisColor(string basis) => basis switch
    {
        "verified" => Color.Success,
        "derived" => Color.Info,
        "secondary" => Color.Default,
        _ => Color.Warning,
    };

    private static string SourceText(string key) =>
        HardwareCatalog.Default.Sources.TryGetValue(key, out var source) ? $"{source.Reference} [{key}]" : key;

    private void ToggleSources(string id)
    {
        if (!_expanded.Remove(id)) _expanded.Add(id);
    }

    private void AddChip()
    {
        _editingId = null;
        _editing = new CustomChipDefinition { Id = "", BaseOn = "h100-sxm" };
    }

    private void EditChip(ChipOption chip)
    {
        if (!CanChange(chip)) return;
        _editingId = chip.Id;
        _editing = chip.Definition!.Clone();
    }

    // Deleting is one click, so it can be undone: the snackbar keeps the whole definition (a calibrated chip's
    // measured curve and its profile link included) and saves it back.
    private void DeleteChip(ChipOption chip)
    {
        var caller = CircuitCaller.Current;
        if (chip.Definition is not { } definition || ChipDirectory.RemoveOwned(chip.Id, caller.OwnerKey, caller.IsAdmin) != ChipWrite.Removed) return;
        var removed = definition.Clone();
        removed.OwnerHash = definition.OwnerHash;
        Snackbar.Add($"Removed {chip.Id}.", Severity.Normal, options =>
        {
            options.Action = "Undo";
            options.ActionColor = Color.Primary;
            options.VisibleStateDuration = 10_000;
            options.OnClick = _ => InvokeAsync(() => UndoDelete(removed));
        });
    }

    /// <summary>Saves a removed chip back (the snackbar's Undo); says why when its id has been taken since.</summary>
    internal void UndoDelete(CustomChipDefinition chip)
    {
        var copy = chip.Clone();
        copy.OwnerHash = chip.OwnerHash;
        var check = ChipDirectory.Save(copy);
        Snackbar.Add(check.IsValid ? $"Restored {chip.Id}." : $"Could not restore {chip.Id}: {check.Errors[0].Message}", check.IsValid ? Severity.Success : Severity.Error);
        StateHasChanged();
    }

    private void OnSaved(CustomChipDefinition chip)
    {
        Snackbar.Add($"Saved {chip.Id}: pick it on the planner, scaling and roofline pages.", Severity.Success);
        _editing = null;
        _editingId = null;
    }
}
