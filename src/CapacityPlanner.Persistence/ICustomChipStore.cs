namespace CapacityPlanner.Persistence;

/// <summary>
/// Where user-defined chips live, shared by every page and tab. The app keeps them in its database
/// (<c>DatabaseCustomChipStore</c>, registered by <c>AddCapacityPlannerPersistence</c>), so they survive restarts and
/// every instance on one database sees them; a host without a database gets <see cref="InMemoryCustomChipStore"/>.
/// <see cref="All"/> and <see cref="TryGet"/> are called while pages render and must answer from memory.
/// </summary>
public interface ICustomChipStore
{
    /// <summary>Every custom chip in the order it was added.</summary>
    IReadOnlyList<CustomChipDefinition> All { get; }

    /// <summary>Looks a custom chip up by id (case-insensitive).</summary>
    bool TryGet(string id, out CustomChipDefinition chip);

    /// <summary>
    /// Adds or replaces a chip; <paramref name="previousId"/> renames an existing one. True when this call created the
    /// chip (no chip had its id or <paramref name="previousId"/>), false when it replaced one: of concurrent saves of a
    /// new id, exactly one returns true.
    /// </summary>
    bool Save(CustomChipDefinition chip, string? previousId = null);

    /// <summary>Removes a chip; false when there was none.</summary>
    bool Remove(string id);

    /// <summary>Raised after every change.</summary>
    event Action? Changed;
}

/// <summary>
/// The in-memory <see cref="ICustomChipStore"/> (thread-safe; stores copies; lost on restart): for hosts without a
/// database, such as component tests.
/// </summary>
public sealed class InMemoryCustomChipStore : ICustomChipStore
{
    private readonly Lock _lock = new();
    private readonly List<CustomChipDefinition> _chips = [];

    /// <inheritdoc />
    public event Action? Changed;

    /// <inheritdoc />
    public IReadOnlyList<CustomChipDefinition> All
    {
        get
        {
            lock (_lock) return _chips.Select(c => c.Clone()).ToList();
        }
    }

    /// <inheritdoc />
    public bool TryGet(string id, out CustomChipDefinition chip)
    {
        lock (_lock)
        {
            var found = _chips.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase));
            chip = found?.Clone()!;
            return found is not null;
        }
    }

    /// <inheritdoc />
    public bool Save(CustomChipDefinition chip, string? previousId = null)
    {
        ArgumentNullException.ThrowIfNull(chip);
        bool created;
        lock (_lock)
        {
            var index = _chips.FindIndex(c => string.Equals(c.Id, previousId ?? chip.Id, StringComparison.OrdinalIgnoreCase));
            if (index < 0) index = _chips.FindIndex(c => string.Equals(c.Id, chip.Id, StringComparison.OrdinalIgnoreCase));
            created = index < 0;
            if (index >= 0) _chips[index] = chip.Clone();
            else _chips.Add(chip.Clone());
        }
        Changed?.Invoke();
        return created;
    }

    /// <inheritdoc />
    public bool Remove(string id)
    {
        bool removed;
        lock (_lock)
        {
            removed = _chips.RemoveAll(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase)) > 0;
        }
        if (removed) Changed?.Invoke();
        return removed;
    }
}
