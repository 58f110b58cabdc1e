using System.Runtime.InteropServices;

namespace Jiangwanli.Audit;

/// <summary>One record read back from the log.</summary>
[StructLayout(LayoutKind.Auto)]
public readonly struct AuditRecord
{
    /// <summary>Creates a record.</summary>
    public AuditRecord(ulong sequence, long timestampUnixMs, ReadOnlyMemory<byte> payload)
    {
        Sequence = sequence;
        TimestampUnixMs = timestampUnixMs;
        Payload = payload;
    }

    /// <summary>Sequence number (1, 2, 3, … with no gaps).</summary>
    public ulong Sequence { get; }

    /// <summary>When the writer wrote it (unix ms); never decreases along the log.</summary>
    public long TimestampUnixMs { get; }

    /// <summary>
    /// The payload as appended. From <see cref="AuditReader.TryRead"/> it points into the reader's buffer and is valid
    /// only until the next read; copy it to keep it.
    /// </summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary><see cref="TimestampUnixMs"/> as a time.</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(TimestampUnixMs);
}
