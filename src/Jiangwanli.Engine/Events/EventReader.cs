using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Unicode;
using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Engine.Events;

/// <summary>
/// Reads one UTF-8 JSON event straight into a <see cref="DecisionContext"/>, driven by the compiled schema:
/// numbers and bools into typed slots, strings as UTF-8 copies, entity values hashed to 64-bit keys.
/// No DOM and no string per field.
/// </summary>
/// <remarks>
/// Semantics: unknown properties are skipped (whatever their shape); <c>null</c> means absent; a duplicate
/// property keeps its last value; <c>id</c> is an optional string (the idempotency key); <c>timestamp</c> is
/// optional RFC 3339 text or Unix epoch milliseconds. A field of the wrong JSON type, a missing required field,
/// malformed JSON, excess depth or size all give an <see cref="EventError"/> naming the field.
/// Utf8JsonReader reports malformed JSON only by throwing; that exception is caught here and turned into a
/// typed error, so nothing escapes to the caller. Well-formed events never throw.
/// </remarks>
public sealed partial class EventReader
{
    private const string RootName = "$";
    private const string IdName = "id";
    private const string TimestampName = "timestamp";
    private static ReadOnlySpan<byte> IdUtf8 => "id"u8;
    private static ReadOnlySpan<byte> TimestampUtf8 => "timestamp"u8;

    private readonly EventSchema _schema;
    private readonly EventReaderOptions _options;
    private readonly NameTable _names;
    private readonly SchemaField[] _required;
    private readonly long _maxFutureSkewMs;

    /// <summary>Creates a reader for one schema.</summary>
    public EventReader(EventSchema schema, EventReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        _schema = schema;
        _options = options ?? new EventReaderOptions();
        _names = new NameTable(schema.Fields);
        _maxFutureSkewMs = (long)_options.MaxFutureSkew.TotalMilliseconds;
        var required = new List<SchemaField>();
        foreach (var f in schema.Fields)
        {
            if (f.IsRequired)
            {
                required.Add(f);
            }
        }

        _required = [.. required];
    }

    /// <summary>The schema this reader was built for.</summary>
    public EventSchema Schema => _schema;

    /// <summary>
    /// Tests only: skip the flat fast path and read every event with the general <see cref="Utf8JsonReader"/> path,
    /// so that the two can be compared on the same input.
    /// </summary>
    internal bool ForceGeneralPath { get; set; }

    /// <summary>
    /// Resets <paramref name="context"/> and reads <paramref name="json"/> into it. Returns false with
    /// <see cref="DecisionContext.Error"/> set when the event is refused. <paramref name="nowMs"/> is used as the
    /// event time when the event has no timestamp.
    /// </summary>
    public bool TryRead(ReadOnlySpan<byte> json, DecisionContext context, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Reset();
        context.TimestampMs = nowMs;
        if (json.Length > _options.MaxEventBytes)
        {
            return Fail(context, EventErrorCode.TooLarge, RootName, "event is larger than the configured limit", 0);
        }

        // The common shape (a flat object of plain values) is scanned by hand; anything else, and every refusal,
        // is read again from the start by the general path below, which alone decides errors. The fast path tells
        // whether it saw a byte outside ASCII; an all-ASCII event needs no UTF-8 validation.
        if (!ForceGeneralPath && _options.MaxDepth >= 1)
        {
            if (TryReadFlat(json, context, out var nonAscii) && (!nonAscii || Utf8.IsValid(json)))
            {
                return true;
            }

            context.Reset();
            context.TimestampMs = nowMs;
        }

        // Checked for the whole body (vectorized) so that every string copied later is valid UTF-8 and the event can
        // be embedded verbatim in the audit record.
        if (!Utf8.IsValid(json))
        {
            return Fail(context, EventErrorCode.MalformedJson, RootName, "event is not valid UTF-8", 0);
        }

        try
        {
            return ReadObject(json, context);
        }
        catch (JsonException e)
        {
            return Fail(context, EventErrorCode.MalformedJson, RootName, "malformed JSON", e.BytePositionInLine ?? 0);
        }
        catch (InvalidOperationException)
        {
            // CopyString throws this for an escape that decodes to an unpaired surrogate ("\ud800").
            return Fail(context, EventErrorCode.MalformedJson, RootName, "string has an invalid \\u escape", 0);
        }
    }

