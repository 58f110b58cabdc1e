namespace Jiangwanli.Audit.Tests;

public class RetentionTests
{
    [Fact]
    public async Task Retention_MaxBytes_RetiresOldestSealedSegmentsAndStaysVerifiable()
    {
        using var dir = new TestDirectory();
        var observer = new RecordingObserver();
        var options = Logs.Small(dir.Path, segmentBytes: 4096);
        options.RetentionMaxBytes = 4 * 4096;
        await using (var log = AuditLog.Open(options, observer))
        {
            await Logs.AppendManyAsync(log, 600);
            log.ApplyRetention();
            var segments = log.ListSegments();
            Assert.True(segments.Sum(s => s.IsActive ? 4096 : s.Length) <= 4 * 4096);
            Assert.True(segments[^1].IsActive);
            Assert.NotEmpty(observer.Retired);
            Assert.All(observer.Retired, r => Assert.False(r.Segment.IsActive));
            Assert.All(observer.Retired, r => Assert.False(File.Exists(r.Segment.Path)));
            Assert.All(observer.Retired, r => Assert.Null(r.ArchivedPath));
        }

        var verified = AuditVerifier.Verify(dir.Path);
        Assert.True(verified.IsValid, verified.Failure?.Message);
        Assert.False(verified.StartsAtGenesis);
        Assert.Equal(600ul, verified.LastSequence);
        Assert.True(verified.FirstSequence > 1);

        // Reading "from 1" starts at the oldest kept record.
        var records = Logs.ReadAll(dir.Path);
        Assert.Equal(verified.FirstSequence, records[0].Sequence);
        Assert.Equal(600ul, records[^1].Sequence);
    }

    [Fact]
    public async Task Retention_MaxAge_RetiresOnlySegmentsWhoseRecordsAreAllOlder()
    {
        using var dir = new TestDirectory();
        var observer = new RecordingObserver();
        var time = new ManualTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
        var options = Logs.Small(dir.Path, segmentBytes: 4096);
        options.RetentionMaxAge = TimeSpan.FromHours(1);
        await using var log = AuditLog.Open(options, observer, time);

        await Logs.AppendManyAsync(log, 150); // segments 1 and 2, all written "now"
        time.Advance(TimeSpan.FromHours(2));
        await Logs.AppendManyAsync(log, 150, start: 150); // fills segment 2's rest, then newer segments
        log.ApplyRetention();

        var kept = log.ListSegments();
        var retired = observer.Retired.Select(r => r.Segment).ToList();

        // Exactly the prefix of segments whose successor started before the cutoff (so all their records are older).
        var cutoff = time.GetUtcNow() - TimeSpan.FromHours(1);
        var all = retired.Concat(kept).OrderBy(s => s.FirstSequence).ToList();
        var expected = new List<ulong>();
        for (var i = 0; i < all.Count - 1 && all[i + 1].Created <= cutoff; i++)
        {
            expected.Add(all[i].FirstSequence);
        }

        Assert.NotEmpty(expected);
        Assert.Equal(expected, retired.Select(r => r.FirstSequence).Order());

        // The kept segment that straddles the cutoff still holds old records: nothing newer than the cutoff was lost.
        var records = Logs.ReadAll(dir.Path);
        Assert.Contains(records, r => r.Timestamp < cutoff.ToUnixTimeMilliseconds());
        Assert.Equal(300ul, records[^1].Sequence);
        Assert.True(AuditVerifier.Verify(dir.Path).IsValid);
    }

    [Fact]
    public async Task Retention_ArchiveDirectory_MovesSegmentsThere()
    {
        using var dir = new TestDirectory();
        var observer = new RecordingObserver();
        var options = Logs.Small(dir.Sub("log"), segmentBytes: 4096);
        options.RetentionMaxBytes = 2 * 4096;
        options.ArchiveDirectory = dir.Sub("archive");
        await using (var log = AuditLog.Open(options, observer))
        {
            await Logs.AppendManyAsync(log, 300);
            log.ApplyRetention();
        }

        Assert.NotEmpty(observer.Retired);
        foreach (var (segment, archived) in observer.Retired)
        {
            Assert.Equal(Path.Combine(dir.Sub("archive"), segment.Name), archived);
            Assert.True(File.Exists(archived));
            Assert.False(File.Exists(segment.Path));
        }

        // The archive holds the oldest segments, from sequence 1: on its own it verifies as the start of the log.
        var archive = AuditVerifier.Verify(dir.Sub("archive"));
        Assert.True(archive.IsValid, archive.Failure?.Message);
        Assert.True(archive.StartsAtGenesis);
        Assert.True(AuditVerifier.Verify(dir.Sub("log")).IsValid);
    }

    [Fact]
    public async Task Retention_NeverRetiresTheActiveSegment()
    {
        using var dir = new TestDirectory();
        var options = Logs.Small(dir.Path, segmentBytes: 4096);
        options.RetentionMaxBytes = 1;
        await using var log = AuditLog.Open(options);
        await Logs.AppendManyAsync(log, 200);
        log.ApplyRetention();
        var segment = Assert.Single(log.ListSegments());
        Assert.True(segment.IsActive);
        Assert.True(File.Exists(segment.Path));
    }
}
