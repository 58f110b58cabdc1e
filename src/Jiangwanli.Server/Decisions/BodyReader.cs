using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Jiangwanli.Server.Decisions;

/// <summary>
/// Reads a whole request body from the request's <see cref="PipeReader"/> into a pooled array, enforcing a size
/// limit while reading (a body is never buffered past the limit). Consumes what it copies at once, so a large
/// body never stalls on Kestrel's input buffer limit.
/// </summary>
internal static class BodyReader
{
    private const int UnknownLengthInitialBytes = 4096;

    /// <summary>Reads the body. The async state machine is pooled: no allocation when the body arrives late.</summary>
    /// <param name="reader">The request body.</param>
    /// <param name="declaredLength">Content-Length, when the client sent one.</param>
    /// <param name="limit">Most bytes accepted.</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<BodyRead> ReadAsync(PipeReader reader, long? declaredLength, int limit)
    {
        if (declaredLength > limit)
        {
            return new BodyRead([], 0, tooLarge: true);
        }

        var initial = declaredLength is { } declared ? (int)declared : Math.Min(UnknownLengthInitialBytes, limit);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initial, 1));
        var length = 0;
        try
        {
            // Bounded: every pass either consumes data or ends (completed, or over the limit).
            while (true)
            {
                var result = await reader.ReadAsync();
                var data = result.Buffer;
                var total = length + data.Length;
                if (total > limit)
                {
                    reader.AdvanceTo(data.End);
                    return new BodyRead(buffer, length, tooLarge: true);
                }

                if (total > buffer.Length)
                {
                    buffer = Grow(buffer, length, (int)total);
                }

                data.CopyTo(buffer.AsSpan(length));
                length = (int)total;
                reader.AdvanceTo(data.End);
                if (result.IsCompleted)
                {
                    return new BodyRead(buffer, length, tooLarge: false);
                }

                if (result.IsCanceled)
                {
                    throw new OperationCanceledException("The request body read was canceled.");
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>Returns a body's array to the pool (no-op for the empty array of a refused body).</summary>
    public static void Return(in BodyRead body)
    {
        if (body.Buffer is { Length: > 0 } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static byte[] Grow(byte[] buffer, int length, int needed)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, buffer.Length * 2));
        buffer.AsSpan(0, length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }
}
