namespace Jiangwanli.Audit;

/// <summary>What kind of damage <see cref="AuditVerifier"/> found.</summary>
public enum AuditVerifyReason
{
    /// <summary>A segment header is invalid (magic, version, length, CRC) or disagrees with its file name.</summary>
    Header,

    /// <summary>A length field is impossible (below 24, past the end of the file) or cut short.</summary>
    Framing,

    /// <summary>A record's CRC-32C does not match its bytes.</summary>
    Crc,

    /// <summary>
    /// The hash chain breaks: a segment header's previous hash differs from the chain computed over the records
    /// before it (records edited with recomputed CRCs, or a segment replaced), or the first segment claims to start
    /// the log but carries a non-zero previous hash.
    /// </summary>
    Chain,

    /// <summary>Sequence numbers are not consecutive (records or segments missing, duplicated or reordered).</summary>
    SequenceGap,

    /// <summary>A timestamp is earlier than the one before it.</summary>
    TimestampOrder,

    /// <summary>Non-zero bytes after a segment's end-of-data marker.</summary>
    TrailingData,

    /// <summary>The chain value at the anchor's sequence differs from the anchor, or the log ends before it.</summary>
    Anchor,
}

/// <summary>The first damage found.</summary>
/// <param name="Reason">What kind of damage.</param>
/// <param name="Sequence">The sequence number of the first bad record (the one expected at <paramref name="Offset"/>).</param>
/// <param name="Segment">Segment file name.</param>
/// <param name="Offset">Byte offset in the segment where the damage was found.</param>
/// <param name="Message">A sentence for humans.</param>
public sealed record AuditVerifyFailure(AuditVerifyReason Reason, ulong Sequence, string Segment, long Offset, string Message);

/// <summary>Options of <see cref="AuditVerifier.Verify(string, AuditVerifyOptions?, CancellationToken)"/>.</summary>
public sealed class AuditVerifyOptions
{
    /// <summary>
    /// A published chain head (<see cref="AuditLog.GetHead"/>) to check the log against. Without one, records edited
    /// with recomputed CRCs in the active segment are undetectable: no later header vouches for them.
    /// </summary>
    public AuditHead? Anchor { get; set; }
}

/// <summary>The outcome of <see cref="AuditVerifier.Verify(string, AuditVerifyOptions?, CancellationToken)"/>.</summary>
public sealed class AuditVerifyResult
{
    /// <summary>True when no damage was found.</summary>
    public bool IsValid => Failure is null;

    /// <summary>The first damage found, or null.</summary>
    public AuditVerifyFailure? Failure { get; init; }

    /// <summary>Segments checked.</summary>
    public int SegmentCount { get; init; }

    /// <summary>Valid records before the first damage (all records when valid).</summary>
    public long RecordCount { get; init; }

    /// <summary>Sequence number of the oldest kept record's segment start (1 unless retention removed older segments).</summary>
    public ulong FirstSequence { get; init; }

    /// <summary>Sequence number of the last valid record (0 when none).</summary>
    public ulong LastSequence { get; init; }

    /// <summary>Chain value after <see cref="LastSequence"/>, lower-case hex.</summary>
    public string LastHash { get; init; } = "";

    /// <summary>True when the oldest segment starts the log (sequence 1, zero previous hash); false after retention.</summary>
    public bool StartsAtGenesis { get; init; }

    /// <summary>True when an anchor was given and checked.</summary>
    public bool AnchorChecked { get; init; }
}
