using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// In-process sliding-window feature store: count, sum, min, max, avg and distinct per (feature, entity), bounded in
/// memory, safe for concurrent decisions. See <c>docs/features.md</c> for the exact window definition.
/// </summary>
/// <remarks>
/// <para><b>Window.</b> A feature with window W is split into n buckets of g = ⌊W/n⌋ ms (n = <see
/// cref="FeatureStoreOptions.BucketsPerWindow"/>, or fewer for windows under n ms); an event at time t falls in bucket
/// ⌊t/g⌋. Each key remembers the newest bucket H it has seen. Its window is the buckets (H − n, H]: the aggregate
/// written for an event covers every event observed so far for the key whose bucket is in that window — the current
/// event included, unless it is older than the whole window of the key's newest event. Time is the event's own
/// timestamp; order of arrival does not matter except for that cut-off.</para>
/// <para><b>Layout.</b> All windows one feature list keeps for one entity value (e.g. the four <c>user</c> windows of the
/// default pack) are one record of 64-bit words in a chunked slab (<see cref="FeatureTable"/>): one hash lookup, one
/// lock and a few adjacent cache lines per entity instead of a lookup, a lock and a miss per feature. Nothing is
/// allocated per update once a record exists.</para>
/// <para><b>Memory.</b> Records are spread over lock stripes (shards) by entity hash. Each shard holds at most its share
/// of <see cref="FeatureStoreOptions.MaxTrackedKeys"/> (feature, entity) windows and evicts whole records by CLOCK
/// (approximate LRU); a record idle past its longest window (plus a bucket) is reclaimed as new records arrive and by
/// <see cref="RemoveExpired"/>, which also compacts sparse shards to give memory back.</para>
/// <para><b>Packs.</b> Records are keyed by their layout (entity field + the ordered feature states), so two packs with
/// the same features share them; when a new pack's layout differs, a new record takes the windows of the same feature
/// states over from the entity's older record on first use, so a reload keeps the velocity state it did not change.</para>
/// </remarks>
public sealed class InMemoryFeatureStore : IFeatureStore
{
    private const int MaxCachedPlans = 32;

    private readonly WindowLayout _layout;
    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly long _startTickCount;
    private readonly bool _systemClock;
    private readonly FeatureShard[] _shards;
    private readonly ShardLock[] _locks;
    private readonly int _shardMask;
    private readonly uint _fixedExpirySeconds;
    private readonly List<FeatureTable> _tables = [];
    private readonly Lock _planLock = new();
    private FeaturePlan[] _plans = [];

    /// <summary>Creates a store.</summary>
    /// <param name="options">Capacity, expiry and window shape.</param>
    /// <param name="time">Wall clock for idle expiry (windows follow event time, not this clock).</param>
    public InMemoryFeatureStore(FeatureStoreOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        Options = options;
        _layout = new WindowLayout(options);
        _time = time ?? TimeProvider.System;
        _startTimestamp = _time.GetTimestamp();
        _startTickCount = Environment.TickCount64;
        _systemClock = ReferenceEquals(_time, TimeProvider.System);
        if (options.IdleExpiry is { } idle)
        {
            _fixedExpirySeconds = (uint)Math.Min(int.MaxValue, Math.Ceiling(idle.TotalSeconds));
        }

        var shards = options.Shards ?? DefaultShards(options.MaxTrackedKeys);
        _shardMask = shards - 1;
        _shards = new FeatureShard[shards];
        _locks = new ShardLock[shards];
        var share = options.MaxTrackedKeys / shards;
        var remainder = options.MaxTrackedKeys % shards;
        for (var i = 0; i < shards; i++)
        {
            _shards[i] = new FeatureShard(_layout, share + (i < remainder ? 1 : 0));
        }
    }

    /// <summary>The settings this store was created with.</summary>
    public FeatureStoreOptions Options { get; }

    /// <summary>(Feature, entity) windows currently held. Read without locks: approximate while writers run.</summary>
    public long TrackedKeys
    {
        get
        {
            long total = 0;
            foreach (var shard in _shards)
            {
                total += shard.Count;
            }

            return total;
        }
    }

