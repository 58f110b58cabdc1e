namespace Jiangwanli.Server.Decisions;

/// <summary>How a request body is framed, from its Content-Type.</summary>
internal enum BodyFormat : byte
{
    /// <summary>Not a media type we accept (415).</summary>
    Unsupported = 0,

    /// <summary><c>application/json</c>: one event, or for a batch a JSON array of events.</summary>
    Json = 1,

    /// <summary><c>application/x-ndjson</c> (and its aliases): one event per line, for batches.</summary>
    NdJson = 2,
}
