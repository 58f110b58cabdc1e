using Jiangwanli.Engine.Features;

namespace Jiangwanli.Engine.Tests.Features;

public sealed class ChunkArenaTests
{
    [Fact]
    public void Rent_ReturnedDirtyChunk_ComesBackZeroed()
    {
        // The arena is shared by every store in the process (other tests rent and return concurrently), so the
        // assertions hold for whatever chunk comes back.
        var first = ChunkArena.Rent();
        ChunkArena.AsSpan(first).Fill(0xAB);
        ChunkArena.Return(first);

        var second = ChunkArena.Rent();
        try
        {
            Assert.Equal(-1, ChunkArena.AsSpan(second).IndexOfAnyExcept((byte)0));
        }
        finally
        {
            ChunkArena.Return(second);
        }
    }

    [Fact]
    public void Rent_ManyChunks_AlignedAndDisjoint()
    {
        var chunks = new nint[600];
        try
        {
            for (var i = 0; i < chunks.Length; i++)
            {
                chunks[i] = ChunkArena.Rent();
                Assert.Equal(0, chunks[i] % 64);
                ChunkArena.AsSpan(chunks[i])[0] = (byte)i;
            }

            Array.Sort(chunks);
            for (var i = 1; i < chunks.Length; i++)
            {
                Assert.True(chunks[i] - chunks[i - 1] >= ChunkArena.ChunkBytes, "chunks overlap");
            }
        }
        finally
        {
            foreach (var chunk in chunks)
            {
                if (chunk != 0)
                {
                    ChunkArena.Return(chunk);
                }
            }
        }
    }

    [Fact]
    public void Slab_Collected_ReturnsItsChunksToTheArena()
    {
        var reserved = ChunkArena.ReservedBytes;
        for (var round = 0; round < 40; round++)
        {
            FillAndDrop();
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        // 40 rounds of 4 MiB each would need at least four new 32 MiB blocks unless the chunks of collected slabs were
        // reused (the current block's rest and other tests running meanwhile account for at most two).
        Assert.True(ChunkArena.ReservedBytes - reserved <= 2 * (32L << 20), $"{ChunkArena.ReservedBytes - reserved} bytes reserved");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void FillAndDrop()
    {
        var slab = new Slab<ulong>(16); // 128-byte blocks, 128 to a chunk
        for (var i = 0; i < 128 * 256; i++) // 256 chunks = 4 MiB
        {
            slab.Get(slab.Allocate())[0] = (ulong)i;
        }
    }
}
