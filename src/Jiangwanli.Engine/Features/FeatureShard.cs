using System.Runtime.CompilerServices;
using Jiangwanli.Engine.Events;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// One lock stripe of an <see cref="InMemoryFeatureStore"/>: the records of every table whose entity hashes here,
/// the out-of-line distinct payloads, and the key budget with CLOCK eviction. Not thread-safe: every member except the
/// counters is called under the stripe's <see cref="ShardLock"/>.
/// </summary>
/// <remarks>
/// "Keys" are (feature, entity) windows, as the store's options count them: a record of a table with k slots is k keys.
/// Records of all tables for one entity value share this stripe (the stripe is chosen by the entity alone), so when a
/// new pack's layout differs, the new record takes over the windows of an older one under the same lock.
/// </remarks>
internal sealed partial class FeatureShard
{
    private readonly WindowLayout _layout;
    private readonly Slab<ulong>?[] _exact;
    private RecordPart?[] _parts = [];
    private Slab<byte>? _sketches;
    private int _keys;
    private long _evictions;
    private long _expirations;

    public FeatureShard(WindowLayout layout, int capacity)
    {
        _layout = layout;
        Capacity = capacity;
        _exact = new Slab<ulong>?[layout.TierCapacities.Length];
    }

    /// <summary>Most keys this shard holds.</summary>
    public int Capacity { get; }

    /// <summary>Keys held; readable without the lock (approximate while writers run).</summary>
    public int Count => Volatile.Read(ref _keys);

    /// <summary>Keys evicted to stay within <see cref="Capacity"/>.</summary>
    public long Evictions => Volatile.Read(ref _evictions);

    /// <summary>Keys dropped because they were idle past their expiry.</summary>
    public long Expirations => Volatile.Read(ref _expirations);

    /// <summary>Record slots ever used across tables; compaction pays when far above the live records.</summary>
    public int HighWater
    {
        get
        {
            var high = 0;
            foreach (var part in _parts)
            {
                high += part?.Records.HighWater ?? 0;
            }

            return high;
        }
    }

    /// <summary>Live records across tables.</summary>
    public int Records
    {
        get
        {
            var live = 0;
            foreach (var part in _parts)
            {
                live += part?.Count ?? 0;
            }

            return live;
        }
    }

    /// <summary>Bytes of all arrays this shard holds (approximate when read without the lock).</summary>
    public long Bytes
    {
        get
        {
            long bytes = 256 + (_parts.Length * 8L) + (_sketches?.Bytes ?? 0);
            foreach (var part in _parts)
            {
                bytes += part?.Bytes ?? 0;
            }

            foreach (var tier in _exact)
            {
                bytes += tier?.Bytes ?? 0;
            }

            return bytes;
        }
    }

    /// <summary>The part of a table in this shard, if it has one; lock-free (for prefetch hints only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RecordPart? PeekPart(FeatureTable table)
    {
        var parts = _parts;
        return (uint)table.Id < (uint)parts.Length ? parts[table.Id] : null;
    }

    /// <summary>
    /// Adds the event to every window of the group's record for <paramref name="entity"/> (creating the record if
    /// needed) and writes each aggregate into the context.
    /// </summary>
    /// <param name="group">The plan's features for this entity field and their table.</param>
    /// <param name="entity">The entity key.</param>
    /// <param name="hash"><see cref="InMemoryFeatureStore.EntityHash"/> of the key.</param>
    /// <param name="timestamp">The event time (Unix ms).</param>
    /// <param name="buckets">Each window's bucket for this event, or empty to compute them here.</param>
    /// <param name="now">Store clock second (idle expiry).</param>
    /// <param name="context">Where the event's fields are read and the aggregates written.</param>
    public void Observe(PlanGroup group, ulong entity, ulong hash, long timestamp, ReadOnlySpan<long> buckets, uint now, DecisionContext context)
    {
        var table = group.Table;
        var part = PartOf(table);
        var id = part.Find(entity, hash);
        Span<ulong> record;
        if (id >= 0)
        {
            // Second chance for records used again; new ones start unreferenced so a scan of one-off keys evicts them first.
            record = part.Records.Get(id);
            record[2] |= RecordPart.Referenced;
        }
        else
        {
            record = part.Records.Get(Insert(part, entity, hash, now));
        }

        RecordPart.SetExpiry(record, (uint)Math.Min(uint.MaxValue, (ulong)now + table.ExpirySeconds));
        var slots = table.Slots;
        var inputs = group.Inputs;
        for (var i = 0; i < slots.Length; i++)
        {
            var input = inputs[i];
            var of = input.Of;
            if (of is not null && !context.Has(of))
            {
                continue;
            }

            double value;
            var slot = slots[i];
            var bucket = buckets.IsEmpty ? WindowLayout.BucketOf(timestamp, slot.BucketMs) : buckets[i];
            switch (input.Mode)
            {
                case InputMode.Event:
                    value = ObserveCount(record, slot, bucket);
                    break;
                case InputMode.Number:
                    var number = context.GetNumber(of!.Slot);
                    value = slot.Kind == FeatureKind.Avg ? ObserveAverage(record, slot, bucket, number) : ObserveValue(record, slot, bucket, number);
                    break;
                case InputMode.EntityKey:
                    value = ObserveDistinct(record, slot, bucket, context.GetEntityKey(of!.EntityIndex));
                    break;
                case InputMode.ValueHash:
                    value = ObserveDistinct(record, slot, bucket, context.HashValue(of!));
                    break;
                default:
                    continue;
            }

            context.SetFeature(input.FeatureIndex, value);
        }
    }

