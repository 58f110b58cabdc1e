using System.Numerics;
using System.Runtime.CompilerServices;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// One lock stripe of an <see cref="InMemoryFeatureStore"/>: a chained hash index over <see cref="WindowEntry"/>
/// structs, per-kind payload slabs, and a CLOCK hand for eviction. Holds at most <see cref="Capacity"/> keys.
/// Not thread-safe: every member except the counters is called under the shard's <see cref="ShardLock"/>.
/// </summary>
/// <remarks>
/// Payload blocks (N = buckets per window, ring slot of bucket b is b mod n):
/// <code>
/// count      uint[N + 1]      [total, c0 .. cN-1]         running total kept exact by subtracting cleared buckets
/// sum/min/max double[N]       [v0 .. vN-1]                empty bucket = 0 / +inf / -inf; read folds n slots (SIMD)
/// avg        double[2N]       [s0 .. sN-1, k0 .. kN-1]    sums, then counts
/// distinct   ulong[2c]        [hash0, bucket0, ...]       exact tier of capacity c (4, 16, 64 ...)
///            byte[N·m + m + 24] N rows of m = 2^p registers sliding HyperLogLog, once a window holds &gt; limit values
///                             + merged row and its sum    (see <see cref="SlidingHyperLogLog"/>)
/// </code>
/// </remarks>
internal sealed partial class WindowShard
{
    private const int InitialChains = 16;

    private readonly WindowLayout _layout;
    private readonly Slab<WindowEntry> _entries = new(1);
    private readonly Slab<ulong>?[] _exact;
    private int[] _chains = new int[InitialChains];
    private Slab<uint>? _counts;
    private Slab<double>? _values;
    private Slab<double>? _averages;
    private Slab<byte>? _sketches;
    private int _count;
    private int _clockHand;
    private int _sweepHand;
    private long _evictions;
    private long _expirations;

    public WindowShard(WindowLayout layout, int capacity)
    {
        _layout = layout;
        Capacity = capacity;
        _exact = new Slab<ulong>?[layout.TierCapacities.Length];
    }

    /// <summary>Most keys this shard holds.</summary>
    public int Capacity { get; }

    /// <summary>Keys held; readable without the lock (approximate while writers run).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Keys evicted to stay within <see cref="Capacity"/>.</summary>
    public long Evictions => Volatile.Read(ref _evictions);

    /// <summary>Keys dropped because they were idle past their expiry.</summary>
    public long Expirations => Volatile.Read(ref _expirations);

    /// <summary>Entry slots ever used (live or free); compaction is worth it when far above <see cref="Count"/>.</summary>
    public int HighWater => _entries.HighWater;

    /// <summary>Bytes of all arrays this shard holds (approximate when read without the lock).</summary>
    public long Bytes
    {
        get
        {
            var bytes = _entries.Bytes + (_chains.Length * (long)sizeof(int)) + 256;
            bytes += (_counts?.Bytes ?? 0) + (_values?.Bytes ?? 0) + (_averages?.Bytes ?? 0) + (_sketches?.Bytes ?? 0);
            foreach (var tier in _exact)
            {
                bytes += tier?.Bytes ?? 0;
            }

            return bytes;
        }
    }

    /// <summary>Mixes a (state, entity) pair into the hash that picks the shard (bits 40+) and the chain (low bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong KeyHash(ulong stateId, ulong entity) => StableHash.Mix(entity ^ BitOperations.RotateLeft(stateId, 31));

    /// <summary>Adds one event to a key's window (creating the key if needed) and returns the aggregate.</summary>
    /// <param name="kind">The feature's aggregate.</param>
    /// <param name="stateId">The feature's state identity.</param>
    /// <param name="entity">The entity key.</param>
    /// <param name="hash"><see cref="KeyHash"/> of the two.</param>
    /// <param name="bucket">The event's bucket number, ⌊t / g⌋.</param>
    /// <param name="n">Buckets in this feature's window (a power of two ≤ N).</param>
    /// <param name="input">The number aggregated (sum, min, max, avg).</param>
    /// <param name="valueHash">The value's hash (distinct).</param>
    /// <param name="expiresAt">Store second after which the key may be dropped as idle.</param>
    /// <param name="now">Current store second.</param>
    public double Observe(FeatureKind kind, ulong stateId, ulong entity, ulong hash, long bucket, int n, double input, ulong valueHash, uint expiresAt, uint now)
    {
        var id = Find(stateId, entity, hash);
        if (id >= 0)
        {
            // Second chance for keys used again; new keys start unreferenced so a scan of one-off keys evicts them first.
            _entries.Ref(id).Flags |= WindowEntry.Referenced;
        }
        else
        {
            id = Insert(kind, stateId, entity, hash, bucket, now);
        }

        ref var e = ref _entries.Ref(id);
        e.ExpiresAt = expiresAt;
        return kind switch
        {
            FeatureKind.Count => ObserveCount(ref e, bucket, n),
            FeatureKind.Avg => ObserveAverage(ref e, bucket, n, input),
            FeatureKind.Distinct => ObserveDistinct(ref e, bucket, n, valueHash),
            _ => ObserveValue(ref e, kind, bucket, n, input),
        };
    }

