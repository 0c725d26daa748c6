using System.Globalization;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Workload;
using CapacityPlanner.Web.Components.Widgets;
using CapacityPlanner.Web.Estimates;
using CapacityPlanner.Web.Options;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace CapacityPlanner.Web.Components.Pages;

/// <summary>
/// The home page: a form for one workload × system × parallelism plan, and the estimate of it. The estimate reruns
/// after every edit once the form has been quiet for <see cref="PlannerOptions.EstimateDebounceMilliseconds"/>.
/// </summary>
public sealed partial class Planner : IDisposable
{
    private PlannerInput _input = new();
    private EstimateOutcome? _outcome;
    private CancellationTokenSource? _debounce;
    private TimeSpan _debounceDelay;
    private bool _pending;

    [Inject] private EstimateService EstimateService { get; set; } = default!;

    [Inject] private IOptions<PlannerOptions> Options { get; set; } = default!;

    private static IReadOnlyList<ModelPreset> Presets => ModelPresets.All;

    private static IReadOnlyList<ChipSpec> Chips => HardwareCatalog.Default.Chips;

    private Estimate? Estimate => _outcome?.Estimate;

    private ResolvedScenario? Scenario => _outcome?.Scenario;

    private bool Feasible => _outcome?.Feasible == true;

    private double MemoryFraction =>
        Estimate is { MemoryPerGpuGiB: { } used, HbmCapacityGiB: > 0 and var capacity } ? used / capacity : 0;

    private Color MemoryColor => MemoryFraction switch
    {
        > 1 => Color.Error,
        > 0.9 => Color.Warning,
        _ => Color.Success,
    };

    private string PeakText =>
        Scenario is { } s && s.System.Chip.PeakFor(s.Training.Precision) is { } peak
            ? string.Create(CultureInfo.InvariantCulture, $"{peak / 1e12:F0} TFLOP/s {s.Training.Precision.ToId()}")
            : "the";

    private string? PresetHelper =>
        ModelPresets.TryGet(_input.PresetId ?? "", out var p)
            ? $"{Display.Parameters(p.Model.TotalParameters)} parameters · {p.Model.Layers} layers · {p.Model.AttentionHeads} heads · {p.Model.SequenceLength:N0} tokens per sequence"
            : null;

    private string? DerivedDataText =>
        _input.Data is null && Scenario is { } s ? string.Create(CultureInfo.InvariantCulture, $"derived: {s.Plan.Data}") : null;

    private string? ChipHelper =>
        HardwareCatalog.Default.TryGet(_input.ChipId ?? "", out var c)
            ? string.Create(CultureInfo.InvariantCulture,
                $"{c.HbmCapacityGiB:F0} GiB HBM · {(c.PeakFor(Precision.Bf16) ?? 0) / 1e12:F0} TFLOP/s bf16 · scale-up domain {c.ScaleUp.DomainSize}")
            : null;

    /// <inheritdoc />
    protected override void OnInitialized()
    {
        var options = Options.Value;
        _input = PlannerInput.CreateDefault(options);
        _debounceDelay = TimeSpan.FromMilliseconds(options.EstimateDebounceMilliseconds);
        RunEstimate();
    }

    /// <inheritdoc />
    public void Dispose() => CancelPending();

    // Returns at once so the input that raised the change finishes its own update; the estimate follows once the
    // form has been quiet for the debounce delay (or immediately when the delay is zero).
    private void OnInputChanged()
    {
        CancelPending();
        if (_debounceDelay <= TimeSpan.Zero)
        {
            RunEstimate();
            return;
        }
        _debounce = new CancellationTokenSource();
        _pending = true;
        _ = EstimateWhenQuietAsync(_debounce.Token);
    }

    private async Task EstimateWhenQuietAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(_debounceDelay, cancellationToken);
            await InvokeAsync(() =>
            {
                if (cancellationToken.IsCancellationRequested) return; // a newer edit took over
                RunEstimate();
                StateHasChanged();
            });
        }
        catch (OperationCanceledException)
        {
            // A newer edit took over, or the page went away.
        }
    }

    private void RunEstimate()
    {
        _outcome = EstimateService.Estimate(_input);
        _pending = false;
    }

    private void CancelPending()
    {
        if (_debounce is null) return;
        _debounce.Cancel();
        _debounce.Dispose();
        _debounce = null;
    }

    private bool HasError(string path) => _outcome?.ErrorsAt(path).Any() == true;

    private string? ErrorText(string path)
    {
        var messages = _outcome?.ErrorsAt(path).Select(e => e.Message).ToList();
        return messages is { Count: > 0 } ? string.Join(" ", messages) : null;
    }

    private static string PresetText(string? id) =>
        id is not null && ModelPresets.TryGet(id, out var p) ? $"{p.Model.Name} ({p.Id})" : id ?? "";

    private static string ChipText(string? id) =>
        id is not null && HardwareCatalog.Default.TryGet(id, out var c) ? $"{c.Name} ({c.Id})" : id ?? "";

    private static string? Describe<T>(IReadOnlyList<Choice<T>> choices, T value) =>
        choices.FirstOrDefault(c => EqualityComparer<T>.Default.Equals(c.Value, value))?.Description;

    private static string PrecisionText(string? id) =>
        PlannerFields.Precisions.FirstOrDefault(p => p.Value == id)?.Text ?? id ?? "";

    private static string ZeroStageText(int stage) =>
        PlannerFields.ZeroStages.FirstOrDefault(z => z.Value == stage)?.Text ?? stage.ToString(CultureInfo.InvariantCulture);

    private static string RecomputeText(string? mode) =>
        PlannerFields.RecomputeModes.FirstOrDefault(r => r.Value == mode)?.Text ?? mode ?? "";
}
