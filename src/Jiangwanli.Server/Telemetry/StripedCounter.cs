using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Jiangwanli.Server.Telemetry;

/// <summary>
/// A counter every request thread increments: one cell per core, each on its own cache line, so cores do not
/// fight over one line (the handbook's padding against false sharing). Reads sum the cells.
/// </summary>
internal sealed class StripedCounter
{
    private readonly Cell[] _cells;

    /// <summary>A counter with one cell per core.</summary>
    public StripedCounter()
        : this(Environment.ProcessorCount)
    {
    }

    /// <summary>A counter with <paramref name="cells"/> cells (at least one): cores share cells when there are fewer.</summary>
    public StripedCounter(int cells) => _cells = new Cell[Math.Max(1, cells)];

    /// <summary>Adds one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Increment()
    {
        var cells = _cells;
        Interlocked.Increment(ref cells[(uint)Thread.GetCurrentProcessorId() % (uint)cells.Length].Value);
    }

    /// <summary>The total so far (not a snapshot across cells; fine for rates).</summary>
    public long Read()
    {
        long sum = 0;
        foreach (ref var cell in _cells.AsSpan())
        {
            sum += Volatile.Read(ref cell.Value);
        }

        return sum;
    }

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Cell
    {
        [FieldOffset(64)]
        public long Value;
    }
}
