namespace Jiangwanli.Runtime.Profiling;

/// <summary>How a <see cref="CollectedProfile"/> is written.</summary>
public enum ProfileFormat
{
    /// <summary>gzip-compressed pprof protobuf (<c>go tool pprof</c>, Pyroscope).</summary>
    Pprof,

    /// <summary>speedscope JSON (https://www.speedscope.app).</summary>
    Speedscope,

    /// <summary>A self-contained flame-graph SVG a browser opens directly.</summary>
    FlameGraphSvg,
}

/// <summary>Names, content types and file extensions of the <see cref="ProfileFormat"/>s.</summary>
public static class ProfileFormats
{
    /// <summary>
    /// Parses the <c>format</c> query value: <c>pprof</c> (also <c>proto</c>, empty or null: the default),
    /// <c>speedscope</c> (also <c>json</c>), <c>svg</c> (also <c>flamegraph</c>). Case-insensitive.
    /// </summary>
    public static bool TryParse(string? value, out ProfileFormat format)
    {
        switch (value?.Trim().ToUpperInvariant())
        {
            case null or "" or "PPROF" or "PROTO" or "PB":
                format = ProfileFormat.Pprof;
                return true;
            case "SPEEDSCOPE" or "JSON":
                format = ProfileFormat.Speedscope;
                return true;
            case "SVG" or "FLAMEGRAPH" or "FLAME":
                format = ProfileFormat.FlameGraphSvg;
                return true;
            default:
                format = default;
                return false;
        }
    }

    /// <summary>The HTTP content type of a format.</summary>
    public static string ContentType(ProfileFormat format) => format switch
    {
        ProfileFormat.Pprof => "application/octet-stream",
        ProfileFormat.Speedscope => "application/json",
        ProfileFormat.FlameGraphSvg => "image/svg+xml",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>The conventional file extension of a format, with its dot (<c>.pb.gz</c>, <c>.speedscope.json</c>, <c>.svg</c>).</summary>
    public static string FileExtension(ProfileFormat format) => format switch
    {
        ProfileFormat.Pprof => ".pb.gz",
        ProfileFormat.Speedscope => ".speedscope.json",
        ProfileFormat.FlameGraphSvg => ".svg",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };
}
