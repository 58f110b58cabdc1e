using System.Diagnostics;
using System.Globalization;

namespace Jiangwanli.Cli.Bench;

/// <summary>
/// The bare endpoint as a child process (<c>jwl bench bare-server</c>), so that it is measured exactly like the real
/// server: its own process, GC heap and thread pool, competing with the client for the same cores the way
/// <c>jwl serve</c> does. The child exits with its parent, and after a hard lifetime in any case.
/// </summary>
internal sealed class BareServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_startLimit = TimeSpan.FromSeconds(30);

    private readonly Process _process;

    private BareServerProcess(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>The bare server's base URL.</summary>
    public Uri Url { get; }

    /// <summary>The child's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Starts the child on a free loopback port and waits until it listens.</summary>
    public static async Task<BareServerProcess> StartAsync(int bodyBytes, TimeSpan maxLifetime, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            FileName = Environment.ProcessPath ?? "dotnet",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };

        // The bare server must run like `jwl serve` does, not with the client's socket tuning.
        if (SocketCompletionMode.SetHere)
        {
            start.Environment.Remove(SocketCompletionMode.Variable);
        }

        // Under `dotnet jwl.dll` the process is the muxer: name the entry assembly first.
        if (Path.GetFileNameWithoutExtension(start.FileName).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(BareServerProcess).Assembly.Location);
        }

        foreach (var argument in (string[])[
            "bench", "bare-server",
            "--port", "0",
            "--body-bytes", bodyBytes.ToString(CultureInfo.InvariantCulture),
            "--max-lifetime", DurationText.Format(maxLifetime),
            "--parent-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the bare server process");
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(s_startLimit);
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(limit.Token).ConfigureAwait(false);
                if (line is null)
                {
                    var error = await process.StandardError.ReadToEndAsync(limit.Token).ConfigureAwait(false);
                    throw new InvalidOperationException($"the bare server exited before listening: {error.Trim()}");
                }

                if (line.StartsWith(BareServer.ListeningBanner, StringComparison.Ordinal))
                {
                    var url = new Uri(line[BareServer.ListeningBanner.Length..].Trim());
                    _ = DrainAsync(process.StandardOutput);
                    _ = DrainAsync(process.StandardError);
                    return new BareServerProcess(process, url);
                }
            }
        }
        catch
        {
            Stop(process);
            process.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Stop(_process);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Killed and not reaped in 10 s: nothing more we can do from here.
        }

        _process.Dispose();
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Exited in between.
        }
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        try
        {
            await reader.ReadToEndAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The child is gone.
        }
    }
}
