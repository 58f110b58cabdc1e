using System.Buffers.Text;

namespace Jiangwanli.Cli.Bench;

/// <summary>What <see cref="HttpResponseParser.Parse"/> found.</summary>
internal enum ResponseParseStatus
{
    /// <summary>The response is not complete yet; present the unconsumed bytes again with more appended.</summary>
    NeedMore,

    /// <summary>A whole response was read; <see cref="HttpResponseParser.StatusCode"/> is set.</summary>
    Complete,

    /// <summary>The bytes are not an HTTP/1.1 response this client understands; drop the connection.</summary>
    Invalid,
}

/// <summary>
/// An incremental HTTP/1.1 response parser for a client that never pipelines: status line, headers
/// (<c>Content-Length</c>, <c>Transfer-Encoding: chunked</c>, <c>Connection: close</c>), then the body, which is
/// skipped, not kept. It consumes whole lines only, so the caller keeps a partial line at the start of its buffer and
/// appends the next read after it; body bytes are consumed as they come, so bodies larger than the buffer are fine.
/// </summary>
/// <remarks>Mutable struct! It lives in a field of its connection and is advanced in place; don't make it readonly.</remarks>
internal struct HttpResponseParser
{
    /// <summary>The longest status line, header line or chunk-size line accepted.</summary>
    public const int MaxLineLength = 4096;

    private State _state;
    private long _remaining;
    private long _contentLength;
    private bool _hasContentLength;
    private bool _chunked;

    private enum State
    {
        StatusLine,
        Headers,
        Body,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        Done,
    }

    /// <summary>The status code of the response being (or last) parsed; 0 before the status line.</summary>
    public int StatusCode { get; private set; }

    /// <summary>True when the server said <c>Connection: close</c>: the connection must not be reused.</summary>
    public bool ConnectionClose { get; private set; }

    /// <summary>True when the response carried a non-empty <c>Retry-After</c> header.</summary>
    public bool HasRetryAfter { get; private set; }

    /// <summary>Prepares for the next response on the connection.</summary>
    public void Reset()
    {
        _state = State.StatusLine;
        _remaining = 0;
        _contentLength = 0;
        _hasContentLength = false;
        _chunked = false;
        StatusCode = 0;
        ConnectionClose = false;
        HasRetryAfter = false;
    }

    /// <summary>
    /// Parses as much of <paramref name="buffer"/> as possible. The first <paramref name="consumed"/> bytes are done
    /// with; the rest (a partial line) must be presented again, at the start, with the next bytes appended.
    /// </summary>
    public ResponseParseStatus Parse(ReadOnlySpan<byte> buffer, out int consumed)
    {
        consumed = 0;
        while (true)
        {
            var rest = buffer[consumed..];
            switch (_state)
            {
                case State.Done:
                    return ResponseParseStatus.Complete;

                case State.Body:
                case State.ChunkData:
                    {
                        var take = (int)Math.Min(_remaining, rest.Length);
                        consumed += take;
                        _remaining -= take;
                        if (_remaining > 0)
                        {
                            return ResponseParseStatus.NeedMore;
                        }

                        _state = _state == State.Body ? State.Done : State.ChunkDataEnd;
                        continue;
                    }

                case State.ChunkDataEnd:
                    if (rest.Length < 2)
                    {
                        return rest.IsEmpty || rest[0] == '\r' ? ResponseParseStatus.NeedMore : ResponseParseStatus.Invalid;
                    }

                    if (rest[0] != '\r' || rest[1] != '\n')
                    {
                        return ResponseParseStatus.Invalid;
                    }

                    consumed += 2;
                    _state = State.ChunkSize;
                    continue;

                default:
                    {
                        var end = rest.IndexOf("\r\n"u8);
                        if (end < 0)
                        {
                            return rest.Length > MaxLineLength ? ResponseParseStatus.Invalid : ResponseParseStatus.NeedMore;
                        }

                        if (end > MaxLineLength || !Line(rest[..end]))
                        {
                            return ResponseParseStatus.Invalid;
                        }

                        consumed += end + 2;
                        continue;
                    }
            }
        }
    }

