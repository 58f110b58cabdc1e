namespace Jiangwanli.Cli.Bench;

/// <summary>Why an exchange produced no HTTP status.</summary>
internal enum BenchError
{
    /// <summary>No error: the exchange has a status code.</summary>
    None = 0,

    /// <summary>The connection could not be established.</summary>
    Connect,

    /// <summary>Sending the request failed.</summary>
    Write,

    /// <summary>Reading the response failed, or the server closed the connection before it was complete.</summary>
    Read,

    /// <summary>No complete response within the timeout; the connection was dropped.</summary>
    Timeout,

    /// <summary>The bytes received were not an HTTP/1.1 response this client understands.</summary>
    Protocol,
}

/// <summary>The result of one request/response exchange: a status code, or why there is none.</summary>
/// <param name="StatusCode">The HTTP status, or 0 on error.</param>
/// <param name="Error">What went wrong, or <see cref="BenchError.None"/>.</param>
/// <param name="RetryAfter">Whether the response carried a non-empty <c>Retry-After</c> header.</param>
internal readonly record struct ExchangeOutcome(int StatusCode, BenchError Error, bool RetryAfter = false)
{
    /// <summary>An outcome with a status code.</summary>
    public static ExchangeOutcome Status(int statusCode, bool retryAfter = false) => new(statusCode, BenchError.None, retryAfter);

    /// <summary>A 2xx response.</summary>
    public bool IsSuccess => Error == BenchError.None && StatusCode is >= 200 and < 300;

    /// <summary>A refusal that should tell the client when to come back (503, 429) but did not.</summary>
    public bool IsRefusalWithoutRetryAfter => Error == BenchError.None && StatusCode is 503 or 429 && !RetryAfter;

    /// <summary>A failed exchange.</summary>
    public static ExchangeOutcome Failed(BenchError error) => new(0, error);
}
