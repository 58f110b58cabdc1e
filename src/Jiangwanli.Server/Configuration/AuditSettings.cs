namespace Jiangwanli.Server.Configuration;

/// <summary>Decision log settings (the <c>Jiangwanli:Audit</c> section); see the audit log's AuditLogOptions.</summary>
public sealed class AuditSettings
{
    /// <summary>Whether decisions are logged at all (default true). Off only for experiments; never in production.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// When a decision counts as logged: <c>fsync</c> (default: flushed to disk before the response),
    /// <c>batch</c> (written before the response, flushed every <see cref="FlushInterval"/>) or <c>none</c> (written,
    /// flushed when the OS decides).
    /// </summary>
    public string Durability { get; set; } = "fsync";

    /// <summary>Folder of the segment files; relative paths are under <see cref="JiangwanliOptions.DataDirectory"/>.</summary>
    public string Directory { get; set; } = "audit";

    /// <summary>Flush period in <c>batch</c> mode (default 10 ms).</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Size of each preallocated segment file (default 64 MiB).</summary>
    public long SegmentBytes { get; set; } = 64L << 20;

    /// <summary>
    /// When the log cannot write (disk full, I/O error): false (default) fails closed — decisions are answered 503
    /// until it recovers; true fails open — decisions are answered but not logged (counted).
    /// </summary>
    public bool FailOpen { get; set; }

    /// <summary>Retire sealed segments older than this (default: keep all).</summary>
    public TimeSpan? RetentionMaxAge { get; set; }

    /// <summary>Retire the oldest sealed segments while all together exceed this many bytes (default: keep all).</summary>
    public long? RetentionMaxBytes { get; set; }
}
