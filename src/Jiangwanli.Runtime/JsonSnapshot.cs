using System.Text.Json;

namespace Jiangwanli.Runtime;

/// <summary>Writes a synchronous JSON snapshot writer to a stream with asynchronous I/O (for HTTP responses).</summary>
internal static class JsonSnapshot
{
    public static async Task WriteAsync(Stream destination, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        var writer = new Utf8JsonWriter(destination);
        await using (writer.ConfigureAwait(false))
        {
            write(writer);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
