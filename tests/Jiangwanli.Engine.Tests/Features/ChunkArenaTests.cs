using Jiangwanli.Engine.Features;

namespace Jiangwanli.Engine.Tests.Features;

/// <summary>
/// The arena is process-wide, so these tests run alone (no other test class in parallel): another class's stores
/// renting and returning chunks meanwhile would change the reserved bytes <see cref="Slab_Collected_ReturnsItsChunksToTheArena"/> counts.
/// </summary>
[Collection(nameof(ChunkArenaTests))]
public sealed class ChunkArenaTests
{
    [Fact]
    public void Rent_ReturnedDirtyChunk_ComesBackZeroed()
    {
        // The arena is shared by every store in the process (the free list may hand back any returned chunk), so the
        // assertions hold for whatever chunk comes back.
        var first = ChunkArena.Rent(ChunkArena.ChunkBytes);
        ChunkArena.AsSpan(first, ChunkArena.ChunkBytes).Fill(0xAB);
        ChunkArena.Return(first, ChunkArena.ChunkBytes);

        var second = ChunkArena.Rent(ChunkArena.ChunkBytes);
        try
        {
            Assert.Equal(-1, ChunkArena.AsSpan(second, ChunkArena.ChunkBytes).IndexOfAnyExcept((byte)0));
        }
        finally
        {
            ChunkArena.Return(second, ChunkArena.ChunkBytes);
        }
    }

    [Theory]
    [InlineData(1, 64)]
    [InlineData(64, 64)]
    [InlineData(100, 128)]
    [InlineData(6_000, 6_016)]
    [InlineData(16 * 1024, 16 * 1024)]
    public void SizeOf_RoundsUpToACacheLine(int bytes, int expected) => Assert.Equal(expected, ChunkArena.SizeOf(bytes));

    [Fact]
    public void Rent_ManyChunksOfMixedSizes_AlignedAndDisjoint()
    {
        int[] sizes = [ChunkArena.ChunkBytes, 8 * 1024, 4 * 1024, 100, 6_000];
        var chunks = new (nint Address, int Bytes)[600];
        try
        {
            for (var i = 0; i < chunks.Length; i++)
            {
                var bytes = sizes[i % sizes.Length];
                chunks[i] = (ChunkArena.Rent(bytes), bytes);
                Assert.Equal(0, chunks[i].Address % 64);
                ChunkArena.AsSpan(chunks[i].Address, bytes)[^1] = (byte)i;
            }

            Array.Sort(chunks);
            for (var i = 1; i < chunks.Length; i++)
            {
                Assert.True(chunks[i].Address - chunks[i - 1].Address >= ChunkArena.SizeOf(chunks[i - 1].Bytes), "chunks overlap");
            }
        }
        finally
        {
            foreach (var (address, bytes) in chunks)
            {
                if (address != 0)
                {
                    ChunkArena.Return(address, bytes);
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
        // reused (the current block's rest and the other tests of this class account for at most two).
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

/// <summary>Runs <see cref="ChunkArenaTests"/> with nothing else in parallel.</summary>
[CollectionDefinition(nameof(ChunkArenaTests), DisableParallelization = true)]
public sealed class ChunkArenaCollection;
