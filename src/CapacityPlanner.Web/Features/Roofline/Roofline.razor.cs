using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Roofline;
using CapacityPlanner.Core.Workload;
using CapacityPlanner.Web.Features.Hardware;
using CapacityPlanner.Web.Options;
using CapacityPlanner.Web.Shared;
using CapacityPlanner.Web.Shared.Charts;
using CapacityPlanner.Web.Shared.Chips;
using CapacityPlanner.Web.Shared.Scenario;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Features.Roofline;

/// <summary>
/// Rooflines per chip and precision, the current model's kernels placed by arithmetic intensity, and the smallest
/// micro-batch that keeps the GEMMs compute-bound. Pure computation (microseconds), so it updates synchronously.
/// Query: the planner keys plus <c>chips</c> and <c>rp</c> (roofline precisions).
/// </summary>
public sealed partial class Roofline
{
    private static readonly string[] s_rooflinePrecisions = ["bf16", "fp16", "fp8", "fp4", "tf32"];
    private static readonly string[] s_defaultPrecisions = ["bf16", "fp8"];
    private static readonly string[] s_comparison = ["h100-sxm", "b200"];

    private PlannerInput _defaults = new();
    private PlannerInput _input = new();
    private IReadOnlyList<string> _chips = [];
    private IReadOnlyList<string> _defaultChips = [];
    private IReadOnlyList<string> _precisions = s_defaultPrecisions;
    private IReadOnlyList<ScenarioError> _errors = [];
    private TransformerModel? _model;
    private ChipRoofline? _primaryRoofline;
    private ComputeBoundBatch? _batch;
    private double _currentTokens;
    private IReadOnlyList<RooflineOperation> _operations = [];
    private List<RidgeRow> _ridgeRows = [];
    private ChartFigure? _rooflineFigure;
    private ChartFigure? _batchFigure;
    private bool _chartsDark;

    [Inject] private EstimateService EstimateService { get; set; } = default!;

    [Inject] private ChipDirectory ChipDirectory { get; set; } = default!;

    [Inject] private IOptions<PlannerOptions> Options { get; set; } = default!;

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    /// <summary>Dark mode of the layout, for the chart theme.</summary>
    [CascadingParameter(Name = "IsDarkMode")] public bool IsDarkMode { get; set; }

    private string PrimaryChip => _chips.Count > 0 ? _chips[0] : _input.ChipId;

    private string PrimaryName => ChipDirectory.TryGet(PrimaryChip, out var c) ? c.Spec.Name : PrimaryChip;

