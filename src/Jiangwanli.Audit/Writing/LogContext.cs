using Jiangwanli.Audit.Storage;

namespace Jiangwanli.Audit.Writing;

/// <summary>What every part of an open log shares: configuration, file system, clock and observer.</summary>
internal sealed class LogContext
{
    public LogContext(AuditLogOptions options, ISegmentStorage storage, IAuditObserver? observer, TimeProvider time)
    {
        Options = options;
        Storage = storage;
        Observer = new SafeObserver(observer);
        Time = time;
        Directory = Path.GetFullPath(options.Directory);
    }

    public AuditLogOptions Options { get; }

    public ISegmentStorage Storage { get; }

    public SafeObserver Observer { get; }

    public TimeProvider Time { get; }

    /// <summary>Full path of the log directory.</summary>
    public string Directory { get; }

    public long NowUnixMs => Time.GetUtcNow().ToUnixTimeMilliseconds();
}

/// <summary>Calls the observer, if any, and never lets its exceptions reach the log's threads.</summary>
internal sealed class SafeObserver(IAuditObserver? observer)
{
    public bool BatchWrittenWanted { get; } = observer is not null;

    public void Recovered(AuditRecoveryReport report) => Call(o => o.OnRecovered(report));

    public void Truncated(AuditTruncation truncation) => Call(o => o.OnTruncated(truncation));

    public void BatchWritten(in AuditBatchInfo batch)
    {
        if (observer is null)
        {
            return;
        }

        try
        {
            observer.OnBatchWritten(batch);
        }
        catch (Exception)
        {
            // The observer's problem must not become the log's: swallow.
        }
    }

    public void Failed(AuditFailure failure) => Call(o => o.OnFailed(failure));

    public void Resumed(AuditResumption resumption) => Call(o => o.OnResumed(resumption));

    public void SegmentCreated(AuditSegmentInfo segment) => Call(o => o.OnSegmentCreated(segment));

    public void SegmentRetired(AuditSegmentInfo segment, string? archivedPath) => Call(o => o.OnSegmentRetired(segment, archivedPath));

    public void BackgroundError(string operation, Exception error) => Call(o => o.OnBackgroundError(operation, error));

    // Rare events only (closures allocate); the per-batch callback above has its own path.
    private void Call(Action<IAuditObserver> action)
    {
        if (observer is null)
        {
            return;
        }

        try
        {
            action(observer);
        }
        catch (Exception)
        {
            // The observer's problem must not become the log's: swallow.
        }
    }
}