    /// <summary>Bytes of the arrays the store holds (records, payloads, indexes). Approximate while writers run.</summary>
    public long EstimatedBytes
    {
        get
        {
            long total = (long)_locks.Length * Unsafe.SizeOf<ShardLock>();
            foreach (var shard in _shards)
            {
                total += shard.Bytes;
            }

            return total;
        }
    }

    /// <summary>Windows dropped because a shard was full (whole records, least recently used first, by CLOCK).</summary>
    public long Evictions
    {
        get
        {
            long total = 0;
            foreach (var shard in _shards)
            {
                total += shard.Evictions;
            }

            return total;
        }
    }

    /// <summary>Windows dropped because their record was idle past its expiry.</summary>
    public long Expirations
    {
        get
        {
            long total = 0;
            foreach (var shard in _shards)
            {
                total += shard.Expirations;
            }

            return total;
        }
    }

    /// <summary>Number of lock stripes.</summary>
    public int ShardCount => _shards.Length;

    /// <inheritdoc />
    public void Observe(ReadOnlySpan<FeatureDefinition> features, DecisionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (features.IsEmpty)
        {
            return;
        }

        var plan = PlanFor(features);
        var now = NowSeconds();
        var timestamp = context.TimestampMs;
        var groups = plan.Groups;

        // Per-decision scratch lives in the context, not on the stack: a method with stackalloc and loops is compiled
        // fully optimized at once, without tiering and so without the dynamic PGO the rest of the hot path gets.
        var buckets = context.FeatureScratch(plan.SlotCount, groups.Length, out var hashes, out var heads);
        Prefetch(groups, context, timestamp, buckets, hashes, heads);

        for (var g = 0; g < groups.Length; g++)
        {
            var group = groups[g];
            if (!context.Has(group.By))
            {
                continue;
            }

            var entity = context.GetEntityKey(group.EntityIndex);
            var hash = hashes[g];
            var index = ShardOf(hash);
            var mine = buckets.Slice(group.FirstSlot, group.Inputs.Length);
            ref var gate = ref _locks[index];
            gate.Enter();
            try
            {
                _shards[index].Observe(group, entity, hash, timestamp, mine, now, context);
            }
            finally
            {
                gate.Exit();
            }
        }
    }

    /// <summary>
    /// Starts the cache misses of every entity's record at once instead of one entity after another, and works out
    /// each window's bucket and each entity's hash on the way (the locked pass reuses both). Three rounds: the index
    /// lines of all groups; then the records they point at — their hot lines and the ring word each window will
    /// update; then the first probe of each distinct set. Without it each group costs an index miss, a record miss and
    /// a miss per ring in turn, serialized further by the stripe lock between groups; with it they overlap.
    /// Lock-free and racy by design: these are hints (see <see cref="Slab{T}.Prefetch"/>); the locked lookup that
    /// follows is the real one.
    /// </summary>
    private unsafe void Prefetch(PlanGroup[] groups, DecisionContext context, long timestamp, Span<long> buckets, Span<ulong> hashes, Span<int> heads)
    {
        for (var g = 0; g < groups.Length; g++)
        {
            var group = groups[g];
            if (context.Has(group.By))
            {
                var hash = hashes[g] = EntityHash(context.GetEntityKey(group.EntityIndex));
                _shards[ShardOf(hash)].PeekPart(group.Table)?.PrefetchIndex(hash);
            }
        }

        for (var g = 0; g < groups.Length; g++)
        {
            var group = groups[g];
            var slots = group.Table.Slots;
            var mine = buckets.Slice(group.FirstSlot, slots.Length);
            for (var i = 0; i < slots.Length; i++)
            {
                mine[i] = WindowLayout.BucketOf(timestamp, slots[i].BucketMs);
            }

            heads[g] = -1;
            if (!context.Has(group.By))
            {
                continue;
            }

            var part = _shards[ShardOf(hashes[g])].PeekPart(group.Table);
            var id = heads[g] = part?.Peek(context.GetEntityKey(group.EntityIndex), hashes[g]) ?? -1;
            if (id < 0)
            {
                continue;
            }

            PrefetchRecord(part!.Records.PeekAddress(id), group.Table.HotLines, slots, mine);
        }

        // Third round: distinct sets live out of line; their first probe waits on the record's meta word, which the
        // round above is fetching for every group at once.
        for (var g = 0; g < groups.Length; g++)
        {
            var group = groups[g];
            if (!group.HasDistinct || heads[g] < 0)
            {
                continue;
            }

            var shard = _shards[ShardOf(hashes[g])];
            var part = shard.PeekPart(group.Table);
            if (part is null)
            {
                continue;
            }

            var slots = group.Table.Slots;
            for (var i = 0; i < slots.Length; i++)
            {
                var input = group.Inputs[i];
                if (input.Mode == InputMode.EntityKey && context.Has(input.Of!))
                {
                    shard.PrefetchDistinct(part, heads[g], slots[i], context.GetEntityKey(input.Of!.EntityIndex));
                }
            }
        }
    }

