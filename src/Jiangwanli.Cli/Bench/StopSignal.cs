using System.Runtime.InteropServices;

namespace Jiangwanli.Cli.Bench;

/// <summary>
/// Turns the first Ctrl-C / SIGTERM into a cancellation (the run stops and still reports what it measured); the
/// registration is dropped then, so a second one ends the process the usual way. <c>jwl</c>'s root command leaves
/// signals to the commands (its <c>ProcessTerminationTimeout</c> is off for <c>serve</c>), so the bench handles its own.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _fired;

    /// <summary>Listens for SIGINT and SIGTERM, and follows <paramref name="outer"/>.</summary>
    public StopSignal(CancellationToken outer)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
        foreach (var signal in (PosixSignal[])[PosixSignal.SIGINT, PosixSignal.SIGTERM])
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
        }
    }

    /// <summary>Cancelled on the first signal.</summary>
    public CancellationToken Token => _source.Token;

    /// <inheritdoc/>
    public void Dispose()
    {
        Unregister();
        _source.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Exchange(ref _fired, 1) == 1)
        {
            return;
        }

        context.Cancel = true;
        Unregister();
        _source.Cancel();
    }

    private void Unregister()
    {
        lock (_registrations)
        {
            foreach (var registration in _registrations)
            {
                registration.Dispose();
            }

            _registrations.Clear();
        }
    }
}
