using System.Buffers;
using Jiangwanli.Server.Problems;
using Microsoft.AspNetCore.Http;

namespace Jiangwanli.Server.Decisions;

/// <summary>Writes a buffered body to a response, with its length (no chunked encoding).</summary>
internal static class Responses
{
    /// <summary>Sets status, type and length and copies <paramref name="body"/> into the response's pipe.</summary>
    /// <remarks>Kestrel flushes the pipe when the request delegate completes.</remarks>
    public static void Write(HttpResponse response, int status, string contentType, ReadOnlySpan<byte> body)
    {
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        response.BodyWriter.Write(body);
    }

    /// <summary>Answers with a problem (application/problem+json) written through <paramref name="buffers"/>.</summary>
    public static void WriteProblem(HttpResponse response, RequestBuffers buffers, ProblemType problem, string? detail, string? field = null, long position = -1)
    {
        var output = buffers.Output;
        output.ResetWrittenCount();
        ProblemWriter.Write(buffers.JsonWriter(output), problem, detail, field, position);
        Write(response, problem.Status, ProblemWriter.ContentType, output.WrittenSpan);
    }
}
