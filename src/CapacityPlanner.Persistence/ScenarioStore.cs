using Microsoft.EntityFrameworkCore;

namespace CapacityPlanner.Persistence;

/// <summary>One page of a list.</summary>
/// <typeparam name="T">Item type.</typeparam>
/// <param name="Items">Items on this page.</param>
/// <param name="Page">1-based page number.</param>
/// <param name="PageSize">Items per page.</param>
/// <param name="Total">Items on all pages.</param>
public sealed record PagedList<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);

/// <summary>Paging arithmetic shared by the stores.</summary>
public static class Paging
{
    /// <summary>Rows before page <paramref name="page"/> (from 1) of <paramref name="pageSize"/> rows, in 64 bits and capped
    /// at <see cref="int.MaxValue"/>: a page far beyond the last is empty, never a wrap-around to the first.</summary>
    public static int Offset(int page, int pageSize) => (int)Math.Min(int.MaxValue, (Math.Max(1L, page) - 1) * pageSize);
}

/// <summary>
/// Saved scenarios: save (an immutable snapshot under a new id), get, list (newest first, paged), rename, duplicate,
/// delete (soft: <see cref="SavedScenario.DeletedUtc"/>) and restore (undo). Every call uses its own short-lived
/// context, so the store is safe to share between requests and Blazor circuits. Concurrent saves never collide (each
/// is an insert under a fresh random id); renames, deletes and restores are single conditional UPDATEs that bump
/// <see cref="SavedScenario.ConcurrencyStamp"/>, so concurrent ones apply one after another (the last rename wins).
/// </summary>
public sealed class ScenarioStore(IDbContextFactory<CapacityPlannerDbContext> contexts, TimeProvider time)
{
    /// <summary>Largest page size of <see cref="ListAsync"/>.</summary>
    public const int MaxPageSize = 100;

    private const int Attempts = 5;

    /// <summary>Stores a snapshot under a new id and returns it (owned by nobody).</summary>
    public Task<SavedScenario> SaveAsync(ScenarioSnapshot snapshot, CancellationToken cancellationToken = default) =>
        SaveOwnedAsync(snapshot, null, cancellationToken);

    /// <summary>Stores a snapshot under a new id, owned by the holder of the secret hashed as <paramref name="ownerHash"/>.</summary>
    public async Task<SavedScenario> SaveOwnedAsync(ScenarioSnapshot snapshot, string? ownerHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var now = Now();
        return await InsertAsync(id => new SavedScenario
        {
            Id = id,
            Name = snapshot.Name,
            ScenarioJson = snapshot.ScenarioJson,
            PageSettingsJson = snapshot.PageSettingsJson,
            ModelLabel = snapshot.ModelLabel,
            ChipId = snapshot.ChipId,
            Gpus = snapshot.Gpus,
            Feasible = snapshot.Estimate.Feasible,
            StepTimeSeconds = Finite(snapshot.Estimate.StepTimeSeconds),
            TokensPerSecond = Finite(snapshot.Estimate.TokensPerSecond),
            Mfu = Finite(snapshot.Estimate.Mfu),
            CreatedUtc = now,
            UpdatedUtc = now,
            ConcurrencyStamp = Guid.NewGuid(),
            OwnerHash = ownerHash,
        }, cancellationToken);
    }

    /// <summary>The scenario with this id; null when there is none (or it is deleted, unless asked for).</summary>
    public async Task<SavedScenario?> GetAsync(string id, bool includeDeleted = false, CancellationToken cancellationToken = default)
    {
        if (!ShortId.IsWellFormed(id)) return null;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var found = await db.Scenarios.FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        return found is null || (found.DeletedUtc is not null && !includeDeleted) ? null : found;
    }

    /// <summary>Live scenarios (or, with <paramref name="deleted"/>, the deleted ones), newest first.</summary>
    public Task<PagedList<SavedScenario>> ListAsync(int page = 1, int pageSize = 20, bool deleted = false, CancellationToken cancellationToken = default) =>
        ListOwnedAsync(null, page, pageSize, deleted, cancellationToken);

    /// <summary>Like <see cref="ListAsync"/>, but only the scenarios of one owner (all when <paramref name="ownerHash"/> is null).</summary>
    public Task<PagedList<SavedScenario>> ListOwnedAsync(string? ownerHash, int page = 1, int pageSize = 20, bool deleted = false, CancellationToken cancellationToken = default) =>
        ListAsync(ownerHash is null ? null : OwnerFilter.Of(ownerHash), page, pageSize, deleted, cancellationToken);

    /// <summary>Like <see cref="ListAsync(int, int, bool, CancellationToken)"/>, the rows <paramref name="owners"/> selects (all when null).</summary>
    public async Task<PagedList<SavedScenario>> ListAsync(OwnerFilter? owners, int page = 1, int pageSize = 20, bool deleted = false, CancellationToken cancellationToken = default)
    {
        page = Math.Max(1, page);
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = deleted ? db.Scenarios.Where(s => s.DeletedUtc != null) : db.Scenarios.Where(s => s.DeletedUtc == null);
        if (owners is not null) query = query.Where(owners);
        var total = await query.CountAsync(cancellationToken);
        var items = await query
            .OrderByDescending(s => s.CreatedUtc).ThenBy(s => s.Id)
            .Skip(Paging.Offset(page, pageSize)).Take(pageSize)
            .ToListAsync(cancellationToken);
        return new PagedList<SavedScenario>(items, page, pageSize, total);
    }

