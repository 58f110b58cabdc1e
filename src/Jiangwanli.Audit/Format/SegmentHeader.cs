using System.Buffers.Binary;

namespace Jiangwanli.Audit.Format;

/// <summary>
/// The header at offset 0 of every segment file. Format version 1.
/// </summary>
/// <remarks>
/// <code>
///  0                8        10       12               16                       24                       32
///  +----------------+--------+--------+----------------+------------------------+------------------------+
///  | magic          | version| header | header CRC-32C | first sequence number  | created, unix ms       |
///  | "JWLAUDIT"     | u16 = 1| length | u32            | u64                    | i64                    |
///  |                |        | u16=64 |                |                        |                        |
///  +----------------+--------+--------+----------------+------------------------+------------------------+
///  32                                                                                                    64
///  +-----------------------------------------------------------------------------------------------------+
///  | previous hash: the chain value h[first - 1], i.e. the hash after the previous segment's last record  |
///  | (32 bytes of SHA-256; all zero when the segment starts the log at sequence 1)                         |
///  +-----------------------------------------------------------------------------------------------------+
///  64: first record frame (see RecordFrame)
/// </code>
/// All integers little endian. The header CRC-32C covers bytes [0,12) ‖ [16,64), i.e. every byte but itself.
/// The file is named after its first sequence number, 20 decimal digits, so names sort in log order
/// (<c>00000000000000000001.seg</c>). "Created" is the timestamp the writer gave the segment's first batch; record
/// timestamps never go backwards, so every record of a segment has
/// <c>created[i] ≤ timestamp ≤ created[i+1]</c>, which lets retention and time seeks read headers only.
/// Changing any of this means a new version number and a new golden-bytes test.
/// </remarks>
internal readonly struct SegmentHeader
{
    /// <summary>Bytes in the header; the first record frame starts here.</summary>
    public const int Size = 64;

    /// <summary>The format version this code writes and reads.</summary>
    public const ushort CurrentVersion = 1;

    /// <summary>Offset of the previous-hash field.</summary>
    public const int PreviousHashOffset = 32;

    /// <summary>"JWLAUDIT" in ASCII, read as a little-endian u64.</summary>
    private const ulong Magic = 0x5449_4455_414C_574AUL;

    public SegmentHeader(ulong firstSequence, long createdUnixMs, in ChainHash previousHash)
    {
        FirstSequence = firstSequence;
        CreatedUnixMs = createdUnixMs;
        PreviousHash = previousHash;
    }

    /// <summary>Sequence number of the segment's first record.</summary>
    public ulong FirstSequence { get; }

    /// <summary>When the segment was started (unix ms).</summary>
    public long CreatedUnixMs { get; }

    /// <summary>Chain value before the segment's first record.</summary>
    public ChainHash PreviousHash { get; }

    /// <summary>Writes the 64 header bytes.</summary>
    public void Write(Span<byte> destination)
    {
        var header = destination[..Size];
        BinaryPrimitives.WriteUInt64LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], CurrentVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(header[10..], Size);
        BinaryPrimitives.WriteUInt64LittleEndian(header[16..], FirstSequence);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], CreatedUnixMs);
        var previous = PreviousHash;
        ((ReadOnlySpan<byte>)previous).CopyTo(header[PreviousHashOffset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], ComputeCrc(header));
    }

    /// <summary>Parses and checks a header; on failure says what is wrong.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out SegmentHeader header, out string? problem)
    {
        header = default;
        if (source.Length < Size)
        {
            problem = $"file is {source.Length} bytes, shorter than the {Size}-byte header";
            return false;
        }

        if (BinaryPrimitives.ReadUInt64LittleEndian(source) != Magic)
        {
            problem = "bad magic (not a Jiangwanli audit segment)";
            return false;
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(source[8..]);
        if (version != CurrentVersion)
        {
            problem = $"unsupported format version {version} (this build reads version {CurrentVersion})";
            return false;
        }

        var length = BinaryPrimitives.ReadUInt16LittleEndian(source[10..]);
        if (length != Size)
        {
            problem = $"header length {length}, expected {Size}";
            return false;
        }

        var stored = BinaryPrimitives.ReadUInt32LittleEndian(source[12..]);
        var computed = ComputeCrc(source);
        if (stored != computed)
        {
            problem = $"header CRC mismatch (stored 0x{stored:x8}, computed 0x{computed:x8})";
            return false;
        }

        ChainHash previous = default;
        source.Slice(PreviousHashOffset, ChainHash.Size).CopyTo(previous);
        header = new SegmentHeader(
            BinaryPrimitives.ReadUInt64LittleEndian(source[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(source[24..]),
            previous);
        problem = null;
        return true;
    }

    private static uint ComputeCrc(ReadOnlySpan<byte> header) =>
        Crc32C.Append(Crc32C.Compute(header[..12]), header[16..Size]);
}
