using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// The records of one <see cref="FeatureTable"/> inside one shard: a slab of fixed-size word records and a chained
/// hash index over them. Not thread-safe: used under the owning shard's lock.
/// </summary>
internal sealed class RecordPart
{
    /// <summary>Flags word bit: observed since the CLOCK hand last passed.</summary>
    public const ulong Referenced = 1;

    /// <summary>Flags word bit: the record slot holds an entity.</summary>
    public const ulong Live = 2;

    private const int InitialChains = 16;

    public RecordPart(FeatureTable table)
    {
        Table = table;
        Records = new Slab<ulong>(table.RecordWords);
    }

    public FeatureTable Table { get; }

    public Slab<ulong> Records { get; }

    /// <summary>The chain heads (record id + 1, 0 for none), replaced as one object when it grows.</summary>
    public ChainIndex Chains { get; private set; } = new(InitialChains);

    /// <summary>Live records.</summary>
    public int Count { get; private set; }

    /// <summary>CLOCK hand (record id).</summary>
    public int ClockHand { get; set; }

    /// <summary>Incremental expiry sweep position (record id).</summary>
    public int SweepHand { get; set; }

    public long Bytes => Records.Bytes + (Chains.Length * (long)sizeof(int)) + 96;

    /// <summary>The record id of an entity, or −1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(ulong entity, ulong hash)
    {
        var link = Chains.Head(hash);
        while (link != 0)
        {
            var record = Records.Get(link - 1);
            if (record[0] == entity)
            {
                return link - 1;
            }

            link = (int)(uint)record[1];
        }

        return -1;
    }

    /// <summary>
    /// Hints the CPU to fetch the chain head an entity hashes to. Lock-free and racy on purpose: it only reads
    /// arrays this part holds, and a stale answer costs a wasted hint.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PrefetchChain(ulong hash) => Chains.Prefetch(hash);

    /// <summary>
    /// The record id the chain head of <paramref name="hash"/> points at (−1 for none), read without the lock for
    /// prefetching: it may be stale or another entity's; the locked lookup that follows is the real one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int PeekHead(ulong hash) => Chains.Head(hash) - 1;

    /// <summary>Takes a record slot for an entity and links it; the caller fills the windows.</summary>
    public int Add(ulong entity, ulong hash)
    {
        var id = Records.Allocate();
        var record = Records.Get(id);
        record.Clear();
        record[0] = entity;
        record[2] = Live;
        ref var head = ref Chains.HeadRef(hash);
        record[1] = (uint)head;
        head = id + 1;
        Count++;
        if (Count > Chains.Length)
        {
            GrowChains();
        }

        return id;
    }

    /// <summary>Unlinks and frees a record (its out-of-line payloads must already be released).</summary>
    public void Remove(int id)
    {
        var record = Records.Get(id);
        var hash = InMemoryFeatureStore.EntityHash(record[0]);
        ref var link = ref Chains.HeadRef(hash);
        while (link != 0)
        {
            if (link - 1 == id)
            {
                link = (int)(uint)record[1];
                break;
            }

            link = ref LinkOf(link - 1);
        }

        record[2] = 0;
        Records.Free(id);
        Count--;
    }

    /// <summary>Sets a record's expiry second (high half of word 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetExpiry(Span<ulong> record, uint expiresAt) => record[1] = (uint)record[1] | ((ulong)expiresAt << 32);

    /// <summary>A record's expiry second.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ExpiresAt(ReadOnlySpan<ulong> record) => (uint)(record[1] >> 32);

    /// <summary>The low half of word 1 as a ref: the next link of the chain.</summary>
    private ref int LinkOf(int id) => ref Unsafe.As<ulong, int>(ref Records.Get(id)[1]);

    private void GrowChains()
    {
        var chains = new ChainIndex(Chains.Length * 2);
        var high = Records.HighWater;
        for (var id = 0; id < high; id++)
        {
            var record = Records.Get(id);
            if ((record[2] & Live) != 0)
            {
                ref var head = ref chains.HeadRef(InMemoryFeatureStore.EntityHash(record[0]));
                record[1] = (record[1] & 0xFFFF_FFFF_0000_0000UL) | (uint)head;
                head = id + 1;
            }
        }

        Chains = chains;
    }
}

/// <summary>
/// A power-of-two array of chain heads, pinned and addressed by pointer and a stored mask, so a lookup reads one line
/// of this object and the head itself — never the array's header (see <see cref="Slab{T}"/> for why that matters).
/// Immutable in shape: growing makes a new one, so a lock-free reader sees a base and mask that belong together.
/// </summary>
internal sealed unsafe class ChainIndex
{
    private readonly int[] _heads;
    private readonly int* _base;
    private readonly int _mask;

    public ChainIndex(int length)
    {
        _heads = GC.AllocateArray<int>(length, pinned: true);
        _base = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_heads));
        _mask = length - 1;
    }

    public int Length => _mask + 1;

    /// <summary>The head of the chain <paramref name="hash"/> falls in.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Head(ulong hash) => _base[(int)hash & _mask];

    /// <summary>The head of the chain <paramref name="hash"/> falls in, by reference (under the owner's lock).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref int HeadRef(ulong hash) => ref _base[(int)hash & _mask];

    /// <summary>Hints the CPU to fetch the chain head (harmless without the lock).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(ulong hash)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(_base + ((int)hash & _mask));
        }
    }
}