    /// <summary>Renames a live scenario; null when there is no such scenario.</summary>
    public async Task<SavedScenario?> RenameAsync(string id, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var trimmed = name.Trim();
        if (SavedText.NameProblem(trimmed) is { } problem) throw new ArgumentException("The name " + problem, nameof(name));
        if (!ShortId.IsWellFormed(id)) return null;
        var now = Now();
        var stamp = Guid.NewGuid();
        return await UpdateAsync(id, db => db.Scenarios
            .Where(s => s.Id == id && s.DeletedUtc == null)
            .ExecuteUpdateAsync(u => u
                .SetProperty(s => s.Name, trimmed)
                .SetProperty(s => s.UpdatedUtc, now)
                .SetProperty(s => s.ConcurrencyStamp, stamp), cancellationToken), cancellationToken);
    }

    /// <summary>Soft-deletes a live scenario (undo with <see cref="RestoreAsync"/>); null when there is no such live scenario.</summary>
    public async Task<SavedScenario?> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!ShortId.IsWellFormed(id)) return null;
        var now = Now();
        var stamp = Guid.NewGuid();
        return await UpdateAsync(id, db => db.Scenarios
            .Where(s => s.Id == id && s.DeletedUtc == null)
            .ExecuteUpdateAsync(u => u
                .SetProperty(s => s.DeletedUtc, now)
                .SetProperty(s => s.UpdatedUtc, now)
                .SetProperty(s => s.ConcurrencyStamp, stamp), cancellationToken), cancellationToken);
    }

    /// <summary>Undoes a delete; null when there is no such deleted scenario.</summary>
    public async Task<SavedScenario?> RestoreAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!ShortId.IsWellFormed(id)) return null;
        var now = Now();
        var stamp = Guid.NewGuid();
        return await UpdateAsync(id, db => db.Scenarios
            .Where(s => s.Id == id && s.DeletedUtc != null)
            .ExecuteUpdateAsync(u => u
                .SetProperty(s => s.DeletedUtc, (DateTime?)null)
                .SetProperty(s => s.UpdatedUtc, now)
                .SetProperty(s => s.ConcurrencyStamp, stamp), cancellationToken), cancellationToken);
    }

    /// <summary>Copies a live scenario (document, page settings, results) under a new id and name; null when there is no such scenario.</summary>
    public Task<SavedScenario?> DuplicateAsync(string id, string? name = null, CancellationToken cancellationToken = default) =>
        DuplicateOwnedAsync(id, name, null, cancellationToken);

    /// <summary>Like <see cref="DuplicateAsync"/>; the copy belongs to <paramref name="ownerHash"/>'s holder (anyone may copy).</summary>
    public async Task<SavedScenario?> DuplicateOwnedAsync(string id, string? name, string? ownerHash, CancellationToken cancellationToken = default)
    {
        var source = await GetAsync(id, cancellationToken: cancellationToken);
        if (source is null) return null;
        var newName = string.IsNullOrWhiteSpace(name) ? "Copy of " + source.Name : name.Trim();
        if (newName.Length > CapacityPlannerDbContext.MaxNameLength) newName = newName[..CapacityPlannerDbContext.MaxNameLength];
        if (SavedText.NameProblem(newName) is { } problem) throw new ArgumentException("The name " + problem, nameof(name));
        var now = Now();
        return await InsertAsync(newId => new SavedScenario
        {
            Id = newId,
            Name = newName,
            ScenarioJson = source.ScenarioJson,
            PageSettingsJson = source.PageSettingsJson,
            ModelLabel = source.ModelLabel,
            ChipId = source.ChipId,
            Gpus = source.Gpus,
            Feasible = source.Feasible,
            StepTimeSeconds = source.StepTimeSeconds,
            TokensPerSecond = source.TokensPerSecond,
            Mfu = source.Mfu,
            DuplicatedFromId = source.Id,
            CreatedUtc = now,
            UpdatedUtc = now,
            ConcurrencyStamp = Guid.NewGuid(),
            OwnerHash = ownerHash,
        }, cancellationToken);
    }

    private async Task<SavedScenario> InsertAsync(Func<string, SavedScenario> create, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var entity = create(ShortId.New());
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            db.Scenarios.Add(entity);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return entity;
            }
            catch (DbUpdateException) when (attempt < Attempts)
            {
                // Only an id collision is worth another try (59 random bits make it astronomically rare).
                if (!await IdTakenAsync(entity.Id, cancellationToken)) throw;
            }
        }
    }

    private async Task<bool> IdTakenAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Scenarios.AnyAsync(s => s.Id == id, cancellationToken);
    }

    /// <summary>
    /// One conditional UPDATE (the condition is the state check, so concurrent changes cannot interleave between a
    /// read and a write), then the row as it is now; null when the condition matched no row.
    /// </summary>
    private async Task<SavedScenario?> UpdateAsync(string id, Func<CapacityPlannerDbContext, Task<int>> update, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await update(db) == 0) return null;
        return await db.Scenarios.FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
    }

    private DateTime Now() => time.GetUtcNow().UtcDateTime;

    private static double? Finite(double? v) => v is { } x && double.IsFinite(x) ? x : null;
}
