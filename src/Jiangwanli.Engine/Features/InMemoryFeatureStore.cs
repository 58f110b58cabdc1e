using System.Numerics;
using System.Runtime.CompilerServices;
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
/// <para><b>Memory.</b> Keys are 40-byte structs in chunked slabs with per-kind payload blocks, spread over lock stripes
/// (shards) by hash. Each shard holds at most its share of <see cref="FeatureStoreOptions.MaxTrackedKeys"/> and evicts
/// by CLOCK (approximate LRU); keys idle past their expiry are reclaimed as new keys arrive and by
/// <see cref="RemoveExpired"/>, which also compacts sparse shards to give memory back.</para>
/// <para><b>Concurrency.</b> One short critical section per feature update, under a padded spin lock chosen by key
/// hash; decisions on different keys rarely meet. Nothing is allocated per update once a key exists.</para>
/// </remarks>
public sealed class InMemoryFeatureStore : IFeatureStore
{
    private readonly WindowLayout _layout;
    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly long _startTickCount;
    private readonly bool _systemClock;
    private readonly WindowShard[] _shards;
    private readonly ShardLock[] _locks;
    private readonly int _shardMask;
    private readonly uint _fixedExpirySeconds;

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
        _shards = new WindowShard[shards];
        _locks = new ShardLock[shards];
        var share = options.MaxTrackedKeys / shards;
        var remainder = options.MaxTrackedKeys % shards;
        for (var i = 0; i < shards; i++)
        {
            _shards[i] = new WindowShard(_layout, share + (i < remainder ? 1 : 0));
        }
    }

    /// <summary>The settings this store was created with.</summary>
    public FeatureStoreOptions Options { get; }

    /// <summary>Keys (feature state, entity) currently held. Read without locks: approximate while writers run.</summary>
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

    /// <summary>Bytes of the arrays the store holds (keys, payloads, indexes). Approximate while writers run.</summary>
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

    /// <summary>Keys dropped because a shard was full (least recently used first, by CLOCK).</summary>
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

    /// <summary>Keys dropped because they were idle past their expiry.</summary>
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

        var now = NowSeconds();
        var timestamp = context.TimestampMs;
        foreach (var feature in features)
        {
            var by = feature.By;
            if (by.EntityIndex < 0 || !context.Has(by))
            {
                continue;
            }

            var of = feature.Of;
            var kind = feature.Kind;
            double input = 0;
            ulong valueHash = 0;
            if (of is not null && !context.Has(of))
            {
                continue;
            }

            if (kind == FeatureKind.Distinct)
            {
                if (of is null)
                {
                    continue;
                }

                valueHash = context.HashValue(of);
            }
            else if (kind != FeatureKind.Count)
            {
                if (of is null || of.Type is not (FieldType.Number or FieldType.Timestamp))
                {
                    continue;
                }

                input = context.GetNumber(of.Slot);
            }

            _layout.Geometry(feature.WindowMs, out var buckets, out var bucketMs);
            var bucket = WindowLayout.BucketOf(timestamp, bucketMs);
            var expiresAt = ExpiresAt(now, feature.WindowMs, bucketMs);
            var entity = context.GetEntityKey(by.EntityIndex);
            var hash = WindowShard.KeyHash(feature.StateId, entity);
            var index = ShardOf(hash);
            ref var gate = ref _locks[index];
            double value;
            gate.Enter();
            try
            {
                value = _shards[index].Observe(kind, feature.StateId, entity, hash, bucket, buckets, input, valueHash, expiresAt, now);
            }
            finally
            {
                gate.Exit();
            }

            context.SetFeature(feature.Index, value);
        }
    }

    /// <summary>
    /// Reads a feature's current aggregate for an entity key (the window of the key's newest event) without adding an
    /// event. False when the key is not tracked.
    /// </summary>
    public bool TryGetValue(FeatureDefinition feature, ulong entityKey, out double value)
    {
        ArgumentNullException.ThrowIfNull(feature);
        _layout.Geometry(feature.WindowMs, out var buckets, out _);
        var hash = WindowShard.KeyHash(feature.StateId, entityKey);
        var index = ShardOf(hash);
        ref var gate = ref _locks[index];
        gate.Enter();
        try
        {
            return _shards[index].TryRead(feature.StateId, entityKey, hash, buckets, out value);
        }
        finally
        {
            gate.Exit();
        }
    }

    /// <summary>
    /// Drops every key idle past its expiry and compacts shards left mostly empty, returning their memory to the GC.
    /// Call it periodically (the server does, once a minute); new keys also reclaim expired slots as they arrive.
    /// </summary>
    /// <returns>How many keys were dropped.</returns>
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
                if (shard.Count == 0 && shard.HighWater > 0)
                {
                    _shards[i] = shard.Empty();
                }
                else if (shard.HighWater >= 1024 && shard.Count < shard.HighWater / 4)
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ShardOf(ulong hash) => (int)(hash >> 40) & _shardMask;

    private uint NowSeconds()
    {
        // The system clock's path is the hot one: TickCount64 is a cheap monotonic read; a custom provider (tests, a
        // replay clock) goes through its own timestamps.
        var seconds = _systemClock
            ? (Environment.TickCount64 - _startTickCount) / 1000
            : _time.GetElapsedTime(_startTimestamp).Ticks / TimeSpan.TicksPerSecond;
        return (uint)Math.Clamp(seconds, 0, int.MaxValue);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint ExpiresAt(uint now, long windowMs, long bucketMs)
    {
        var seconds = _fixedExpirySeconds;
        if (seconds == 0)
        {
            // window + one bucket, in seconds rounded up: x/1024 + x/32768 ≥ x/1000, without a division.
            var ms = (ulong)Math.Max(1, windowMs) + (ulong)bucketMs;
            seconds = (uint)Math.Min(int.MaxValue, (ms >> 10) + (ms >> 15) + 1);
        }

        return (uint)Math.Min(uint.MaxValue, (ulong)now + seconds);
    }

    private static int DefaultShards(int maxKeys)
    {
        var wanted = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount * 16, 64, 4096));
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
