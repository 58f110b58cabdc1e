using Microsoft.Extensions.Logging;

namespace Jiangwanli.Server.Telemetry;

/// <summary>The service's log messages, source-generated: no formatting or boxing unless the level is on.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Jiangwanli decision API listening on {Urls}, serving pack {Version}")]
    public static partial void ListeningPublic(ILogger logger, string urls, string version);

    [LoggerMessage(2, LogLevel.Information, "Jiangwanli management (health, metrics, admin) listening on {Urls}")]
    public static partial void ListeningManagement(ILogger logger, string urls);

    [LoggerMessage(3, LogLevel.Information, "Rule pack {Version} loaded from {Path}: {Rules} rules, {Features} features, {Lists} lists")]
    public static partial void PackLoaded(ILogger logger, string version, string path, int rules, int features, int lists);

    [LoggerMessage(4, LogLevel.Information, "Rule pack swapped: {Previous} -> {Version} ({Rules} rules)")]
    public static partial void PackSwapped(ILogger logger, string previous, string version, int rules);

    [LoggerMessage(5, LogLevel.Warning, "Rule pack refused with {Count} errors; {Version} keeps serving. First: {First}")]
    public static partial void PackRefused(ILogger logger, int count, string version, string first);

    [LoggerMessage(6, LogLevel.Information, "List {Name} replaced: {Count} entries, persisted to {Path}")]
    public static partial void ListReplaced(ILogger logger, string name, int count, string path);

    [LoggerMessage(7, LogLevel.Information, "List {Name} restored from {Path}: {Count} entries")]
    public static partial void ListRestored(ILogger logger, string name, string path, int count);

    [LoggerMessage(8, LogLevel.Warning, "Persisted list {Path} ignored: {Reason}")]
    public static partial void ListOverrideIgnored(ILogger logger, string path, string reason);

    [LoggerMessage(9, LogLevel.Error, "Unhandled exception while serving {Method} {Path}")]
    public static partial void UnhandledException(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(10, LogLevel.Error, "The decision log could not record a decision ({Status}); answering 503")]
    public static partial void AuditRefused(ILogger logger, string status);

    [LoggerMessage(11, LogLevel.Warning, "No Jiangwanli:AdminToken is set: /admin accepts any local caller on {Urls}")]
    public static partial void AdminOpen(ILogger logger, string urls);

    [LoggerMessage(12, LogLevel.Information, "Shutting down: draining in-flight requests (up to {Timeout})")]
    public static partial void Draining(ILogger logger, TimeSpan timeout);

    [LoggerMessage(13, LogLevel.Information, "Requests drained; closing the decision log")]
    public static partial void ClosingAuditLog(ILogger logger);

    [LoggerMessage(14, LogLevel.Information, "Stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(15, LogLevel.Information, "Decision log: {Directory} (durability {Durability})")]
    public static partial void AuditOpened(ILogger logger, string directory, string durability);

    [LoggerMessage(16, LogLevel.Warning, "Decision log is disabled (Jiangwanli:Audit:Enabled=false): decisions are not recorded")]
    public static partial void AuditDisabled(ILogger logger);

    [LoggerMessage(17, LogLevel.Debug, "Request aborted by the client while serving {Path}")]
    public static partial void RequestAborted(ILogger logger, string path);

    [LoggerMessage(18, LogLevel.Warning, "Admin request refused ({Status}) from {Remote} for {Path}")]
    public static partial void AdminRefused(ILogger logger, int status, string? remote, string path);

    [LoggerMessage(19, LogLevel.Information, "Decision log recovered: {Segments} segments, {Records} records verified, last sequence {Sequence}, in {Milliseconds} ms")]
    public static partial void AuditRecovered(ILogger logger, int segments, long records, ulong sequence, double milliseconds);

    [LoggerMessage(20, LogLevel.Warning, "Decision log: torn tail cut in {Segment} at offset {Offset} ({Bytes} bytes): {Reason}; kept in {Quarantine}")]
    public static partial void AuditTruncated(ILogger logger, string segment, long offset, long bytes, string reason, string quarantine);

    [LoggerMessage(21, LogLevel.Error, "Decision log failed during {Operation}; failing {Mode}")]
    public static partial void AuditLogFailed(ILogger logger, Exception exception, string operation, string mode);

    [LoggerMessage(22, LogLevel.Information, "Decision log resumed after {Downtime}: {Failed} appends refused, {FailOpen} answered unlogged meanwhile")]
    public static partial void AuditResumed(ILogger logger, TimeSpan downtime, long failed, long failOpen);

    [LoggerMessage(23, LogLevel.Warning, "Decision log background task {Operation} failed; it is retried")]
    public static partial void AuditBackgroundError(ILogger logger, Exception exception, string operation);

    [LoggerMessage(24, LogLevel.Information, "Feature windows rebuilt from the decision log: {Replayed} records replayed, {Skipped} skipped, in {ElapsedMs} ms")]
    public static partial void FeaturesRebuilt(ILogger logger, long replayed, long skipped, long elapsedMs);
}
