using System.Text.Json;

namespace Jiangwanli.Server.Decisions;

/// <summary>
/// Finds the events of a batch body without copying them: the elements of a JSON array, or the non-blank lines
/// of NDJSON. Each event is then read by the engine on its own, so one bad event fails alone.
/// </summary>
internal static class BatchSplitter
{
    /// <summary>Outcome of a split.</summary>
    public enum Outcome : byte
    {
        /// <summary>Events found (possibly none).</summary>
        Ok,

        /// <summary>The framing is broken (not a JSON array, malformed JSON between elements).</summary>
        Malformed,

        /// <summary>More events than allowed.</summary>
        TooMany,
    }

    /// <summary>Splits a JSON array of events into <paramref name="into"/>.</summary>
    /// <param name="body">The whole body.</param>
    /// <param name="into">Receives each element's offset and length.</param>
    /// <param name="maxEvents">Most events accepted.</param>
    /// <param name="maxDepth">Deepest nesting of an element tolerated by the framing (the engine checks its own limit per event).</param>
    /// <param name="detail">On <see cref="Outcome.Malformed"/>, what and where.</param>
    public static Outcome SplitArray(ReadOnlySpan<byte> body, RequestBuffers into, int maxEvents, int maxDepth, out string? detail)
    {
        detail = null;
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = maxDepth + 1 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                detail = "a batch sent as application/json must be a JSON array of events";
                return Outcome.Malformed;
            }

            // Bounded: every Read consumes input.
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    // A trailing value after the array makes the next Read throw (caught below).
                    if (reader.Read())
                    {
                        detail = "unexpected content after the batch array";
                        return Outcome.Malformed;
                    }

                    return Outcome.Ok;
                }

                if (into.EventCount == maxEvents)
                {
                    return Outcome.TooMany;
                }

                var start = (int)reader.TokenStartIndex;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }

                into.AddEvent(start, (int)reader.BytesConsumed - start);
            }

            detail = "the batch array is not closed";
            return Outcome.Malformed;
        }
        catch (JsonException e)
        {
            detail = $"malformed JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1} of the line";
            return Outcome.Malformed;
        }
    }

    /// <summary>Splits NDJSON: one event per line; blank lines are skipped; a trailing CR is dropped.</summary>
    public static Outcome SplitLines(ReadOnlySpan<byte> body, RequestBuffers into, int maxEvents)
    {
        var offset = 0;

        // Bounded: every pass consumes at least one line.
        while (offset < body.Length)
        {
            var rest = body[offset..];
            var newline = rest.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..newline];
            var length = line.Length;
            if (length > 0 && line[length - 1] == (byte)'\r')
            {
                length--;
            }

            if (!line[..length].Trim(" \t"u8).IsEmpty)
            {
                if (into.EventCount == maxEvents)
                {
                    return Outcome.TooMany;
                }

                into.AddEvent(offset, length);
            }

            offset += newline < 0 ? rest.Length : newline + 1;
        }

        return Outcome.Ok;
    }
}
