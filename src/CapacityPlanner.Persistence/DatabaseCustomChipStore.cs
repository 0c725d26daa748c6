using System.Data.Common;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Contracts.Scenarios;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CapacityPlanner.Persistence;

/// <summary>
/// The custom chips in the database (<see cref="SavedCustomChip"/>), so that they survive restarts and every app
/// instance on one database offers the same chips. <see cref="All"/> and <see cref="TryGet"/> are called while pages
/// render, so they read an in-memory copy of the table, loaded on first use and read again when it is older than
/// <see cref="RefreshInterval"/>; a <see cref="TryGet"/> miss looks the id up in the database at once (a chip another
/// instance has just saved is found without waiting). <see cref="Save"/> and <see cref="Remove"/> write through to the
/// database before they return. Rows whose chip no longer resolves (for example its base chip left the catalog) stay
/// in the table but are left out, with a warning in the log. Thread-safe.
/// </summary>
public sealed partial class DatabaseCustomChipStore : ICustomChipStore
{
    /// <summary>How old the in-memory copy may get before <see cref="All"/> reads the table again.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    private readonly IDbContextFactory<CapacityPlannerDbContext> _contexts;
    private readonly TimeProvider _time;
    private readonly ILogger<DatabaseCustomChipStore> _logger;
    private readonly Lock _loadLock = new();
    private readonly Lock _writeLock = new();
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);
    private Snapshot? _snapshot;

    /// <summary>Creates the store over the app's database.</summary>
    public DatabaseCustomChipStore(IDbContextFactory<CapacityPlannerDbContext> contexts, TimeProvider time, ILogger<DatabaseCustomChipStore> logger)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _contexts = contexts;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc />
    public event Action? Changed;

    /// <inheritdoc />
    public IReadOnlyList<CustomChipDefinition> All => Current().Chips.Select(c => c.Chip.Clone()).ToList();

    /// <inheritdoc />
    public bool TryGet(string id, out CustomChipDefinition chip)
    {
        chip = default!;
        if (string.IsNullOrWhiteSpace(id)) return false;
        var key = Normalize(id);
        var snapshot = Current();
        var found = snapshot.Find(key);
        if (found is null && RowVersion(key) is { } version && !snapshot.Versions.Contains(version))
        {
            // Saved (or changed) by another instance since the last read.
            found = Reload(null, notify: true).Find(key);
        }
        chip = found?.Clone()!;
        return found is not null;
    }

    /// <inheritdoc />
    public bool Save(CustomChipDefinition chip, string? previousId = null)
    {
        ArgumentNullException.ThrowIfNull(chip);
        var copy = chip.Clone();
        copy.Id = copy.Id.Trim();
        if (copy.Id.Length == 0) throw new ArgumentException("A custom chip needs an id.", nameof(chip));
        if (copy.Id.Length > CapacityPlannerDbContext.MaxChipIdLength)
        {
            throw new ArgumentException($"A custom chip id has at most {CapacityPlannerDbContext.MaxChipIdLength} characters.", nameof(chip));
        }
        var json = copy.ToJson();
        var key = Normalize(copy.Id);
        var fromKey = string.IsNullOrWhiteSpace(previousId) ? key : Normalize(previousId);
        bool created;
        // One writer per instance (SQLite would otherwise refuse concurrent upgrades to a write lock); across
        // instances the unique key decides: the insert that loses fails and its next attempt updates the winner's row.
        lock (_writeLock)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    created = Write(copy, json, key, fromKey);
                    break;
                }
                catch (DbUpdateException) when (attempt < 3)
                {
                    // Another instance inserted the same id between our read and our insert: the next attempt updates it.
                }
            }
            Reload(null, notify: false);
        }
        Changed?.Invoke();
        return created;
    }

    /// <inheritdoc />
    public bool Remove(string id)
    {
        if (string.IsNullOrWhiteSpace(id)) return false;
        var key = Normalize(id);
        int removed;
        using (var db = _contexts.CreateDbContext())
        {
            removed = db.CustomChips.Where(c => c.NormalizedId == key).ExecuteDelete();
        }
        Reload(null, notify: false);
        if (removed > 0) Changed?.Invoke();
        return removed > 0;
    }

    /// <summary>Reads the table again now instead of waiting for <see cref="RefreshInterval"/>.</summary>
    public void Refresh() => Reload(null, notify: true);

    // True when the row was inserted (no chip had the id or the previous id).
    private bool Write(CustomChipDefinition chip, string json, string key, string fromKey)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var profile = chip.Profile;
        using var db = _contexts.CreateDbContext();
        using var transaction = db.Database.BeginTransaction();
        var row = db.CustomChips.AsTracking().FirstOrDefault(c => c.NormalizedId == fromKey);
        if (row is null && fromKey != key) row = db.CustomChips.AsTracking().FirstOrDefault(c => c.NormalizedId == key);
        if (row is null)
        {
            db.CustomChips.Add(new SavedCustomChip
            {
                Id = chip.Id,
                NormalizedId = key,
                DefinitionJson = json,
                CreatedUtc = now,
                UpdatedUtc = now,
                ProfileBenchmarkId = profile?.BenchmarkId,
                ProfilePrecision = profile?.Precision.ToId(),
                ProfileIncludeCpu = profile?.IncludeCpuResults,
                ProfileRegisteredUtc = profile?.RegisteredUtc,
                OwnerHash = chip.OwnerHash,    // set once: replacing or renaming keeps the owner
            });
            db.SaveChanges();
        }
        else if (string.Equals(row.Id, chip.Id, StringComparison.Ordinal))
        {
            row.DefinitionJson = json;
            row.UpdatedUtc = now;
            row.ProfileBenchmarkId = profile?.BenchmarkId;
            row.ProfilePrecision = profile?.Precision.ToId();
            row.ProfileIncludeCpu = profile?.IncludeCpuResults;
            row.ProfileRegisteredUtc = profile?.RegisteredUtc;
            db.SaveChanges();
        }
        else
        {
            // A rename changes the key, which a tracked entity cannot: update the row in place with one statement
            // (it keeps its creation time). A different chip already under the new id is replaced, as in memory.
            var oldKey = row.NormalizedId;
            if (oldKey != key) db.CustomChips.Where(c => c.NormalizedId == key).ExecuteDelete();
            db.CustomChips.Where(c => c.NormalizedId == oldKey).ExecuteUpdate(s => s
                .SetProperty(c => c.Id, chip.Id)
                .SetProperty(c => c.NormalizedId, key)
                .SetProperty(c => c.DefinitionJson, json)
                .SetProperty(c => c.UpdatedUtc, now)
                .SetProperty(c => c.ProfileBenchmarkId, profile == null ? null : profile.BenchmarkId)
                .SetProperty(c => c.ProfilePrecision, profile == null ? null : profile.Precision.ToId())
                .SetProperty(c => c.ProfileIncludeCpu, profile == null ? null : profile.IncludeCpuResults)
                .SetProperty(c => c.ProfileRegisteredUtc, profile == null ? null : profile.RegisteredUtc));
        }
        transaction.Commit();
        return row is null;
    }

    private Snapshot Current()
    {
        var snapshot = _snapshot;
        if (snapshot is not null && _time.GetElapsedTime(snapshot.LoadedAt) < RefreshInterval) return snapshot;
        return Reload(snapshot, notify: true);
    }

    // One reader at a time; a caller that waited for a stale copy finds the one another caller has just read. A change
    // found in the table (another instance's save) raises Changed so that open pages redraw their chip lists.
    private Snapshot Reload(Snapshot? stale, bool notify)
    {
        Snapshot? previous;
        Snapshot next;
        lock (_loadLock)
        {
            previous = _snapshot;
            if (stale is not null && previous is not null && !ReferenceEquals(previous, stale)) return previous;
            try
            {
                next = Load();
            }
            catch (Exception ex) when (ex is DbException or InvalidOperationException or TimeoutException)
            {
                // The database is unreachable: keep serving the last copy (pages keep rendering) and try again later.
                LogLoadFailed(_logger, ex.Message, ex);
                next = (previous ?? Snapshot.Empty) with { LoadedAt = _time.GetTimestamp() };
                _snapshot = next;
                return next;
            }
            _snapshot = next;
        }
        if (notify && previous is not null && previous.Signature != next.Signature) Changed?.Invoke();
        return next;
    }

    private Snapshot Load()
    {
        List<SavedCustomChip> rows;
        using (var db = _contexts.CreateDbContext())
        {
            rows = db.CustomChips.OrderBy(c => c.CreatedUtc).ThenBy(c => c.NormalizedId).ToList();
        }
        var chips = new List<(string Key, CustomChipDefinition Chip)>(rows.Count);
        foreach (var row in rows)
        {
            if (Read(row) is { } chip) chips.Add((row.NormalizedId, chip));
        }
        var versions = rows.Select(r => Version(r.NormalizedId, r.UpdatedUtc)).ToHashSet(StringComparer.Ordinal);
        return new Snapshot(chips, versions, string.Join("|", rows.Select(r => Version(r.NormalizedId, r.UpdatedUtc))), _time.GetTimestamp());
    }

    // The row's chip, or null (logged once per row version) when its JSON no longer reads or resolves.
    private CustomChipDefinition? Read(SavedCustomChip row)
    {
        var (chip, errors) = CustomChipDefinition.FromJson(row.DefinitionJson);
        if (chip is not null)
        {
            chip.Id = row.Id;
            var (_, resolveErrors) = InlineChip.Resolve(chip.ToSection());
            errors = resolveErrors;
        }
        if (chip is not null) chip.OwnerHash = row.OwnerHash;
        if (chip is null || errors.Count > 0)
        {
            if (FirstWarning(row, "chip")) LogUnusableRow(_logger, row.Id, string.Join(" ", errors.Select(e => $"{e.Path}: {e.Message}")));
            return null;
        }
        if (row.ProfileBenchmarkId is { } benchmarkId)
        {
            if (PrecisionExtensions.TryParse(row.ProfilePrecision ?? "", out var precision))
            {
                chip.Profile = new CustomChipProfile(benchmarkId, precision, row.ProfileIncludeCpu ?? false, row.ProfileRegisteredUtc ?? row.UpdatedUtc);
            }
            else if (FirstWarning(row, "profile"))
            {
                LogUnusableProfile(_logger, row.Id, row.ProfilePrecision ?? "(none)");
            }
        }
        return chip;
    }

    private bool FirstWarning(SavedCustomChip row, string what)
    {
        lock (_warned) return _warned.Add($"{what}:{Version(row.NormalizedId, row.UpdatedUtc)}");
    }

    // The current version of one row, or null when there is none (one indexed read).
    private string? RowVersion(string key)
    {
        try
        {
            using var db = _contexts.CreateDbContext();
            var updated = db.CustomChips.Where(c => c.NormalizedId == key).Select(c => (DateTime?)c.UpdatedUtc).FirstOrDefault();
            return updated is { } u ? Version(key, u) : null;
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or TimeoutException)
        {
            LogLoadFailed(_logger, ex.Message, ex);
            return null;
        }
    }

    private static string Version(string key, DateTime updatedUtc) => $"{key}@{updatedUtc.Ticks}";

    /// <summary>The key ids are compared by (lower case, invariant culture).</summary>
    public static string Normalize(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.Trim().ToLowerInvariant();
    }

    private sealed record Snapshot(
        IReadOnlyList<(string Key, CustomChipDefinition Chip)> Chips,
        IReadOnlySet<string> Versions,
        string Signature,
        long LoadedAt)
    {
        public static Snapshot Empty { get; } = new([], new HashSet<string>(), "", 0);

        public CustomChipDefinition? Find(string key)
        {
            foreach (var (k, chip) in Chips)
            {
                if (k == key) return chip;
            }
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Custom chip \"{Id}\" is stored but no longer resolves and is left out of the chip lists (the row is kept): {Errors}")]
    private static partial void LogUnusableRow(ILogger logger, string id, string errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Custom chip \"{Id}\" has a calibration profile with an unknown precision \"{Precision}\"; the chip is listed without its profile.")]
    private static partial void LogUnusableProfile(ILogger logger, string id, string precision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the custom chips from the database ({Reason}); the last copy read stays in use.")]
    private static partial void LogLoadFailed(ILogger logger, string reason, Exception exception);
}
