namespace Jiangwanli.Server.Decisions;

/// <summary>
/// Classifies a Content-Type header without allocating: <c>application/json</c> (charset absent or UTF-8) and the
/// NDJSON names <c>application/x-ndjson</c>, <c>application/ndjson</c>, <c>application/jsonl</c>.
/// Any other charset is refused: the engine reads UTF-8 only.
/// </summary>
internal static class MediaTypes
{
    /// <summary>The media type of a decision response.</summary>
    public const string Json = "application/json";

    public static BodyFormat Classify(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return BodyFormat.Unsupported;
        }

        var span = contentType.AsSpan();
        var semicolon = span.IndexOf(';');
        var media = (semicolon < 0 ? span : span[..semicolon]).Trim();
        BodyFormat format;
        if (media.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            format = BodyFormat.Json;
        }
        else if (media.Equals("application/x-ndjson", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/ndjson", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/jsonl", StringComparison.OrdinalIgnoreCase))
        {
            format = BodyFormat.NdJson;
        }
        else
        {
            return BodyFormat.Unsupported;
        }

        return semicolon < 0 || ParametersAreUtf8(span[(semicolon + 1)..]) ? format : BodyFormat.Unsupported;
    }

    private static bool ParametersAreUtf8(ReadOnlySpan<char> parameters)
    {
        // Bounded: each pass consumes at least one character.
        while (!parameters.IsEmpty)
        {
            var next = parameters.IndexOf(';');
            var parameter = (next < 0 ? parameters : parameters[..next]).Trim();
            parameters = next < 0 ? default : parameters[(next + 1)..];
            if (parameter.IsEmpty)
            {
                continue;
            }

            var equals = parameter.IndexOf('=');
            if (equals <= 0)
            {
                return false;
            }

            var name = parameter[..equals].Trim();
            var value = parameter[(equals + 1)..].Trim().Trim('"');
            if (name.Equals("charset", StringComparison.OrdinalIgnoreCase)
                && !value.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
                && !value.Equals("utf8", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }
}
