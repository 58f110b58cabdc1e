using Jiangwanli.Audit;
using Jiangwanli.Server.Configuration;
using Microsoft.Extensions.Logging;

namespace Jiangwanli.Server.Decisions;

/// <summary>
/// Owns the audit log (<see cref="AuditLog"/>) of the running service: opens it from the settings, hands it to the
/// decision endpoints, closes it last at shutdown (after the requests have drained).
/// </summary>
internal sealed class DecisionLog : IAsyncDisposable
{
    private DecisionLog(AuditLog? audit, string durability)
    {
        Audit = audit;
        Durability = durability;
    }

    /// <summary>No log (offline decisions, or <c>Audit:Enabled=false</c>).</summary>
    public static DecisionLog Disabled { get; } = new(null, "off");

    /// <summary>The log, or null when decisions are not recorded.</summary>
    public AuditLog? Audit { get; }

    /// <summary>The configured durability, for logs.</summary>
    public string Durability { get; }

    /// <summary>Wraps an already open log (tests drive the endpoints with a log of their own).</summary>
    internal static DecisionLog Of(AuditLog audit, string durability) => new(audit, durability);

    /// <summary>
    /// Opens (and recovers) the log. Throws <see cref="IOException"/> when it cannot: another process holds the
    /// directory, or recovery found damage it must not repair on its own (<see cref="AuditLogCorruptException"/>).
    /// </summary>
    /// <param name="directory">The segment folder.</param>
    /// <param name="settings">The <c>Jiangwanli:Audit</c> section.</param>
    /// <param name="maxEventBytes">The event size limit (sizes the largest record).</param>
    /// <param name="loggers">For the log's observer.</param>
    /// <param name="rejectWhenFull">
    /// True when admission control is on: the decision endpoints release their admission slot once the record is
    /// handed to the log, so the log's bounded queue is what bounds the requests waiting for the disk, and a full
    /// queue must refuse (503, fail closed) rather than queue without bound. False (admission off): appends wait for
    /// room, as before.
    /// </param>
    public static DecisionLog Open(string directory, AuditSettings settings, int maxEventBytes, ILoggerFactory loggers, bool rejectWhenFull = false)
    {
        var options = new AuditLogOptions
        {
            Directory = directory,
            Durability = ParseDurability(settings.Durability),
            FlushInterval = settings.FlushInterval,
            SegmentBytes = settings.SegmentBytes,
            FailOpen = settings.FailOpen,
            RetentionMaxAge = settings.RetentionMaxAge,
            RetentionMaxBytes = settings.RetentionMaxBytes,
            QueueFullMode = rejectWhenFull ? AuditQueueFullMode.Reject : AuditQueueFullMode.Wait,

            // A record is the event plus its decision and features: leave generous room above the event limit.
            MaxPayloadBytes = (int)Math.Min(16L << 20, Math.Max(1L << 20, (maxEventBytes * 2L) + (64 << 10))),
        };
        options.SegmentBytes = Math.Max(options.SegmentBytes, options.MaxPayloadBytes + (1L << 20));
        options.QueueCapacityBytes = Math.Max(options.QueueCapacityBytes, options.MaxPayloadBytes + 64);
        var audit = AuditLog.Open(options, new DecisionLogObserver(loggers.CreateLogger("Jiangwanli.Audit")));
        return new DecisionLog(audit, settings.Durability);
    }

    /// <summary>Maps the configuration word to the log's setting.</summary>
    public static AuditDurability ParseDurability(string text) => text switch
    {
        "batch" => AuditDurability.Batch,
        "none" => AuditDurability.None,
        _ => AuditDurability.Fsync,
    };

    /// <summary>Writes and flushes what is queued, then closes the log.</summary>
    public ValueTask DisposeAsync() => Audit?.DisposeAsync() ?? ValueTask.CompletedTask;
}
