using System.Text;
using CsCheck;
using Jiangwanli.Cli.Bench;

namespace Jiangwanli.Cli.Tests.Bench;

public sealed class HttpResponseParserTests
{
    private const string Decision = "HTTP/1.1 200 OK\r\nContent-Length: 27\r\nContent-Type: application/json\r\nDate: Wed, 26 Nov 2025 00:00:00 GMT\r\n\r\n{\"id\":\"e1\",\"decision\":\"ok\"}";

    /// <summary>Feeds <paramref name="response"/> in the given pieces the way a connection does: unconsumed bytes stay at the front.</summary>
    private static (ResponseParseStatus Status, int Code, bool Close, int Leftover) Feed(byte[] response, IEnumerable<int> pieceSizes)
    {
        var parser = default(HttpResponseParser);
        parser.Reset();
        var buffer = new List<byte>();
        var at = 0;
        var status = ResponseParseStatus.NeedMore;
        foreach (var size in pieceSizes.Append(int.MaxValue))
        {
            var take = Math.Min(size, response.Length - at);
            buffer.AddRange(response.AsSpan(at, take).ToArray());
            at += take;
            status = parser.Parse(buffer.ToArray(), out var consumed);
            Assert.InRange(consumed, 0, buffer.Count);
            buffer.RemoveRange(0, consumed);
            if (status != ResponseParseStatus.NeedMore || at == response.Length)
            {
                break;
            }
        }

        return (status, parser.StatusCode, parser.ConnectionClose, buffer.Count + (response.Length - at));
    }

    private static (ResponseParseStatus Status, int Code, bool Close, int Leftover) FeedWhole(string response) =>
        Feed(Encoding.ASCII.GetBytes(response), [int.MaxValue]);

    [Fact]
    public void Parse_ContentLengthResponse_IsCompleteWithStatus()
    {
        var (status, code, close, leftover) = FeedWhole(Decision);
        Assert.Equal(ResponseParseStatus.Complete, status);
        Assert.Equal(200, code);
        Assert.False(close);
        Assert.Equal(0, leftover);
    }

    [Fact]
    public void Parse_EverySplitPoint_GivesTheSameResult()
    {
        var bytes = Encoding.ASCII.GetBytes(Decision);
        for (var split = 1; split < bytes.Length; split++)
        {
            var (status, code, _, leftover) = Feed(bytes, [split]);
            Assert.Equal(ResponseParseStatus.Complete, status);
            Assert.Equal(200, code);
            Assert.Equal(0, leftover);
        }
    }

    [Fact]
    public void Parse_EveryTruncation_NeedsMore()
    {
        var bytes = Encoding.ASCII.GetBytes(Decision);
        for (var length = 0; length < bytes.Length; length++)
        {
            var parser = default(HttpResponseParser);
            parser.Reset();
            Assert.Equal(ResponseParseStatus.NeedMore, parser.Parse(bytes.AsSpan(0, length), out _));
        }
    }

    [Fact]
    public void Parse_ByteByByte_IsComplete()
    {
        var bytes = Encoding.ASCII.GetBytes(Decision);
        var (status, code, _, leftover) = Feed(bytes, Enumerable.Repeat(1, bytes.Length));
        Assert.Equal(ResponseParseStatus.Complete, status);
        Assert.Equal(200, code);
        Assert.Equal(0, leftover);
    }

    [Fact]
    public void Parse_BytesAfterTheResponse_AreNotConsumed()
    {
        var parser = default(HttpResponseParser);
        parser.Reset();
        var bytes = Encoding.ASCII.GetBytes(Decision + "HTTP/1.1");
        Assert.Equal(ResponseParseStatus.Complete, parser.Parse(bytes, out var consumed));
        Assert.Equal(Decision.Length, consumed);
    }

    [Fact]
    public void Parse_ChunkedResponseWithExtensionAndTrailer_IsComplete()
    {
        const string Chunked = "HTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: Chunked\r\nRetry-After: 1\r\n\r\n"
            + "5;name=value\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: 1\r\n\r\n";
        var bytes = Encoding.ASCII.GetBytes(Chunked);
        for (var split = 1; split < bytes.Length; split++)
        {
            var (status, code, _, leftover) = Feed(bytes, [split]);
            Assert.Equal(ResponseParseStatus.Complete, status);
            Assert.Equal(503, code);
            Assert.Equal(0, leftover);
        }
    }

    [Theory]
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n", 204)]
    [InlineData("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 304)]
    [InlineData("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", 200)]
    [InlineData("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 200)]
    [InlineData("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}", 201)]
    public void Parse_ResponsesWithoutBodyOrWithInterim_AreComplete(string response, int expectedCode)
    {
        var (status, code, _, leftover) = FeedWhole(response);
        Assert.Equal(ResponseParseStatus.Complete, status);
        Assert.Equal(expectedCode, code);
        Assert.Equal(0, leftover);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", true)]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", true)]
    [InlineData("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", false)]
    public void Parse_ConnectionHeader_SaysWhetherToClose(string response, bool expectedClose)
    {
        var (status, _, close, _) = FeedWhole(response);
        Assert.Equal(ResponseParseStatus.Complete, status);
        Assert.Equal(expectedClose, close);
    }

    [Theory]
    [InlineData("HTTP/2 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 200OK\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")]
    [InlineData("HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\n\r\nbody until close")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY")]
    public void Parse_MalformedResponse_IsInvalid(string response)
    {
        var (status, _, _, _) = FeedWhole(response);
        Assert.Equal(ResponseParseStatus.Invalid, status);
    }

    [Fact]
    public void Parse_LineLongerThanTheLimit_IsInvalid()
    {
        var parser = default(HttpResponseParser);
        parser.Reset();
        var line = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nX-Long: " + new string('a', HttpResponseParser.MaxLineLength + 1));
        Assert.Equal(ResponseParseStatus.Invalid, parser.Parse(line, out _));
    }

    [Fact]
    public void Parse_AnyBodySizeAndAnySplits_CompletesWithNothingLeft()
    {
        Gen.Select(Gen.Int[0, 20_000], Gen.Bool, Gen.Int[1, 3_000].Array[1, 12]).Sample((size, chunked, pieces) =>
        {
            var body = new string('x', size);
            string response;
            if (chunked)
            {
                var sb = new StringBuilder("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                for (var at = 0; at < size; at += 1000)
                {
                    var n = Math.Min(1000, size - at);
                    sb.Append(n.ToString("x", System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n").Append(body, at, n).Append("\r\n");
                }

                response = sb.Append("0\r\n\r\n").ToString();
            }
            else
            {
                response = $"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n{body}";
            }

            var (status, code, _, leftover) = Feed(Encoding.ASCII.GetBytes(response), pieces);
            return status == ResponseParseStatus.Complete && code == 200 && leftover == 0;
        }, iter: 300);
    }
}
