using System.Diagnostics;
using Jiangwanli.Audit.Format;
using Jiangwanli.Audit.Storage;

namespace Jiangwanli.Audit.Writing;

/// <summary>
/// The writer thread's view of the disk: the active segment, the write offset, the next sequence number and the
/// chain value. Frames batches, writes them, flushes, starts new segments. Single-threaded (the writer thread).
/// </summary>
/// <remarks>
/// State advances only after a write (and, when asked, its flush) succeeded: on an exception the committed state is
/// what is on disk, the records of the failed chunk have no sequence numbers, and the range the failed write may have
/// touched is remembered (<see cref="_dirtyEnd"/>) so <see cref="Repair"/> zeroes it before anything else is written.
/// Otherwise a later, shorter batch could leave a failed batch's frames behind its end, where a crash would let
/// recovery resurrect records whose appends were reported as failed.
/// </remarks>
internal sealed class SegmentWriter : IDisposable
{
    private readonly LogContext _context;
    private readonly SegmentCatalog _catalog;
    private readonly SegmentMaintainer _maintainer;
    private readonly ChainHasher _hasher = new();
    private readonly BackgroundFlusher? _flusher;
    private ISegmentFile _file;
    private SegmentEntry _active;
    private long _capacity;
    private long _writeOffset;
    private long _dirtyEnd;
    private ulong _nextSequence;
    private ChainHash _hash;
    private long _lastTimestamp;
    private bool _unflushed;
    private bool _flushRunning;
    private bool _rollPending;

    public SegmentWriter(
        LogContext context, SegmentCatalog catalog, SegmentMaintainer maintainer, RecoveredLog recovered, BackgroundFlusher? flusher)
    {
        _context = context;
        _flusher = flusher;
        _catalog = catalog;
        _maintainer = maintainer;
        _file = recovered.File;
        _active = recovered.Segments[^1];
        _capacity = _file.Length;
        _writeOffset = recovered.WriteOffset;
        _dirtyEnd = _writeOffset;
        _nextSequence = recovered.NextSequence;
        _hash = recovered.Hash;
        _lastTimestamp = recovered.LastTimestamp;
    }

    /// <summary>Sequence number the next record gets.</summary>
    public ulong NextSequence => _nextSequence;

    /// <summary>Data written but not yet flushed (batch and none modes), or a background flush not yet collected.</summary>
    public bool HasUnflushedData => _unflushed || _flushRunning;

    /// <summary>Stopwatch ticks spent writing during the last <see cref="Write"/>.</summary>
    public long WriteTicks { get; private set; }

    /// <summary>Stopwatch ticks spent flushing during the last <see cref="Write"/>.</summary>
    public long FlushTicks { get; private set; }

    /// <summary>Flushes so far.</summary>
    public long Flushes { get; private set; }

    /// <summary>Framed bytes committed by the last <see cref="Write"/>.</summary>
    public long CommittedBytes { get; private set; }

    /// <summary>What the writer was doing when the last exception came: write, flush, new segment, repair.</summary>
    public string Stage { get; private set; } = "write";

    /// <summary>The chain head: the last committed sequence number and the chain value after it.</summary>
    public void CopyHead(out ulong sequence, out ChainHash hash)
    {
        sequence = _nextSequence - 1;
        hash = _hash;
    }

    /// <summary>The timestamp for the next batch: now, but never before the last one (timestamps never decrease).</summary>
    public long NextTimestamp(long nowUnixMs) => Math.Max(_lastTimestamp, nowUnixMs);

    /// <summary>
    /// Frames, writes and (when <paramref name="flush"/>) flushes the batch's records from index
    /// <paramref name="committed"/> on; normally one write call and one flush. <paramref name="committed"/> counts the
    /// records done, also when an exception leaves the rest undone.
    /// </summary>
    /// <remarks>
    /// Per chunk (the records that fit in the active segment; all of them unless it fills up): stamp sequence,
    /// timestamp and CRC; write; then advance the hash chain over the chunk while the background flusher flushes it
    /// (the chain is not part of the frames, so the two are independent); commit when both are done. A chunk followed
    /// by a new segment is hashed and flushed before the roll, whose header needs the chain value.
    /// </remarks>
    public void Write(PendingBatch batch, long timestamp, bool flush, ref int committed)
    {
        var buffer = batch.Buffer;
        var count = batch.Count;
        var offset = 0;
        WriteTicks = 0;
        FlushTicks = 0;
        CommittedBytes = 0;
        while (committed < count)
        {
            if (_writeOffset + RecordFrame.ReadLength(buffer.AsSpan(offset)) > _capacity)
            {
                _rollPending = true;
                Roll(timestamp);
            }

            Stage = "write";
            var chunkStart = offset;
            var position = _writeOffset;
            var sequence = _nextSequence;
            var index = committed;
            while (index < count)
            {
                var length = RecordFrame.ReadLength(buffer.AsSpan(offset));
                if (position + length > _capacity)
                {
                    break;
                }

                RecordFrame.Seal(buffer.AsSpan(offset, length), sequence, timestamp);
                sequence++;
                index++;
                offset += length;
                position += length;
            }

            var chunk = buffer.AsSpan(chunkStart, offset - chunkStart);
            _dirtyEnd = Math.Max(_dirtyEnd, position);
            var started = Stopwatch.GetTimestamp();
            _file.Write(chunk, _writeOffset);
            var written = Stopwatch.GetTimestamp();
            WriteTicks += written - started;

            var hash = _hash;
            if (flush)
            {
                WaitForBackgroundFlush();
                Stage = "flush";
                if (_flusher is not null && index == count)
                {
                    _flusher.Start(_file);
                    try
                    {
                        HashFrames(ref hash, chunk);
                    }
                    finally
                    {
                        _flusher.Wait();
                    }
                }
                else
                {
                    HashFrames(ref hash, chunk);
                    _file.FlushData();
                }

                FlushTicks += Stopwatch.GetTimestamp() - written;
                Flushes++;
            }
            else
            {
                HashFrames(ref hash, chunk);
            }

            // Commit. (Data written while a background flush runs is not covered by it: it stays unflushed.)
            _unflushed = !flush;
            _writeOffset = position;
            _dirtyEnd = position;
            _nextSequence = sequence;
            _hash = hash;
            _lastTimestamp = timestamp;
            _active.Length = position;
            CommittedBytes += chunk.Length;
            committed = index;
        }
    }

