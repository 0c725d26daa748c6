using System.Collections.Concurrent;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Budget;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Web.Features.Budget;

/// <summary>
/// Runs <see cref="ScenarioBudget.Plan(string)"/> (a plan search: tens to hundreds of milliseconds) off the caller's
/// thread, with cancellation, and caches outcomes by document text (the Budget page re-plans every column on every
/// edit; unchanged columns come from the cache).
/// </summary>
public sealed class BudgetService
{
    /// <summary>Outcomes kept before the cache is cleared.</summary>
    public const int CacheCapacity = 256;

    private readonly ConcurrentDictionary<string, BudgetOutcome> _cache = new(StringComparer.Ordinal);

    /// <summary>True when the document's outcome is cached (no planning needed).</summary>
    public bool IsCached(string json) => _cache.ContainsKey(json);

    /// <summary>Plans on the calling thread (cached).</summary>
    public BudgetOutcome Plan(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (_cache.TryGetValue(json, out var cached)) return cached;
        BudgetOutcome outcome;
        try
        {
            outcome = ScenarioBudget.Plan(json);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException or OverflowException or ArithmeticException)
        {
            outcome = new BudgetOutcome(null, [new ScenarioError("$", $"The budget planner could not compute this scenario: {e.Message}")]);
        }
        if (_cache.Count >= CacheCapacity) _cache.Clear();
        _cache[json] = outcome;
        return outcome;
    }

    /// <summary>Plans on the thread pool; a cached outcome returns at once.</summary>
    public Task<BudgetOutcome> PlanAsync(string json, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (_cache.TryGetValue(json, out var cached)) return Task.FromResult(cached);
        return Task.Run(() => Plan(json), cancellationToken);
    }
}
