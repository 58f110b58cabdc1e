using System.Net.Http.Headers;

namespace Jiangwanli.Cli.Bench;

/// <summary>
/// The reference client (<c>--client httpclient</c>): one logical connection as a task on a shared
/// <see cref="HttpClient"/> over <see cref="SocketsHttpHandler"/> with <c>MaxConnectionsPerServer</c> = connections.
/// Kept to measure the lean <see cref="SocketConnection"/> against: it allocates a request message, content, headers
/// and a response per exchange, and does the full header bookkeeping of a general client.
/// </summary>
internal sealed class HttpClientConnection : ILoadConnection
{
    private readonly HttpClient _client;
    private readonly Uri _url;
    private readonly RequestCorpus _corpus;
    private CancellationTokenSource _abort = new();

    public HttpClientConnection(HttpClient client, Uri url, RequestCorpus corpus)
    {
        _client = client;
        _url = url;
        _corpus = corpus;
    }

    // The handler opens connections on demand; "connected" only means "ready to try".
    public bool IsConnected => true;

    /// <summary>A shared client for <paramref name="connections"/> concurrent keep-alive connections.</summary>
    public static HttpClient CreateClient(int connections) => new(
        new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        },
        disposeHandler: true)
    {
        Timeout = Timeout.InfiniteTimeSpan,
        DefaultRequestVersion = System.Net.HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    public ValueTask<bool> ConnectAsync(TimeSpan timeout, CancellationToken cancellationToken) => ValueTask.FromResult(true);

    public async ValueTask<ExchangeOutcome> ExchangeAsync(long sequence, long startMicros)
    {
        if (!_abort.TryReset())
        {
            _abort.Dispose();
            _abort = new CancellationTokenSource();
        }

        try
        {
            using var content = new ReadOnlyMemoryContent(_corpus.Body(sequence));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = content };
            if (_corpus.StampOffset >= 0)
            {
                request.Headers.TryAddWithoutValidation(RequestCorpus.StampHeader, "t=" + startMicros.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, _abort.Token).ConfigureAwait(false);
            return ExchangeOutcome.Status((int)response.StatusCode, response.Headers.RetryAfter is not null);
        }
        catch (OperationCanceledException)
        {
            return ExchangeOutcome.Failed(BenchError.Timeout);
        }
        catch (HttpRequestException e)
        {
            return ExchangeOutcome.Failed(e.HttpRequestError switch
            {
                HttpRequestError.ConnectionError => BenchError.Connect,
                HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded => BenchError.Protocol,
                _ => BenchError.Read,
            });
        }
    }

    public void Abort()
    {
        try
        {
            _abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Raced with the next exchange replacing the source; that exchange is not the one that timed out.
        }
    }

    public void Dispose() => _abort.Dispose();
}
