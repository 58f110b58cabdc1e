using System.Buffers;
using System.Text.Json;

namespace Jiangwanli.Server.Decisions;

/// <summary>
/// Per-request scratch that outlives requests: the response buffer, the audit record buffer, a JSON writer for
/// problems and the event boundaries of a batch. Rented from <see cref="RequestBuffersPool"/>, so steady-state
/// requests reuse the same arrays.
/// </summary>
/// <remarks>
/// The cached <see cref="Utf8JsonWriter"/> holds no unmanaged resource; a dropped instance is simply collected.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Utf8JsonWriter owns only managed buffers.")]
internal sealed class RequestBuffers
{
    private const int InitialBytes = 4096;
    private const int InitialEvents = 64;

    private Utf8JsonWriter? _json;

    /// <summary>The response body.</summary>
    public ArrayBufferWriter<byte> Output { get; } = new(InitialBytes);

    /// <summary>An audit record, written before it is appended.</summary>
    public ArrayBufferWriter<byte> Record { get; } = new(InitialBytes);

    /// <summary>Batch: start offset of each event in the body.</summary>
    public int[] EventOffsets { get; private set; } = new int[InitialEvents];

    /// <summary>Batch: length of each event.</summary>
    public int[] EventLengths { get; private set; } = new int[InitialEvents];

    /// <summary>Batch: number of events found.</summary>
    public int EventCount { get; set; }

    /// <summary>Bytes held, to decide whether a grown instance is worth keeping.</summary>
    public long RetainedBytes => Output.Capacity + Record.Capacity + (EventOffsets.Length * 8L);

    /// <summary>A JSON writer reset onto <paramref name="output"/> (for problems and the pack description).</summary>
    public Utf8JsonWriter JsonWriter(IBufferWriter<byte> output)
    {
        if (_json is null)
        {
            _json = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        }
        else
        {
            _json.Reset(output);
        }

        return _json;
    }

    /// <summary>Adds an event boundary of a batch.</summary>
    public void AddEvent(int offset, int length)
    {
        if (EventCount == EventOffsets.Length)
        {
            var offsets = EventOffsets;
            var lengths = EventLengths;
            Array.Resize(ref offsets, offsets.Length * 2);
            Array.Resize(ref lengths, lengths.Length * 2);
            EventOffsets = offsets;
            EventLengths = lengths;
        }

        EventOffsets[EventCount] = offset;
        EventLengths[EventCount] = length;
        EventCount++;
    }

    /// <summary>Clears for the next request (keeps the arrays).</summary>
    public void Reset()
    {
        Output.ResetWrittenCount();
        Record.ResetWrittenCount();
        EventCount = 0;
    }
}
