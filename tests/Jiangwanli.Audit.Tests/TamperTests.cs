using System.Buffers.Binary;
using CsCheck;
using Jiangwanli.Audit.Format;

namespace Jiangwanli.Audit.Tests;

/// <summary>Any single edited, inserted or deleted byte is found, and the verifier names the right record.</summary>
public class TamperTests
{
    /// <summary>Where each byte of a log belongs: header, a record, or the space after the last record.</summary>
    private sealed record Layout(string Path, string Name, ulong FirstSequence, ulong NextSequence, long End, List<(long Start, long End, ulong Sequence)> Frames)
    {
        /// <summary>The sequence the verifier must name for damage at <paramref name="offset"/>.</summary>
        public ulong SequenceAt(long offset)
        {
            if (offset < SegmentHeader.Size)
            {
                return FirstSequence;
            }

            foreach (var frame in Frames)
            {
                if (offset >= frame.Start && offset < frame.End)
                {
                    return frame.Sequence;
                }
            }

            return NextSequence;
        }
    }

    private static List<Layout> Describe(string directory)
    {
        var layouts = new List<Layout>();
        foreach (var path in Logs.SegmentPaths(directory))
        {
            var bytes = File.ReadAllBytes(path);
            Assert.True(SegmentFiles.TryParse(Path.GetFileName(path), out var first));
            var frames = new List<(long, long, ulong)>();
            long offset = SegmentHeader.Size;
            var sequence = first;
            while (offset + 4 <= bytes.Length)
            {
                var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)offset));
                if (length == 0)
                {
                    break;
                }

