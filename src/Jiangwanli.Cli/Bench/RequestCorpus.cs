using System.Text;

namespace Jiangwanli.Cli.Bench;

/// <summary>
/// Complete HTTP/1.1 requests (head and body) for one target, pre-built into one array so that sending a request is a
/// single <c>send</c> of a slice: no formatting, no allocation while the clock runs.
/// </summary>
internal sealed class RequestCorpus
{
    private readonly byte[] _bytes;
    private readonly int[] _offsets;
    private readonly int[] _bodyOffsets;

    private RequestCorpus(byte[] bytes, int[] offsets, int[] bodyOffsets)
    {
        _bytes = bytes;
        _offsets = offsets;
        _bodyOffsets = bodyOffsets;
    }

    /// <summary>Number of distinct requests; the run cycles through them.</summary>
    public int Count => _offsets.Length - 1;

    /// <summary>Request number <paramref name="sequence"/> (wrapping around the corpus), head and body.</summary>
    public ReadOnlyMemory<byte> Request(long sequence)
    {
        var i = (int)((ulong)sequence % (ulong)Count);
        return _bytes.AsMemory(_offsets[i], _offsets[i + 1] - _offsets[i]);
    }

    /// <summary>The body of request number <paramref name="sequence"/> (wrapping around the corpus).</summary>
    public ReadOnlyMemory<byte> Body(long sequence)
    {
        var i = (int)((ulong)sequence % (ulong)Count);
        return _bytes.AsMemory(_bodyOffsets[i], _offsets[i + 1] - _bodyOffsets[i]);
    }

    /// <summary>Builds <c>POST</c> requests to <paramref name="target"/>, one per body, with a JSON content type.</summary>
    public static RequestCorpus Build(BenchTarget target, EventBodies bodies)
    {
        var prefix = Encoding.ASCII.GetBytes(
            $"POST {target.PathAndQuery} HTTP/1.1\r\nHost: {target.HostHeader}\r\nContent-Type: application/json\r\nContent-Length: ");
        var count = bodies.Count;
        var bytes = new byte[checked((int)(bodies.TotalBytes + ((long)(prefix.Length + 16) * count)))];
        var offsets = new int[count + 1];
        var bodyOffsets = new int[count];
        var at = 0;
        for (var i = 0; i < count; i++)
        {
            var body = bodies[i];
            prefix.CopyTo(bytes.AsSpan(at));
            at += prefix.Length;
            body.Length.TryFormat(bytes.AsSpan(at), out var digits, default, System.Globalization.CultureInfo.InvariantCulture);
            at += digits;
            "\r\n\r\n"u8.CopyTo(bytes.AsSpan(at));
            at += 4;
            bodyOffsets[i] = at;
            body.CopyTo(bytes.AsSpan(at));
            at += body.Length;
            offsets[i + 1] = at;
        }

        return new RequestCorpus(bytes, offsets, bodyOffsets);
    }
}
