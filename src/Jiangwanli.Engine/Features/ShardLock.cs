using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// A spin lock word alone on its cache lines. Shard locks live side by side in one array; 128 bytes apart (two lines,
/// because the adjacent-line prefetcher pulls pairs) so that cores taking different shards never share a line.
/// </summary>
/// <remarks>
/// Why a spin lock: critical sections are a few dozen nanoseconds (one window update). Contended waiters spin briefly,
/// then <see cref="SpinWait"/> yields and sleeps, so a preempted holder still gets to run.
/// Mutable struct: always used by <c>ref</c> into the array; never copy it.
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct ShardLock
{
    [FieldOffset(0)]
    private int _held;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Enter()
    {
        if (Interlocked.CompareExchange(ref _held, 1, 0) != 0)
        {
            EnterContended();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Exit() => Volatile.Write(ref _held, 0);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterContended()
    {
        var spin = default(SpinWait);
        do
        {
            spin.SpinOnce();
        }
        while (Volatile.Read(ref _held) != 0 || Interlocked.CompareExchange(ref _held, 1, 0) != 0);
    }
}