                frames.Add((offset, offset + length, sequence++));
                offset += length;
            }

            layouts.Add(new Layout(path, Path.GetFileName(path), first, sequence, offset, frames));
        }

        return layouts;
    }

    /// <summary>A log of three segments (two sealed and trimmed, one active, preallocated) of small records.</summary>
    private static async Task<List<Layout>> CreateLogAsync(string directory)
    {
        await using (var log = AuditLog.Open(Logs.Small(directory, segmentBytes: 4096)))
        {
            await Logs.AppendManyAsync(log, 170);
        }

        var layouts = Describe(directory);
        Assert.Equal(3, layouts.Count);
        Assert.True(AuditVerifier.Verify(directory).IsValid);
        return layouts;
    }

    /// <param name="headerUnchanged">
    /// The edit left the header's bytes as they were: deleting the header's last byte when it equals the first
    /// record's first byte (a 1-in-256 chance per segment: the header ends in a chain hash) is, byte for byte, the same
    /// as deleting that record byte, so it is found in the record's framing, not in the header.
    /// </param>
    private static void AssertNamed(AuditVerifyResult result, Layout segment, long offset, string what, bool headerUnchanged = false)
    {
        var failure = result.Failure;
        Assert.True(failure is not null, $"{what} in {segment.Name} at {offset} not detected");
        Assert.Equal(segment.Name, failure.Segment);
        Assert.Equal(segment.SequenceAt(offset), failure.Sequence);
        if (offset < SegmentHeader.Size && !headerUnchanged)
        {
            Assert.Equal(AuditVerifyReason.Header, failure.Reason);
        }
    }

    [Fact]
    public async Task Verify_EverySingleByteFlipped_FailsNamingTheRecord()
    {
        using var dir = new TestDirectory(inMemory: true);
        var layouts = await CreateLogAsync(dir.Path);
        var flips = 0;
        foreach (var segment in layouts)
        {
            var original = File.ReadAllBytes(segment.Path);
            using var handle = File.OpenHandle(segment.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            for (var offset = 0; offset < original.Length; offset++)
            {
                RandomAccess.Write(handle, [(byte)(original[offset] ^ 0xFF)], offset);
                AssertNamed(AuditVerifier.Verify(dir.Path), segment, offset, "flip");
                RandomAccess.Write(handle, [original[offset]], offset);
                flips++;
            }
        }

        Assert.True(AuditVerifier.Verify(dir.Path).IsValid);
        Assert.True(flips > 8000);
    }

    [Fact]
    public async Task Verify_ByteInsertedOrDeletedAnywhereInWrittenData_Fails()
    {
        using var dir = new TestDirectory(inMemory: true);
        var layouts = await CreateLogAsync(dir.Path);
        foreach (var segment in layouts)
        {
            var original = File.ReadAllBytes(segment.Path);
            for (var offset = 0; offset <= segment.End; offset++)
            {
                byte[] inserted = [.. original.AsSpan(0, offset), 0xA5, .. original.AsSpan(offset)];
                File.WriteAllBytes(segment.Path, inserted);
                AssertNamed(AuditVerifier.Verify(dir.Path), segment, offset, "insert", SameHeader(inserted, original));

                if (offset < segment.End)
                {
                    byte[] deleted = [.. original.AsSpan(0, offset), .. original.AsSpan(offset + 1)];
                    File.WriteAllBytes(segment.Path, deleted);
                    AssertNamed(AuditVerifier.Verify(dir.Path), segment, offset, "delete", SameHeader(deleted, original));
                }
            }

            File.WriteAllBytes(segment.Path, original);
        }
    }

    private static bool SameHeader(byte[] edited, byte[] original) =>
        edited.AsSpan(0, SegmentHeader.Size).SequenceEqual(original.AsSpan(0, SegmentHeader.Size));

    [Fact]
    public async Task Verify_WholeRecordRemovedFromTheMiddle_ReportsSequenceGap()
    {
        using var dir = new TestDirectory(inMemory: true);
        var layouts = await CreateLogAsync(dir.Path);
        var segment = layouts[0];
        var victim = segment.Frames[10];
        var bytes = File.ReadAllBytes(segment.Path);
        File.WriteAllBytes(segment.Path, [.. bytes.AsSpan(0, (int)victim.Start), .. bytes.AsSpan((int)victim.End)]);

        var failure = AuditVerifier.Verify(dir.Path).Failure!;
        Assert.Equal(AuditVerifyReason.SequenceGap, failure.Reason);
        Assert.Equal(victim.Sequence, failure.Sequence);
        Assert.Equal(victim.Start, failure.Offset);
    }

    [Fact]
    public async Task Verify_RecordEditedWithRecomputedCrcInSealedSegment_BreaksTheChainAtTheNextHeader()
    {
        using var dir = new TestDirectory(inMemory: true);
        var layouts = await CreateLogAsync(dir.Path);
        ForgeRecord(layouts[0], 5);

        var failure = AuditVerifier.Verify(dir.Path).Failure!;
        Assert.Equal(AuditVerifyReason.Chain, failure.Reason);
        Assert.Equal(layouts[1].Name, failure.Segment);
        Assert.Equal(layouts[1].FirstSequence - 1, failure.Sequence);
    }

    [Fact]
    public async Task Verify_RecordForgedInActiveSegment_IsFoundByTheAnchor()
    {
        using var dir = new TestDirectory(inMemory: true);
        AuditHead head;
        await using (var log = AuditLog.Open(Logs.Small(dir.Path, segmentBytes: 4096)))
        {
            await Logs.AppendManyAsync(log, 20);
            head = log.GetHead();
        }

        var layout = Assert.Single(Describe(dir.Path));
        var anchored = new AuditVerifyOptions { Anchor = head };
        Assert.True(AuditVerifier.Verify(dir.Path, anchored).AnchorChecked);
        Assert.True(AuditVerifier.Verify(dir.Path, anchored).IsValid);

        ForgeRecord(layout, 7);
        Assert.True(AuditVerifier.Verify(dir.Path).IsValid); // without an anchor nothing vouches for the active segment
        var failure = AuditVerifier.Verify(dir.Path, anchored).Failure!;
        Assert.Equal(AuditVerifyReason.Anchor, failure.Reason);
        Assert.Equal(head.Sequence, failure.Sequence);
    }

    [Fact]
    public async Task Verify_AnchorBeyondTheEnd_ReportsMissingRecords()
    {
        using var dir = new TestDirectory(inMemory: true);
        await using (var log = AuditLog.Open(Logs.Small(dir.Path)))
        {
            await Logs.AppendManyAsync(log, 3);
        }

        var result = AuditVerifier.Verify(dir.Path, new AuditVerifyOptions { Anchor = new AuditHead(9, new string('0', 64)) });
        Assert.Equal(AuditVerifyReason.Anchor, result.Failure!.Reason);
    }

    [Fact]
    public async Task Verify_MiddleSegmentDeleted_ReportsGap()
    {
        using var dir = new TestDirectory(inMemory: true);
        var layouts = await CreateLogAsync(dir.Path);
        File.Delete(layouts[1].Path);

        var failure = AuditVerifier.Verify(dir.Path).Failure!;
        Assert.Equal(AuditVerifyReason.SequenceGap, failure.Reason);
        Assert.Equal(layouts[1].FirstSequence, failure.Sequence);
        Assert.Equal(layouts[2].Name, failure.Segment);
    }

    [Fact]
    public async Task Verify_AnyRandomEdit_IsDetected()
    {
        using var dir = new TestDirectory(inMemory: true);
        var layouts = await CreateLogAsync(dir.Path);
        var originals = layouts.Select(l => File.ReadAllBytes(l.Path)).ToArray();

        // Any segment, any offset within its written data, any different value.
        Gen.Int[0, layouts.Count - 1]
            .SelectMany(s => Gen.Long[0, layouts[s].End - 1].Select(Gen.Byte[1, 255]).Select(t => (s, t.Item1, t.Item2)))
            .Sample(edit =>
            {
                var (s, offset, xor) = edit;
                var copy = (byte[])originals[s].Clone();
                copy[offset] ^= xor;
                File.WriteAllBytes(layouts[s].Path, copy);
                try
                {
                    AssertNamed(AuditVerifier.Verify(dir.Path), layouts[s], offset, "edit");
                }
                finally
                {
                    File.WriteAllBytes(layouts[s].Path, originals[s]);
                }
            }, iter: 300, threads: 1);
    }

    /// <summary>Changes a payload byte of the record at <paramref name="index"/> and recomputes its CRC: a deliberate forgery.</summary>
    private static void ForgeRecord(Layout segment, int index)
    {
        var bytes = File.ReadAllBytes(segment.Path);
        var (start, end, _) = segment.Frames[index];
        var frame = bytes.AsSpan((int)start, (int)(end - start));
        frame[^2] ^= 0x01;
        RecordFrame.Seal(frame, RecordFrame.ReadSequence(frame), RecordFrame.ReadTimestamp(frame));
        File.WriteAllBytes(segment.Path, bytes);
    }
}