    /// <summary>A record's hot lines and the ring word each window will update (one address lookup for all of them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchRecord(ulong* record, int hotLines, FeatureSlot[] slots, Span<long> buckets)
    {
        if (record == null || !Sse.IsSupported)
        {
            return;
        }

        for (var line = 0; line < hotLines; line++)
        {
            Sse.Prefetch0(record + (line * 8));
        }

        for (var i = 0; i < slots.Length; i++)
        {
            Sse.Prefetch0(record + slots[i].RingWord(buckets[i]));
        }
    }

    /// <summary>
    /// Reads a feature's current aggregate for an entity key (the window of the key's newest event) without adding an
    /// event. False when the key is not tracked.
    /// </summary>
    public bool TryGetValue(FeatureDefinition feature, ulong entityKey, out double value)
    {
        ArgumentNullException.ThrowIfNull(feature);
        var hash = EntityHash(entityKey);
        var index = ShardOf(hash);
        ref var gate = ref _locks[index];
        gate.Enter();
        try
        {
            return _shards[index].TryRead(feature.By.Name, feature.StateId, entityKey, hash, out value);
        }
        finally
        {
            gate.Exit();
        }
    }

    /// <summary>
    /// Drops every record idle past its expiry and compacts shards left mostly empty, returning their memory to the GC.
    /// Call it periodically (the server does, once a minute); new records also reclaim expired slots as they arrive.
    /// </summary>
    /// <returns>How many (feature, entity) windows were dropped.</returns>
    public long RemoveExpired()
    {
        var now = NowSeconds();
        long removed = 0;
        for (var i = 0; i < _shards.Length; i++)
        {
            ref var gate = ref _locks[i];
            gate.Enter();
            try
            {
                var shard = _shards[i];
                removed += shard.RemoveExpired(now);
                var high = shard.HighWater;
                var live = shard.Records;
                if (live == 0 && high > 0)
                {
                    _shards[i] = shard.Empty();
                }
                else if (high >= 1024 && live < high / 4)
                {
                    _shards[i] = shard.Compact();
                }
            }
            finally
            {
                gate.Exit();
            }
        }

        return removed;
    }

    /// <summary>Drops all keys and their memory (the eviction and expiry counters keep counting).</summary>
    public void Clear()
    {
        for (var i = 0; i < _shards.Length; i++)
        {
            ref var gate = ref _locks[i];
            gate.Enter();
            try
            {
                _shards[i] = _shards[i].Empty();
            }
            finally
            {
                gate.Exit();
            }
        }
    }

    /// <summary>The hash of an entity key that picks its stripe (bits 40+) and its index slot (low bits) in every table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong EntityHash(ulong entity) => StableHash.Mix(entity);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ShardOf(ulong hash) => (int)(hash >> 40) & _shardMask;

