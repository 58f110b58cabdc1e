namespace Jiangwanli.Audit;

/// <summary>The last records of a log, and following it as it grows (<c>jwl audit tail DIR [-f]</c>).</summary>
public static class AuditTail
{
    /// <summary>The last <paramref name="count"/> records (fewer if the log is shorter), oldest first; payloads copied.</summary>
    public static IReadOnlyList<AuditRecord> ReadLast(string directory, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var segments = AuditReader.ListSegments(directory);
        if (count == 0 || segments.Count == 0)
        {
            return [];
        }

        // Sequence numbers are dense, so the last segment alone tells where to start.
        ulong last;
        using (var probe = AuditReader.Open(directory, segments[^1].FirstSequence))
        {
            while (probe.TryRead(out _))
            {
            }

            last = probe.NextSequence - 1;
        }

        var from = last >= (ulong)count ? last - (ulong)count + 1 : 1;
        var result = new List<AuditRecord>(count);
        using var reader = AuditReader.Open(directory, from);
        while (result.Count < count && reader.TryRead(out var record))
        {
            result.Add(new AuditRecord(record.Sequence, record.TimestampUnixMs, record.Payload.ToArray()));
        }

        return result;
    }

    /// <summary>
    /// Calls <paramref name="onRecord"/> for every record from <paramref name="fromSequence"/> on, then keeps polling
    /// every <paramref name="pollInterval"/> for new ones until <paramref name="cancellationToken"/> is cancelled
    /// (the task then ends as cancelled). The payload passed is valid only during the call.
    /// </summary>
    public static async Task FollowAsync(
        string directory, ulong fromSequence, Action<AuditRecord> onRecord, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onRecord);
        using var reader = AuditReader.Open(directory, fromSequence);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            while (reader.TryRead(out var record))
            {
                onRecord(record);
            }

            await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
        }
    }
}
