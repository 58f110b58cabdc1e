using Jiangwanli.Audit.Format;

namespace Jiangwanli.Audit.Writing;

/// <summary>
/// Records queued for one group commit, laid out as the frames they will be on disk so the writer can write the
/// whole batch with one call: producers put each frame's length field and payload in place, the writer fills in
/// sequence, timestamp and CRC.
/// </summary>
internal sealed class PendingBatch
{
    public PendingBatch(int capacityBytes, int capacityRecords)
    {
        Buffer = GC.AllocateUninitializedArray<byte>(capacityBytes, pinned: false);
        Operations = new AppendOperation[capacityRecords];
    }

    /// <summary>The frames, back to back, in [0, <see cref="Bytes"/>).</summary>
    public byte[] Buffer { get; }

    /// <summary>One operation per frame, in frame order.</summary>
    public AppendOperation[] Operations { get; }

    /// <summary>Bytes used.</summary>
    public int Bytes { get; private set; }

    /// <summary>Records queued.</summary>
    public int Count { get; private set; }

    /// <summary>Queues one record if it fits.</summary>
    public bool TryAdd(AppendOperation op, ReadOnlySpan<byte> payload)
    {
        var frameLength = RecordFrame.HeaderSize + payload.Length;
        if (Count == Operations.Length || frameLength > Buffer.Length - Bytes)
        {
            return false;
        }

        var frame = Buffer.AsSpan(Bytes, frameLength);
        RecordFrame.WriteLength(frame, frameLength);
        payload.CopyTo(frame[RecordFrame.HeaderSize..]);
        Operations[Count++] = op;
        Bytes += frameLength;
        return true;
    }

    /// <summary>Empties the batch for reuse.</summary>
    public void Reset()
    {
        Array.Clear(Operations, 0, Count);
        Count = 0;
        Bytes = 0;
    }
}
