using System.Text;

namespace Jiangwanli.Cli.Bench;

/// <summary>
/// Complete HTTP/1.1 requests (head and body) for one target, pre-built into one array so that sending a request is a
/// single <c>send</c> of a slice: no formatting, no allocation while the clock runs.
/// </summary>
/// <remarks>
/// With a request-start stamp, every request carries <c>X-Request-Start: t=</c> and <see cref="StampDigits"/> zeros
/// as its first header, at the same <see cref="StampOffset"/> from the request's start, for the connection to fill
/// in (in its own copy: the corpus is shared) with the request's start time in microseconds since the Unix epoch.
/// </remarks>
internal sealed class RequestCorpus
{
    /// <summary>The header a stamped request carries.</summary>
    public const string StampHeader = "X-Request-Start";

    /// <summary>Digits of the stamp: microseconds since 1970 have 16 until the year 2286.</summary>
    public const int StampDigits = 16;

    private readonly byte[] _bytes;
    private readonly int[] _offsets;
    private readonly int[] _bodyOffsets;

    private RequestCorpus(byte[] bytes, int[] offsets, int[] bodyOffsets, int stampOffset)
    {
        _bytes = bytes;
        _offsets = offsets;
        _bodyOffsets = bodyOffsets;
        StampOffset = stampOffset;
        for (var i = 0; i < Count; i++)
        {
            MaxRequestBytes = Math.Max(MaxRequestBytes, offsets[i + 1] - offsets[i]);
        }
    }

    /// <summary>Where the stamp's digits start in every request, or -1 when the requests carry no stamp.</summary>
    public int StampOffset { get; }

    /// <summary>The longest request, head and body.</summary>
    public int MaxRequestBytes { get; }

    /// <summary>Writes <paramref name="unixMicros"/> as the stamp's digits into <paramref name="stamp"/> (<see cref="StampDigits"/> long).</summary>
    public static void WriteStamp(Span<byte> stamp, long unixMicros)
    {
        var v = (ulong)Math.Max(0, unixMicros);
        for (var i = StampDigits - 1; i >= 0; i--)
        {
            stamp[i] = (byte)('0' + (v % 10));
            v /= 10;
        }
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

    /// <summary>
    /// Builds <c>POST</c> requests to <paramref name="target"/>, one per body, with a JSON content type;
    /// <paramref name="stamped"/>: each with a request-start stamp to fill in (see the class remarks).
    /// </summary>
    public static RequestCorpus Build(BenchTarget target, EventBodies bodies, bool stamped = false)
    {
        var requestLine = $"POST {target.PathAndQuery} HTTP/1.1\r\n";
        var stampLine = stamped ? $"{StampHeader}: t={new string('0', StampDigits)}\r\n" : string.Empty;
        var stampOffset = stamped ? Encoding.ASCII.GetByteCount(requestLine + StampHeader + ": t=") : -1;
        var prefix = Encoding.ASCII.GetBytes(
            $"{requestLine}{stampLine}Host: {target.HostHeader}\r\nContent-Type: application/json\r\nContent-Length: ");
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

        return new RequestCorpus(bytes, offsets, bodyOffsets, stampOffset);
    }
}
