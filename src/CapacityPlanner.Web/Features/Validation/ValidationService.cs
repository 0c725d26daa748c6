using System.Collections.Concurrent;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Validation;
using CapacityPlanner.Persistence;

namespace CapacityPlanner.Web.Features.Validation;

/// <summary>The shipped validation set run through the model once: the report, its rows and the names to filter by.</summary>
/// <param name="Report">Core's report (per-case results, per-family and overall summaries).</param>
/// <param name="Rows">One row per shipped run, in case order.</param>
public sealed record ShippedValidation(ValidationReport Report, IReadOnlyList<ValidationRow> Rows)
{
    /// <summary>Families, chips and GPU counts present, sorted (the page's filter choices).</summary>
    public IReadOnlyList<string> Families { get; } = [.. Rows.Select(r => r.Family).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>Chip ids present, sorted.</summary>
    public IReadOnlyList<string> Chips { get; } = [.. Rows.Select(r => r.Chip).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>GPU counts present, ascending.</summary>
    public IReadOnlyList<long> GpuCounts { get; } = [.. Rows.Select(r => r.Gpus).Distinct().Order()];
}

/// <summary>
/// Runs the model on the validation set shipped with Core (computed once, on first use, and kept: the set and the model
/// do not change while the app runs) and on users' measured runs (each computed once per stored run, which never
/// changes). Thread-safe; one per app.
/// </summary>
public sealed partial class ValidationService(ILogger<ValidationService> logger)
{
    private readonly Lazy<ShippedValidation> _shipped = new(Compute, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly ConcurrentDictionary<string, ValidationRow> _userRows = new(StringComparer.Ordinal);

    /// <summary>The shipped runs through the model.</summary>
    public ShippedValidation Shipped => _shipped.Value;

    /// <summary>The model on a stored user run (cached by id; a stored run never changes).</summary>
    public ValidationRow Evaluate(SavedMeasuredRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return _userRows.GetOrAdd(run.Id, _ => EvaluateNow(run));
    }

    /// <summary>Forgets a deleted run's cached result.</summary>
    public void Forget(string id) => _userRows.TryRemove(id, out _);

    private ValidationRow EvaluateNow(SavedMeasuredRun run)
    {
        ValidationCase? c = null;
        try
        {
            // Resolving the run's scenario is part of evaluating it (inside the guard, as when the model resolved it).
            c = MeasuredRunInput.ToCase(run);
            return ValidationRow.From(ValidationRunner.Run(c), isUser: true, name: run.Name);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or ArithmeticException or KeyNotFoundException)
        {
            // Core reports invalid plans as errors; reaching this is a model bug. Keep the page alive and say so.
            LogRunFailed(logger, ex, run.Id);
            var failed = new ValidationResult(c ?? MeasuredRunInput.ToCase(run, null, []), null, null, false, "?", 0, "?",
                $"the model could not evaluate this run ({ex.GetType().Name}: {ex.Message})");
            return ValidationRow.From(failed, isUser: true, name: run.Name);
        }
    }

    private static ShippedValidation Compute()
    {
        var report = ValidationSet.RunShipped();
        return new ShippedValidation(report, [.. report.Results.Select(r => ValidationRow.From(r))]);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Evaluating the measured run {Id} failed")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string id);
}
