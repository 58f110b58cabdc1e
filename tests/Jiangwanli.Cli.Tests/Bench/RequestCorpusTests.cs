using System.Text;
using System.Text.Json;
using Jiangwanli.Cli.Bench;

namespace Jiangwanli.Cli.Tests.Bench;

public sealed class RequestCorpusTests
{
    private static BenchTarget Target()
    {
        Assert.True(BenchTarget.TryCreate("url", "http://127.0.0.1:8080", allowRemote: false, "/v1/decisions", out var target, out _));
        return target!;
    }

    [Fact]
    public void Build_OneBody_IsAnExactHttp11Post()
    {
        var bodies = EventBodies.FromJsonLines("{\"a\":1}\n"u8, 10);
        var corpus = RequestCorpus.Build(Target(), bodies);
        var request = Encoding.ASCII.GetString(corpus.Request(0).Span);
        Assert.Equal(
            "POST /v1/decisions HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
            request);
        Assert.Equal("{\"a\":1}", Encoding.ASCII.GetString(corpus.Body(0).Span));
    }

    [Fact]
    public void Build_Stamped_CarriesAStampToFillInAtOneOffset()
    {
        var bodies = EventBodies.FromJsonLines("{\"a\":1}\n{\"bb\":22}\n"u8, 10);
        var corpus = RequestCorpus.Build(Target(), bodies, stamped: true);

        Assert.Equal(
            "POST /v1/decisions HTTP/1.1\r\nX-Request-Start: t=0000000000000000\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
            Encoding.ASCII.GetString(corpus.Request(0).Span));
        for (var i = 0; i < corpus.Count; i++)
        {
            Assert.True(corpus.Request(i).Span.Slice(corpus.StampOffset, RequestCorpus.StampDigits).SequenceEqual("0000000000000000"u8));
        }

        Assert.Equal(corpus.Request(1).Length, corpus.MaxRequestBytes);
        Assert.Equal(-1, RequestCorpus.Build(Target(), bodies).StampOffset);
    }

    [Theory]
    [InlineData(1_764_244_800_123_456, "1764244800123456")]
    [InlineData(42, "0000000000000042")]
    [InlineData(-5, "0000000000000000")]
    public void WriteStamp_FormatsSixteenDigits(long micros, string expected)
    {
        var stamp = new byte[RequestCorpus.StampDigits];
        RequestCorpus.WriteStamp(stamp, micros);
        Assert.Equal(expected, Encoding.ASCII.GetString(stamp));
    }

    [Fact]
    public void Request_SequenceBeyondTheCorpus_WrapsAround()
    {
        var bodies = EventBodies.FromJsonLines("{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n"u8, 10);
        var corpus = RequestCorpus.Build(Target(), bodies);
        Assert.Equal(3, corpus.Count);
        Assert.True(corpus.Body(4).Span.SequenceEqual("{\"n\":1}"u8));
        Assert.True(corpus.Body(long.MaxValue).Span.SequenceEqual(corpus.Body(long.MaxValue % 3).Span));
    }

    [Fact]
    public void Build_GeneratedEvents_EachRequestDeclaresItsBodyLength()
    {
        var corpus = RequestCorpus.Build(Target(), EventBodies.FromGenerator(seed: 7, count: 500));
        for (var i = 0; i < corpus.Count; i++)
        {
            var request = corpus.Request(i).Span;
            var headEnd = request.IndexOf("\r\n\r\n"u8);
            var head = Encoding.ASCII.GetString(request[..headEnd]);
            var declared = int.Parse(head[(head.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(request.Length - headEnd - 4, declared);
            Assert.True(corpus.Body(i).Span.SequenceEqual(request[(headEnd + 4)..]));
        }
    }
}

public sealed class EventBodiesTests
{
    [Fact]
    public void FromGenerator_SameSeed_SameEvents()
    {
        var a = EventBodies.FromGenerator(seed: 11, count: 200);
        var b = EventBodies.FromGenerator(seed: 11, count: 200);
        var c = EventBodies.FromGenerator(seed: 12, count: 200);
        Assert.Equal(200, a.Count);
        for (var i = 0; i < a.Count; i++)
        {
            Assert.True(a[i].SequenceEqual(b[i]));
        }

        Assert.False(a[5].SequenceEqual(c[5]) && a[6].SequenceEqual(c[6]) && a[7].SequenceEqual(c[7]));
    }

    [Fact]
    public void FromGenerator_Events_AreJsonObjects()
    {
        var bodies = EventBodies.FromGenerator(seed: 3, count: 100);
        for (var i = 0; i < bodies.Count; i++)
        {
            using var document = JsonDocument.Parse(bodies[i].ToArray());
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
            Assert.True(document.RootElement.TryGetProperty("user", out _));
        }
    }

    [Fact]
    public void FromJsonLines_BlankLinesAndCrLf_AreSkippedAndTrimmed()
    {
        var bodies = EventBodies.FromJsonLines("{\"a\":1}\r\n\r\n   \n {\"b\":2} \n{\"c\":3}"u8, 10);
        Assert.Equal(3, bodies.Count);
        Assert.True(bodies[0].SequenceEqual("{\"a\":1}"u8));
        Assert.True(bodies[1].SequenceEqual("{\"b\":2}"u8));
        Assert.True(bodies[2].SequenceEqual("{\"c\":3}"u8));
    }

    [Fact]
    public void FromJsonLines_MoreLinesThanTheCap_KeepsTheFirst()
    {
        var bodies = EventBodies.FromJsonLines("{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n"u8, 2);
        Assert.Equal(2, bodies.Count);
        Assert.True(bodies[1].SequenceEqual("{\"b\":2}"u8));
    }

    [Fact]
    public void FromJsonLines_NoEvents_Throws()
    {
        Assert.Throws<InvalidDataException>(() => EventBodies.FromJsonLines("\n \r\n"u8, 10));
    }
}
