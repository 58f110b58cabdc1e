namespace Jiangwanli.Cli.Bench;

/// <summary>Which client implementation drives the load.</summary>
internal enum BenchClientKind
{
    /// <summary>The lean raw-socket HTTP/1.1 client (default).</summary>
    Socket,

    /// <summary><see cref="HttpClient"/> over <see cref="SocketsHttpHandler"/>, for comparison.</summary>
    HttpClient,
}

/// <summary>Everything <c>jwl bench</c> was asked to do, validated.</summary>
internal sealed record BenchOptions
{
    /// <summary>The server under test (POST target), or null when only the bare endpoint is measured.</summary>
    public string? Url { get; init; }

    /// <summary>Measure the bare Kestrel endpoint (first, when <see cref="Url"/> is also given).</summary>
    public bool Bare { get; init; }

    /// <summary>How each target is driven.</summary>
    public required LoadRunSettings Load { get; init; }

    /// <summary>Request bodies from this JSONL file instead of the generator.</summary>
    public string? EventsFile { get; init; }

    /// <summary>Generator seed.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Distinct requests pre-built (generator) or read (file) before the run; the run cycles through them.</summary>
    public int CorpusSize { get; init; } = 65_536;

    /// <summary>Print one JSON object instead of the table.</summary>
    public bool Json { get; init; }

    /// <summary>Append the report as a markdown section to this file.</summary>
    public string? MarkdownFile { get; init; }

    /// <summary>A name for this run in reports.</summary>
    public string? Label { get; init; }

    /// <summary>Where the server's <c>/debug/gc</c> and <c>/metrics</c> are; default: the target host on port 9091.</summary>
    public string? ManagementUrl { get; init; }

    /// <summary>Bearer token for the management port's protected endpoints.</summary>
    public string? AdminToken { get; init; }

    /// <summary>The server's process id, for /proc memory figures; found from the listening port when null.</summary>
    public int? ServerProcessId { get; init; }

    /// <summary>Accept non-loopback targets.</summary>
    public bool AllowRemote { get; init; }

    /// <summary>Stamp each request with <c>X-Request-Start</c> (its intended send time; see <see cref="RequestCorpus"/>).</summary>
    public bool RequestStart { get; init; }

    /// <summary>The client implementation.</summary>
    public BenchClientKind Client { get; init; } = BenchClientKind.Socket;

    /// <summary>Size of the bare endpoint's constant response body.</summary>
    public int BareBodyBytes { get; init; } = BareServer.DefaultBodyBytes;

    /// <summary>The request path used when a URL has none.</summary>
    public string DefaultPath { get; init; } = "/v1/decisions";

    /// <summary>The command line, for the markdown report.</summary>
    public string? CommandLine { get; init; }
}
