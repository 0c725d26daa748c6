using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Core.Estimation;

/// <summary>
/// Costs plans of one scenario without allocating: the hot path of the search, exposed for benchmarks and
/// callers that rank many plans. Not thread-safe (it caches per-layer costs); use one per thread.
/// </summary>
public sealed class PlanEvaluator
{
    private readonly CostContext _context;

    /// <summary>Creates an evaluator for a scenario's model, training and system.</summary>
    public PlanEvaluator(ResolvedScenario scenario, ModelDefaults? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        _context = new CostContext(scenario, defaults ?? ModelDefaults.Standard);
    }

    /// <summary>Step time and its parts for a plan (the plan must pass <see cref="PlanValidator"/>).</summary>
    public StepCost Evaluate(PlanSpec plan) => _context.Evaluate(plan);

    /// <summary>Peak memory per GPU in bytes.</summary>
    public double MemoryBytes(PlanSpec plan) => _context.PeakMemory(plan).Total;
}
