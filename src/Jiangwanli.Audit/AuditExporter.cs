using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Jiangwanli.Audit;

/// <summary>Bounds of an export; all inclusive, all optional, combinable.</summary>
public sealed class AuditExportOptions
{
    /// <summary>First sequence number to export.</summary>
    public ulong? FromSequence { get; set; }

    /// <summary>Last sequence number to export.</summary>
    public ulong? ToSequence { get; set; }

    /// <summary>Earliest timestamp to export.</summary>
    public DateTimeOffset? FromTime { get; set; }

    /// <summary>Latest timestamp to export.</summary>
    public DateTimeOffset? ToTime { get; set; }
}

/// <summary>
/// Writes records as JSON Lines, one object per record:
/// <c>{"seq":42,"ts":1764115200123,"payload":{…}}</c> when the payload is one valid UTF-8 JSON value (embedded as is,
/// re-serialized compactly if it spans lines), else <c>{"seq":42,"ts":1764115200123,"payloadBase64":"…"}</c>.
/// </summary>
public static class AuditExporter
{
    private const int FlushThreshold = 64 << 10;

    /// <summary>Exports to a UTF-8 stream; returns the number of records written.</summary>
    public static long ExportJsonLines(string directory, Stream output, AuditExportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        return Export(directory, options, buffer => output.Write(buffer.WrittenSpan), cancellationToken);
    }

    /// <summary>Exports to a text writer (e.g. the console); returns the number of records written.</summary>
    public static long ExportJsonLines(string directory, TextWriter output, AuditExportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        return Export(directory, options, buffer => WriteText(output, buffer.WrittenSpan), cancellationToken);
    }

    /// <summary>Writes one record as a JSON line (with the trailing newline) to <paramref name="output"/>.</summary>
    public static void WriteJsonLine(TextWriter output, in AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(output);
        var buffer = new ArrayBufferWriter<byte>(256);
        using var writer = new Utf8JsonWriter(buffer);
        WriteRecord(writer, buffer, record);
        WriteText(output, buffer.WrittenSpan);
    }

    private static long Export(string directory, AuditExportOptions? options, Action<ArrayBufferWriter<byte>> drain, CancellationToken cancellationToken)
    {
        options ??= new AuditExportOptions();
        using var reader = options.FromTime is { } from && options.FromSequence is null
            ? AuditReader.OpenAt(directory, from)
            : AuditReader.Open(directory, options.FromSequence ?? 1);
        var fromTime = options.FromTime?.ToUnixTimeMilliseconds() ?? long.MinValue;
        var toTime = options.ToTime?.ToUnixTimeMilliseconds() ?? long.MaxValue;
        var toSequence = options.ToSequence ?? ulong.MaxValue;
        var buffer = new ArrayBufferWriter<byte>(FlushThreshold * 2);
        using var writer = new Utf8JsonWriter(buffer);
        var count = 0L;
        while (reader.TryRead(out var record))
        {
            // Sequence and time both grow along the log: past either upper bound, nothing later can match.
            if (record.Sequence > toSequence || record.TimestampUnixMs > toTime)
            {
                break;
            }

            if (record.TimestampUnixMs < fromTime)
            {
                continue;
            }

            WriteRecord(writer, buffer, record);
            count++;
            if (buffer.WrittenCount >= FlushThreshold)
            {
                cancellationToken.ThrowIfCancellationRequested();
                drain(buffer);
                buffer.ResetWrittenCount();
            }
        }

        drain(buffer);
        return count;
    }

    private static void WriteRecord(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer, in AuditRecord record)
    {
        writer.Reset(buffer);
        writer.WriteStartObject();
        writer.WriteNumber("seq"u8, record.Sequence);
        writer.WriteNumber("ts"u8, record.TimestampUnixMs);
        var payload = record.Payload.Span;
        switch (Classify(payload))
        {
            case PayloadKind.JsonLine:
                writer.WritePropertyName("payload"u8);
                writer.WriteRawValue(payload, skipInputValidation: true);
                break;
            case PayloadKind.JsonMultiLine:
                writer.WritePropertyName("payload"u8);
                using (var document = JsonDocument.Parse(record.Payload))
                {
                    document.RootElement.WriteTo(writer);
                }

                break;
            default:
                writer.WriteBase64String("payloadBase64"u8, payload);
                break;
        }

        writer.WriteEndObject();
        writer.Flush();
        buffer.GetSpan(1)[0] = (byte)'\n';
        buffer.Advance(1);
    }

    private enum PayloadKind
    {
        Binary,
        JsonLine,
        JsonMultiLine,
    }

    private static PayloadKind Classify(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty || !Utf8.IsValid(payload))
        {
            return PayloadKind.Binary;
        }

        var reader = new Utf8JsonReader(payload, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            while (reader.Read())
            {
            }
        }
        catch (JsonException)
        {
            return PayloadKind.Binary;
        }

        if (reader.BytesConsumed == 0 || reader.CurrentDepth != 0)
        {
            return PayloadKind.Binary;
        }

        // Raw CR/LF can only be whitespace between tokens here; they would split the JSON line.
        return payload.IndexOfAny((byte)'\n', (byte)'\r') >= 0 ? PayloadKind.JsonMultiLine : PayloadKind.JsonLine;
    }

    private static void WriteText(TextWriter output, ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return;
        }

        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(utf8.Length));
        try
        {
            var n = Encoding.UTF8.GetChars(utf8, chars);
            output.Write(chars, 0, n);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }
}
