using Microsoft.EntityFrameworkCore;

namespace CapacityPlanner.Persistence;

/// <summary>A stored row with an owner (the owner key of whoever saved it: the web app's <c>Caller.OwnerKey</c>; null: nobody).</summary>
public interface IOwnedRow
{
    /// <summary>The owner key; null for rows saved before ownership (read-only until an administrator claims them).</summary>
    string? OwnerHash { get; }
}

/// <summary>Whose rows a list shows.</summary>
/// <param name="OwnerKey">One owner's rows (ignored for the team).</param>
/// <param name="Team">Every signed-in user's rows (the team listing).</param>
/// <param name="IncludeOwnerless">With <paramref name="Team"/>: also the rows owned by nobody (what an administrator may claim).</param>
public sealed record OwnerFilter(string? OwnerKey, bool Team = false, bool IncludeOwnerless = false)
{
    /// <summary>The rows of one owner.</summary>
    public static OwnerFilter Of(string ownerKey) => new(ownerKey);
}

/// <summary>Owner filters and claims on the stores' queries.</summary>
public static class OwnershipQueries
{
    /// <summary>Prefix of the owner keys of signed-in users (owner-secret hashes are plain hex); what the team listing selects.</summary>
    public const string UserKeyPrefix = "u:";

    /// <summary>The rows <paramref name="filter"/> selects.</summary>
    public static IQueryable<T> Where<T>(this IQueryable<T> query, OwnerFilter filter) where T : class, IOwnedRow
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (!filter.Team) return query.Where(x => x.OwnerHash == filter.OwnerKey);
        return filter.IncludeOwnerless
            ? query.Where(x => x.OwnerHash == null || x.OwnerHash.StartsWith(UserKeyPrefix))
            : query.Where(x => x.OwnerHash != null && x.OwnerHash.StartsWith(UserKeyPrefix));
    }

    /// <summary>Gives an ownerless scenario, run or benchmark to <paramref name="ownerKey"/>; false when there is no such ownerless row.</summary>
    public static async Task<bool> ClaimAsync(this IDbContextFactory<CapacityPlannerDbContext> contexts, string kind, string id, string ownerKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        if (!ShortId.IsWellFormed(id)) return false;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var changed = kind switch
        {
            "scenario" => await db.Scenarios.Where(s => s.Id == id && s.OwnerHash == null)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.OwnerHash, ownerKey).SetProperty(s => s.ConcurrencyStamp, Guid.NewGuid()), cancellationToken),
            "run" => await db.MeasuredRuns.Where(r => r.Id == id && r.OwnerHash == null)
                .ExecuteUpdateAsync(u => u.SetProperty(r => r.OwnerHash, ownerKey), cancellationToken),
            "benchmark" => await db.Benchmarks.Where(b => b.Id == id && b.OwnerHash == null)
                .ExecuteUpdateAsync(u => u.SetProperty(b => b.OwnerHash, ownerKey), cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "scenario, run or benchmark"),
        };
        return changed > 0;
    }
}