    /// <summary>Reads a key's aggregate over its current window without adding anything.</summary>
    public bool TryRead(ulong stateId, ulong entity, ulong hash, int n, out double value)
    {
        var id = Find(stateId, entity, hash);
        if (id < 0)
        {
            value = 0;
            return false;
        }

        ref var e = ref _entries.Ref(id);
        value = (FeatureKind)e.Kind switch
        {
            FeatureKind.Count => _counts!.Get(e.Payload)[0],
            FeatureKind.Avg => ReadAverage(_averages!.Get(e.Payload), n),
            FeatureKind.Distinct => ReadDistinct(ref e, n),
            var kind => ReadValue(_values!.Get(e.Payload)[..n], kind),
        };
        return true;
    }

    /// <summary>Drops every key idle past its expiry; returns how many.</summary>
    public int RemoveExpired(uint now)
    {
        var removed = 0;
        var high = _entries.HighWater;
        for (var id = 0; id < high; id++)
        {
            ref var e = ref _entries.Ref(id);
            if (e.Kind != WindowEntry.FreeKind && now > e.ExpiresAt)
            {
                Remove(id);
                removed++;
            }
        }

        _expirations += removed;
        return removed;
    }

    /// <summary>A copy holding only the live keys, in arrays sized for them; the counters carry over.</summary>
    public WindowShard Compact()
    {
        var target = new WindowShard(_layout, Capacity) { _evictions = _evictions, _expirations = _expirations };
        var high = _entries.HighWater;
        for (var id = 0; id < high; id++)
        {
            ref var e = ref _entries.Ref(id);
            if (e.Kind != WindowEntry.FreeKind)
            {
                target.CopyFrom(this, ref e);
            }
        }

        return target;
    }

