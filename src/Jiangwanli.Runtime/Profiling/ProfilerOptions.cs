namespace Jiangwanli.Runtime.Profiling;

/// <summary>Bounds and resources of the profilers.</summary>
public sealed class ProfilerOptions
{
    /// <summary>Shortest profile accepted. Default 1 s.</summary>
    public TimeSpan MinDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest profile accepted. Default 60 s: a CPU trace costs roughly 0.1–0.3 MB per managed thread per second on disk while it is converted.</summary>
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Where the raw trace (.nettrace) and its index (.etlx) are written while a profile is converted; deleted afterwards. Default: the system temp folder.</summary>
    public string? TempDirectory { get; set; }

    /// <summary>The runtime's in-memory event buffer for the session, in MB. Default 256.</summary>
    public int BufferMegabytes { get; set; } = 256;

    /// <summary>How long to wait for the runtime to flush the trace after the session is stopped. Default 30 s.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(30);

    internal string? Validate(TimeSpan duration)
    {
        if (duration < MinDuration || duration > MaxDuration)
        {
            return string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"seconds must be between {MinDuration.TotalSeconds:0.###} and {MaxDuration.TotalSeconds:0.###}");
        }

        return null;
    }
}
