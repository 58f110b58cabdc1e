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

    /// <summary>
    /// Opens (and recovers) the log. Throws <see cref="IOException"/> when it cannot: another process holds the
    /// directory, or recovery found damage it must not repair on its own (<see cref="AuditLogCorruptException"/>).
    /// </summary>
    public static DecisionLog Open(string directory, AuditSettings settings, int maxEventBytes, ILoggerFactory loggers)
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