    /// <summary>An empty shard with the same capacity; the counters carry over.</summary>
    public WindowShard Empty() => new(_layout, Capacity) { _evictions = _evictions, _expirations = _expirations };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Find(ulong stateId, ulong entity, ulong hash)
    {
        var link = _chains[(int)hash & (_chains.Length - 1)];
        while (link != 0)
        {
            ref var e = ref _entries.Ref(link - 1);
            if (e.Entity == entity && e.StateId == stateId)
            {
                return link - 1;
            }

            link = e.Next;
        }

        return -1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int Insert(FeatureKind kind, ulong stateId, ulong entity, ulong hash, long bucket, uint now)
    {
        if (_count >= Capacity)
        {
            EvictOne(now);
        }
        else
        {
            // Reclaim a little as we go, so idle keys give their slots to new ones without a full sweep.
            SweepExpired(now, 2);
        }

        var id = _entries.Allocate();
        ref var e = ref _entries.Ref(id);
        e = default;
        e.StateId = stateId;
        e.Entity = entity;
        e.Head = bucket;
        e.Kind = (byte)kind;
        e.Payload = AllocatePayload(kind);
        Link(id, hash);
        return id;
    }

    private void Link(int id, ulong hash)
    {
        ref var head = ref _chains[(int)hash & (_chains.Length - 1)];
        _entries.Ref(id).Next = head;
        head = id + 1;
        Volatile.Write(ref _count, _count + 1);
        if (_count > _chains.Length)
        {
            GrowChains();
        }
    }

    private void GrowChains()
    {
        var chains = new int[_chains.Length * 2];
        var mask = chains.Length - 1;
        var high = _entries.HighWater;
        for (var id = 0; id < high; id++)
        {
            ref var e = ref _entries.Ref(id);
            if (e.Kind != WindowEntry.FreeKind)
            {
                ref var head = ref chains[(int)KeyHash(e.StateId, e.Entity) & mask];
                e.Next = head;
                head = id + 1;
            }
        }

        _chains = chains;
    }

    /// <summary>CLOCK: the hand clears reference bits until it finds an unreferenced (or expired) key, and drops it.</summary>
    private void EvictOne(uint now)
    {
        var high = _entries.HighWater;
        for (var step = 0; step <= 2 * high; step++)
        {
            if (_clockHand >= high)
            {
                _clockHand = 0;
            }

            var id = _clockHand++;
            ref var e = ref _entries.Ref(id);
            if (e.Kind == WindowEntry.FreeKind)
            {
                continue;
            }

            if (now > e.ExpiresAt)
            {
                Remove(id);
                _expirations++;
                return;
            }

            if ((e.Flags & WindowEntry.Referenced) != 0)
            {
                e.Flags &= unchecked((byte)~WindowEntry.Referenced);
                continue;
            }

            Remove(id);
            Volatile.Write(ref _evictions, _evictions + 1);
            return;
        }
    }

    private void SweepExpired(uint now, int steps)
    {
        var high = _entries.HighWater;
        for (var step = 0; step < steps && high > 0; step++)
        {
            if (_sweepHand >= high)
            {
                _sweepHand = 0;
            }

            var id = _sweepHand++;
            ref var e = ref _entries.Ref(id);
            if (e.Kind != WindowEntry.FreeKind && now > e.ExpiresAt)
            {
                Remove(id);
                _expirations++;
            }
        }
    }

    private void Remove(int id)
    {
        ref var e = ref _entries.Ref(id);
        ref var link = ref _chains[(int)KeyHash(e.StateId, e.Entity) & (_chains.Length - 1)];
        while (link != 0)
        {
            if (link - 1 == id)
            {
                link = e.Next;
                break;
            }

            link = ref _entries.Ref(link - 1).Next;
        }

        FreePayload(ref e);
        e.Kind = WindowEntry.FreeKind;
        e.Next = 0;
        e.Flags = 0;
        _entries.Free(id);
        Volatile.Write(ref _count, _count - 1);
    }

    private int AllocatePayload(FeatureKind kind)
    {
        var buckets = _layout.Buckets;
        int slot;
        switch (kind)
        {
            case FeatureKind.Count:
                _counts ??= new Slab<uint>(buckets + 1);
                slot = _counts.Allocate();
                _counts.Get(slot).Clear();
                return slot;
            case FeatureKind.Avg:
                _averages ??= new Slab<double>(2 * buckets);
                slot = _averages.Allocate();
                _averages.Get(slot).Clear();
                return slot;
            case FeatureKind.Distinct:
                return AllocateExact(0);
            default:
                _values ??= new Slab<double>(buckets);
                slot = _values.Allocate();
                _values.Get(slot).Fill(Identity(kind));
                return slot;
        }
    }

    private int AllocateExact(int tier) => (_exact[tier] ??= new Slab<ulong>(2 * _layout.TierCapacities[tier])).Allocate();

    private void FreePayload(ref WindowEntry e)
    {
        switch ((FeatureKind)e.Kind)
        {
            case FeatureKind.Count:
                _counts!.Free(e.Payload);
                break;
            case FeatureKind.Avg:
                _averages!.Free(e.Payload);
                break;
            case FeatureKind.Distinct when (e.Flags & WindowEntry.Sketch) != 0:
                _sketches!.Free(e.Payload);
                break;
            case FeatureKind.Distinct:
                _exact[e.Tier]!.Free(e.Payload);
                break;
            default:
                _values!.Free(e.Payload);
                break;
        }
    }

    private void CopyFrom(WindowShard source, ref WindowEntry from)
    {
        var id = _entries.Allocate();
        ref var e = ref _entries.Ref(id);
        e = from;
        switch ((FeatureKind)e.Kind)
        {
            case FeatureKind.Count:
                _counts ??= new Slab<uint>(_layout.Buckets + 1);
                e.Payload = _counts.Allocate();
                source._counts!.Get(from.Payload).CopyTo(_counts.Get(e.Payload));
                break;
            case FeatureKind.Avg:
                _averages ??= new Slab<double>(2 * _layout.Buckets);
                e.Payload = _averages.Allocate();
                source._averages!.Get(from.Payload).CopyTo(_averages.Get(e.Payload));
                break;
            case FeatureKind.Distinct when (e.Flags & WindowEntry.Sketch) != 0:
                _sketches ??= new Slab<byte>(_layout.SketchBytes);
                e.Payload = _sketches.Allocate();
                source._sketches!.Get(from.Payload).CopyTo(_sketches.Get(e.Payload));
                break;
            case FeatureKind.Distinct:
                e.Payload = AllocateExact(e.Tier);
                source._exact[e.Tier]!.Get(from.Payload).CopyTo(_exact[e.Tier]!.Get(e.Payload));
                break;
            default:
                _values ??= new Slab<double>(_layout.Buckets);
                e.Payload = _values.Allocate();
                source._values!.Get(from.Payload).CopyTo(_values.Get(e.Payload));
                break;
        }

        Link(id, KeyHash(e.StateId, e.Entity));
    }
}
