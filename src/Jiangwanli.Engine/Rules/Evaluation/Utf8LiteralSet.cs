using System.Numerics;

namespace Jiangwanli.Engine.Rules.Evaluation;

/// <summary>
/// An immutable set of UTF-8 strings fixed at compile time (the literals of <c>x in ["CN", "HK", ...]</c>), looked
/// up without allocating. Up to <see cref="LinearLimit"/> entries it compares bytes one by one; beyond, it is an
/// open-addressing table keyed by <see cref="StableHash.Hash64"/>, comparing the hash and then the bytes.
/// </summary>
internal sealed class Utf8LiteralSet
{
    private const int LinearLimit = 6;

    private readonly byte[][] _linear;
    private readonly ulong[] _hashes;
    private readonly byte[]?[] _slots;
    private readonly int _mask;

    public Utf8LiteralSet(IReadOnlyList<byte[]> items)
    {
        var distinct = new List<byte[]>(items.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (seen.Add(Convert.ToBase64String(item)))
            {
                distinct.Add(item);
            }
        }

        Count = distinct.Count;
        if (distinct.Count <= LinearLimit)
        {
            _linear = [.. distinct];
            _hashes = [];
            _slots = [];
            return;
        }

        _linear = [];
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)(distinct.Count * 2));
        _mask = capacity - 1;
        _hashes = new ulong[capacity];
        _slots = new byte[capacity][];
        foreach (var item in distinct)
        {
            var hash = StableHash.Hash64(item);
            var i = (int)(hash & (ulong)_mask);
            while (_slots[i] is not null)
            {
                i = (i + 1) & _mask;
            }

            _hashes[i] = hash;
            _slots[i] = item;
        }
    }

    /// <summary>Number of distinct entries.</summary>
    public int Count { get; }

    public bool Contains(ReadOnlySpan<byte> value)
    {
        if (_slots.Length == 0)
        {
            foreach (var item in _linear)
            {
                if (value.SequenceEqual(item))
                {
                    return true;
                }
            }

            return false;
        }

        var hash = StableHash.Hash64(value);
        var i = (int)(hash & (ulong)_mask);
        // The table is at most half full, so probing always reaches an empty slot.
        while (_slots[i] is { } candidate)
        {
            if (_hashes[i] == hash && value.SequenceEqual(candidate))
            {
                return true;
            }

            i = (i + 1) & _mask;
        }

        return false;
    }
}
