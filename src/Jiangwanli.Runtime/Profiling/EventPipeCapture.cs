using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing.Etlx;

namespace Jiangwanli.Runtime.Profiling;

/// <summary>
/// Records an EventPipe session on this very process into a temporary .nettrace file and opens it
/// as a <see cref="TraceLog"/>, whose call stacks are resolved to managed methods from the
/// method-load events of the session and the rundown the runtime emits when the session stops.
/// </summary>
internal sealed class EventPipeCapture : IDisposable
{
    private readonly string _tracePath;
    private string? _etlxPath;

    private EventPipeCapture(string tracePath, DateTimeOffset startedAt, TimeSpan duration)
    {
        _tracePath = tracePath;
        StartedAt = startedAt;
        Duration = duration;
    }

    public DateTimeOffset StartedAt { get; }

    public TimeSpan Duration { get; }

    /// <summary>
    /// Runs a session with <paramref name="providers"/> for <paramref name="duration"/>. On
    /// cancellation the session is stopped, the file deleted and <see cref="OperationCanceledException"/> thrown.
    /// </summary>
    public static async Task<EventPipeCapture> RecordAsync(
        IReadOnlyList<EventPipeProvider> providers,
        TimeSpan duration,
        ProfilerOptions options,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        var directory = options.TempDirectory ?? Path.GetTempPath();
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"jwl-{Environment.ProcessId}-{Guid.NewGuid():N}.nettrace");
        var client = new DiagnosticsClient(Environment.ProcessId);
        var configuration = new EventPipeSessionConfiguration(
            providers, options.BufferMegabytes, requestRundown: true, requestStackwalk: true);
        var session = await client.StartEventPipeSessionAsync(configuration, cancellationToken).ConfigureAwait(false);
        var startedAt = timeProvider.GetUtcNow();
        var started = timeProvider.GetTimestamp();
        var completed = false;
        try
        {
            var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16);
            await using (file.ConfigureAwait(false))
            {
                // Drain the stream for the whole session (if nobody reads, the runtime's buffers fill
                // and the rundown at stop cannot be written out) on a dedicated thread with blocking
                // reads: async reads would wake thread-pool workers for every chunk, which costs the
                // service CPU and shows up in the very profile being taken.
                var copy = StartCopy(session.EventStream, file);
                Exception? waitError = null;
                try
                {
                    await Task.Delay(duration, timeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException ex)
                {
                    waitError = ex;
                }

                using (var stopTimeout = new CancellationTokenSource(options.StopTimeout))
                {
                    try
                    {
                        await session.StopAsync(stopTimeout.Token).ConfigureAwait(false);
                        await copy.WaitAsync(options.StopTimeout, CancellationToken.None).ConfigureAwait(false);
                    }
                    finally
                    {
                        // Closes the stream if the runtime did not, ending the copy either way.
                        session.Dispose();
                    }
                }

                if (waitError is not null)
                {
                    throw waitError;
                }
            }

            completed = true;
            return new EventPipeCapture(path, startedAt, timeProvider.GetElapsedTime(started));
        }
        finally
        {
            session.Dispose();
            if (!completed)
            {
                TryDelete(path);
            }
        }
    }

    private static Task StartCopy(Stream source, Stream destination)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                source.CopyTo(destination, 1 << 16);
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "jwl-eventpipe-reader",
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>Converts the trace into a <see cref="TraceLog"/> (writes the .etlx beside it). The caller disposes the log.</summary>
    public TraceLog OpenLog()
    {
        _etlxPath = Path.ChangeExtension(_tracePath, ".etlx");
        var etlx = TraceLog.CreateFromEventPipeDataFile(
            _tracePath,
            _etlxPath,
            new TraceLogOptions { ContinueOnError = true, ConversionLog = TextWriter.Null });
        return new TraceLog(etlx);
    }

    public void Dispose()
    {
        TryDelete(_tracePath);
        if (_etlxPath is not null)
        {
            TryDelete(_etlxPath);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A leftover temp file is not worth failing a profile over.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }
}
