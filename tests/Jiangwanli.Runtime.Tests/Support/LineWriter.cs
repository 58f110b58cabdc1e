using System.Collections.Concurrent;
using System.Text;

namespace Jiangwanli.Runtime.Tests.Support;

/// <summary>A thread-safe TextWriter that keeps each written line.</summary>
public sealed class LineWriter : TextWriter
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly StringBuilder _partial = new();
    private readonly Lock _gate = new();

    public override Encoding Encoding => Encoding.UTF8;

    public IReadOnlyList<string> Lines => [.. _lines];

    public override void Write(char value)
    {
        lock (_gate)
        {
            if (value == '\n')
            {
                _lines.Enqueue(_partial.ToString().TrimEnd('\r'));
                _partial.Clear();
            }
            else
            {
                _partial.Append(value);
            }
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_gate)
        {
            _partial.Append(value);
            _lines.Enqueue(_partial.ToString());
            _partial.Clear();
        }
    }
}
