using System.Buffers;
using Jiangwanli.Audit.Storage;

namespace Jiangwanli.Audit.Format;

/// <summary>What <see cref="SegmentScanner.Next"/> found at the current offset.</summary>
internal enum FrameStatus
{
    /// <summary>A frame with a matching CRC; the scanner moved past it.</summary>
    Frame,

    /// <summary>A zero length field: the end of written data in a preallocated segment.</summary>
    EndMarker,

    /// <summary>The file ends exactly here (a sealed, trimmed segment).</summary>
    EndOfFile,

    /// <summary>Fewer than 4 bytes remain: not even a length field.</summary>
    TruncatedLength,

    /// <summary>The length field is below 24, beyond the end of the file, or beyond the 16 MiB limit.</summary>
    BadLength,

    /// <summary>The frame's CRC-32C does not match its bytes.</summary>
    CrcMismatch,
}

/// <summary>
/// Reads record frames of one segment in order through a buffer (1 MiB reads), checking length and CRC. Shared by
/// recovery, <see cref="AuditReader"/> and <see cref="AuditVerifier"/>. Sequence, timestamp and chain rules are the
/// callers' business. Not thread-safe.
/// </summary>
internal sealed class SegmentScanner : IDisposable
{
    private const int DefaultBufferSize = 1 << 20;

    private readonly ISegmentFile _file;
    private byte[] _buffer;
    private long _bufferOffset;
    private int _bufferLength;
    private long _fileLength;

    public SegmentScanner(ISegmentFile file, long offset)
    {
        _file = file;
        _buffer = ArrayPool<byte>.Shared.Rent(DefaultBufferSize);
        _fileLength = file.Length;
        Offset = offset;
    }

    /// <summary>File offset of the next frame.</summary>
    public long Offset { get; private set; }

    /// <summary>File length when last refreshed.</summary>
    public long FileLength => _fileLength;

    /// <summary>
    /// The frame found by the last <see cref="Next"/> that returned <see cref="FrameStatus.Frame"/>; valid until the
    /// next call.
    /// </summary>
    public ReadOnlyMemory<byte> Frame { get; private set; }

    /// <summary>File offset of <see cref="Frame"/>.</summary>
    public long FrameOffset { get; private set; }

    /// <summary>Forgets buffered bytes and re-reads the file length, to see data written since.</summary>
    public void Refresh()
    {
        _bufferLength = 0;
        _fileLength = _file.Length;
    }

    /// <summary>Reads the frame at <see cref="Offset"/>.</summary>
    public FrameStatus Next()
    {
        var remaining = _fileLength - Offset;
        if (remaining == 0)
        {
            return FrameStatus.EndOfFile;
        }

        if (remaining < 4)
        {
            return FrameStatus.TruncatedLength;
        }

        var head = Ensure(Offset, 4);
        if (head.Length < 4)
        {
            // The file shrank since its length was read (a reader racing the writer trimming a sealed segment).
            return head.Length == 0 ? FrameStatus.EndOfFile : FrameStatus.TruncatedLength;
        }

        var length = RecordFrame.ReadLength(head);
        if (length == 0)
        {
            return FrameStatus.EndMarker;
        }

        if (length < RecordFrame.HeaderSize || length > RecordFrame.MaxFrameLength || length > remaining)
        {
            return FrameStatus.BadLength;
        }

        if (Ensure(Offset, length).Length < length)
        {
            return FrameStatus.BadLength;
        }

        var frame = _buffer.AsMemory((int)(Offset - _bufferOffset), length);
        if (!RecordFrame.CrcMatches(frame.Span))
        {
            return FrameStatus.CrcMismatch;
        }

        Frame = frame;
        FrameOffset = Offset;
        Offset += length;
        return FrameStatus.Frame;
    }

    /// <summary>Reads <paramref name="destination"/>.Length bytes at <paramref name="offset"/> (e.g. the header).</summary>
    public int ReadAt(long offset, Span<byte> destination)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var n = _file.Read(destination[total..], offset + total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    /// <summary>Offset of the first non-zero byte in [<paramref name="from"/>, end of file), or -1.</summary>
    public long FindFirstNonZero(long from)
    {
        for (var offset = from; offset < _fileLength;)
        {
            var chunk = Ensure(offset, (int)Math.Min(_buffer.Length, _fileLength - offset));
            if (chunk.IsEmpty)
            {
                break;
            }

            var index = chunk.IndexOfAnyExcept((byte)0);
            if (index >= 0)
            {
                return offset + index;
            }

            offset += chunk.Length;
        }

        return -1;
    }

    /// <summary>Offset of the last non-zero byte in [<paramref name="from"/>, end of file), or -1.</summary>
    public long FindLastNonZero(long from)
    {
        var last = -1L;
        for (var offset = from; offset < _fileLength;)
        {
            var chunk = Ensure(offset, (int)Math.Min(_buffer.Length, _fileLength - offset));
            if (chunk.IsEmpty)
            {
                break;
            }

            var index = chunk.LastIndexOfAnyExcept((byte)0);
            if (index >= 0)
            {
                last = offset + index;
            }

            offset += chunk.Length;
        }

        return last;
    }

    /// <summary>Moves to <paramref name="offset"/> (used to re-scan after a refresh).</summary>
    public void Seek(long offset) => Offset = offset;

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Makes [offset, offset+count) buffered and returns it; shorter when the file ends sooner (then the cached file
    /// length is corrected).
    /// </summary>
    private ReadOnlySpan<byte> Ensure(long offset, int count)
    {
        if (offset >= _bufferOffset && offset + count <= _bufferOffset + _bufferLength)
        {
            return _buffer.AsSpan((int)(offset - _bufferOffset), count);
        }

        if (count > _buffer.Length)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(count);
        }

        var toRead = (int)Math.Min(_buffer.Length, _fileLength - offset);
        var read = ReadAt(offset, _buffer.AsSpan(0, toRead));
        _bufferOffset = offset;
        _bufferLength = read;
        if (read < count)
        {
            _fileLength = offset + read;
            return _buffer.AsSpan(0, read);
        }

        return _buffer.AsSpan(0, count);
    }
}
