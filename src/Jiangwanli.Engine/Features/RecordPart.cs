using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// The records of one <see cref="FeatureTable"/> inside one shard: a slab of fixed-size word records and an
/// open-addressed, tagged hash index over them (<see cref="RecordIndex"/>). Not thread-safe: used under the owning
/// shard's lock.
/// </summary>
internal sealed class RecordPart
{
    /// <summary>Flags word bit: observed since the CLOCK hand last passed.</summary>
    public const ulong Referenced = 1;

    /// <summary>Flags word bit: the record slot holds an entity.</summary>
    public const ulong Live = 2;

    private const int InitialSlots = 16;

    public RecordPart(FeatureTable table)
    {
        Table = table;
        Records = new Slab<ulong>(table.RecordWords);
    }

    public FeatureTable Table { get; }

    public Slab<ulong> Records { get; }

    /// <summary>The index from entity to record id, replaced as one object when it grows.</summary>
    public RecordIndex Index { get; private set; } = new(InitialSlots);

    /// <summary>Live records.</summary>
    public int Count { get; private set; }

    /// <summary>CLOCK hand (record id).</summary>
    public int ClockHand { get; set; }

    /// <summary>Incremental expiry sweep position (record id).</summary>
    public int SweepHand { get; set; }

    public long Bytes => Records.Bytes + (Index.Length * (long)sizeof(ulong)) + 96;

    /// <summary>The record id of an entity, or −1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(ulong entity, ulong hash)
    {
        var index = Index;
        var tag = RecordIndex.TagOf(entity);
        for (var i = (int)hash; ; i++) // ends: the index is at most half full, so a probe meets an empty slot
        {
            var entry = index.At(i);
            if (entry == 0)
            {
                return -1;
            }

            // A tag match is all but certain to be the entity (2^-32 per probe otherwise); the key word decides.
            if ((entry & RecordIndex.TagMask) == tag)
            {
                var id = RecordIndex.IdOf(entry);
                if (Records.Get(id)[0] == entity)
                {
                    return id;
                }
            }
        }
    }

    /// <summary>
    /// Hints the CPU to fetch the index line an entity hashes to. Lock-free and racy on purpose: it only reads
    /// arrays this part holds, and a stale answer costs a wasted hint.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PrefetchIndex(ulong hash) => Index.Prefetch(hash);

    /// <summary>
    /// The record id whose tag matches <paramref name="entity"/> near its home slot (−1 for none), read without the
    /// lock for prefetching: it may be stale or another entity's; the locked lookup that follows is the real one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Peek(ulong entity, ulong hash) => Index.Peek(RecordIndex.TagOf(entity), hash);

    /// <summary>Takes a record slot for an entity and indexes it; the caller fills the windows.</summary>
    public int Add(ulong entity, ulong hash)
    {
        var id = Records.Allocate();
        var record = Records.Get(id);
        record.Clear();
        record[0] = entity;
        record[2] = Live;
        Index.Insert(RecordIndex.EntryOf(entity, id), hash);
        Count++;
        if ((long)Count * 2 > Index.Length)
        {
            Grow();
        }

        return id;
    }

    /// <summary>Unindexes and frees a record (its out-of-line payloads must already be released).</summary>
    public void Remove(int id)
    {
        var record = Records.Get(id);
        Index.Remove(id, InMemoryFeatureStore.EntityHash(record[0]), this);
        record[2] = 0;
        Records.Free(id);
        Count--;
    }

    /// <summary>The home slot hash of the record an index entry points at (for the index's backward shift).</summary>
    internal ulong HashOf(ulong entry) => InMemoryFeatureStore.EntityHash(Records.Get(RecordIndex.IdOf(entry))[0]);

    /// <summary>Sets a record's expiry second (high half of word 1; the low half is unused since the index left the records).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetExpiry(Span<ulong> record, uint expiresAt) => record[1] = (ulong)expiresAt << 32;

    /// <summary>A record's expiry second.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ExpiresAt(ReadOnlySpan<ulong> record) => (uint)(record[1] >> 32);

    private void Grow()
    {
        var index = new RecordIndex(Index.Length * 2);
        var high = Records.HighWater;
        for (var id = 0; id < high; id++)
        {
            var record = Records.Get(id);
            if ((record[2] & Live) != 0)
            {
                index.Insert(RecordIndex.EntryOf(record[0], id), InMemoryFeatureStore.EntityHash(record[0]));
            }
        }

        Index = index;
    }
}

