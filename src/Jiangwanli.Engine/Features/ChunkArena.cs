using System.Runtime.InteropServices;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// The memory of the feature store's slab chunks: 16 KiB chunks carved from 32 MiB native blocks that are aligned to
/// 2 MiB and, on Linux, advised for transparent huge pages (<c>madvise(MADV_HUGEPAGE)</c>), so the records of a store
/// sit on few TLB entries. Chunks are zeroed when rented and go back to a free list when their slab is collected; blocks
/// are kept for the life of the process (the free list reuses them).
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
    /// <summary>Bytes of every chunk; a slab whose chunk would be larger allocates it on the pinned heap instead.</summary>
    public const int ChunkBytes = 16 * 1024;

    private const long BlockBytes = 32L << 20;
    private const nuint HugePageBytes = 2 << 20;
    private const int MadviseHugePage = 14;

    private static readonly Lock s_lock = new();
    private static readonly Stack<nint> s_free = new();
    private static nint s_block;
    private static long s_used = BlockBytes;
    private static long s_blocks;

    /// <summary>Native bytes reserved so far (whole blocks, rented or free).</summary>
    public static long ReservedBytes => Interlocked.Read(ref s_blocks) * BlockBytes;

    /// <summary>A zeroed chunk of <see cref="ChunkBytes"/>, 64-byte aligned.</summary>
    public static nint Rent()
    {
        nint chunk;
        lock (s_lock)
        {
            if (!s_free.TryPop(out chunk))
            {
                if (s_used == BlockBytes)
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
                s_used += ChunkBytes;
            }
        }

        NativeMemory.Clear((void*)chunk, ChunkBytes);
        return chunk;
    }

    /// <summary>The bytes of a rented chunk.</summary>
    public static Span<byte> AsSpan(nint chunk) => new((void*)chunk, ChunkBytes);

    /// <summary>Takes a chunk back (its slab is gone); it is reused by a later <see cref="Rent"/>.</summary>
    public static void Return(nint chunk)
    {
        lock (s_lock)
        {
            s_free.Push(chunk);
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
