using System.Text;
using CsCheck;
using Jiangwanli.Cli.Offline;

namespace Jiangwanli.Cli.Tests;

public sealed class JsonLinesReaderTests
{
    private static List<string> ReadAll(byte[] bytes, int chunk)
    {
        var reader = new JsonLinesReader(new ChunkedStream(bytes, chunk));
        var lines = new List<string>();
        while (reader.TryReadLine(out var line))
        {
            lines.Add(Encoding.UTF8.GetString(line));
        }

        return lines;
    }

    [Fact]
    public void TryReadLine_CrLfAndNoFinalNewline_GivesLinesWithoutTerminators()
        => Assert.Equal(["a", "", "b c", "d"], ReadAll(Encoding.UTF8.GetBytes("a\r\n\nb c\nd"), 3));

    [Fact]
    public void TryReadLine_LinesLongerThanTheBuffer_AreWhole()
    {
        var longLine = new string('x', 200_000);
        Assert.Equal([longLine, "y"], ReadAll(Encoding.UTF8.GetBytes(longLine + "\ny\n"), 7_000));
    }

    [Fact]
    public void TryReadLine_AnyTextAnyChunking_GivesWhatSplitGives()
    {
        Gen.String[Gen.Char['\n', 'z'], 0, 300].Select(Gen.Int[1, 50]).Sample((text, chunk) =>
        {
            // The reader drops one trailing CR per line (CRLF files).
            var expected = text.Split('\n').Select(static l => l.EndsWith('\r') ? l[..^1] : l).ToList();
            if (text.EndsWith('\n') || text.Length == 0)
            {
                expected.RemoveAt(expected.Count - 1);
            }

            return expected.SequenceEqual(ReadAll(Encoding.UTF8.GetBytes(text), chunk));
        });
    }

    /// <summary>Returns at most <c>chunk</c> bytes per read, like a pipe.</summary>
    private sealed class ChunkedStream(byte[] bytes, int chunk) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => bytes.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, chunk), bytes.Length - _position);
            bytes.AsSpan(_position, n).CopyTo(buffer.AsSpan(offset));
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
