namespace Jiangwanli.Cli.Offline;

/// <summary>
/// Reads a stream line by line as UTF-8 bytes, without decoding to strings: each line is handed out as a span of an
/// internal buffer, valid until the next call. A trailing CR is dropped. Lines longer than
/// <see cref="MaxLineBytes"/> are refused with an exception (a runaway file, not an event).
/// </summary>
internal sealed class JsonLinesReader
{
    /// <summary>Longest line accepted.</summary>
    public const int MaxLineBytes = 64 << 20;

    private readonly Stream _input;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _eof;

    public JsonLinesReader(Stream input) => _input = input;

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Reads the next line; false at the end of the input.</summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        // Bounded: each pass either returns a line, ends, or reads more input (finite stream).
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                line = TrimCr(_buffer.AsSpan(_start, newline));
                _start += newline + 1;
                LineNumber++;
                return true;
            }

            if (_eof)
            {
                if (_start < _end)
                {
                    line = TrimCr(_buffer.AsSpan(_start, _end - _start));
                    _start = _end;
                    LineNumber++;
                    return true;
                }

                line = default;
                return false;
            }

            Fill();
        }
    }

    private void Fill()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= MaxLineBytes)
            {
                throw new InvalidDataException($"line {LineNumber + 1} is longer than {MaxLineBytes} bytes");
            }

            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, MaxLineBytes));
        }

        var read = _input.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line)
        => line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line;
}