    /// <inheritdoc />
    protected override void OnInitialized()
    {
        _defaults = PlannerInput.CreateDefault(Options.Value);
        var query = PlannerQuery.QueryOf(Navigation.Uri);
        _input = PlannerQuery.FromQuery(query, _defaults);
        _defaultChips = new[] { _input.ChipId }.Concat(s_comparison).Distinct(StringComparer.OrdinalIgnoreCase).Take(4).ToList();
        _chips = PageQuery.List(query, "chips")?.Where(id => ChipDirectory.TryGet(id, out _)).Take(4).ToList() is { Count: > 0 } picked ? picked : _defaultChips;
        _precisions = PageQuery.List(query, "rp")?.Where(s_rooflinePrecisions.Contains).ToList() is { Count: > 0 } p ? p : s_defaultPrecisions;
        _chartsDark = IsDarkMode;
        Recompute();
    }

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        if (_chartsDark == IsDarkMode) return;
        _chartsDark = IsDarkMode;
        Recompute();
    }

    private void OnInputChanged() => Changed();

    private void OnMicroBatchChanged(int? value)
    {
        _input.MicroBatchSize = value;
        Changed();
    }

    private void OnTensorChanged(int? value)
    {
        _input.Tensor = value;
        Changed();
    }

    private void OnChipsChanged(IReadOnlyList<string> chips)
    {
        _chips = chips;
        Changed();
    }

    private void OnPrecisionsChanged(IEnumerable<string>? values)
    {
        var picked = (values ?? []).ToList();
        _precisions = s_rooflinePrecisions.Where(picked.Contains).ToList();
        Changed();
    }

    private void Changed()
    {
        Recompute();
        WriteUrl();
    }

    private void Recompute()
    {
        var theme = ChartTheme.For(IsDarkMode);
        var errors = PlannerInputValidator.Validate(_input)
            .Where(e => e.Path is "$.parallelism.microBatchSize" or "$.parallelism.tensor" || !e.Path.StartsWith("$.parallelism", StringComparison.Ordinal))
            .ToList();
        _model = null;
        if (errors.Count == 0)
        {
            var resolved = ScenarioResolver.ParseAndResolve(EstimateService.BuildDocument(_input, includeParallelism: false));
            if (resolved.Success) _model = resolved.Scenario!.Model;
            else errors.AddRange(resolved.Errors);
        }
        if (_model is not null && _model.AttentionHeads % _input.Tensor!.Value != 0)
        {
            errors.Add(new ScenarioError(PlannerFields.Tensor.Path, $"TP={_input.Tensor} does not divide {_model.AttentionHeads} attention heads."));
        }
        _errors = errors;

        var chips = _chips.Select(id => ChipDirectory.TryGet(id, out var c) ? c : null).OfType<ChipOption>().ToList();
        var shown = chips.Select(c => new ChipRooflines(c.Spec.Name, _precisions
                .Select(p => PrecisionExtensions.TryParse(p, out var precision) ? RooflineModel.For(c.Spec, precision) : null)
                .OfType<ChipRoofline>().ToList()))
            .ToList();
        PrecisionExtensions.TryParse(_input.Precision, out var training);
        _primaryRoofline = chips.Count > 0 ? RooflineModel.For(chips[0].Spec, training) : null;
        var valid = _model is not null && _errors.Count == 0;
        var tensor = _input.Tensor ?? 1;
        _operations = valid ? RooflineModel.LayerOperations(_model!, _input.MicroBatchSize!.Value, tensor, training) : [];
        _currentTokens = valid ? _input.MicroBatchSize!.Value * (double)_model!.SequenceLength : 0;
        _batch = valid && _primaryRoofline is not null ? RooflineModel.SmallestComputeBoundBatch(_model!, _primaryRoofline, tensor) : null;
        _ridgeRows = chips.SelectMany(c => _precisions
                .Select(p => PrecisionExtensions.TryParse(p, out var precision) ? RooflineModel.For(c.Spec, precision) : null)
                .OfType<ChipRoofline>()
                .Select(r => new RidgeRow(c.Spec.Name, r, valid ? RooflineModel.SmallestComputeBoundBatch(_model!, r, tensor) : null)))
            .ToList();
        _rooflineFigure = RooflineCharts.Roofline(shown, _primaryRoofline, _operations, theme);
        var ridges = chips.Select(c => (Name: c.Id, Roofline: RooflineModel.For(c.Spec, training))).Where(x => x.Roofline is not null)
            .Select(x => (x.Name, x.Roofline!)).ToList();
        _batchFigure = valid
            ? RooflineCharts.BatchIntensity(_model!, tensor, 1, training, ridges, _batch, _currentTokens, theme)
            : null;
    }

    private string? ErrorFor(string path)
    {
        var messages = _errors.Where(e => e.Path == path).Select(e => e.Message).ToList();
        return messages.Count > 0 ? string.Join(" ", messages) : null;
    }

    private void WriteUrl()
    {
        var parameters = PlannerQuery.ToParameters(_input, _defaults);
        parameters["chips"] = PageQuery.Join(_chips, _defaultChips);
        parameters["rp"] = PageQuery.Join(_precisions, s_defaultPrecisions);
        var uri = Navigation.GetUriWithQueryParameters(parameters);
        if (!string.Equals(uri, Navigation.Uri, StringComparison.Ordinal)) Navigation.NavigateTo(uri, new NavigationOptions { ReplaceHistoryEntry = true });
    }

    private sealed record RidgeRow(string Chip, ChipRoofline Roofline, ComputeBoundBatch? Batch);
}
