namespace Jiangwanli.Server.Configuration;

/// <summary>What the service accepts from a client; beyond these a request is refused (413 or 400).</summary>
public sealed class LimitsOptions
{
    /// <summary>Largest body of <c>POST /v1/decisions</c>, in bytes (default 64 KiB).</summary>
    public int MaxEventBytes { get; set; } = 64 * 1024;

    /// <summary>Largest body of <c>POST /v1/decisions:batch</c>, in bytes (default 4 MiB).</summary>
    public int MaxBatchBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Most events in one batch (default 1,000).</summary>
    public int MaxBatchEvents { get; set; } = 1000;

    /// <summary>Deepest JSON nesting of an event, counting the event object (default 16).</summary>
    public int MaxDepth { get; set; } = 16;

    /// <summary>Longest string value of a schema field, in UTF-8 bytes (default 4 KiB).</summary>
    public int MaxStringBytes { get; set; } = 4 * 1024;

    /// <summary>Largest body of an admin request (a pack or a list), in bytes (default 32 MiB).</summary>
    public int MaxAdminBodyBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>
    /// Most concurrent connections to the public listeners; past it a new connection is closed at once (0, the
    /// default: no cap). The management port is not counted.
    /// </summary>
    public int MaxConnections { get; set; }
}