    /// <summary>The cached plan for a feature list, built on its first use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private FeaturePlan PlanFor(ReadOnlySpan<FeatureDefinition> features)
    {
        foreach (var plan in Volatile.Read(ref _plans))
        {
            if (plan.Matches(features))
            {
                return plan;
            }
        }

        return AddPlan(features);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private FeaturePlan AddPlan(ReadOnlySpan<FeatureDefinition> features)
    {
        lock (_planLock)
        {
            foreach (var plan in _plans)
            {
                if (plan.Matches(features))
                {
                    return plan;
                }
            }

            var groups = new List<PlanGroup>();
            var fields = new List<SchemaField>();
            foreach (var feature in features)
            {
                if (feature.By.EntityIndex >= 0 && !fields.Exists(f => f.Name == feature.By.Name))
                {
                    fields.Add(feature.By);
                }
            }

            foreach (var by in fields)
            {
                var members = new List<FeatureDefinition>();
                foreach (var feature in features)
                {
                    // Two definitions of the same state in one list share one window: the first one owns it.
                    if (feature.By.Name == by.Name && !members.Exists(m => m.StateId == feature.StateId))
                    {
                        members.Add(feature);
                    }
                }

                var table = TableFor(by, members.ToArray());
                var inputs = new PlanInput[members.Count];
                for (var i = 0; i < inputs.Length; i++)
                {
                    inputs[i] = PlanInput.For(members[i]);
                }

                groups.Add(new PlanGroup(by, table, inputs));
            }

            var built = new FeaturePlan(features, [.. groups]);
            var plans = _plans.Length < MaxCachedPlans ? _plans : _plans[1..];
            Volatile.Write(ref _plans, [.. plans, built]);
            return built;
        }
    }

    private FeatureTable TableFor(SchemaField by, FeatureDefinition[] members)
    {
        foreach (var table in _tables)
        {
            if (table.Matches(by.Name, members))
            {
                return table;
            }
        }

        var created = new FeatureTable(_tables.Count, by, members, _layout, _fixedExpirySeconds);
        _tables.Add(created);
        return created;
    }

    private uint NowSeconds()
    {
        // The system clock's path is the hot one: TickCount64 is a cheap monotonic read; a custom provider (tests, a
        // replay clock) goes through its own timestamps.
        var seconds = _systemClock
            ? (Environment.TickCount64 - _startTickCount) / 1000
            : _time.GetElapsedTime(_startTimestamp).Ticks / TimeSpan.TicksPerSecond;
        return (uint)Math.Clamp(seconds, 0, int.MaxValue);
    }

    private static int DefaultShards(int maxKeys)
    {
        // 8 per core keeps two decisions apart on their stripes most of the time (each holds a stripe for tens of ns),
        // and no more: every (stripe, table) pair is a part with its own index and slab objects, which each decision
        // walks before its first prefetch. With 64 stripes on 2 cores those objects no longer stayed in cache
        // (16 stripes: decide 5 % faster, docs/benchmarks.md "Fifth session").
        var wanted = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount * 8, 16, 4096));
        var cap = 1 << BitOperations.Log2((uint)maxKeys);
        return Math.Min(wanted, cap);
    }

    private static void Validate(FeatureStoreOptions options)
    {
        if (options.MaxTrackedKeys < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxTrackedKeys, "MaxTrackedKeys must be at least 1.");
        }

        if (options.BucketsPerWindow is < 1 or > 1024 || !BitOperations.IsPow2(options.BucketsPerWindow))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BucketsPerWindow, "BucketsPerWindow must be a power of two from 1 to 1024.");
        }

        if (options.DistinctExactLimit is < 4 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DistinctExactLimit, "DistinctExactLimit must be from 4 to 1024.");
        }

        if (options.DistinctSketchPrecision is < 4 or > 12)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DistinctSketchPrecision, "DistinctSketchPrecision must be from 4 to 12.");
        }

        if (options.IdleExpiry is { } idle && idle < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), idle, "IdleExpiry must be at least one second.");
        }

        if (options.Shards is { } shards && (shards < 1 || shards > 4096 || !BitOperations.IsPow2(shards) || shards > options.MaxTrackedKeys))
        {
            throw new ArgumentOutOfRangeException(nameof(options), shards, "Shards must be a power of two from 1 to 4096 and at most MaxTrackedKeys.");
        }
    }
}
