using System.Globalization;
using Jiangwanli.Audit.Format;
using Jiangwanli.Audit.Storage;

namespace Jiangwanli.Audit;

/// <summary>
/// Checks a whole audit directory: every header, every frame's length and CRC-32C, consecutive sequence numbers,
/// non-decreasing timestamps, zero bytes after each end marker, and the hash chain across segments (each header's
/// previous hash against the chain computed over the records before it). Reports the first damage. A single edited,
/// inserted or deleted byte in any header or record is always found (a CRC-32C catches every error burst of up to 32
/// bits; a shifted frame fails its length or CRC check).
/// </summary>
public static class AuditVerifier
{
    /// <summary>Verifies the log in <paramref name="directory"/>. Read-only; safe while a writer appends.</summary>
    public static AuditVerifyResult Verify(string directory, AuditVerifyOptions? options = null, CancellationToken cancellationToken = default)
    {
        var files = SegmentFiles.List(Path.GetFullPath(directory));
        using var state = new VerifyState(options?.Anchor);
        for (var i = 0; i < files.Count; i++)
        {
            var failure = VerifySegment(files[i], i == 0, state, cancellationToken);
            if (failure is not null)
            {
                return state.Result(i + 1, failure);
            }
        }

        if (state.Anchor is { } anchor && !state.AnchorChecked && anchor.Sequence > state.Expected - 1)
        {
            var last = files.Count > 0 ? files[^1].Name : "";
            return state.Result(files.Count, new AuditVerifyFailure(
                AuditVerifyReason.Anchor, anchor.Sequence, last, 0,
                $"the log ends at sequence {state.Expected - 1}, before the anchor's sequence {anchor.Sequence}: records are missing"));
        }

        return state.Result(files.Count, null);
    }

