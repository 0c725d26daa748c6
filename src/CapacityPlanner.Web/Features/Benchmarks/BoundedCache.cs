namespace CapacityPlanner.Web.Features.Benchmarks;

/// <summary>
/// A thread-safe least-recently-used cache bounded by the total weight of its entries (for parsed benchmark documents:
/// the length of their JSON). Adding past the bound evicts the least recently used entries; an entry heavier than the
/// whole bound is not kept.
/// </summary>
public sealed class BoundedCache<TKey, TValue>
    where TKey : notnull
{
    private readonly long _maxWeight;
    private readonly Dictionary<TKey, LinkedListNode<Entry>> _map;
    private readonly LinkedList<Entry> _order = new();
    private readonly Lock _gate = new();
    private long _weight;

    /// <summary>Creates an empty cache holding at most <paramref name="maxWeight"/> in total.</summary>
    public BoundedCache(long maxWeight, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxWeight);
        _maxWeight = maxWeight;
        _map = new Dictionary<TKey, LinkedListNode<Entry>>(comparer);
    }

    /// <summary>Total weight held now (never above the bound).</summary>
    public long Weight
    {
        get
        {
            lock (_gate) return _weight;
        }
    }

    /// <summary>Entries held now.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _map.Count;
        }
    }

    /// <summary>The value, marked as just used; false when absent.</summary>
    public bool TryGetValue(TKey key, out TValue value)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                value = node.Value.Value;
                return true;
            }
        }
        value = default!;
        return false;
    }

    /// <summary>Adds or replaces a value of the given weight, evicting the least recently used entries to stay in bounds.</summary>
    public void Set(TKey key, TValue value, long weight)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        lock (_gate)
        {
            if (_map.Remove(key, out var old))
            {
                _order.Remove(old);
                _weight -= old.Value.Weight;
            }
            if (weight > _maxWeight) return;
            while (_weight + weight > _maxWeight && _order.Last is { } last)
            {
                _order.RemoveLast();
                _map.Remove(last.Value.Key);
                _weight -= last.Value.Weight;
            }
            _map[key] = _order.AddFirst(new Entry(key, value, weight));
            _weight += weight;
        }
    }

    private sealed record Entry(TKey Key, TValue Value, long Weight);
}
