namespace Jiangwanli.Audit;

/// <summary>
/// What the audit log reports about itself; the server turns these into logs and metrics. Every method has an empty
/// default, so implement only what you need. Called on the log's own threads (writer, maintenance) or inside
/// <see cref="AuditLog.Open"/>: keep them quick and non-blocking; exceptions they throw are swallowed.
/// </summary>
public interface IAuditObserver
{
    /// <summary>Recovery finished during <see cref="AuditLog.Open"/> (also available as <see cref="AuditLog.Recovery"/>).</summary>
    void OnRecovered(AuditRecoveryReport report)
    {
    }

    /// <summary>
    /// Recovery cut a torn tail (half-written record or garbage after the last valid record). Called before
    /// <see cref="OnRecovered"/>.
    /// </summary>
    void OnTruncated(AuditTruncation truncation)
    {
    }

    /// <summary>
    /// A batch was written (and flushed in fsync mode). Called once per batch, one call at a time, on the thread that
    /// wrote it: the writer thread, or in batch and none modes possibly an appending thread.
    /// </summary>
    void OnBatchWritten(in AuditBatchInfo batch)
    {
    }

    /// <summary>The log entered the failed state: appends fail (or fail open) until a retry succeeds.</summary>
    void OnFailed(AuditFailure failure)
    {
    }

    /// <summary>A retry succeeded; the log is healthy again.</summary>
    void OnResumed(AuditResumption resumption)
    {
    }

    /// <summary>A new segment became the active one.</summary>
    void OnSegmentCreated(AuditSegmentInfo segment)
    {
    }

    /// <summary>Retention retired a segment: deleted it, or moved it to <paramref name="archivedPath"/>.</summary>
    void OnSegmentRetired(AuditSegmentInfo segment, string? archivedPath)
    {
    }

    /// <summary>
    /// A background task failed without stopping appends (preparing the next segment, retention, trimming a sealed
    /// segment). It is retried.
    /// </summary>
    void OnBackgroundError(string operation, Exception error)
    {
    }
}

/// <summary>One group-commit batch, as reported to <see cref="IAuditObserver.OnBatchWritten"/>.</summary>
/// <param name="Records">Records written.</param>
/// <param name="Bytes">Bytes written (framed records).</param>
/// <param name="LastSequence">Sequence number of the last record.</param>
/// <param name="WriteMicroseconds">Time spent in the write call(s).</param>
/// <param name="FlushMicroseconds">
/// Time from the start of the flush until both the flush and the chain hashing that overlaps it were done (0 when the
/// mode did not flush).
/// </param>
public readonly record struct AuditBatchInfo(int Records, long Bytes, ulong LastSequence, long WriteMicroseconds, long FlushMicroseconds);

/// <summary>Why the log failed (see <see cref="IAuditObserver.OnFailed"/>).</summary>
/// <param name="Operation">What was being done: "write", "flush", "new segment", "resume".</param>
/// <param name="Error">The exception the operating system reported.</param>
/// <param name="FailOpen">Whether appends are now accepted unwritten (<see cref="AuditLogOptions.FailOpen"/>).</param>
public sealed record AuditFailure(string Operation, Exception Error, bool FailOpen);

/// <summary>The end of a failure (see <see cref="IAuditObserver.OnResumed"/>).</summary>
/// <param name="Downtime">How long the log was failed.</param>
/// <param name="FailedAppends">Appends completed with <see cref="AuditAppendStatus.Failed"/> meanwhile.</param>
/// <param name="FailOpenAppends">Appends completed with <see cref="AuditAppendStatus.NotWritten"/> meanwhile.</param>
public sealed record AuditResumption(TimeSpan Downtime, long FailedAppends, long FailOpenAppends);
