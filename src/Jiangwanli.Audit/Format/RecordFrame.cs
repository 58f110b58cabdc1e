using System.Buffers.Binary;

namespace Jiangwanli.Audit.Format;

/// <summary>
/// How one record is framed inside a segment (part of segment format version 1).
/// </summary>
/// <remarks>
/// <code>
///  0            4            8                         16                        24
///  +------------+------------+-------------------------+-------------------------+------------------------+
///  | length     | CRC-32C    | sequence number         | timestamp, unix ms      | payload                |
///  | u32        | u32        | u64                     | i64                     | (length - 24 bytes)    |
///  +------------+------------+-------------------------+-------------------------+------------------------+
/// </code>
/// All integers little endian. <c>length</c> is the whole frame including this 24-byte header, so a valid frame has
/// <c>length ≥ 24</c> and a zero length field marks the end of written data in a preallocated (zero-filled) segment.
/// The CRC-32C covers bytes [0,4) ‖ [8,length): every byte of the frame but itself.
/// Frames follow each other with no padding. The hash chain is <c>h[n] = SHA-256(h[n-1] ‖ frame[n])</c> where
/// <c>frame[n]</c> is the frame's bytes [0,length) exactly as stored (CRC included); hashes are not stored per record,
/// a verifier recomputes them and checks them against the next segment header (and any published head hash).
/// Sequence numbers start at 1 and increase by one; timestamps never decrease.
/// </remarks>
internal static class RecordFrame
{
    /// <summary>Bytes before the payload.</summary>
    public const int HeaderSize = 24;

    /// <summary>
    /// Largest frame any reader accepts (16 MiB of payload plus the header): a corrupt length field can never make a
    /// reader allocate more than this.
    /// </summary>
    public const int MaxFrameLength = (16 << 20) + HeaderSize;

    /// <summary>Reads the length field.</summary>
    public static int ReadLength(ReadOnlySpan<byte> frame) => (int)BinaryPrimitives.ReadUInt32LittleEndian(frame);

    /// <summary>Writes the length field (the producer does this when it queues the payload).</summary>
    public static void WriteLength(Span<byte> frame, int length) =>
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)length);

    /// <summary>
    /// Fills in sequence, timestamp and CRC of a frame whose length field and payload are already in place.
    /// </summary>
    public static void Seal(Span<byte> frame, ulong sequence, long timestampUnixMs)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(frame[8..], sequence);
        BinaryPrimitives.WriteInt64LittleEndian(frame[16..], timestampUnixMs);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], ComputeCrc(frame));
    }

    /// <summary>True when the stored CRC matches the frame's bytes. <paramref name="frame"/> is exactly one frame.</summary>
    public static bool CrcMatches(ReadOnlySpan<byte> frame) =>
        BinaryPrimitives.ReadUInt32LittleEndian(frame[4..]) == ComputeCrc(frame);

    /// <summary>The sequence number field.</summary>
    public static ulong ReadSequence(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadUInt64LittleEndian(frame[8..]);

    /// <summary>The timestamp field (unix ms).</summary>
    public static long ReadTimestamp(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadInt64LittleEndian(frame[16..]);

    private static uint ComputeCrc(ReadOnlySpan<byte> frame) => Crc32C.Append(Crc32C.Compute(frame[..4]), frame[8..]);
}
