namespace Jiangwanli.Audit;

/// <summary>What <see cref="AuditLog.Open"/> found and did before accepting appends.</summary>
public sealed class AuditRecoveryReport
{
    /// <summary>Segment files found (0 for a new log).</summary>
    public int SegmentsFound { get; init; }

    /// <summary>True when the directory held no segment and a new log was started at sequence 1.</summary>
    public bool CreatedNewLog { get; init; }

    /// <summary>The active segment the writer continues in.</summary>
    public string ActiveSegment { get; init; } = "";

    /// <summary>Records of the active segment verified (CRC, sequence and chain) during recovery.</summary>
    public long RecordsVerified { get; init; }

    /// <summary>Sequence number of the last record kept (0 when the log is empty).</summary>
    public ulong LastSequence { get; init; }

    /// <summary>Chain value after the last record kept, lower-case hex.</summary>
    public string LastHash { get; init; } = "";

    /// <summary>The torn tail that was cut, if any.</summary>
    public AuditTruncation? Truncation { get; init; }

    /// <summary>Leftover temporary files (half-prepared segments) deleted.</summary>
    public int TemporaryFilesRemoved { get; init; }

    /// <summary>How long recovery took.</summary>
    public TimeSpan Elapsed { get; init; }
}

/// <summary>
/// A torn tail cut by recovery. The cut bytes are first copied to <see cref="QuarantinePath"/>, so nothing is
/// destroyed: a record that follows a torn one cannot be kept in the chain, but it can still be inspected.
/// </summary>
/// <param name="Segment">Segment file name.</param>
/// <param name="Offset">Offset where the first invalid frame started; everything before it was kept.</param>
/// <param name="Bytes">Non-zero bytes cut: from <paramref name="Offset"/> to the last non-zero byte of the file.</param>
/// <param name="Reason">Why the frame at <paramref name="Offset"/> was invalid.</param>
/// <param name="QuarantinePath">File holding the cut bytes.</param>
public sealed record AuditTruncation(string Segment, long Offset, long Bytes, string Reason, string QuarantinePath);
