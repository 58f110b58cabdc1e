using System.Net.Sockets;
using System.Text;

namespace Jiangwanli.Tests.Shared;

/// <summary>Reads an HTTP/1.1 response from a raw socket (tests that send a request in pieces by hand).</summary>
internal static class RawHttp
{
    /// <summary>Reads until the head and a Content-Length body have arrived, the peer closes, or 20 s pass.</summary>
    public static async Task<string> ReadResponseAsync(NetworkStream stream)
    {
        var buffer = new byte[64 * 1024];
        var total = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        // Bounded by the buffer, the timeout and Content-Length.
        while (total < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(total), cts.Token);
            if (read == 0)
            {
                break;
            }

            total += read;
            var text = Encoding.UTF8.GetString(buffer, 0, total);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var lengthAt = text.IndexOf("Content-Length: ", StringComparison.OrdinalIgnoreCase);
                if (lengthAt >= 0 && lengthAt < end)
                {
                    var lengthEnd = text.IndexOf("\r\n", lengthAt, StringComparison.Ordinal);
                    var length = int.Parse(text.AsSpan(lengthAt + 16, lengthEnd - lengthAt - 16), System.Globalization.CultureInfo.InvariantCulture);
                    if (Encoding.UTF8.GetByteCount(text) >= end + 4 + length)
                    {
                        return text;
                    }
                }
            }
        }

        return Encoding.UTF8.GetString(buffer, 0, total);
    }
}
