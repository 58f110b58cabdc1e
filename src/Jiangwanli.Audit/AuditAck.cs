using System.Runtime.InteropServices;

namespace Jiangwanli.Audit;

/// <summary>How an append ended.</summary>
public enum AuditAppendStatus : byte
{
    /// <summary>Not a real status: the value of <c>default(AuditAck)</c>.</summary>
    Unknown = 0,

    /// <summary>Written and flushed to disk (<see cref="AuditDurability.Fsync"/>).</summary>
    Durable = 1,

    /// <summary>Written to the operating system, flushed later (<see cref="AuditDurability.Batch"/>, <see cref="AuditDurability.None"/>).</summary>
    Written = 2,

    /// <summary>
    /// Accepted without being written: the log is failed and <see cref="AuditLogOptions.FailOpen"/> is on. The record is
    /// not in the log; the count is in <see cref="AuditLogStatistics.FailOpenAppends"/>.
    /// </summary>
    NotWritten = 3,

    /// <summary>The queue was full and <see cref="AuditLogOptions.QueueFullMode"/> is <see cref="AuditQueueFullMode.Reject"/>.</summary>
    Rejected = 4,

    /// <summary>The log is failed (fail closed): the record was not written. See <see cref="IAuditObserver.OnFailed"/>.</summary>
    Failed = 5,

    /// <summary>The log was disposed before the record could be written.</summary>
    Closed = 6,
}

/// <summary>
/// The outcome of one append. Failures are values, not exceptions: check <see cref="IsAccepted"/> (may the decision be
/// answered?) and <see cref="Status"/>.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly struct AuditAck : IEquatable<AuditAck>
{
    /// <summary>Creates an acknowledgement.</summary>
    public AuditAck(AuditAppendStatus status, ulong sequence, long timestampUnixMs)
    {
        Status = status;
        Sequence = sequence;
        TimestampUnixMs = timestampUnixMs;
    }

    /// <summary>How the append ended.</summary>
    public AuditAppendStatus Status { get; }

    /// <summary>The record's sequence number; 0 when it was not written.</summary>
    public ulong Sequence { get; }

    /// <summary>The record's timestamp (unix ms) as stored; 0 when it was not written.</summary>
    public long TimestampUnixMs { get; }

    /// <summary>
    /// True for <see cref="AuditAppendStatus.Durable"/>, <see cref="AuditAppendStatus.Written"/> and
    /// <see cref="AuditAppendStatus.NotWritten"/>: the caller may acknowledge the decision under the configured policy.
    /// </summary>
    public bool IsAccepted => Status is AuditAppendStatus.Durable or AuditAppendStatus.Written or AuditAppendStatus.NotWritten;

    /// <summary>True when the record is in the log (durable or written).</summary>
    public bool IsWritten => Status is AuditAppendStatus.Durable or AuditAppendStatus.Written;

    /// <inheritdoc />
    public bool Equals(AuditAck other) =>
        Status == other.Status && Sequence == other.Sequence && TimestampUnixMs == other.TimestampUnixMs;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is AuditAck other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Status, Sequence, TimestampUnixMs);

    /// <inheritdoc />
    public override string ToString() => $"{Status} #{Sequence} @{TimestampUnixMs}";

    /// <summary>Equality.</summary>
    public static bool operator ==(AuditAck left, AuditAck right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(AuditAck left, AuditAck right) => !left.Equals(right);
}
