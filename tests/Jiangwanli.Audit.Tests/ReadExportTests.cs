using System.Text;
using System.Text.Json;

namespace Jiangwanli.Audit.Tests;

public class ReadExportTests
{
    private static readonly DateTimeOffset s_start = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);

    /// <summary>300 records over several segments, record i written at start + i seconds.</summary>
    private static async Task CreateTimedLogAsync(string directory)
    {
        var time = new ManualTimeProvider(s_start);
        await using var log = AuditLog.Open(Logs.Small(directory, segmentBytes: 4096), null, time);
        for (var i = 0; i < 300; i++)
        {
            Assert.True((await log.AppendAsync(Logs.Payload(i))).IsWritten);
            time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    [Fact]
    public async Task AuditReader_FromSequence_StartsThereAcrossSegments()
    {
        using var dir = new TestDirectory();
        await CreateTimedLogAsync(dir.Path);
        Assert.True(AuditReader.ListSegments(dir.Path).Count > 3);
        foreach (var from in new ulong[] { 1, 2, 74, 75, 76, 150, 299, 300 })
        {
            var records = Logs.ReadAll(dir.Path, from);
            Assert.Equal(from, records[0].Sequence);
            Assert.Equal(300ul, records[^1].Sequence);
            Assert.Equal((int)(301 - from), records.Count);
        }

        Assert.Empty(Logs.ReadAll(dir.Path, 301));
    }

    [Fact]
    public async Task AuditReader_FromTime_StartsAtFirstRecordAtOrAfterIt()
    {
        using var dir = new TestDirectory();
        await CreateTimedLogAsync(dir.Path);
        foreach (var second in new[] { 0, 1, 73, 74, 75, 200, 299 })
        {
            using var reader = AuditReader.OpenAt(dir.Path, s_start.AddSeconds(second));
            Assert.True(reader.TryRead(out var record));
            Assert.Equal((ulong)(second + 1), record.Sequence);
            Assert.Equal(s_start.AddSeconds(second), record.Timestamp);
        }

        using var late = AuditReader.OpenAt(dir.Path, s_start.AddSeconds(500));
        Assert.False(late.TryRead(out _));
    }

    [Fact]
    public async Task AuditReader_LiveLog_FollowsNewRecordsAndNewSegments()
    {
        using var dir = new TestDirectory();
        await using var log = AuditLog.Open(Logs.Small(dir.Path, segmentBytes: 4096));
        using var reader = AuditReader.Open(dir.Path);
        Assert.False(reader.TryRead(out _));
        var seen = new List<ulong>();
        for (var round = 0; round < 6; round++)
        {
            await Logs.AppendManyAsync(log, 40, start: round * 40);
            while (reader.TryRead(out var record))
            {
                seen.Add(record.Sequence);
            }

            Assert.Equal(Enumerable.Range(1, (round + 1) * 40).Select(i => (ulong)i), seen);
        }

        Assert.True(log.ListSegments().Count > 2);
    }

    [Fact]
    public async Task AuditReader_DamagedSealedSegment_Throws()
    {
        using var dir = new TestDirectory();
        await CreateTimedLogAsync(dir.Path);
        var first = Logs.SegmentPaths(dir.Path)[0];
        var bytes = File.ReadAllBytes(first);
        bytes[200] ^= 0xFF;
        File.WriteAllBytes(first, bytes);
        Assert.Throws<InvalidDataException>(() => Logs.ReadAll(dir.Path));
    }

    [Fact]
    public async Task AuditExporter_JsonLines_EmbedsJsonAndBase64sTheRest()
    {
        using var dir = new TestDirectory();
        byte[] binary = [0xFF, 0x00, 0xFE];
        await using (var log = AuditLog.Open(Logs.Small(dir.Path)))
        {
            await log.AppendAsync("{\"decision\":\"deny\",\"score\":97}\n"u8); // a JSON line as the server writes it
            await log.AppendAsync(binary);
            await log.AppendAsync("{\n  \"pretty\": [1, 2]\n}"u8);
            await log.AppendAsync("not json"u8);
            await log.AppendAsync([]);
            await log.AppendAsync("[1,2] [3]"u8);
        }

        var output = new StringWriter();
        Assert.Equal(6, AuditExporter.ExportJsonLines(dir.Path, output));
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, lines.Length);
        var docs = lines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(1ul, docs[0].GetProperty("seq").GetUInt64());
        Assert.True(docs[0].GetProperty("ts").GetInt64() > 0);
        Assert.Equal("deny", docs[0].GetProperty("payload").GetProperty("decision").GetString());
        Assert.Equal(binary, docs[1].GetProperty("payloadBase64").GetBytesFromBase64());
        Assert.Equal(2, docs[2].GetProperty("payload").GetProperty("pretty")[1].GetInt32());
        Assert.Equal("not json"u8.ToArray(), docs[3].GetProperty("payloadBase64").GetBytesFromBase64());
        Assert.Empty(docs[4].GetProperty("payloadBase64").GetBytesFromBase64());
        Assert.Equal("[1,2] [3]"u8.ToArray(), docs[5].GetProperty("payloadBase64").GetBytesFromBase64());
    }

    [Fact]
    public async Task AuditExporter_Bounds_BySequenceAndTime()
    {
        using var dir = new TestDirectory();
        await CreateTimedLogAsync(dir.Path);

        static List<ulong> Export(string directory, AuditExportOptions options)
        {
            using var stream = new MemoryStream();
            AuditExporter.ExportJsonLines(directory, stream, options);
            return Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("seq").GetUInt64()).ToList();
        }

        Assert.Equal(Enumerable.Range(70, 11).Select(i => (ulong)i), Export(dir.Path, new AuditExportOptions { FromSequence = 70, ToSequence = 80 }));
        Assert.Equal(
            Enumerable.Range(101, 51).Select(i => (ulong)i),
            Export(dir.Path, new AuditExportOptions { FromTime = s_start.AddSeconds(100), ToTime = s_start.AddSeconds(150) }));
        Assert.Equal(
            Enumerable.Range(121, 10).Select(i => (ulong)i),
            Export(dir.Path, new AuditExportOptions { FromSequence = 121, ToTime = s_start.AddSeconds(129) }));
        Assert.Equal(300, Export(dir.Path, new AuditExportOptions()).Count);
    }

    [Fact]
    public async Task AuditTail_ReadLast_ReturnsTheLastRecordsOldestFirst()
    {
        using var dir = new TestDirectory();
        await CreateTimedLogAsync(dir.Path);
        Assert.Equal(Enumerable.Range(291, 10).Select(i => (ulong)i), AuditTail.ReadLast(dir.Path, 10).Select(r => r.Sequence));
        Assert.Equal(300, AuditTail.ReadLast(dir.Path, 1000).Count);
        Assert.Equal(150, AuditTail.ReadLast(dir.Path, 150).Count);
        var last = AuditTail.ReadLast(dir.Path, 1)[0];
        Assert.Equal(Logs.Payload(299), last.Payload.ToArray());

        var line = new StringWriter();
        AuditExporter.WriteJsonLine(line, last);
        Assert.Equal(300ul, JsonDocument.Parse(line.ToString()).RootElement.GetProperty("seq").GetUInt64());
        Assert.EndsWith("\n", line.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditTail_FollowAsync_DeliversNewRecordsUntilCancelled()
    {
        using var dir = new TestDirectory();
        await using var log = AuditLog.Open(Logs.Small(dir.Path));
        await Logs.AppendManyAsync(log, 3);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<ulong>();
        var gotTen = new SemaphoreSlim(0);
        using var cts = new CancellationTokenSource();
        var follow = AuditTail.FollowAsync(dir.Path, 2, r =>
        {
            seen.Enqueue(r.Sequence);
            if (r.Sequence == 10)
            {
                gotTen.Release();
            }
        }, TimeSpan.FromMilliseconds(5), cts.Token);

        await Logs.AppendManyAsync(log, 7, start: 3);
        await Logs.WaitAsync(gotTen, "record 10");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => follow);
        Assert.Equal(Enumerable.Range(2, 9).Select(i => (ulong)i), seen);
    }

    [Fact]
    public async Task ListSegments_Static_MatchesTheLiveList()
    {
        using var dir = new TestDirectory();
        await using var log = AuditLog.Open(Logs.Small(dir.Path, segmentBytes: 4096));
        await Logs.AppendManyAsync(log, 200);
        var live = log.ListSegments();
        var listed = AuditReader.ListSegments(dir.Path);
        Assert.Equal(live.Select(s => (s.Name, s.FirstSequence, s.Created, s.IsActive)), listed.Select(s => (s.Name, s.FirstSequence, s.Created, s.IsActive)));
        Assert.Equal(live.Take(live.Count - 1).Select(s => s.Length), listed.Take(listed.Count - 1).Select(s => s.Length));
        Assert.True(live[^1].Length < listed[^1].Length); // active: data so far vs preallocated file
    }
}
