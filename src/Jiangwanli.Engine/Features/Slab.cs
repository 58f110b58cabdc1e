using System.Numerics;
using System.Runtime.CompilerServices;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// Fixed-stride blocks of <typeparamref name="T"/> in chunks of about 16 KiB, addressed by slot number, with a free
/// list. Why chunks: growing never copies existing blocks (no latency spike under a shard lock, no refs invalidated)
/// and no chunk reaches the large-object heap. Why a slab at all: a key costs a few struct slots, not objects the GC
/// must trace. Not thread-safe; the owning shard's lock protects it.
/// </summary>
internal sealed class Slab<T>
    where T : unmanaged
{
    private const int TargetChunkBytes = 16 * 1024;

    private readonly int _stride;
    private readonly int _shift;
    private readonly int _mask;
    private T[][] _chunks = new T[4][];
    private int _chunkCount;
    private int[] _free = [];
    private int _freeCount;

    public Slab(int stride)
    {
        _stride = stride;
        var perChunk = Math.Max(1, TargetChunkBytes / (stride * Unsafe.SizeOf<T>()));
        _shift = BitOperations.Log2((uint)perChunk);
        _mask = (1 << _shift) - 1;
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
    public Span<T> Get(int slot) => _chunks[slot >> _shift].AsSpan((slot & _mask) * _stride, _stride);

    /// <summary>The element of a slot, for stride 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref T Ref(int slot) => ref _chunks[slot >> _shift][slot & _mask];

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AddChunk()
    {
        if (_chunkCount == _chunks.Length)
        {
            var bigger = new T[_chunks.Length * 2][];
            _chunks.AsSpan().CopyTo(bigger);
            Bytes += (bigger.Length - _chunks.Length) * IntPtr.Size;
            _chunks = bigger;
        }

        var chunk = new T[(_mask + 1) * _stride];
        _chunks[_chunkCount++] = chunk;
        Bytes += (long)chunk.Length * Unsafe.SizeOf<T>() + 24;
    }
}
