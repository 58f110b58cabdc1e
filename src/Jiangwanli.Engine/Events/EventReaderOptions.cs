namespace Jiangwanli.Engine.Events;

/// <summary>Limits the event reader enforces; beyond them an event is refused with a typed error.</summary>
public sealed class EventReaderOptions
{
    /// <summary>Largest event, in bytes (default 64 KiB).</summary>
    public int MaxEventBytes { get; set; } = 64 * 1024;

    /// <summary>Deepest nesting accepted, counting the event object itself (default 16).</summary>
    public int MaxDepth { get; set; } = 16;

    /// <summary>
    /// How far ahead of server time an event's <c>timestamp</c> may be (default 1 hour). A window follows the newest
    /// event of its key, so one event dated far in the future would push correctly dated events out of it.
    /// </summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Longest string value of a schema field, in UTF-8 bytes (default 4 KiB).</summary>
    public int MaxStringBytes { get; set; } = 4 * 1024;
}
