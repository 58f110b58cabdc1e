namespace Jiangwanli.Runtime;

/// <summary>
/// A fixed-capacity ring of timestamped measurements (the newest overwrite the oldest). Not
/// thread-safe: the owner locks. Used for recent GC pauses and thread-pool queue delays.
/// </summary>
internal sealed class SampleRing
{
    private readonly long[] _timestamps;
    private readonly double[] _values;
    private int _next;
    private int _count;

    public SampleRing(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _timestamps = new long[capacity];
        _values = new double[capacity];
    }

    /// <summary>Measurements currently held.</summary>
    public int Count => _count;

    /// <summary>Measurements ever added.</summary>
    public long Total { get; private set; }

    /// <summary>The newest value, or 0 when empty.</summary>
    public double Last => _count == 0 ? 0 : _values[(_next - 1 + _values.Length) % _values.Length];

    public void Add(long timestamp, double value)
    {
        _timestamps[_next] = timestamp;
        _values[_next] = value;
        _next = (_next + 1) % _values.Length;
        if (_count < _values.Length)
        {
            _count++;
        }

        Total++;
    }

    /// <summary>Values with a timestamp at or after <paramref name="since"/>, sorted ascending.</summary>
    public double[] SortedSince(long since)
    {
        var n = 0;
        for (var i = 0; i < _count; i++)
        {
            if (_timestamps[i] >= since)
            {
                n++;
            }
        }

        var result = new double[n];
        var j = 0;
        for (var i = 0; i < _count; i++)
        {
            if (_timestamps[i] >= since)
            {
                result[j++] = _values[i];
            }
        }

        Array.Sort(result);
        return result;
    }

    /// <summary>The newest <paramref name="max"/> entries, newest first.</summary>
    public (long Timestamp, double Value)[] Newest(int max)
    {
        var n = Math.Min(max, _count);
        var result = new (long, double)[n];
        for (var i = 0; i < n; i++)
        {
            var index = (_next - 1 - i + (2 * _values.Length)) % _values.Length;
            result[i] = (_timestamps[index], _values[index]);
        }

        return result;
    }
}