    private bool Line(ReadOnlySpan<byte> line) => _state switch
    {
        State.StatusLine => StatusLine(line),
        State.Headers => HeaderLine(line),
        State.ChunkSize => ChunkSizeLine(line),
        _ => TrailerLine(line),
    };

    private bool StatusLine(ReadOnlySpan<byte> line)
    {
        // "HTTP/1.1 200 OK" — the reason phrase may be empty, and then so may the space before it.
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || line[8] != ' ' || (line.Length > 12 && line[12] != ' '))
        {
            return false;
        }

        var code = line.Slice(9, 3);
        if (!char.IsAsciiDigit((char)code[0]) || !char.IsAsciiDigit((char)code[1]) || !char.IsAsciiDigit((char)code[2]))
        {
            return false;
        }

        StatusCode = ((code[0] - '0') * 100) + ((code[1] - '0') * 10) + (code[2] - '0');
        if (StatusCode < 100)
        {
            return false;
        }

        ConnectionClose = line[7] == '0'; // HTTP/1.0 closes unless told otherwise; we never ask it to keep alive.
        _state = State.Headers;
        return true;
    }

    private bool HeaderLine(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty)
        {
            return EndOfHeaders();
        }

        var colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            return false;
        }

        var name = line[..colon];
        var value = line[(colon + 1)..].Trim(" \t"u8);
        if (System.Text.Ascii.EqualsIgnoreCase(name, "content-length"u8))
        {
            if (!Utf8Parser.TryParse(value, out long length, out var used) || used != value.Length || length < 0
                || (_hasContentLength && _contentLength != length))
            {
                return false;
            }

            _contentLength = length;
            _hasContentLength = true;
        }
        else if (System.Text.Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
        {
            _chunked = ContainsIgnoreCase(value, "chunked"u8);
        }
        else if (System.Text.Ascii.EqualsIgnoreCase(name, "retry-after"u8))
        {
            HasRetryAfter = !value.IsEmpty;
        }
        else if (System.Text.Ascii.EqualsIgnoreCase(name, "connection"u8))
        {
            if (ContainsIgnoreCase(value, "close"u8))
            {
                ConnectionClose = true;
            }
            else if (ContainsIgnoreCase(value, "keep-alive"u8))
            {
                ConnectionClose = false;
            }
        }

        return true;
    }

    private bool EndOfHeaders()
    {
        if (StatusCode < 200)
        {
            // An interim response (100 Continue, 103 Early Hints): the real one follows.
            _state = State.StatusLine;
            _hasContentLength = false;
            _chunked = false;
            HasRetryAfter = false;
            return true;
        }

        if (StatusCode is 204 or 304)
        {
            _state = State.Done;
        }
        else if (_chunked)
        {
            _state = State.ChunkSize;
        }
        else if (_hasContentLength)
        {
            _remaining = _contentLength;
            _state = _remaining == 0 ? State.Done : State.Body;
        }
        else
        {
            // A body delimited by the connection closing: not something a keep-alive load tool can measure.
            return false;
        }

        return true;
    }

    private bool ChunkSizeLine(ReadOnlySpan<byte> line)
    {
        var semicolon = line.IndexOf((byte)';');
        var hex = (semicolon < 0 ? line : line[..semicolon]).Trim(" \t"u8);
        if (hex.IsEmpty || hex.Length > 15 || !Utf8Parser.TryParse(hex, out long size, out var used, 'x') || used != hex.Length)
        {
            return false;
        }

        if (size == 0)
        {
            _state = State.Trailers;
        }
        else
        {
            _remaining = size;
            _state = State.ChunkData;
        }

        return true;
    }

    private bool TrailerLine(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty)
        {
            _state = State.Done;
        }

        return true;
    }

    private static bool ContainsIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        for (var i = 0; i + token.Length <= value.Length; i++)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(value.Slice(i, token.Length), token))
            {
                return true;
            }
        }

        return false;
    }
}