    /// <summary>
    /// Batch mode's periodic flush: collects the previous background flush (rethrowing its error) and, when data is
    /// unflushed and no flush is running, starts flushing it on the background flusher; the writer goes on writing
    /// meanwhile. Without a flusher, flushes on this thread.
    /// </summary>
    public void FlushInBackground()
    {
        if (_flusher is null)
        {
            FlushIfNeeded();
            return;
        }

        if (_flushRunning)
        {
            if (!_flusher.IsDone)
            {
                return;
            }

            WaitForBackgroundFlush();
        }

        if (_unflushed)
        {
            Stage = "flush";
            _flusher.Start(_file);
            _flushRunning = true;
            _unflushed = false;
        }
    }

    /// <summary>Flushes written data if any is unflushed (after waiting for a background flush).</summary>
    public void FlushIfNeeded()
    {
        WaitForBackgroundFlush();
        if (_unflushed)
        {
            Stage = "flush";
            _file.FlushData();
            Flushes++;
            _unflushed = false;
        }
    }

    /// <summary>
    /// The retry of a failed log: clears what a failed write may have left after the committed end, flushes (which
    /// probes the device), and starts the new segment a failed roll could not. Throws if the disk still fails.
    /// </summary>
    public void Repair(long timestamp)
    {
        Stage = "repair";
        try
        {
            WaitForBackgroundFlush();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The flush below covers the same data again and throws if the device still fails.
        }

        Stage = "repair";
        if (_dirtyEnd > _writeOffset)
        {
            SegmentPreparation.Zero(_file, _writeOffset, Math.Min(_dirtyEnd, _capacity));
        }

        _file.FlushData();
        Flushes++;
        _unflushed = false;
        _dirtyEnd = _writeOffset;
        if (_rollPending)
        {
            Roll(timestamp);
        }
    }

    /// <summary>
    /// Waits for a running background flush and counts it. On its error the data it covered counts as unflushed
    /// again (a later flush or the repair covers it) and the error is rethrown with <see cref="Stage"/> "flush".
    /// </summary>
    private void WaitForBackgroundFlush()
    {
        if (!_flushRunning)
        {
            return;
        }

        _flushRunning = false;
        try
        {
            _flusher!.Wait();
            Flushes++;
        }
        catch
        {
            Stage = "flush";
            _unflushed = true;
            throw;
        }
    }

    /// <summary>Advances <paramref name="hash"/> over consecutive frames.</summary>
    private void HashFrames(ref ChainHash hash, ReadOnlySpan<byte> frames)
    {
        while (!frames.IsEmpty)
        {
            var length = RecordFrame.ReadLength(frames);
            _hasher.Append(ref hash, frames[..length]);
            frames = frames[length..];
        }
    }

    /// <summary>Flushes and closes the active segment (disposal).</summary>
    public void Dispose()
    {
        try
        {
            FlushIfNeeded();
        }
        finally
        {
            _file.Dispose();
            _hasher.Dispose();
        }
    }

    /// <summary>
    /// Seals the active segment and makes a new one active: flush the old segment's data (so no hole can appear
    /// before a successor exists), install a prepared file with a header carrying the chain value, then trim the old
    /// file to its records.
    /// </summary>
    private void Roll(long timestamp)
    {
        FlushIfNeeded();
        Stage = "new segment";
        var prepared = _maintainer.TakeSpare() ?? _maintainer.PrepareNow();
        var header = new SegmentHeader(_nextSequence, timestamp, _hash);
        var path = SegmentPreparation.Install(_context, prepared, header);

        var old = _active;
        try
        {
            _file.SetLength(_writeOffset);
            _file.FlushAll();
            old.FileBytes = _writeOffset;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // An untrimmed sealed segment is still valid: its records end at a zero length field.
            _context.Observer.BackgroundError("trim sealed segment", ex);
        }

        _file.Dispose();
        old.IsActive = false;

        _file = prepared.File;
        _capacity = _file.Length;
        _writeOffset = SegmentHeader.Size;
        _dirtyEnd = _writeOffset;
        _unflushed = false;
        _rollPending = false;
        _active = new SegmentEntry(Path.GetFileName(path), path, header.FirstSequence, timestamp, SegmentHeader.Size, isActive: true)
        {
            FileBytes = _capacity,
        };
        _catalog.Add(_active);
        _maintainer.SegmentRolled();
        _context.Observer.SegmentCreated(_active.ToInfo());
    }
}
