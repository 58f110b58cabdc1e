using Jiangwanli.Engine.Workload;

namespace Jiangwanli.Cli.Bench;

/// <summary>
/// The request bodies of a run, built once before the clock starts: events from the engine's seeded
/// <see cref="EventGenerator"/> or lines of a JSONL file, packed into one array.
/// </summary>
internal sealed class EventBodies
{
    private readonly byte[] _bytes;
    private readonly int[] _offsets;

    private EventBodies(byte[] bytes, int[] offsets)
    {
        _bytes = bytes;
        _offsets = offsets;
    }

    /// <summary>Number of bodies.</summary>
    public int Count => _offsets.Length - 1;

    /// <summary>Body <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>).</summary>
    public ReadOnlySpan<byte> this[int index] => _bytes.AsSpan(_offsets[index], _offsets[index + 1] - _offsets[index]);

    /// <summary>Total bytes of all bodies.</summary>
    public long TotalBytes => _offsets[^1];

    /// <summary><paramref name="count"/> events from the deterministic generator seeded with <paramref name="seed"/>.</summary>
    public static EventBodies FromGenerator(int seed, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        using var generator = new EventGenerator(new EventGeneratorOptions { Seed = seed });
        var offsets = new int[count + 1];
        var bytes = new byte[count * 320];
        var length = 0;
        for (var i = 0; i < count; i++)
        {
            var next = generator.Next();
            if (length + next.Length > bytes.Length)
            {
                Array.Resize(ref bytes, Math.Max(bytes.Length * 2, length + next.Length));
            }

            next.CopyTo(bytes.AsSpan(length));
            length += next.Length;
            offsets[i + 1] = length;
        }

        return new EventBodies(bytes, offsets);
    }

    /// <summary>
    /// The non-blank lines of a JSONL file, at most <paramref name="maxCount"/> of them; each line is one request body
    /// (trailing <c>\r</c> and surrounding blanks trimmed).
    /// </summary>
    public static EventBodies FromJsonLines(ReadOnlySpan<byte> content, int maxCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        var bytes = new byte[content.Length];
        var offsets = new List<int> { 0 };
        var length = 0;
        var rest = content;
        while (!rest.IsEmpty && offsets.Count <= maxCount)
        {
            var newline = rest.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? [] : rest[(newline + 1)..];
            line = line.Trim(" \t\r"u8);
            if (line.IsEmpty)
            {
                continue;
            }

            line.CopyTo(bytes.AsSpan(length));
            length += line.Length;
            offsets.Add(length);
        }

        if (offsets.Count == 1)
        {
            throw new InvalidDataException("the events file holds no events (one JSON object per line expected).");
        }

        return new EventBodies(bytes, [.. offsets]);
    }
}
