using System.Text.Json;

namespace Jiangwanli.Server.Problems;

/// <summary>
/// Writes RFC 7807 problem objects: <c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c>, and the extensions
/// <c>field</c> (the event field at fault, <c>$</c> for the whole body), <c>position</c> (byte offset of a JSON
/// error) and <c>index</c> (the event's position in a batch).
/// </summary>
internal static class ProblemWriter
{
    /// <summary>The media type of a problem response.</summary>
    public const string ContentType = "application/problem+json";

    private static readonly JsonEncodedText s_type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText s_title = JsonEncodedText.Encode("title");
    private static readonly JsonEncodedText s_status = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText s_detail = JsonEncodedText.Encode("detail");
    private static readonly JsonEncodedText s_field = JsonEncodedText.Encode("field");
    private static readonly JsonEncodedText s_position = JsonEncodedText.Encode("position");
    private static readonly JsonEncodedText s_index = JsonEncodedText.Encode("index");

    /// <summary>Writes one problem object (and flushes the writer).</summary>
    /// <param name="w">A writer reset onto the output.</param>
    /// <param name="problem">What kind of problem.</param>
    /// <param name="detail">This occurrence, in words.</param>
    /// <param name="field">The field at fault, or null.</param>
    /// <param name="position">Byte offset in the body, or negative.</param>
    /// <param name="index">Position in a batch, or negative.</param>
    public static void Write(Utf8JsonWriter w, ProblemType problem, string? detail, string? field = null, long position = -1, int index = -1)
    {
        WriteStart(w, problem, detail, field, position, index);
        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>Writes the members of a problem object and leaves it open, for callers that add extensions.</summary>
    public static void WriteStart(Utf8JsonWriter w, ProblemType problem, string? detail, string? field = null, long position = -1, int index = -1)
    {
        w.WriteStartObject();
        if (index >= 0)
        {
            w.WriteNumber(s_index, index);
        }

        w.WriteString(s_type, problem.JsonType);
        w.WriteString(s_title, problem.JsonTitle);
        w.WriteNumber(s_status, problem.Status);
        if (detail is not null)
        {
            w.WriteString(s_detail, detail);
        }

        if (field is not null)
        {
            w.WriteString(s_field, field);
        }

        if (position >= 0)
        {
            w.WriteNumber(s_position, position);
        }
    }
}
