using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Engine.Events;

public sealed partial class EventReader
{
    internal enum Reserved : byte
    {
        None,
        Id,
        Timestamp,
    }

    /// <summary>What a property name means to the reader: a schema field, a reserved name, or both.</summary>
    internal sealed class NameEntry(byte[] name, SchemaField? field, Reserved reserved)
    {
        public readonly byte[] Name = name;
        public readonly SchemaField? Field = field;
        public readonly Reserved Reserved = reserved;
        public readonly ulong Head = NameTable.HeadOf(name);
        public readonly ulong Tail = NameTable.TailOf(name);

        /// <summary>
        /// The bytes that follow the opening quote of this property in compact JSON: the name, its closing quote and
        /// the colon — null when the name is not plain printable ASCII without <c>"</c> or <c>\</c> (then those raw
        /// bytes would not be the JSON spelling of the name, and only the scanning path may read it) — with its first
        /// and last 8 bytes as words.
        /// </summary>
        private readonly CompactPrefix _prefix = CompactPrefix.Of(name);

        /// <summary>Length of <see cref="IsCompactPrefixOf"/>'s match: name, quote and colon.</summary>
        public int CompactPrefixLength => _prefix.Bytes?.Length ?? 0;

        /// <summary>
        /// True when the bytes of <paramref name="json"/> from <paramref name="at"/> (just after an opening quote) are
        /// this name, its closing quote and a colon — so the property is this one and its value follows, with no scan
        /// for the end of the name: one or two 8-byte compares for names of up to 14 bytes.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool IsCompactPrefixOf(ReadOnlySpan<byte> json, int at)
        {
            var prefix = _prefix.Bytes;
            if (prefix is null)
            {
                return false;
            }

            var n = prefix.Length;
            if (json.Length - at < 16 || n > 16)
            {
                return json[at..].StartsWith(prefix);
            }

            // At least 16 bytes from at: both words lie inside the input.
            ref var p = ref Unsafe.Add(ref MemoryMarshal.GetReference(json), at);
            var head = Unsafe.ReadUnaligned<ulong>(ref p);
            return n <= 8
                ? (head & _prefix.HeadMask) == _prefix.Head
                : head == _prefix.Head && Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, n - 8)) == _prefix.Tail;
        }

        /// <summary>True when <paramref name="name"/> is this entry's name (same length, head and tail words, and for
        /// names over 16 bytes the same bytes).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Is(ReadOnlySpan<byte> name)
            => name.Length == Name.Length && NameTable.HeadOf(name) == Head && NameTable.TailOf(name) == Tail
                && (name.Length <= NameTable.ExactWords || name.SequenceEqual(Name));

        /// <summary>See <see cref="_prefix"/>. Words are in the machine's byte order, as
        /// <see cref="Unsafe.ReadUnaligned{T}(ref readonly byte)"/> reads them.</summary>
        private readonly struct CompactPrefix
        {
            public readonly byte[]? Bytes;
            public readonly ulong Head;
            public readonly ulong HeadMask;
            public readonly ulong Tail;

            private CompactPrefix(byte[] bytes)
            {
                Bytes = bytes;
                Span<byte> word = stackalloc byte[8];
                word.Clear();
                var headBytes = Math.Min(8, bytes.Length);
                bytes.AsSpan(0, headBytes).CopyTo(word);
                Head = MemoryMarshal.Read<ulong>(word);
                word.Clear();
                word[..headBytes].Fill(0xFF);
                HeadMask = MemoryMarshal.Read<ulong>(word);
                Tail = bytes.Length > 8 ? MemoryMarshal.Read<ulong>(bytes.AsSpan(bytes.Length - 8)) : 0;
            }

            public static CompactPrefix Of(byte[] name)
            {
                foreach (var b in name)
                {
                    if (b is < 0x20 or >= 0x7F or (byte)'"' or (byte)'\\')
                    {
                        return default;
                    }
                }

                return new CompactPrefix([.. name, (byte)'"', (byte)':']);
            }
        }
    }

    /// <summary>
    /// Property name → <see cref="NameEntry"/> without hashing the name: entries are grouped by length, and a name is
    /// compared as two words (its first and last 8 bytes, or fewer for short names). For names of at most 16 bytes
    /// the two words cover every byte, so equal length + equal words is an exact match; longer names are also
    /// compared byte by byte. A pack has a handful of names per length, so this is one or two compares per property,
    /// where xxHash64 of the name cost more than the whole lookup.
    /// </summary>
    internal sealed class NameTable
    {
        public const int ExactWords = 16;

        private readonly NameEntry[]?[] _byLength;

        public NameTable(IReadOnlyList<SchemaField> fields)
        {
            var entries = new Dictionary<string, NameEntry>(StringComparer.Ordinal);
            var max = TimestampUtf8.Length;
            foreach (var f in fields)
            {
                var reserved = f.Name switch
                {
                    IdName => Reserved.Id,
                    TimestampName => Reserved.Timestamp,
                    _ => Reserved.None,
                };
                entries[f.Name] = new NameEntry(f.Utf8Name, f, reserved);
                max = Math.Max(max, f.Utf8Name.Length);
            }

            entries.TryAdd(IdName, new NameEntry(IdUtf8.ToArray(), null, Reserved.Id));
            entries.TryAdd(TimestampName, new NameEntry(TimestampUtf8.ToArray(), null, Reserved.Timestamp));

            var lists = new List<NameEntry>?[max + 1];
            foreach (var e in entries.Values)
            {
                (lists[e.Name.Length] ??= []).Add(e);
            }

            _byLength = new NameEntry[]?[max + 1];
            for (var i = 0; i < lists.Length; i++)
            {
                _byLength[i] = lists[i]?.ToArray();
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public NameEntry? Find(ReadOnlySpan<byte> name)
        {
            var byLength = _byLength;
            if ((uint)name.Length >= (uint)byLength.Length || byLength[name.Length] is not { } candidates)
            {
                return null;
            }

            var head = HeadOf(name);
            var tail = TailOf(name);
            foreach (var e in candidates)
            {
                if (e.Head == head && e.Tail == tail && (name.Length <= ExactWords || name.SequenceEqual(e.Name)))
                {
                    return e;
                }
            }

            return null;
        }

        /// <summary>The first 8 bytes (fewer, zero-extended, for a shorter name).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong HeadOf(ReadOnlySpan<byte> name) => name.Length switch
        {
            >= 8 => BinaryPrimitives.ReadUInt64LittleEndian(name),
            >= 4 => BinaryPrimitives.ReadUInt32LittleEndian(name),
            >= 2 => BinaryPrimitives.ReadUInt16LittleEndian(name),
            1 => name[0],
            _ => 0,
        };

        /// <summary>The last 8 bytes (fewer, zero-extended, for a shorter name); with the head and the length it fixes
        /// a name of up to 16 bytes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong TailOf(ReadOnlySpan<byte> name) => name.Length switch
        {
            >= 8 => BinaryPrimitives.ReadUInt64LittleEndian(name[^8..]),
            >= 4 => BinaryPrimitives.ReadUInt32LittleEndian(name[^4..]),
            >= 2 => BinaryPrimitives.ReadUInt16LittleEndian(name[^2..]),
            _ => 0,
        };
    }
}
