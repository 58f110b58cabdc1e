using System.Diagnostics;
using System.Globalization;

namespace Jiangwanli.Runtime.Gc;

/// <summary>
/// The .NET analog of <c>GODEBUG=gctrace=1</c>: one line per GC written to a <see cref="TextWriter"/>
/// (standard error by default). Enabled with <c>JWL_GCTRACE=1</c> or by configuration. Line format
/// (documented in docs/runtime.md):
/// <code>
/// gc 42 @12.345s gen1 AllocSmall blocking compacted: pause 0.842 ms (suspend 0.051), heap 48.21 -> 12.07 MB, promoted 3.20 MB, committed 64.00 MB, limit 1024.00 MB, 0.31% paused
/// </code>
/// </summary>
public sealed class GcTrace : IDisposable
{
    /// <summary>The environment variable that turns the trace on: <c>JWL_GCTRACE=1</c>.</summary>
    public const string EnvironmentVariable = "JWL_GCTRACE";

    private static readonly DateTime s_processStart = ProcessStartUtc();

    private readonly TextWriter _output;
    private readonly GcEventFeed? _ownedFeed;
    private readonly IDisposable _subscription;
    private readonly Lock _writeGate = new();
    private long _lines;

    /// <summary>Writes a line per GC to <paramref name="output"/>.</summary>
    /// <param name="output">Where lines go (e.g. <see cref="Console.Error"/>).</param>
    /// <param name="feed">A shared GC feed; the trace creates and owns one when null.</param>
    public GcTrace(TextWriter output, GcEventFeed? feed = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        if (feed is null)
        {
            _ownedFeed = new GcEventFeed();
            feed = _ownedFeed;
        }

        _subscription = feed.Subscribe(Write);
    }

    /// <summary>Lines written so far.</summary>
    public long LinesWritten => Interlocked.Read(ref _lines);

    /// <summary>Whether <c>JWL_GCTRACE</c> is <c>1</c> or <c>true</c>.</summary>
    public static bool IsEnabledByEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return value is not null
            && (value.Trim() == "1" || value.Trim().Equals("true", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Formats one gctrace line (without a newline).</summary>
    public static string Format(GcRecord record)
    {
        var c = CultureInfo.InvariantCulture;
        var since = (record.StartedAt.UtcDateTime - s_processStart).TotalSeconds;
        var kind = record.Kind switch
        {
            GcKind.Background => "background",
            GcKind.Foreground => "foreground",
            _ => "blocking",
        };
        return string.Create(
            c,
            $"gc {record.Index} @{Math.Max(0, since):0.000}s gen{record.Generation} {record.Reason} {kind}{(record.Compacted ? " compacted" : string.Empty)}: "
            + $"pause {record.Pause.TotalMilliseconds:0.000} ms (suspend {record.Suspension.TotalMilliseconds:0.000}), heap {Mb(record.HeapBeforeBytes)} -> {Mb(record.HeapAfterBytes)} MB, "
            + $"promoted {Mb(record.PromotedBytes)} MB, committed {Mb(record.CommittedBytes)} MB, limit {Mb(record.LimitBytes)} MB, "
            + $"{(record.PauseTimePercentage < 0 ? "?" : record.PauseTimePercentage.ToString("0.00", c))}% paused");
    }

    private static string Mb(long bytes) =>
        bytes < 0 ? "?" : (bytes / (1024.0 * 1024.0)).ToString("0.00", CultureInfo.InvariantCulture);

    private void Write(GcRecord record)
    {
        var line = Format(record);
        lock (_writeGate)
        {
            _output.WriteLine(line);
            _output.Flush();
        }

        Interlocked.Increment(ref _lines);
    }

    private static DateTime ProcessStartUtc()
    {
        try
        {
            using var process = Process.GetCurrentProcess();
            return process.StartTime.ToUniversalTime();
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return DateTime.UtcNow - TimeSpan.FromMilliseconds(Environment.TickCount64);
        }
    }

    /// <summary>Stops tracing (and the feed, if the trace owns it).</summary>
    public void Dispose()
    {
        _subscription.Dispose();
        _ownedFeed?.Dispose();
    }
}
