namespace Jiangwanli.Runtime.Threading;

/// <summary>Configuration of the <see cref="ThreadPoolProbe"/>.</summary>
public sealed class ThreadPoolProbeOptions
{
    /// <summary>How often a probe work item is queued. Default 1 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many recent delays are kept for percentiles. Default 1024.</summary>
    public int History { get; set; } = 1024;

    /// <summary>How far back the snapshot percentiles look. Default 5 minutes.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);
}