/// <summary>
/// The entity → record index of a <see cref="RecordPart"/>: a power-of-two array of 64-bit entries, linear probing,
/// at most half full, so an entity's entry is nearly always in the cache line of its home slot. An entry is the
/// entity's tag (the low 32 bits of its key) over its record id + 1; 0 is empty. Deletion shifts the run back
/// (no tombstones), so a probe always ends at an empty slot.
/// </summary>
/// <remarks>
/// Why this and not a chained index (the design before the fifth session): with chains at load ½–1, a quarter to a
/// half of lookups found another entity's record first and had to follow its link — a dependent DRAM miss the prefetch
/// rounds could not see coming, because only the head record was prefetched. Here the lock-free prefetch pass reads
/// the home line, matches the tag, and prefetches the right record; the locked lookup then reads lines already on
/// their way. Entries are 8 bytes at load ≤ ½ instead of 4 at load ≤ 1: 16–32 bytes of index per record instead of 4–8.
/// Arena memory (huge pages, <see cref="ChunkArena"/>) addressed by pointer and a stored mask, like
/// <see cref="Slab{T}"/>, so a lookup never reads an array header; immutable in shape (growing makes a new one), so a
/// lock-free reader sees a base and mask that belong together.
/// </remarks>
internal sealed unsafe class RecordIndex
{
    /// <summary>The tag half of an entry.</summary>
    public const ulong TagMask = 0xFFFF_FFFF_0000_0000UL;

    /// <summary>How far the lock-free <see cref="Peek"/> probes before giving up (a bound, since writers may be shifting entries).</summary>
    private const int PeekProbes = 16;

    private readonly ulong[]? _slots;
    private readonly ulong* _base;
    private readonly int _mask;

    public RecordIndex(int length)
    {
        _mask = length - 1;
        var bytes = (long)length * sizeof(ulong);
        if (bytes <= ChunkArena.LargestRent)
        {
            // Arena memory: on huge pages, like the records, so reaching an entity's index line costs no page walk.
            _base = (ulong*)ChunkArena.Rent((int)bytes);
        }
        else
        {
            _slots = GC.AllocateArray<ulong>(length, pinned: true);
            _base = (ulong*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_slots));
        }
    }

    /// <summary>
    /// Gives arena memory back when the index is unreachable (grown or its part dropped). A lock-free reader that
    /// still holds the pointer reads reused memory at worst: arena memory is never unmapped, and what it reads is a hint.
    /// </summary>
    ~RecordIndex()
    {
        if (_slots is null)
        {
            ChunkArena.Return((nint)_base, Length * sizeof(ulong));
        }
    }

    public int Length => _mask + 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong TagOf(ulong entity) => entity << 32;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong EntryOf(ulong entity, int id) => TagOf(entity) | (uint)(id + 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IdOf(ulong entry) => (int)(uint)entry - 1;

    /// <summary>The entry at probe position <paramref name="i"/> (wrapped).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong At(int i) => _base[i & _mask];

    /// <summary>Puts an entry in the first empty slot from its home (the caller keeps the load at most ½).</summary>
    public void Insert(ulong entry, ulong hash)
    {
        var i = (int)hash & _mask;
        while (_base[i] != 0)
        {
            i = (i + 1) & _mask;
        }

        _base[i] = entry;
    }

    /// <summary>
    /// Removes the entry of record <paramref name="id"/> (home slot from <paramref name="hash"/>) and shifts later
    /// entries of its run back where their home allows (Knuth's algorithm R), so no probe ever stops short.
    /// </summary>
    public void Remove(int id, ulong hash, RecordPart owner)
    {
        var i = (int)hash & _mask;
        while (IdOf(_base[i]) != id)
        {
            if (_base[i] == 0)
            {
                throw new InvalidOperationException($"record {id} is not in its index");
            }

            i = (i + 1) & _mask;
        }

        var j = i;
        while (true)
        {
            j = (j + 1) & _mask;
            var entry = _base[j];
            if (entry == 0)
            {
                break;
            }

            // The entry at j may move to the hole at i unless its home lies cyclically in (i, j].
            var home = (int)owner.HashOf(entry) & _mask;
            var stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays)
            {
                _base[i] = entry;
                i = j;
            }
        }

        _base[i] = 0;
    }

    /// <summary>
    /// The record id of the first entry with <paramref name="tag"/> from the home slot of <paramref name="hash"/>, or −1:
    /// a lock-free hint (a stale or torn answer costs a wasted prefetch, never a wrong result).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Peek(ulong tag, ulong hash)
    {
        var found = -1;
        var i = (int)hash;
        for (var n = 0; n < PeekProbes; n++, i++)
        {
            var entry = _base[i & _mask];
            if (entry == 0)
            {
                break;
            }

            if ((entry & TagMask) == tag)
            {
                found = IdOf(entry);
                break;
            }
        }

        // A lock-free caller may hold the only reference to an index that growth has replaced. Arena memory is never
        // unmapped, but a pinned array (an index past the arena's largest rent) lives only as long as this object:
        // keep it reachable until the last read.
        GC.KeepAlive(this);
        return found;
    }

    /// <summary>Hints the CPU to fetch the home slot's line (harmless without the lock).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(ulong hash)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(_base + ((int)hash & _mask));
        }
    }
}
