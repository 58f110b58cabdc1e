using System.Diagnostics;
using System.Text.Json;
using Jiangwanli.Audit;
using Jiangwanli.Engine.Decisions;

namespace Jiangwanli.Server.Decisions;

/// <summary>
/// Rebuilds the in-memory feature windows after a restart by replaying, through the active pack's features, the
/// events of the audit records young enough to still be inside the longest window. A restart (or a crash) thus
/// loses no velocity state: the same events give the same features as before.
/// </summary>
internal static class FeatureRebuild
{
    /// <summary>Replays the recent records of the log in <paramref name="directory"/> into <paramref name="engine"/>'s windows.</summary>
    /// <returns>How many records were replayed, how many were skipped (unreadable payload), and how long it took.</returns>
    public static (long Replayed, long Skipped, TimeSpan Elapsed) Run(DecisionEngine engine, string directory, TimeProvider time, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var pack = engine.Pack;
        var longest = TimeSpan.Zero;
        foreach (var f in pack.Features)
        {
            longest = f.Window > longest ? f.Window : longest;
        }

        long replayed = 0, skipped = 0;
        if (longest == TimeSpan.Zero || !Directory.Exists(directory) || AuditReader.ListSegments(directory).Count == 0)
        {
            return (0, 0, Stopwatch.GetElapsedTime(start));
        }

        using var reader = AuditReader.OpenAt(directory, time.GetUtcNow() - longest);
        var context = engine.Rent();
        try
        {
            while (reader.TryRead(out var record))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (TryGetEvent(record.Payload.Span, out var eventJson) && engine.ObserveOnly(eventJson, context))
                {
                    replayed++;
                }
                else
                {
                    skipped++;
                }
            }
        }
        finally
        {
            engine.Return(context);
        }

        return (replayed, skipped, Stopwatch.GetElapsedTime(start));
    }

    /// <summary>Finds the <c>event</c> object of an audit record payload (see DecisionJsonWriter.WriteAuditRecord).</summary>
    internal static bool TryGetEvent(ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> eventJson)
    {
        eventJson = default;
        try
        {
            var reader = new Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isEvent = reader.ValueTextEquals("event"u8);
                reader.Read();
                if (isEvent && reader.TokenType == JsonTokenType.StartObject)
                {
                    var begin = (int)reader.TokenStartIndex;
                    reader.Skip();
                    eventJson = payload[begin..(int)reader.BytesConsumed];
                    return true;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }
}
