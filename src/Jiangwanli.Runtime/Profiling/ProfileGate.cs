namespace Jiangwanli.Runtime.Profiling;

/// <summary>
/// Admits one profile at a time. Share one gate between the CPU and allocation profilers so that at
/// most one EventPipe session of ours runs in the process; a second request gets
/// <see cref="ProfileStatus.Busy"/> at once instead of waiting.
/// </summary>
public sealed class ProfileGate
{
    private int _busy;

    /// <summary>Whether a profile is being collected now.</summary>
    public bool IsBusy => Volatile.Read(ref _busy) != 0;

    internal bool TryEnter() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    internal void Exit() => Volatile.Write(ref _busy, 0);
}
