using System.Text;
using CsCheck;
using Jiangwanli.Server.Decisions;

namespace Jiangwanli.Server.Tests.Decisions;

public sealed class BatchSplitterTests
{
    private static List<string> Events(byte[] body, RequestBuffers buffers)
    {
        var events = new List<string>();
        for (var i = 0; i < buffers.EventCount; i++)
        {
            events.Add(Encoding.UTF8.GetString(body, buffers.EventOffsets[i], buffers.EventLengths[i]));
        }

        return events;
    }

    [Fact]
    public void SplitArray_ArrayOfMixedElements_GivesEachElementVerbatim()
    {
        var body = Encoding.UTF8.GetBytes(""" [ {"a":1}, {"b":[1,{"c":2}]} ,"text", 42, [1,2] ] """);
        var buffers = new RequestBuffers();

        var outcome = BatchSplitter.SplitArray(body, buffers, 100, 64, out _);

        Assert.Equal(BatchSplitter.Outcome.Ok, outcome);
        Assert.Equal(["""{"a":1}""", """{"b":[1,{"c":2}]}""", "\"text\"", "42", "[1,2]"], Events(body, buffers));
    }

    [Theory]
    [InlineData("{\"a\":1}")]
    [InlineData("[{\"a\":1}")]
    [InlineData("[{\"a\":1},]")]
    [InlineData("[{\"a\":1}] []")]
    [InlineData("")]
    [InlineData("[{\"a\":}]")]
    public void SplitArray_BrokenFraming_IsMalformed(string text)
    {
        var outcome = BatchSplitter.SplitArray(Encoding.UTF8.GetBytes(text), new RequestBuffers(), 100, 64, out var detail);

        Assert.Equal(BatchSplitter.Outcome.Malformed, outcome);
        Assert.False(string.IsNullOrEmpty(detail));
    }

    [Fact]
    public void SplitArray_MoreThanTheLimit_IsTooMany()
    {
        var body = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Repeat("{}", 11)) + "]");

        Assert.Equal(BatchSplitter.Outcome.TooMany, BatchSplitter.SplitArray(body, new RequestBuffers(), 10, 64, out _));
        Assert.Equal(BatchSplitter.Outcome.Ok, BatchSplitter.SplitArray(body, new RequestBuffers(), 11, 64, out _));
    }

    [Fact]
    public void SplitLines_NdJsonWithBlankLinesAndCrLf_GivesNonBlankLinesWithoutCr()
    {
        var body = Encoding.UTF8.GetBytes("{\"a\":1}\r\n\n   \n{\"b\":2}\n{\"c\":3}");
        var buffers = new RequestBuffers();

        Assert.Equal(BatchSplitter.Outcome.Ok, BatchSplitter.SplitLines(body, buffers, 10));
        Assert.Equal(["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"], Events(body, buffers));
    }

    [Fact]
    public void SplitArray_EveryTruncationAndByteFlip_NeverThrows()
    {
        var valid = Encoding.UTF8.GetBytes("""[{"user":"u1","amount":1.5},{"user":"u2","tags":[1,{"x":"y"}]}]""");
        Gen.Int[0, valid.Length].Select(Gen.Int[0, valid.Length - 1], Gen.Byte).Sample((cut, at, value) =>
        {
            var body = (byte[])valid.Clone();
            body[at] = value;
            var outcome = BatchSplitter.SplitArray(body.AsSpan(0, cut), new RequestBuffers(), 100, 64, out _);
            return outcome is BatchSplitter.Outcome.Ok or BatchSplitter.Outcome.Malformed;
        });
    }
}
