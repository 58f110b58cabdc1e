using CsCheck;
using Jiangwanli.Engine.Features;

namespace Jiangwanli.Engine.Tests.Features;

/// <summary>
/// The open-addressed record index against a dictionary model: random adds and removes over a small universe of
/// entities, many of them sharing a tag (the low 32 bits of the key), so runs collide, wrap around the end of the
/// table, grow it, and shift back on removal.
/// </summary>
public sealed class RecordIndexTests
{
    // 8 high halves × 6 low halves: every low half (the tag) is shared by 8 entities.
    private static readonly ulong[] s_universe =
        [.. Enumerable.Range(0, 8).SelectMany(a => Enumerable.Range(0, 6).Select(b => ((ulong)a << 32) | (uint)(b * 0x9E37_79B9))), 0UL];

    private static readonly Gen<(bool Add, int Entity)[]> s_ops = Gen.Select(Gen.Bool, Gen.Int[0, s_universe.Length - 1]).Array[1, 400];

    [Fact]
    public void AddRemove_RandomSequences_FindMatchesModel()
    {
        s_ops.Sample(ops =>
        {
            var part = NewPart();
            var model = new Dictionary<ulong, int>();
            foreach (var (add, e) in ops)
            {
                var entity = s_universe[e];
                var hash = InMemoryFeatureStore.EntityHash(entity);
                if (add && !model.ContainsKey(entity))
                {
                    Assert.Equal(-1, part.Find(entity, hash));
                    model[entity] = part.Add(entity, hash);
                }
                else if (!add && model.Remove(entity, out var id))
                {
                    part.Remove(id);
                }

                Check(part, model);
            }
        }, iter: 300);
    }

    [Fact]
    public void Add_ManyEntities_IndexStaysAtMostHalfFull()
    {
        var part = NewPart();
        for (var i = 0UL; i < 10_000; i++)
        {
            part.Add(i * 7919, InMemoryFeatureStore.EntityHash(i * 7919));
            Assert.True(part.Count * 2 <= part.Index.Length, $"{part.Count} records in {part.Index.Length} slots");
        }

        for (var i = 0UL; i < 10_000; i++)
        {
            Assert.True(part.Find(i * 7919, InMemoryFeatureStore.EntityHash(i * 7919)) >= 0);
        }
    }

    [Theory]
    [InlineData(16)] // arena memory
    [InlineData(ChunkArena.LargestRent / sizeof(ulong) * 2)] // past the arena's largest rent: the pinned heap
    public void Index_EitherBacking_FindsWhatWasInserted(int length)
    {
        var index = new RecordIndex(length);
        var count = Math.Min(1_000, length / 2);
        for (var i = 0; i < count; i++)
        {
            index.Insert(RecordIndex.EntryOf((ulong)i, i), InMemoryFeatureStore.EntityHash((ulong)i));
        }

        for (var i = 0; i < count; i++)
        {
            Assert.Equal(i, index.Peek(RecordIndex.TagOf((ulong)i), InMemoryFeatureStore.EntityHash((ulong)i)));
        }

        Assert.Equal(-1, index.Peek(RecordIndex.TagOf(123_456_789UL), InMemoryFeatureStore.EntityHash(123_456_789UL)));
    }

    private static void Check(RecordPart part, Dictionary<ulong, int> model)
    {
        Assert.Equal(model.Count, part.Count);
        foreach (var entity in s_universe)
        {
            var hash = InMemoryFeatureStore.EntityHash(entity);
            var expected = model.TryGetValue(entity, out var id) ? id : -1;
            Assert.Equal(expected, part.Find(entity, hash));

            // The lock-free hint may name another entity with the same tag, but never a free record or another tag.
            var peeked = part.Peek(entity, hash);
            if (peeked >= 0)
            {
                var record = part.Records.Get(peeked);
                Assert.NotEqual(0UL, record[2] & RecordPart.Live);
                Assert.Equal((uint)entity, (uint)record[0]);
            }
            else if (expected >= 0)
            {
                // Missing a live entity is allowed only past the hint's probe bound.
                Assert.True(ProbeDistance(part, entity, hash) >= 16, $"hint missed entity {entity:x} at a short distance");
            }
        }

        // Every entry points at a live record, and every live record has exactly one entry.
        var seen = new HashSet<int>();
        for (var i = 0; i < part.Index.Length; i++)
        {
            var entry = part.Index.At(i);
            if (entry != 0)
            {
                Assert.True(seen.Add(RecordIndex.IdOf(entry)));
            }
        }

        Assert.Equal(model.Values.Order(), seen.Order());
    }

    private static int ProbeDistance(RecordPart part, ulong entity, ulong hash)
    {
        for (var n = 0; n < part.Index.Length; n++)
        {
            if ((part.Index.At((int)hash + n) & RecordIndex.TagMask) == RecordIndex.TagOf(entity))
            {
                return n;
            }
        }

        return int.MaxValue;
    }

    private static RecordPart NewPart()
    {
        var layout = new WindowLayout(new FeatureStoreOptions());
        var table = new FeatureTable(0, FeatureEvents.User, [FeatureEvents.Define(0, FeatureKind.Count, 60_000)], layout, 0);
        return new RecordPart(table);
    }
}
