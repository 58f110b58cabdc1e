using Jiangwanli.Audit.Format;
using Jiangwanli.Audit.Storage;
using Jiangwanli.Audit.Writing;

namespace Jiangwanli.Audit;

/// <summary>
/// Reads records in order across segments, from a sequence number or a time, also while a writer appends (call
/// <see cref="TryRead"/> again later to follow). Checks framing, CRCs and sequence continuity, not the hash chain
/// (that is <see cref="AuditVerifier"/>'s job). Not thread-safe; allocation-free per record.
/// </summary>
public sealed class AuditReader : IDisposable
{
    private readonly string _directory;
    private List<SegmentFile> _segments;
    private int _index = -1;
    private ISegmentFile? _file;
    private SegmentScanner? _scanner;
    private ulong _skipBefore;
    private long _skipBeforeTime = long.MinValue;
    private bool _refreshNeeded;

    private AuditReader(string directory)
    {
        _directory = Path.GetFullPath(directory);
        _segments = SegmentFiles.List(_directory);
    }

    /// <summary>Sequence number of the next record <see cref="TryRead"/> returns (once it exists).</summary>
    public ulong NextSequence { get; private set; }

    /// <summary>
    /// Opens a reader at the first record with sequence ≥ <paramref name="fromSequence"/> (the oldest kept record when
    /// retention removed older ones).
    /// </summary>
    public static AuditReader Open(string directory, ulong fromSequence = 1)
    {
        var reader = new AuditReader(directory);
        try
        {
            reader.StartAtSequence(fromSequence);
            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>Opens a reader at the first record with a timestamp ≥ <paramref name="fromTime"/>.</summary>
    public static AuditReader OpenAt(string directory, DateTimeOffset fromTime)
    {
        var reader = new AuditReader(directory);
        try
        {
            reader.StartAtTime(fromTime.ToUnixTimeMilliseconds());
            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The segment files of a directory with their header fields, oldest first (the last one is the active one when a
    /// writer is running; its <see cref="AuditSegmentInfo.Length"/> is then the preallocated file size).
    /// </summary>
    public static IReadOnlyList<AuditSegmentInfo> ListSegments(string directory)
    {
        var files = SegmentFiles.List(Path.GetFullPath(directory));
        var result = new List<AuditSegmentInfo>(files.Count);
        Span<byte> bytes = stackalloc byte[SegmentHeader.Size];
        for (var i = 0; i < files.Count; i++)
        {
            var segment = files[i];
            using var file = FileSegmentStorage.OpenRead(segment.Path);
            var read = file.Read(bytes, 0);
            var created = SegmentHeader.TryRead(bytes[..read], out var header, out _) ? header.CreatedUnixMs : 0;
            result.Add(new AuditSegmentInfo(
                segment.Name, segment.Path, segment.FirstSequence, file.Length, SegmentEntry.ToTime(created), i == files.Count - 1));
        }

        return result;
    }

    /// <summary>
    /// Reads the next record. False when there is none yet: the end of the log, or a record still being written;
    /// call again later to follow a live log. Throws <see cref="InvalidDataException"/> on damage in a sealed segment.
    /// The payload is valid until the next call.
    /// </summary>
    public bool TryRead(out AuditRecord record)
    {
        record = default;
        if (_scanner is null)
        {
            // Started on an empty directory: a segment may have appeared since.
            if (!TryAdvance())
            {
                return false;
            }
        }

        if (_refreshNeeded)
        {
            _scanner!.Refresh();
            _refreshNeeded = false;
        }

        while (true)
        {
            var scanner = _scanner!;
            var status = scanner.Next();
            if (status == FrameStatus.Frame)
            {
                var frame = scanner.Frame;
                var span = frame.Span;
                var sequence = RecordFrame.ReadSequence(span);
                var timestamp = RecordFrame.ReadTimestamp(span);
                if (sequence != NextSequence)
                {
                    throw Damaged($"sequence {sequence} where {NextSequence} was expected", scanner.FrameOffset);
                }

                NextSequence++;
                if (sequence < _skipBefore || timestamp < _skipBeforeTime)
                {
                    continue;
                }

                record = new AuditRecord(sequence, timestamp, frame[RecordFrame.HeaderSize..]);
                return true;
            }

            // No frame here. In the last segment that is the end for now (or a frame being written); once a newer
            // segment exists this one is complete, so re-read it once, then move on.
            var isLast = _index == _segments.Count - 1;
            if (isLast)
            {
                _segments = SegmentFiles.List(_directory);
                if (_index == _segments.Count - 1)
                {
                    _refreshNeeded = true;
                    return false;
                }

                scanner.Refresh();
                status = scanner.Next();
                if (status == FrameStatus.Frame)
                {
                    scanner.Seek(scanner.FrameOffset);
                    continue;
                }
            }

            if (status is not (FrameStatus.EndMarker or FrameStatus.EndOfFile))
            {
                throw Damaged(Describe(status), scanner.Offset);
            }

            var next = _segments[_index + 1];
            if (next.FirstSequence != NextSequence)
            {
                throw Damaged($"segment ends before sequence {NextSequence} but the next segment starts at {next.FirstSequence}", scanner.Offset);
            }

            if (!TryAdvance())
            {
                return false;
            }
        }
    }

    /// <summary>Closes the current segment file.</summary>
    public void Dispose()
    {
        _scanner?.Dispose();
        _file?.Dispose();
        _scanner = null;
        _file = null;
    }

    private void StartAtSequence(ulong fromSequence)
    {
        _skipBefore = fromSequence;
        var index = 0;
        for (var i = 0; i < _segments.Count; i++)
        {
            if (_segments[i].FirstSequence <= fromSequence)
            {
                index = i;
            }
        }

        OpenSegment(index);
    }

    private void StartAtTime(long fromUnixMs)
    {
        _skipBeforeTime = fromUnixMs;

        // Records of segment i lie between created[i] and created[i+1]: start in the last segment created strictly
        // before the time (a record at exactly created[i+1] may still be at the end of segment i).
        var index = 0;
        Span<byte> bytes = stackalloc byte[SegmentHeader.Size];
        for (var i = 0; i < _segments.Count; i++)
        {
            using var file = FileSegmentStorage.OpenRead(_segments[i].Path);
            var read = file.Read(bytes, 0);
            if (!SegmentHeader.TryRead(bytes[..read], out var header, out _) || header.CreatedUnixMs >= fromUnixMs)
            {
                break;
            }

            index = i;
        }

        OpenSegment(index);
    }

    private bool TryAdvance()
    {
        if (_scanner is null)
        {
            _segments = SegmentFiles.List(_directory);
            if (_segments.Count == 0)
            {
                return false;
            }

            OpenSegment(0);
            return true;
        }

        if (_index + 1 >= _segments.Count)
        {
            return false;
        }

        OpenSegment(_index + 1);
        return true;
    }

    private void OpenSegment(int index)
    {
        Dispose();
        if (index >= _segments.Count)
        {
            return;
        }

        _index = index;
        var segment = _segments[index];
        _file = FileSegmentStorage.OpenRead(segment.Path);
        _scanner = new SegmentScanner(_file, SegmentHeader.Size);
        Span<byte> bytes = stackalloc byte[SegmentHeader.Size];
        var read = _scanner.ReadAt(0, bytes);
        if (!SegmentHeader.TryRead(bytes[..read], out var header, out var problem))
        {
            throw Damaged(problem!, 0);
        }

        if (header.FirstSequence != segment.FirstSequence)
        {
            throw Damaged($"header first sequence {header.FirstSequence} does not match the file name", 16);
        }

        NextSequence = header.FirstSequence;
    }

    private InvalidDataException Damaged(string problem, long offset) =>
        new($"Audit segment {_segments[_index].Name} at offset {offset}: {problem}. Run `jwl audit verify`.");

    private static string Describe(FrameStatus status) => status switch
    {
        FrameStatus.CrcMismatch => "CRC mismatch",
        FrameStatus.BadLength => "invalid length field",
        FrameStatus.TruncatedLength => "truncated length field",
        _ => status.ToString(),
    };
}