    /// <summary>Reads a window's aggregate for an entity without adding anything; false when it holds nothing.</summary>
    public bool TryRead(string by, ulong stateId, ulong entity, ulong hash, out double value)
    {
        // Newest table first: after a layout change it is the one live traffic writes.
        for (var t = _parts.Length - 1; t >= 0; t--)
        {
            var part = _parts[t];
            if (part is null || part.Count == 0 || part.Table.By != by)
            {
                continue;
            }

            var s = part.Table.SlotOf(stateId);
            var id = s < 0 ? -1 : part.Find(entity, hash);
            if (id >= 0 && TryRead(part.Records.Get(id), part.Table.Slots[s], out value))
            {
                return true;
            }
        }

        value = 0;
        return false;
    }

    /// <summary>Drops every record idle past its expiry; returns how many keys that was.</summary>
    public int RemoveExpired(uint now)
    {
        var removed = 0;
        foreach (var part in _parts)
        {
            if (part is null)
            {
                continue;
            }

            var high = part.Records.HighWater;
            for (var id = 0; id < high; id++)
            {
                var record = part.Records.Get(id);
                if ((record[2] & RecordPart.Live) != 0 && now > RecordPart.ExpiresAt(record))
                {
                    removed += Remove(part, id);
                }
            }
        }

        _expirations += removed;
        return removed;
    }

    /// <summary>A copy holding only the live records, in arrays sized for them; the counters carry over.</summary>
    public FeatureShard Compact()
    {
        var target = Empty();
        foreach (var part in _parts)
        {
            if (part is null || part.Count == 0)
            {
                continue;
            }

            var into = target.PartOf(part.Table);
            var high = part.Records.HighWater;
            for (var id = 0; id < high; id++)
            {
                var record = part.Records.Get(id);
                if ((record[2] & RecordPart.Live) == 0)
                {
                    continue;
                }

                var entity = record[0];
                var copy = into.Records.Get(into.Add(entity, InMemoryFeatureStore.EntityHash(entity)));
                record.CopyTo(copy); // word 1 is the expiry only since the index left the records (no link to keep)
                foreach (var slot in part.Table.Slots)
                {
                    if (slot.Kind == FeatureKind.Distinct)
                    {
                        copy[slot.Hot + 1] = target.CopyDistinctPayload(this, record[slot.Hot + 1]);
                    }
                }

                target._keys += part.Table.Slots.Length;
            }
        }

        return target;
    }

    /// <summary>An empty shard with the same capacity; the counters carry over.</summary>
    public FeatureShard Empty() => new(_layout, Capacity) { _evictions = _evictions, _expirations = _expirations };

    private RecordPart PartOf(FeatureTable table)
    {
        var parts = _parts;
        if (table.Id < parts.Length && parts[table.Id] is { } part)
        {
            return part;
        }

        return AddPart(table);
    }

    private RecordPart AddPart(FeatureTable table)
    {
        if (table.Id >= _parts.Length)
        {
            Array.Resize(ref _parts, Math.Max(table.Id + 1, _parts.Length * 2));
        }

        return _parts[table.Id] = new RecordPart(table);
    }

