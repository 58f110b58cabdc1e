using System.Buffers.Binary;
using System.Text;
using Jiangwanli.Audit.Format;

namespace Jiangwanli.Audit.Tests;

public class RecoveryTests
{
    /// <summary>A closed log of <paramref name="count"/> records in one segment; returns the last frame's bounds.</summary>
    private static async Task<(string Segment, long LastStart, long LastEnd)> CreateLogAsync(string directory, int count)
    {
        await using (var log = AuditLog.Open(Logs.Small(directory, segmentBytes: 8192)))
        {
            await Logs.AppendManyAsync(log, count);
        }

        var segment = Assert.Single(Logs.SegmentPaths(directory));
        var bytes = File.ReadAllBytes(segment);
        long offset = SegmentHeader.Size;
        long lastStart = 0;
        while (true)
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)offset));
            if (length == 0)
            {
                break;
            }

            lastStart = offset;
            offset += length;
        }

        return (segment, lastStart, offset);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    private enum Tear
    {
        /// <summary>The bytes after the cut never reached the disk (still zero).</summary>
        Zeroed,

        /// <summary>The bytes after the cut are garbage.</summary>
        Garbage,

        /// <summary>The file itself ends at the cut.</summary>
        Truncated,
    }

    [Fact]
    public async Task Open_TornLastRecordAtEveryOffset_KeepsExactlyTheCompleteRecordsAndContinuesTheChain()
    {
        using var dir = new TestDirectory(inMemory: true);
        var original = dir.Sub("original");
        var (segment, lastStart, lastEnd) = await CreateLogAsync(original, 5);
        var random = new Random(42);
        var cases = 0;
        foreach (var tear in Enum.GetValues<Tear>())
        {
            for (var cut = lastStart; cut < lastEnd; cut++)
            {
                var copy = dir.Sub($"{tear}-{cut}");
                CopyDirectory(original, copy);
                var path = Path.Combine(copy, Path.GetFileName(segment));
                using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
                {
                    if (tear == Tear.Truncated)
                    {
                        file.SetLength(cut);
                    }
                    else
                    {
                        var tail = new byte[lastEnd - cut];
                        if (tear == Tear.Garbage)
                        {
                            random.NextBytes(tail);
                            tail[0] |= 1; // never a clean zero length field
                        }

                        file.Position = cut;
                        file.Write(tail);
                    }
                }

                var observer = new RecordingObserver();
                await using (var log = AuditLog.Open(Logs.Small(copy, segmentBytes: 8192), observer))
                {
                    Assert.Equal(4ul, log.Recovery.LastSequence);
                    var cutSomething = tear == Tear.Garbage || cut > lastStart;
                    if (cutSomething)
                    {
                        var truncation = Assert.IsType<AuditTruncation>(log.Recovery.Truncation);
                        Assert.Equal(lastStart, truncation.Offset);
                        Assert.True(truncation.Bytes > 0 && truncation.Bytes <= lastEnd - lastStart);
                        Assert.Single(observer.Truncations);
                        Assert.True(File.Exists(truncation.QuarantinePath));
                        Assert.Equal(truncation.Bytes, new FileInfo(truncation.QuarantinePath).Length);
                    }
                    else
                    {
                        Assert.Null(log.Recovery.Truncation);
                    }

                    var ack = await log.AppendAsync("after"u8);
                    Assert.Equal(5ul, ack.Sequence);
                }

                var records = Logs.ReadAll(copy);
                Assert.Equal([1ul, 2, 3, 4, 5], records.Select(r => r.Sequence));
                Assert.Equal("after", records[^1].Payload);
                Assert.Equal(Encoding.UTF8.GetString(Logs.Payload(3)), records[3].Payload);
                var verified = AuditVerifier.Verify(copy);
                Assert.True(verified.IsValid, $"{tear} at {cut}: {verified.Failure?.Message}");
                Directory.Delete(copy, recursive: true);
                cases++;
            }
        }

        Assert.Equal(3 * (lastEnd - lastStart), cases);
    }

    [Fact]
    public async Task Open_CleanLog_CutsNothing()
    {
        using var dir = new TestDirectory();
        await CreateLogAsync(dir.Path, 3);
        await using var log = AuditLog.Open(Logs.Small(dir.Path, segmentBytes: 8192));
        Assert.Null(log.Recovery.Truncation);
        Assert.Equal(3ul, log.Recovery.LastSequence);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.cut-*"));
    }

    [Fact]
    public async Task Open_GarbageFarAfterTheEnd_IsCutAndQuarantinedExactly()
    {
        using var dir = new TestDirectory();
        var (segment, _, end) = await CreateLogAsync(dir.Path, 3);
        using (var file = new FileStream(segment, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = end + 100;
            file.Write("junk"u8);
        }

        var observer = new RecordingObserver();
        await using (var log = AuditLog.Open(Logs.Small(dir.Path, segmentBytes: 8192), observer))
        {
            var truncation = Assert.IsType<AuditTruncation>(log.Recovery.Truncation);
            Assert.Equal(end, truncation.Offset);
            Assert.Equal(104, truncation.Bytes);
            Assert.Equal(Path.GetFileName(segment), truncation.Segment);
            var quarantined = File.ReadAllBytes(truncation.QuarantinePath);
            Assert.Equal(new byte[100].Concat("junk"u8.ToArray()), quarantined);
            Assert.Equal(3ul, log.Recovery.LastSequence);
        }

        Assert.True(AuditVerifier.Verify(dir.Path).IsValid);
    }

    [Fact]
    public async Task Open_StaleRecordWithWrongSequence_IsCut()
    {
        using var dir = new TestDirectory();
        var (segment, lastStart, lastEnd) = await CreateLogAsync(dir.Path, 3);
        var bytes = File.ReadAllBytes(segment);

        // Append a copy of record 3 (valid CRC, sequence 3) where record 4 would go.
        using (var file = new FileStream(segment, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = lastEnd;
            file.Write(bytes.AsSpan((int)lastStart, (int)(lastEnd - lastStart)));
        }

        await using var log = AuditLog.Open(Logs.Small(dir.Path, segmentBytes: 8192));
        var truncation = Assert.IsType<AuditTruncation>(log.Recovery.Truncation);
        Assert.Equal(lastEnd, truncation.Offset);
        Assert.Contains("sequence 3", truncation.Reason, StringComparison.Ordinal);
        Assert.Equal(4ul, (await log.AppendAsync("x"u8)).Sequence);
    }

    [Fact]
    public async Task Open_NewestSegmentHeaderDamaged_ThrowsAndChangesNothing()
    {
        using var dir = new TestDirectory();
        var (segment, _, _) = await CreateLogAsync(dir.Path, 3);
        var bytes = File.ReadAllBytes(segment);
        bytes[20] ^= 0xFF;
        File.WriteAllBytes(segment, bytes);

        Assert.Throws<AuditLogCorruptException>(() => AuditLog.Open(Logs.Small(dir.Path, segmentBytes: 8192)));
        Assert.Equal(bytes, File.ReadAllBytes(segment));
    }

    [Fact]
    public async Task Open_LeftoverTemporaryFiles_AreRemoved()
    {
        using var dir = new TestDirectory();
        await CreateLogAsync(dir.Path, 1);
        File.WriteAllBytes(Path.Combine(dir.Path, "prepare-1-1.tmp"), new byte[100]);
        await using var log = AuditLog.Open(Logs.Small(dir.Path, segmentBytes: 8192));
        Assert.Equal(1, log.Recovery.TemporaryFilesRemoved);
        Assert.False(File.Exists(Path.Combine(dir.Path, "prepare-1-1.tmp")));
    }

    [Fact]
    public async Task Open_LastSegmentWasTrimmed_ExtendsItAndAppends()
    {
        using var dir = new TestDirectory();
        var (segment, _, end) = await CreateLogAsync(dir.Path, 3);
        using (var file = new FileStream(segment, FileMode.Open, FileAccess.ReadWrite))
        {
            file.SetLength(end);
        }

        await using (var log = AuditLog.Open(Logs.Small(dir.Path, segmentBytes: 8192)))
        {
            Assert.Null(log.Recovery.Truncation);
            Assert.Equal(8192, new FileInfo(segment).Length);
            Assert.Equal(4ul, (await log.AppendAsync("x"u8)).Sequence);
        }

        Assert.True(AuditVerifier.Verify(dir.Path).IsValid);
    }
}
