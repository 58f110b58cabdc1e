using System.Text.Json;

namespace Jiangwanli.Server.Problems;

/// <summary>
/// One kind of RFC 7807 problem: its <c>type</c> URI, <c>title</c>, HTTP status and the reason tag counted in
/// metrics. Pre-encoded so writing a problem allocates nothing.
/// </summary>
internal sealed class ProblemType
{
    private const string TypePrefix = "urn:jiangwanli:problem:";

    public ProblemType(string slug, string title, int status)
    {
        Slug = slug;
        Reason = slug.Replace('-', '_');
        Status = status;
        Title = title;
        JsonType = JsonEncodedText.Encode(TypePrefix + slug);
        JsonTitle = JsonEncodedText.Encode(title);
    }

    /// <summary>Short name, e.g. <c>malformed-json</c>; the last part of the type URI.</summary>
    public string Slug { get; }

    /// <summary>Metric tag value, e.g. <c>malformed_json</c>.</summary>
    public string Reason { get; }

    /// <summary>HTTP status code.</summary>
    public int Status { get; }

    /// <summary>Human-readable summary, the same for every occurrence.</summary>
    public string Title { get; }

    /// <summary>The type URI, e.g. <c>urn:jiangwanli:problem:malformed-json</c>.</summary>
    public JsonEncodedText JsonType { get; }

    /// <summary>The title, encoded.</summary>
    public JsonEncodedText JsonTitle { get; }

    public override string ToString() => TypePrefix + Slug;
}