    private int Insert(RecordPart part, ulong entity, ulong hash, uint now)
    {
        var keys = part.Table.Slots.Length;
        if (_keys + keys > Capacity)
        {
            while (_keys > 0 && _keys + keys > Capacity)
            {
                EvictOne(part, now);
            }
        }
        else
        {
            // Reclaim a little as we go, so idle records give their slots to new ones without a full sweep.
            SweepExpired(part, now, 2);
        }

        var id = part.Add(entity, hash);
        var record = part.Records.Get(id);
        foreach (var slot in part.Table.Slots)
        {
            InitializeSlot(record, slot);
        }

        Volatile.Write(ref _keys, _keys + keys);
        TakeOver(part, record, entity, hash);
        return id;
    }

    /// <summary>
    /// A new record of one table inherits the windows of the same feature states from this entity's records in other
    /// tables of the same field (a pack whose layout changed keeps its velocity state). Counts, sums and extremes are
    /// copied; distinct payloads move. The old records stay until they expire, for requests still on the old pack.
    /// </summary>
    private void TakeOver(RecordPart part, Span<ulong> record, ulong entity, ulong hash)
    {
        var table = part.Table;
        for (var t = _parts.Length - 1; t >= 0; t--)
        {
            var other = _parts[t];
            if (other is null || other == part || other.Count == 0 || other.Table.By != table.By)
            {
                continue;
            }

            var id = other.Find(entity, hash);
            if (id < 0)
            {
                continue;
            }

            var old = other.Records.Get(id);
            foreach (var from in other.Table.Slots)
            {
                var s = table.SlotOf(from.StateId);
                if (s < 0 || (long)old[from.Hot] == long.MinValue || (long)record[table.Slots[s].Hot] != long.MinValue)
                {
                    continue;
                }

                var to = table.Slots[s];
                var hotWords = FeatureTable.HotWords(from.Kind);
                old.Slice(from.Hot, hotWords).CopyTo(record.Slice(to.Hot, hotWords));
                var ringWords = FeatureTable.RingWords(from.Kind, from.Buckets);
                old.Slice(from.Ring, ringWords).CopyTo(record.Slice(to.Ring, ringWords));
                if (from.Kind == FeatureKind.Distinct)
                {
                    // The payload now belongs to the new record; the old window starts over empty.
                    InitializeSlot(old, from);
                }
            }
        }
    }

    /// <summary>CLOCK over the inserting table's records (or any table's when it has none): drops one record.</summary>
    private void EvictOne(RecordPart preferred, uint now)
    {
        var part = preferred;
        if (part.Count == 0)
        {
            foreach (var other in _parts)
            {
                if (other is { Count: > 0 })
                {
                    part = other;
                    break;
                }
            }
        }

        var high = part.Records.HighWater;
        for (var step = 0; step <= 2 * high; step++)
        {
            if (part.ClockHand >= high)
            {
                part.ClockHand = 0;
            }

            var id = part.ClockHand++;
            var record = part.Records.Get(id);
            var flags = record[2];
            if ((flags & RecordPart.Live) == 0)
            {
                continue;
            }

            if (now > RecordPart.ExpiresAt(record))
            {
                _expirations += Remove(part, id);
                return;
            }

            if ((flags & RecordPart.Referenced) != 0)
            {
                record[2] = flags & ~RecordPart.Referenced;
                continue;
            }

            Volatile.Write(ref _evictions, _evictions + Remove(part, id));
            return;
        }
    }

    private void SweepExpired(RecordPart part, uint now, int steps)
    {
        var high = part.Records.HighWater;
        for (var step = 0; step < steps && high > 0; step++)
        {
            if (part.SweepHand >= high)
            {
                part.SweepHand = 0;
            }

            var id = part.SweepHand++;
            var record = part.Records.Get(id);
            if ((record[2] & RecordPart.Live) != 0 && now > RecordPart.ExpiresAt(record))
            {
                _expirations += Remove(part, id);
            }
        }
    }

    /// <summary>Frees a record and its payloads; returns the keys it held.</summary>
    private int Remove(RecordPart part, int id)
    {
        var record = part.Records.Get(id);
        foreach (var slot in part.Table.Slots)
        {
            if (slot.Kind == FeatureKind.Distinct)
            {
                FreeDistinctPayload(record[slot.Hot + 1]);
            }
        }

        part.Remove(id);
        var keys = part.Table.Slots.Length;
        Volatile.Write(ref _keys, _keys - keys);
        return keys;
    }
}
