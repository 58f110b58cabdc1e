using System.Net;
using System.Net.Sockets;

namespace Jiangwanli.Cli.Bench;

/// <summary>
/// The lean client: one keep-alive HTTP/1.1 connection on a raw <see cref="Socket"/>. A request is one <c>send</c> of
/// a pre-built slice of the <see cref="RequestCorpus"/> (stamped corpora: of a per-connection copy with the stamp
/// filled in); the response is read into a fixed per-connection buffer and parsed in place by
/// <see cref="HttpResponseParser"/>, its body skipped. Nothing is allocated per request.
/// </summary>
internal sealed class SocketConnection : ILoadConnection
{
    /// <summary>Receive buffer per connection: a status line, headers and a decision fit several times over.</summary>
    public const int BufferSize = 8192;

    private readonly EndPoint _endpoint;
    private readonly RequestCorpus _corpus;
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly byte[]? _stamped; // the request being sent, stamped (null: the corpus carries no stamp)
    private Socket? _socket;

    // Mutable struct! Advanced in place; don't make it readonly.
    private HttpResponseParser _parser;

    public SocketConnection(EndPoint endpoint, RequestCorpus corpus)
    {
        _endpoint = endpoint;
        _corpus = corpus;
        _stamped = corpus.StampOffset >= 0 ? new byte[corpus.MaxRequestBytes] : null;
    }

    public bool IsConnected => Volatile.Read(ref _socket) is not null;

    public async ValueTask<bool> ConnectAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Close();
        var socket = new Socket(_endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            await socket.ConnectAsync(_endpoint, deadline.Token).ConfigureAwait(false);
            Volatile.Write(ref _socket, socket);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            socket.Dispose();
            return false;
        }
    }

    public async ValueTask<ExchangeOutcome> ExchangeAsync(long sequence, long startMicros)
    {
        var socket = Volatile.Read(ref _socket);
        if (socket is null)
        {
            return ExchangeOutcome.Failed(BenchError.Write);
        }

        var stage = BenchError.Write;
        try
        {
            var request = _corpus.Request(sequence);
            if (_stamped is { } copy)
            {
                request.Span.CopyTo(copy);
                RequestCorpus.WriteStamp(copy.AsSpan(_corpus.StampOffset, RequestCorpus.StampDigits), startMicros);
                request = copy.AsMemory(0, request.Length);
            }

            while (!request.IsEmpty)
            {
                var sent = await socket.SendAsync(request, SocketFlags.None).ConfigureAwait(false);
                request = request[sent..];
            }

            stage = BenchError.Read;
            _parser.Reset();
            var filled = 0;
            while (true)
            {
                var received = await socket.ReceiveAsync(_buffer.AsMemory(filled), SocketFlags.None).ConfigureAwait(false);
                if (received == 0)
                {
                    Close();
                    return ExchangeOutcome.Failed(BenchError.Read);
                }

                filled += received;
                var status = _parser.Parse(_buffer.AsSpan(0, filled), out var consumed);
                filled -= consumed;
                if (status == ResponseParseStatus.Complete && filled == 0)
                {
                    if (_parser.ConnectionClose)
                    {
                        Close();
                    }

                    return ExchangeOutcome.Status(_parser.StatusCode, _parser.HasRetryAfter);
                }

                // Bytes after a complete response (we never pipeline), garbage, or a line longer than the buffer.
                if (status != ResponseParseStatus.NeedMore || filled == _buffer.Length)
                {
                    Close();
                    return ExchangeOutcome.Failed(BenchError.Protocol);
                }

                if (consumed > 0 && filled > 0)
                {
                    _buffer.AsSpan(consumed, filled).CopyTo(_buffer);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Close();
            return ExchangeOutcome.Failed(stage);
        }
    }

    public void Abort() => Close();

    public void Dispose() => Close();

    private void Close() => Interlocked.Exchange(ref _socket, null)?.Dispose();
}