    private static AuditVerifyFailure? VerifySegment(SegmentFile segment, bool first, VerifyState state, CancellationToken cancellationToken)
    {
        using var file = FileSegmentStorage.OpenRead(segment.Path);
        using var scanner = new SegmentScanner(file, SegmentHeader.Size);
        Span<byte> bytes = stackalloc byte[SegmentHeader.Size];
        var read = scanner.ReadAt(0, bytes);
        if (!SegmentHeader.TryRead(bytes[..read], out var header, out var problem))
        {
            return Fail(AuditVerifyReason.Header, segment.FirstSequence, segment, 0, $"invalid header: {problem}");
        }

        if (header.FirstSequence != segment.FirstSequence)
        {
            return Fail(AuditVerifyReason.Header, segment.FirstSequence, segment, 16,
                $"header first sequence {header.FirstSequence} does not match the file name");
        }

        var previous = header.PreviousHash;
        if (first)
        {
            state.Start(header.FirstSequence, previous, header.CreatedUnixMs);
            if (header.FirstSequence == 1 && !ChainHash.IsZero(previous))
            {
                return Fail(AuditVerifyReason.Chain, 1, segment, SegmentHeader.PreviousHashOffset,
                    "the first segment starts at sequence 1 but its previous hash is not zero");
            }
        }
        else
        {
            if (header.FirstSequence != state.Expected)
            {
                return Fail(AuditVerifyReason.SequenceGap, state.Expected, segment, 16,
                    $"segment starts at sequence {header.FirstSequence}, expected {state.Expected}");
            }

            if (!((ReadOnlySpan<byte>)previous).SequenceEqual(state.Hash))
            {
                return Fail(AuditVerifyReason.Chain, state.Expected - 1, segment, SegmentHeader.PreviousHashOffset,
                    $"previous hash {ChainHash.ToHex(previous)} in the header differs from the chain over the records up to " +
                    $"sequence {state.Expected - 1} ({state.HashHex}): earlier records or this header were altered");
            }

            if (header.CreatedUnixMs < state.LastTimestamp)
            {
                return Fail(AuditVerifyReason.TimestampOrder, state.Expected, segment, 24,
                    $"segment created at {header.CreatedUnixMs}, before the previous record's timestamp {state.LastTimestamp}");
            }
        }

        var records = 0L;
        while (true)
        {
            if ((++records & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var status = scanner.Next();
            switch (status)
            {
                case FrameStatus.Frame:
                    var frame = scanner.Frame.Span;
                    var sequence = RecordFrame.ReadSequence(frame);
                    var timestamp = RecordFrame.ReadTimestamp(frame);
                    if (sequence != state.Expected)
                    {
                        return Fail(AuditVerifyReason.SequenceGap, state.Expected, segment, scanner.FrameOffset,
                            $"record has sequence {sequence}, expected {state.Expected}");
                    }

                    if (timestamp < state.LastTimestamp)
                    {
                        return Fail(AuditVerifyReason.TimestampOrder, sequence, segment, scanner.FrameOffset,
                            $"timestamp {timestamp} is before the previous {state.LastTimestamp}");
                    }

                    var anchorFailure = state.Advance(frame, timestamp, segment, scanner.FrameOffset);
                    if (anchorFailure is not null)
                    {
                        return anchorFailure;
                    }

                    break;

                case FrameStatus.EndOfFile:
                    return null;

                case FrameStatus.EndMarker:
                    var garbage = scanner.FindFirstNonZero(scanner.Offset);
                    return garbage < 0
                        ? null
                        : Fail(AuditVerifyReason.TrailingData, state.Expected, segment, garbage,
                            $"non-zero byte at offset {garbage} after the end of data at offset {scanner.Offset}");

                case FrameStatus.CrcMismatch:
                    return Fail(AuditVerifyReason.Crc, state.Expected, segment, scanner.Offset, "CRC-32C mismatch");

                case FrameStatus.BadLength:
                    return Fail(AuditVerifyReason.Framing, state.Expected, segment, scanner.Offset,
                        $"invalid length field (file is {scanner.FileLength} bytes)");

                default:
                    return Fail(AuditVerifyReason.Framing, state.Expected, segment, scanner.Offset,
                        $"{scanner.FileLength - scanner.Offset} stray bytes at the end of the file, too few for a length field");
            }
        }
    }

    private static AuditVerifyFailure Fail(AuditVerifyReason reason, ulong sequence, SegmentFile segment, long offset, string detail) =>
        new(reason, sequence, segment.Name, offset, string.Create(
            CultureInfo.InvariantCulture, $"{segment.Name} offset {offset}, sequence {sequence}: {detail}"));

    /// <summary>The running chain, sequence and counters.</summary>
    private sealed class VerifyState(AuditHead? anchor) : IDisposable
    {
        private readonly ChainHasher _hasher = new();
        private ChainHash _hash;
        private ulong _firstSequence;
        private bool _genesis;
        private long _records;

        public AuditHead? Anchor { get; } = anchor;

        public bool AnchorChecked { get; private set; }

        public ulong Expected { get; private set; } = 1;

        public long LastTimestamp { get; private set; } = long.MinValue;

        public ReadOnlySpan<byte> Hash => _hash;

        public string HashHex => ChainHash.ToHex(_hash);

        public void Start(ulong firstSequence, in ChainHash previous, long created)
        {
            _firstSequence = firstSequence;
            Expected = firstSequence;
            _hash = previous;
            _genesis = firstSequence == 1 && ChainHash.IsZero(previous);
            LastTimestamp = created;
        }

        public AuditVerifyFailure? Advance(ReadOnlySpan<byte> frame, long timestamp, SegmentFile segment, long offset)
        {
            _hasher.Append(ref _hash, frame);
            LastTimestamp = timestamp;
            _records++;
            if (Anchor is { } anchor && anchor.Sequence == Expected)
            {
                AnchorChecked = true;
                var actual = ChainHash.ToHex(_hash);
                if (!string.Equals(actual, anchor.Hash, StringComparison.OrdinalIgnoreCase))
                {
                    return Fail(AuditVerifyReason.Anchor, Expected, segment, offset,
                        $"chain value {actual} differs from the anchor {anchor.Hash}: this record or an earlier one was altered");
                }
            }

            Expected++;
            return null;
        }

        public void Dispose() => _hasher.Dispose();

        public AuditVerifyResult Result(int segments, AuditVerifyFailure? failure) => new()
        {
            Failure = failure,
            SegmentCount = segments,
            RecordCount = _records,
            FirstSequence = _firstSequence,
            LastSequence = Expected - 1,
            LastHash = ChainHash.ToHex(_hash),
            StartsAtGenesis = _genesis,
            AnchorChecked = AnchorChecked,
        };
    }
}