    private bool ReadObject(ReadOnlySpan<byte> json, DecisionContext context)
    {
        // MaxDepth + 1: the reader's own limit is a backstop; our check below gives the located error.
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = _options.MaxDepth + 1 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return Fail(context, EventErrorCode.MalformedJson, RootName, "an event must be a JSON object", reader.TokenStartIndex);
        }

        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            // Property name at depth 1.
            var field = FindField(ref reader, out var reserved);
            if (!reader.Read())
            {
                return Fail(context, EventErrorCode.MalformedJson, RootName, "unexpected end of JSON", reader.BytesConsumed);
            }

            if (reserved != Reserved.None)
            {
                if (!ReadReserved(ref reader, context, reserved))
                {
                    return false;
                }

                if (field is null)
                {
                    continue;
                }
            }

            if (field is null)
            {
                if (!SkipValue(ref reader, context))
                {
                    return false;
                }

                continue;
            }

            if (!ReadField(ref reader, context, field))
            {
                return false;
            }
        }

        // Anything after the object (other than whitespace) is malformed; Read() throws on it.
        if (reader.Read())
        {
            return Fail(context, EventErrorCode.MalformedJson, RootName, "unexpected data after the event object", reader.TokenStartIndex);
        }

        foreach (var f in _required)
        {
            if (!context.Present[f.Index])
            {
                return Fail(context, EventErrorCode.MissingField, f.Name, "required field is missing", json.Length);
            }
        }

        return true;
    }

    private bool SkipValue(ref Utf8JsonReader reader, DecisionContext context)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return true;
        }

        // Nesting level of a container = its start token's depth + 1 (the event object itself is level 1).
        var depth = reader.CurrentDepth;
        if (depth + 1 > _options.MaxDepth)
        {
            return Fail(context, EventErrorCode.TooDeep, RootName, "event nests deeper than the configured limit", reader.TokenStartIndex);
        }

        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth + 1 > _options.MaxDepth)
            {
                return Fail(context, EventErrorCode.TooDeep, RootName, "event nests deeper than the configured limit", reader.TokenStartIndex);
            }

            if (reader.CurrentDepth == depth && reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                return true;
            }
        }

        return Fail(context, EventErrorCode.MalformedJson, RootName, "unexpected end of JSON", reader.BytesConsumed);
    }

    private bool ReadField(ref Utf8JsonReader reader, DecisionContext context, SchemaField field)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            context.Present[field.Index] = false;
            return true;
        }

        switch (field.Type)
        {
            case FieldType.Number:
                if (reader.TokenType != JsonTokenType.Number)
                {
                    return WrongType(ref reader, context, field, "expected a number");
                }

                if (!reader.TryGetDouble(out var number) || !double.IsFinite(number))
                {
                    return Fail(context, EventErrorCode.InvalidValue, field.Name, "number is out of range", reader.TokenStartIndex);
                }

                context.Numbers[field.Slot] = number;
                if (field.IsEntity)
                {
                    context.EntityKeys[field.EntityIndex] = StableHash.Mix(BitConverter.DoubleToUInt64Bits(number));
                }

                break;

            case FieldType.Bool:
                if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
                {
                    return WrongType(ref reader, context, field, "expected true or false");
                }

                context.Bools[field.Slot] = reader.TokenType == JsonTokenType.True;
                break;

            case FieldType.Timestamp:
                if (!TryReadTimestamp(ref reader, out var ms))
                {
                    return reader.TokenType is JsonTokenType.String or JsonTokenType.Number
                        ? Fail(context, EventErrorCode.InvalidValue, field.Name, "expected an RFC 3339 time or Unix milliseconds", reader.TokenStartIndex)
                        : WrongType(ref reader, context, field, "expected an RFC 3339 time or Unix milliseconds");
                }

                context.Numbers[field.Slot] = ms;
                if (field.IsEntity)
                {
                    context.EntityKeys[field.EntityIndex] = StableHash.Mix((ulong)ms);
                }

                break;

            default:
                if (reader.TokenType != JsonTokenType.String)
                {
                    return WrongType(ref reader, context, field, "expected a string");
                }

                if (!TryCopyString(ref reader, context, out var offset, out var length))
                {
                    return Fail(context, EventErrorCode.TooLarge, field.Name, "string is longer than the configured limit", reader.TokenStartIndex);
                }

                context.StringOffsets[field.Slot] = offset;
                context.StringLengths[field.Slot] = length;
                if (field.IsEntity)
                {
                    context.EntityKeys[field.EntityIndex] = StableHash.Hash64(context.Text.AsSpan(offset, length));
                }

                break;
        }

        context.Present[field.Index] = true;
        return true;
    }

    private bool ReadReserved(ref Utf8JsonReader reader, DecisionContext context, Reserved reserved)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reserved == Reserved.Id)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                return Fail(context, EventErrorCode.WrongType, IdName, "expected a string", reader.TokenStartIndex);
            }

            if (!TryCopyString(ref reader, context, out var offset, out var length) || length > 256)
            {
                return Fail(context, EventErrorCode.TooLarge, IdName, "id is longer than 256 bytes", reader.TokenStartIndex);
            }

            context.IdOffset = offset;
            context.IdLength = length;
            return true;
        }

        if (!TryReadTimestamp(ref reader, out var ms))
        {
            return Fail(
                context,
                reader.TokenType is JsonTokenType.String or JsonTokenType.Number ? EventErrorCode.InvalidValue : EventErrorCode.WrongType,
                TimestampName,
                "expected an RFC 3339 time or Unix milliseconds",
                reader.TokenStartIndex);
        }

        if (ms - context.TimestampMs > _maxFutureSkewMs)
        {
            return Fail(context, EventErrorCode.InvalidValue, TimestampName, "timestamp is too far in the future", reader.TokenStartIndex);
        }

        context.TimestampMs = ms;
        context.HasEventTimestamp = true;
        return true;
    }

    private static bool TryReadTimestamp(ref Utf8JsonReader reader, out long ms)
    {
        ms = 0;
        if (reader.TokenType == JsonTokenType.Number)
        {
            // Unix milliseconds; years 1970..9999.
            if (reader.TryGetInt64(out ms) && ms is >= 0 and <= 253_402_300_799_999)
            {
                return true;
            }

            return false;
        }

        if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var time) && time.UtcTicks >= DateTimeOffset.UnixEpoch.UtcTicks)
        {
            ms = time.ToUnixTimeMilliseconds();
            return true;
        }

        return false;
    }

    private bool TryCopyString(ref Utf8JsonReader reader, DecisionContext context, out int offset, out int length)
    {
        offset = 0;
        length = 0;
        var raw = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (raw > _options.MaxStringBytes)
        {
            return false;
        }

        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            offset = context.AppendText(reader.ValueSpan);
            length = reader.ValueSpan.Length;
            return true;
        }

        // Unescaping never makes a string longer.
        var target = context.ReserveText(raw, out offset);
        length = reader.CopyString(target);
        context.ShrinkText(offset + length);
        return true;
    }

    private static bool WrongType(ref Utf8JsonReader reader, DecisionContext context, SchemaField field, string message)
        => Fail(context, EventErrorCode.WrongType, field.Name, message, reader.TokenStartIndex);

    private static bool Fail(DecisionContext context, EventErrorCode code, string field, string message, long position)
    {
        context.Error = new EventError(code, field, message, position);
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private SchemaField? FindField(ref Utf8JsonReader reader, out Reserved reserved)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            return FindEscapedField(ref reader, out reserved);
        }

        var entry = _names.Find(reader.ValueSpan);
        reserved = entry?.Reserved ?? Reserved.None;
        return entry?.Field;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private SchemaField? FindEscapedField(ref Utf8JsonReader reader, out Reserved reserved)
    {
        reserved = Reserved.None;
        Span<byte> buffer = stackalloc byte[128];
        var raw = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (raw > buffer.Length)
        {
            return null; // No schema name is that long (identifiers are at most 64 characters).
        }

        var length = reader.CopyString(buffer);
        var entry = _names.Find(buffer[..length]);
        reserved = entry?.Reserved ?? Reserved.None;
        return entry?.Field;
    }
}
