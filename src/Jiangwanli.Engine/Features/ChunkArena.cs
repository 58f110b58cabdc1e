using System.Runtime.InteropServices;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// The memory of the feature store's slab chunks: chunks of up to 16 KiB (each the size its slab asks for, rounded to
/// 64 bytes) carved from 32 MiB native blocks that are aligned to 2 MiB and, on Linux, advised for transparent huge
/// pages (<c>madvise(MADV_HUGEPAGE)</c>), so the records of a store sit on few TLB entries. Chunks are zeroed when
/// rented and go back to a free list of their size when their slab is collected; blocks are kept for the life of the
/// process (the free lists reuse them), so the process keeps its high-water mark of feature memory.
/// </summary>
/// <remarks>
/// Why: a decision touches about a dozen records and sets spread over hundreds of megabytes, each on its own 4 KiB page,
/// so nearly every access also missed the TLB — under virtualization a two-dimensional page walk. Measured with the
/// in-process A/B (docs/benchmarks.md, "Third session"): decide 10–13 % faster on huge pages; the same arena without the
/// advice (4 KiB pages, equally contiguous) made no difference. Where the kernel gives no huge pages (THP "never", other
/// systems) this is plain native memory and behaves as before. Thread-safe.
/// </remarks>
internal static unsafe partial class ChunkArena
{
    /// <summary>Largest slab chunk; a slab whose chunk would be larger allocates it on the pinned heap instead.</summary>
    public const int ChunkBytes = 16 * 1024;

    /// <summary>
    /// Largest rent: the record indexes (<see cref="RecordIndex"/>, power-of-two arrays of 128 B to 4 MiB) come from
    /// here too; bigger ones use the pinned heap.
    /// </summary>
    public const int LargestRent = 4 << 20;

    private const int Granule = 64;

    private const long BlockBytes = 32L << 20;
    private const nuint HugePageBytes = 2 << 20;
    private const int MadviseHugePage = 14;

    private static readonly Lock s_lock = new();
    private static readonly Dictionary<int, Stack<nint>> s_free = [];
    private static nint s_block;
    private static long s_used = BlockBytes;
    private static long s_blocks;
    private static long s_rented;

    /// <summary>Native bytes reserved so far (whole blocks, rented or free).</summary>
    public static long ReservedBytes => Interlocked.Read(ref s_blocks) * BlockBytes;

    /// <summary>Bytes of the chunks rented and not yet returned (what live slabs hold; memory measurements add it to the GC heap's).</summary>
    public static long RentedBytes => Interlocked.Read(ref s_rented);

    /// <summary>What a chunk of <paramref name="bytes"/> really takes: rounded up to 64 bytes (cache lines stay aligned).</summary>
    public static int SizeOf(int bytes) => (bytes + Granule - 1) & ~(Granule - 1);

    /// <summary>A zeroed, 64-byte aligned chunk of <paramref name="bytes"/> (at most <see cref="LargestRent"/>).</summary>
    public static nint Rent(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, LargestRent);
        var size = SizeOf(bytes);
        nint chunk = 0;
        lock (s_lock)
        {
            if (!s_free.TryGetValue(size, out var free) || !free.TryPop(out chunk))
            {
                // A new block when this one cannot hold the chunk (its tail, smaller than the chunk, is left unused).
                if (s_used + size > BlockBytes)
                {
                    s_block = (nint)NativeMemory.AlignedAlloc((nuint)BlockBytes, HugePageBytes);
                    if (OperatingSystem.IsLinux())
                    {
                        _ = Madvise(s_block, (nuint)BlockBytes, MadviseHugePage); // a hint: failure leaves 4 KiB pages
                    }

                    s_used = 0;
                    Interlocked.Increment(ref s_blocks);
                }

                chunk = s_block + (nint)s_used;
                s_used += size;
            }
        }

        Interlocked.Add(ref s_rented, size);
        NativeMemory.Clear((void*)chunk, (nuint)size);
        return chunk;
    }

    /// <summary>The bytes of a rented chunk of <paramref name="bytes"/>.</summary>
    public static Span<byte> AsSpan(nint chunk, int bytes) => new((void*)chunk, bytes);

    /// <summary>Takes back a chunk rented with the same <paramref name="bytes"/> (its slab is gone); a later <see cref="Rent"/> of that size reuses it.</summary>
    public static void Return(nint chunk, int bytes)
    {
        var size = SizeOf(bytes);
        lock (s_lock)
        {
            if (!s_free.TryGetValue(size, out var free))
            {
                s_free[size] = free = new Stack<nint>();
            }

            free.Push(chunk);
        }

        Interlocked.Add(ref s_rented, -size);
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
