namespace Jiangwanli.Audit;

/// <summary>One segment file, for listing and streaming (management endpoint, <c>jwl audit</c>).</summary>
/// <param name="Name">File name, e.g. <c>00000000000000000001.seg</c>.</param>
/// <param name="Path">Full path.</param>
/// <param name="FirstSequence">Sequence number of its first record.</param>
/// <param name="Length">
/// Bytes that hold the header and complete records: stream exactly this many (for the active segment the file is
/// longer, zero-filled).
/// </param>
/// <param name="Created">When the segment was started.</param>
/// <param name="IsActive">True for the segment being appended to.</param>
public sealed record AuditSegmentInfo(string Name, string Path, ulong FirstSequence, long Length, DateTimeOffset Created, bool IsActive);

/// <summary>Counters of an <see cref="AuditLog"/> since it was opened.</summary>
/// <param name="State">Current state.</param>
/// <param name="RecordsWritten">Records written (and flushed in fsync mode).</param>
/// <param name="BytesWritten">Framed bytes written.</param>
/// <param name="Batches">Group-commit batches written.</param>
/// <param name="Flushes">Flushes to disk.</param>
/// <param name="FailedAppends">Appends completed with <see cref="AuditAppendStatus.Failed"/>.</param>
/// <param name="FailOpenAppends">Appends completed with <see cref="AuditAppendStatus.NotWritten"/>.</param>
/// <param name="RejectedAppends">Appends completed with <see cref="AuditAppendStatus.Rejected"/>.</param>
/// <param name="LastSequence">Sequence number of the last record written.</param>
public readonly record struct AuditLogStatistics(
    AuditLogState State,
    long RecordsWritten,
    long BytesWritten,
    long Batches,
    long Flushes,
    long FailedAppends,
    long FailOpenAppends,
    long RejectedAppends,
    ulong LastSequence);

/// <summary>
/// The head of the chain: the last written sequence number and the chain value after it. Publishing it (logs, a
/// notary) anchors the active segment, whose records have no later header to vouch for them; see
/// <see cref="AuditVerifyOptions.Anchor"/>.
/// </summary>
/// <param name="Sequence">Last written sequence number (0 for an empty log).</param>
/// <param name="Hash">Chain value after it, lower-case hex (64 characters).</param>
public sealed record AuditHead(ulong Sequence, string Hash);

/// <summary>
/// The audit directory is damaged in a way recovery will not repair on its own (e.g. the newest segment's header is
/// invalid). Run <c>jwl audit verify</c>; nothing was changed.
/// </summary>
public sealed class AuditLogCorruptException : IOException
{
    /// <summary>Creates the exception.</summary>
    public AuditLogCorruptException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public AuditLogCorruptException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public AuditLogCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
