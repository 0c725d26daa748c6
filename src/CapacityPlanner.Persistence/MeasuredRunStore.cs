using Microsoft.EntityFrameworkCore;

namespace CapacityPlanner.Persistence;

/// <summary>User-measured training runs (<see cref="SavedMeasuredRun"/>): add, get, list newest first, delete.</summary>
public sealed class MeasuredRunStore(IDbContextFactory<CapacityPlannerDbContext> contexts, TimeProvider time)
{
    /// <summary>Most runs listed.</summary>
    public const int MaxList = 1000;

    /// <summary>Raised after a run was added or deleted (pages refresh their list).</summary>
    public event Action? Changed;

    /// <summary>Stores a run (already validated) under a new id and returns the row (owned by nobody).</summary>
    public Task<SavedMeasuredRun> AddAsync(string name, string scenarioJson, string metric, double measured, string? family, string? notes,
        CancellationToken cancellationToken = default) =>
        AddOwnedAsync(name, scenarioJson, metric, measured, family, notes, null, cancellationToken);

    /// <summary>Like <see cref="AddAsync"/>, owned by <paramref name="ownerHash"/> (an owner key).</summary>
    public async Task<SavedMeasuredRun> AddOwnedAsync(string name, string scenarioJson, string metric, double measured, string? family, string? notes,
        string? ownerHash, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(scenarioJson);
        ArgumentNullException.ThrowIfNull(metric);
        for (var attempt = 1; ; attempt++)
        {
            var entity = new SavedMeasuredRun
            {
                Id = ShortId.New(),
                Name = name,
                ScenarioJson = scenarioJson,
                Metric = metric,
                Measured = measured,
                Family = string.IsNullOrWhiteSpace(family) ? null : family,
                Notes = string.IsNullOrWhiteSpace(notes) ? null : notes,
                CreatedUtc = time.GetUtcNow().UtcDateTime,
                OwnerHash = ownerHash,
            };
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            db.MeasuredRuns.Add(entity);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                Changed?.Invoke();
                return entity;
            }
            catch (DbUpdateException) when (attempt < 5)
            {
                // Only an id collision can make an insert of a fresh row fail here; retry with a new id.
            }
        }
    }

    /// <summary>The run with this id, or null.</summary>
    public async Task<SavedMeasuredRun?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!ShortId.IsWellFormed(id)) return null;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.MeasuredRuns.FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
    }

    /// <summary>Every run (at most <see cref="MaxList"/>), newest first.</summary>
    public Task<IReadOnlyList<SavedMeasuredRun>> ListAsync(CancellationToken cancellationToken = default) => ListAsync(null, cancellationToken);

    /// <summary>The runs <paramref name="owners"/> selects (everyone's when null), newest first, at most <see cref="MaxList"/>.</summary>
    public async Task<IReadOnlyList<SavedMeasuredRun>> ListAsync(OwnerFilter? owners, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = owners is null ? db.MeasuredRuns : db.MeasuredRuns.Where(owners);
        return await query.OrderByDescending(r => r.CreatedUtc).ThenBy(r => r.Id).Take(MaxList).ToListAsync(cancellationToken);
    }

    /// <summary>Deletes the run; false when there is none with this id.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!ShortId.IsWellFormed(id)) return false;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var removed = await db.MeasuredRuns.Where(r => r.Id == id).ExecuteDeleteAsync(cancellationToken);
        if (removed > 0) Changed?.Invoke();
        return removed > 0;
    }
}
