using System.Numerics;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// Fixed-stride blocks of <typeparamref name="T"/> in chunks of about 16 KiB, addressed by slot number, with a free
/// list. Why chunks: growing never copies existing blocks (no latency spike under a shard lock, no refs invalidated)
/// and no chunk reaches the large-object heap. Why a slab at all: a key costs a few struct slots, not objects the GC
/// must trace. Not thread-safe; the owning shard's lock protects it.
/// </summary>
/// <remarks>
/// Chunks are native memory from <see cref="ChunkArena"/> (huge pages where the kernel allows; larger chunks are pinned
/// arrays) addressed through their base pointers, so reaching a block never reads a chunk array's header: with managed
/// array access, the bounds and null checks load the header line of a 16 KiB chunk — for a cold record, a cache miss of
/// its own before the record's, measured as the largest single stall of a decision. Arena chunks go back to the arena
/// when the slab is finalized; pinned ones live as long as the slab (the managed references keep them).
/// </remarks>
internal sealed class Slab<T>
    where T : unmanaged
{
    private readonly int _stride;
    private readonly int _chunkBytes; // of one chunk as the slab uses it
    private readonly int _shift;
    private readonly int _mask;
    private T[][] _chunks = new T[4][];
    private nint[] _bases = new nint[4];
    private int _chunkCount;
    private int[] _free = [];
    private int _freeCount;

    public Slab(int stride)
    {
        _stride = stride;
        // Chunks aim at the arena's chunk size; only a block larger than that gets a (pinned) chunk of its own.
        var perChunk = Math.Max(1, ChunkArena.ChunkBytes / (stride * Unsafe.SizeOf<T>()));
        _shift = BitOperations.Log2((uint)perChunk);
        _mask = (1 << _shift) - 1;
        _chunkBytes = (int)Math.Min(int.MaxValue, (long)(_mask + 1) * _stride * Unsafe.SizeOf<T>());
    }

    /// <summary>Gives the arena chunks back once the slab is unreachable (a compacted or cleared shard's old slabs).</summary>
    ~Slab()
    {
        for (var i = 0; i < _chunkCount; i++)
        {
            if (_chunks[i] is null)
            {
                ChunkArena.Return(_bases[i], _chunkBytes);
            }
        }
    }

    /// <summary>Elements per block.</summary>
    public int Stride => _stride;

    /// <summary>Slots ever handed out (free ones included); slot numbers are below it.</summary>
    public int HighWater { get; private set; }

    /// <summary>Slots in use.</summary>
    public int Live => HighWater - _freeCount;

    /// <summary>Bytes of the arrays this slab holds.</summary>
    public long Bytes { get; private set; }

    /// <summary>Takes a slot (contents unspecified: the caller initializes it).</summary>
    public int Allocate()
    {
        if (_freeCount > 0)
        {
            return _free[--_freeCount];
        }

        var slot = HighWater;
        if ((slot >> _shift) == _chunkCount)
        {
            AddChunk();
        }

        HighWater = slot + 1;
        return slot;
    }

    /// <summary>Returns a slot to the free list.</summary>
    public void Free(int slot)
    {
        if (_freeCount == _free.Length)
        {
            var bigger = new int[Math.Max(16, _free.Length * 2)];
            _free.AsSpan().CopyTo(bigger);
            Bytes += (bigger.Length - _free.Length) * sizeof(int);
            _free = bigger;
        }

        _free[_freeCount++] = slot;
    }

    /// <summary>The block of a slot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe Span<T> Get(int slot)
    {
        Debug.Assert((uint)slot < (uint)HighWater, "slot never allocated");
        return new Span<T>((T*)_bases[slot >> _shift] + ((slot & _mask) * _stride), _stride);
    }

    /// <summary>The element of a slot, for stride 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe ref T Ref(int slot)
    {
        Debug.Assert((uint)slot < (uint)HighWater, "slot never allocated");
        return ref Unsafe.AsRef<T>((T*)_bases[slot >> _shift] + (slot & _mask));
    }

    /// <summary>
    /// Hints the CPU to fetch the cache line holding element <paramref name="element"/> of a slot's block. Safe to call
    /// without the owner's lock (see <see cref="PeekAddress"/>); a prefetch of any address is harmless (it never faults).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Prefetch(int slot, int element)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        var block = PeekAddress(slot);
        if (block != null)
        {
            Sse.Prefetch0(block + element);
        }
    }

    /// <summary>
    /// The address of a slot's block without the owner's lock, or null when its chunk does not exist: the base table
    /// may be read while it grows and the slot may be stale, so the chunk is checked for presence. For prefetching
    /// (several lines of one block after one lookup) and <see cref="TryPeek"/>'s read inside the block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe T* PeekAddress(int slot)
    {
        var bases = _bases;
        var index = slot >> _shift;
        if ((uint)index >= (uint)bases.Length || bases[index] == 0)
        {
            return null;
        }

        return (T*)bases[index] + ((long)(slot & _mask) * _stride);
    }

    /// <summary>
    /// Reads element <paramref name="element"/> of a slot's block without the owner's lock (for prefetch decisions only):
    /// false when the chunk does not exist. The value may be stale or torn; the pinned chunk stays valid while this
    /// slab is reachable, so the read itself is safe.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe bool TryPeek(int slot, int element, out T value)
    {
        var block = PeekAddress(slot);
        if (block == null || (uint)element >= (uint)_stride)
        {
            value = default;
            return false;
        }

        value = block[element];
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private unsafe void AddChunk()
    {
        if (_chunkCount == _chunks.Length)
        {
            var bigger = new T[_chunks.Length * 2][];
            _chunks.AsSpan().CopyTo(bigger);
            var biggerBases = new nint[bigger.Length];
            _bases.AsSpan().CopyTo(biggerBases);
            Bytes += (bigger.Length - _chunks.Length) * 2L * IntPtr.Size;
            _chunks = bigger;
            _bases = biggerBases; // published after its contents: a lock-free Prefetch sees a complete table
        }

        long bytes = _chunkBytes;
        if (_chunkBytes <= ChunkArena.ChunkBytes)
        {
            // Native, huge-page-backed where the kernel allows (see ChunkArena); _chunks[i] stays null for these.
            _bases[_chunkCount] = ChunkArena.Rent(_chunkBytes);
            bytes = ChunkArena.SizeOf(_chunkBytes);
        }
        else
        {
            var chunk = GC.AllocateArray<T>((_mask + 1) * _stride, pinned: true);
            _chunks[_chunkCount] = chunk;
            _bases[_chunkCount] = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(chunk));
        }

        _chunkCount++;
        Bytes += bytes + 24;
    }
}
