using System.Collections.Concurrent;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Search;
using CapacityPlanner.Web.Shared.Scenario;

namespace CapacityPlanner.Web.Features.Scaling;

/// <summary>One sweep to run: a workload on a chip over a range of cluster sizes.</summary>
/// <param name="Input">The workload and system (its GPU count and plan are ignored: every size is searched).</param>
/// <param name="ChipId">The chip (overrides the input's).</param>
/// <param name="Mode">Strong (fixed global batch) or weak (batch grows with the cluster).</param>
/// <param name="MinGpus">Smallest size.</param>
/// <param name="MaxGpus">Largest size.</param>
public sealed record SweepRequest(PlannerInput Input, string ChipId, ScalingMode Mode, long MinGpus, long MaxGpus);

/// <summary>A finished sweep, or why it could not run.</summary>
/// <param name="ChipId">The chip.</param>
/// <param name="ChipName">Its display name.</param>
/// <param name="Mode">Scaling mode.</param>
/// <param name="Result">The sweep.</param>
/// <param name="Errors">Scenario errors.</param>
public sealed record SweepOutcome(string ChipId, string ChipName, ScalingMode Mode, SweepResult? Result, IReadOnlyList<ScenarioError> Errors)
{
    /// <summary>The resolved scenario the sweep ran (at its smallest size), for per-size follow-ups such as the sites view.</summary>
    public Core.Planning.ResolvedScenario? Scenario { get; init; }
}

/// <summary>
/// Runs <see cref="ScalingSweep"/> in the background (200 ms–1 s each) and caches finished sweeps per scenario,
/// chip, mode and range, so that going back and forth between charts does not search again.
/// </summary>
public sealed class SweepService(EstimateService estimates)
{
    private const int CacheCapacity = 64;
    private readonly ConcurrentDictionary<string, SweepOutcome> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    /// <summary>Runs (or returns the cached) sweep on the thread pool.</summary>
    public Task<SweepOutcome> RunAsync(SweepRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var copy = request with { Input = request.Input.Clone() };
        return Task.Run(() => Run(copy, cancellationToken), cancellationToken);
    }

    /// <summary>True when the sweep is cached (no background work needed).</summary>
    public bool IsCached(SweepRequest request) => Key(request) is { } key && _cache.ContainsKey(key);

    /// <summary>Runs the sweep on the calling thread.</summary>
    public SweepOutcome Run(SweepRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var input = Sized(request);
        var formErrors = PlannerInputValidator.Validate(input).Where(e => !e.Path.StartsWith("$.parallelism", StringComparison.Ordinal)).ToList();
        if (formErrors.Count > 0) return new SweepOutcome(request.ChipId, request.ChipId, request.Mode, null, formErrors);
        var json = estimates.BuildDocument(input, includeParallelism: false);
        var key = KeyFor(json, request);
        if (_cache.TryGetValue(key, out var cached)) return cached;
        var resolved = ScenarioResolver.ParseAndResolve(json);
        if (!resolved.Success) return new SweepOutcome(request.ChipId, request.ChipId, request.Mode, null, resolved.Errors);
        cancellationToken.ThrowIfCancellationRequested();
        var scenario = resolved.Scenario!;
        var result = ScalingSweep.Run(scenario, SearchConstraints.None, ScalingSweep.PowersOfTwo(request.MinGpus, request.MaxGpus), request.Mode);
        var outcome = new SweepOutcome(request.ChipId, scenario.System.Chip.Name, request.Mode, result, []) { Scenario = scenario };
        Remember(key, outcome);
        cancellationToken.ThrowIfCancellationRequested();
        return outcome;
    }

    private static PlannerInput Sized(SweepRequest request)
    {
        var input = request.Input.Clone();
        input.ChipId = request.ChipId;
        input.Gpus = (int)Math.Clamp(request.MinGpus, 1, int.MaxValue);
        return input;
    }

    private string? Key(SweepRequest request)
    {
        var input = Sized(request);
        if (PlannerInputValidator.Validate(input).Any(e => !e.Path.StartsWith("$.parallelism", StringComparison.Ordinal))) return null;
        return KeyFor(estimates.BuildDocument(input, includeParallelism: false), request);
    }

    private static string KeyFor(string json, SweepRequest request) => $"{request.Mode}|{request.MinGpus}|{request.MaxGpus}|{json}";

    private void Remember(string key, SweepOutcome outcome)
    {
        if (!_cache.TryAdd(key, outcome)) return;
        _order.Enqueue(key);
        while (_cache.Count > CacheCapacity && _order.TryDequeue(out var oldest)) _cache.TryRemove(oldest, out _);
    }
}
