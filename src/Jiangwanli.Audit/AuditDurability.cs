namespace Jiangwanli.Audit;

/// <summary>When an append is acknowledged, relative to the disk.</summary>
public enum AuditDurability
{
    /// <summary>
    /// Default. An append completes after its record is written and flushed to disk (fdatasync) together with the rest
    /// of its group-commit batch: an acknowledged record survives a crash or power loss.
    /// </summary>
    Fsync = 0,

    /// <summary>
    /// An append completes after its record is written to the operating system; every
    /// <see cref="AuditLogOptions.FlushInterval"/> a background thread flushes what was written (appends go on being
    /// written meanwhile). A process crash loses nothing; a power loss or kernel crash may lose the acknowledged records
    /// of up to one interval plus the duration of one flush. A flush that fails puts the log in the failed state.
    /// </summary>
    Batch = 1,

    /// <summary>
    /// An append completes after its record is written to the operating system; the log never flushes on its own
    /// except when it starts a new segment and when it is disposed. The OS decides when data reaches the disk.
    /// </summary>
    None = 2,
}

/// <summary>What <see cref="AuditLog.AppendAsync"/> does when the queue is full.</summary>
public enum AuditQueueFullMode
{
    /// <summary>
    /// Default. The append waits for room: its payload is copied into a pooled buffer and queued behind the full batch,
    /// in arrival order. Memory is bounded by the number of concurrent callers (the server's admission control).
    /// </summary>
    Wait = 0,

    /// <summary>The append completes at once with <see cref="AuditAppendStatus.Rejected"/> (the server answers 503).</summary>
    Reject = 1,
}

/// <summary>The writer's state.</summary>
public enum AuditLogState
{
    /// <summary>Writing and acknowledging.</summary>
    Healthy = 0,

    /// <summary>
    /// A write, flush or segment creation failed. Appends complete with <see cref="AuditAppendStatus.Failed"/>
    /// (or <see cref="AuditAppendStatus.NotWritten"/> with <see cref="AuditLogOptions.FailOpen"/>) until a retry succeeds.
    /// </summary>
    Failed = 1,

    /// <summary>Disposed.</summary>
    Closed = 2,
}
