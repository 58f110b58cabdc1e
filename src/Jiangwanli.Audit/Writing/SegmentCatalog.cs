namespace Jiangwanli.Audit.Writing;

/// <summary>One segment known to an open log.</summary>
internal sealed class SegmentEntry
{
    private long _length;

    public SegmentEntry(string name, string path, ulong firstSequence, long createdUnixMs, long length, bool isActive)
    {
        Name = name;
        Path = path;
        FirstSequence = firstSequence;
        CreatedUnixMs = createdUnixMs;
        _length = length;
        IsActive = isActive;
    }

    public string Name { get; }

    public string Path { get; }

    public ulong FirstSequence { get; }

    public long CreatedUnixMs { get; }

    /// <summary>Bytes of header and complete records (the writer updates it for the active segment).</summary>
    public long Length
    {
        get => Volatile.Read(ref _length);
        set => Volatile.Write(ref _length, value);
    }

    /// <summary>Bytes the file occupies on disk (the preallocated size while active).</summary>
    public long FileBytes { get; set; }

    public bool IsActive { get; set; }

    public AuditSegmentInfo ToInfo() =>
        new(Name, Path, FirstSequence, Length, ToTime(CreatedUnixMs), IsActive);

    /// <summary>Unix ms to a time, clamped to the representable range (a damaged header may hold anything).</summary>
    public static DateTimeOffset ToTime(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(
            unixMs, DateTimeOffset.MinValue.ToUnixTimeMilliseconds(), DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()));
}

/// <summary>
/// The segments of an open log in order, the last one active. The writer appends, the maintenance thread removes
/// from the front (retention), <see cref="AuditLog.ListSegments"/> reads a snapshot.
/// </summary>
internal sealed class SegmentCatalog
{
    private readonly Lock _lock = new();
    private readonly List<SegmentEntry> _segments = [];

    /// <summary>Adds the new active segment (the previous one must already be sealed).</summary>
    public void Add(SegmentEntry entry)
    {
        lock (_lock)
        {
            _segments.Add(entry);
        }
    }

    /// <summary>A snapshot for listing.</summary>
    public List<AuditSegmentInfo> Snapshot()
    {
        lock (_lock)
        {
            var result = new List<AuditSegmentInfo>(_segments.Count);
            foreach (var segment in _segments)
            {
                result.Add(segment.ToInfo());
            }

            return result;
        }
    }

    /// <summary>
    /// The oldest sealed segments retention should retire: a prefix of the log (so what remains is contiguous and
    /// verifiable from its first header), never the active segment. A segment is old when the next segment was
    /// started before <c>now - maxAge</c> (so all its records are older); the log is big while all files together
    /// exceed <paramref name="maxBytes"/>.
    /// </summary>
    public List<SegmentEntry> SelectForRetention(TimeSpan? maxAge, long? maxBytes, long nowUnixMs)
    {
        var victims = new List<SegmentEntry>();
        lock (_lock)
        {
            var total = 0L;
            foreach (var segment in _segments)
            {
                total += segment.FileBytes;
            }

            for (var i = 0; i < _segments.Count - 1; i++)
            {
                var segment = _segments[i];
                var old = maxAge is { } age && _segments[i + 1].CreatedUnixMs <= nowUnixMs - (long)age.TotalMilliseconds;
                var big = maxBytes is { } limit && total > limit;
                if (segment.IsActive || (!old && !big))
                {
                    break;
                }

                victims.Add(segment);
                total -= segment.FileBytes;
            }
        }

        return victims;
    }

    /// <summary>Forgets a retired segment.</summary>
    public void Remove(SegmentEntry entry)
    {
        lock (_lock)
        {
            _segments.Remove(entry);
        }
    }
}
