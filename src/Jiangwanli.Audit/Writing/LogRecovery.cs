using System.Diagnostics;
using Jiangwanli.Audit.Format;
using Jiangwanli.Audit.Storage;

namespace Jiangwanli.Audit.Writing;

/// <summary>Where the writer continues after recovery.</summary>
internal sealed class RecoveredLog
{
    public required ISegmentFile File { get; init; }

    public required List<SegmentEntry> Segments { get; init; }

    public required long WriteOffset { get; init; }

    public required ulong NextSequence { get; init; }

    public required ChainHash Hash { get; init; }

    public required long LastTimestamp { get; init; }

    public required AuditRecoveryReport Report { get; init; }
}

/// <summary>
/// Recovery, run by <see cref="AuditLog.Open"/> before the writer starts: find the segments, verify the last one's
/// records (length, CRC, sequence, timestamp order, chain), cut a torn tail, and continue the sequence and chain.
/// </summary>
/// <remarks>
/// Only the last segment can hold a torn tail: a segment is flushed before its successor is created, and a successor
/// gets its name only after its header is durable. Everything after the first invalid frame of the last segment is
/// cut, because a record after a hole cannot be chained; but the cut bytes are first copied to a quarantine file and
/// reported, so nothing vanishes silently. Older segments are left to <see cref="AuditVerifier"/>.
/// </remarks>
internal static class LogRecovery
{
    public static RecoveredLog Run(LogContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var removed = RemoveTemporaryFiles(context);
        var files = SegmentFiles.List(context.Directory);
        if (files.Count == 0)
        {
            return CreateNewLog(context, removed, started);
        }

        var segments = new List<SegmentEntry>(files.Count);
        for (var i = 0; i < files.Count - 1; i++)
        {
            var sealedFile = files[i];
            var length = new FileInfo(sealedFile.Path).Length;
            segments.Add(new SegmentEntry(sealedFile.Name, sealedFile.Path, sealedFile.FirstSequence, ReadCreated(sealedFile.Path), length, isActive: false)
            {
                FileBytes = length,
            });
        }

        var last = files[^1];
        var file = context.Storage.OpenExisting(last.Path);
        try
        {
            return RecoverLast(context, file, last, segments, files.Count, removed, started);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static RecoveredLog RecoverLast(
        LogContext context, ISegmentFile file, SegmentFile last, List<SegmentEntry> segments, int found, int removed, long started)
    {
        using var scanner = new SegmentScanner(file, SegmentHeader.Size);
        Span<byte> headerBytes = stackalloc byte[SegmentHeader.Size];
        var read = scanner.ReadAt(0, headerBytes);
        if (!SegmentHeader.TryRead(headerBytes[..read], out var header, out var problem))
        {
            throw new AuditLogCorruptException(
                $"Audit segment {last.Name}: {problem}. The newest segment's header is written and flushed before the file " +
                "gets its name, so this is damage, not a crash; recovery changes nothing. Run `jwl audit verify`.");
        }

        if (header.FirstSequence != last.FirstSequence)
        {
            throw new AuditLogCorruptException(
                $"Audit segment {last.Name}: header says first sequence {header.FirstSequence}, the name says {last.FirstSequence}.");
        }

        using var hasher = new ChainHasher();
        var hash = header.PreviousHash;
        var expected = header.FirstSequence;
        var lastTimestamp = header.CreatedUnixMs;
        var records = 0L;
        string? invalid = null;
        while (true)
        {
            var status = scanner.Next();
            if (status == FrameStatus.Frame)
            {
                var frame = scanner.Frame.Span;
                var sequence = RecordFrame.ReadSequence(frame);
                var timestamp = RecordFrame.ReadTimestamp(frame);
                if (sequence != expected)
                {
                    invalid = $"sequence {sequence} where {expected} was expected";
                    scanner.Seek(scanner.FrameOffset);
                    break;
                }

                if (timestamp < lastTimestamp)
                {
                    invalid = $"timestamp {timestamp} before the previous {lastTimestamp}";
                    scanner.Seek(scanner.FrameOffset);
                    break;
                }

                hasher.Append(ref hash, frame);
                expected++;
                lastTimestamp = timestamp;
                records++;
                continue;
            }

            if (status is FrameStatus.EndMarker or FrameStatus.EndOfFile)
            {
                break;
            }

            invalid = status switch
            {
                FrameStatus.CrcMismatch => "CRC mismatch",
                FrameStatus.BadLength => "invalid length field",
                _ => "truncated length field",
            };
            break;
        }

        var end = scanner.Offset;
        AuditTruncation? truncation = null;
        var lastNonZero = scanner.FindLastNonZero(end);
        if (lastNonZero >= 0)
        {
            truncation = CutTail(context, file, last, end, lastNonZero + 1, invalid ?? "non-zero bytes after the end marker");
        }

        var capacity = file.Length;
        if (capacity < context.Options.SegmentBytes)
        {
            // A sealed segment (trimmed) became the last one, e.g. a crash right after a roll started; give it room again.
            SegmentPreparation.Zero(file, capacity, context.Options.SegmentBytes);
            file.FlushAll();
            capacity = file.Length;
        }

        segments.Add(new SegmentEntry(last.Name, last.Path, last.FirstSequence, header.CreatedUnixMs, end, isActive: true)
        {
            FileBytes = capacity,
        });

        var report = new AuditRecoveryReport
        {
            SegmentsFound = found,
            ActiveSegment = last.Name,
            RecordsVerified = records,
            LastSequence = expected - 1,
            LastHash = ChainHash.ToHex(hash),
            Truncation = truncation,
            TemporaryFilesRemoved = removed,
            Elapsed = Stopwatch.GetElapsedTime(started),
        };

        return new RecoveredLog
        {
            File = file,
            Segments = segments,
            WriteOffset = end,
            NextSequence = expected,
            Hash = hash,
            LastTimestamp = lastTimestamp,
            Report = report,
        };
    }

    private static AuditTruncation CutTail(LogContext context, ISegmentFile file, SegmentFile segment, long from, long to, string reason)
    {
        // Keep the bytes before destroying them: copy to a quarantine file next to the segment, flushed.
        var quarantine = Path.Combine(context.Directory, $"{segment.Name}.cut-{from:D12}");
        for (var n = 1; File.Exists(quarantine); n++)
        {
            quarantine = Path.Combine(context.Directory, $"{segment.Name}.cut-{from:D12}.{n}");
        }

        var buffer = new byte[(int)Math.Min(1 << 20, to - from)];
        var output = context.Storage.CreateNew(quarantine, to - from);
        try
        {
            for (var offset = from; offset < to;)
            {
                var n = file.Read(buffer.AsSpan(0, (int)Math.Min(buffer.Length, to - offset)), offset);
                if (n == 0)
                {
                    break;
                }

                output.Write(buffer.AsSpan(0, n), offset - from);
                offset += n;
            }

            output.FlushAll();
        }
        finally
        {
            output.Dispose();
        }

        context.Storage.FlushDirectory(context.Directory);
        SegmentPreparation.Zero(file, from, to);
        file.FlushData();
        var truncation = new AuditTruncation(segment.Name, from, to - from, reason, quarantine);
        context.Observer.Truncated(truncation);
        return truncation;
    }

    private static RecoveredLog CreateNewLog(LogContext context, int removed, long started)
    {
        var now = context.NowUnixMs;
        var prepared = SegmentPreparation.Prepare(context);
        var header = new SegmentHeader(1, now, default);
        var path = SegmentPreparation.Install(context, prepared, header);
        var name = Path.GetFileName(path);
        var segments = new List<SegmentEntry>
        {
            new(name, path, 1, now, SegmentHeader.Size, isActive: true) { FileBytes = prepared.File.Length },
        };

        var report = new AuditRecoveryReport
        {
            CreatedNewLog = true,
            ActiveSegment = name,
            LastHash = ChainHash.ToHex(default),
            TemporaryFilesRemoved = removed,
            Elapsed = Stopwatch.GetElapsedTime(started),
        };

        return new RecoveredLog
        {
            File = prepared.File,
            Segments = segments,
            WriteOffset = SegmentHeader.Size,
            NextSequence = 1,
            Hash = default,
            LastTimestamp = now,
            Report = report,
        };
    }

    private static int RemoveTemporaryFiles(LogContext context)
    {
        var removed = 0;
        foreach (var path in Directory.EnumerateFiles(context.Directory, "*" + SegmentFiles.TemporaryExtension))
        {
            context.Storage.Delete(path);
            removed++;
        }

        return removed;
    }

    private static long ReadCreated(string path)
    {
        using var file = FileSegmentStorage.OpenRead(path);
        Span<byte> bytes = stackalloc byte[SegmentHeader.Size];
        var read = file.Read(bytes, 0);
        // Unreadable: treat as never old, so a damaged header cannot make retention retire its predecessor early.
        return SegmentHeader.TryRead(bytes[..read], out var header, out _) ? header.CreatedUnixMs : long.MaxValue;
    }
}
