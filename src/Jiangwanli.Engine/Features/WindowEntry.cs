using System.Runtime.InteropServices;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// One tracked (feature state, entity) key in a <see cref="WindowShard"/>: its identity, its hash-chain link, the
/// newest bucket it has seen, and where its per-kind payload lives. 40 bytes; kept in chunked struct arrays, so a key
/// is not an object.
/// </summary>
/// <remarks>
/// <code>
///  0               8               16              24      28      32      36  37  38  40
///  +---------------+---------------+---------------+-------+-------+-------+---+---+---+
///  | StateId       | Entity        | Head (bucket) | Next  |Payload|Expires|K  |F  |Used|
///  +---------------+---------------+---------------+-------+-------+-------+---+---+---+
/// </code>
/// Mutable struct, accessed by <c>ref</c> into its chunk; do not copy it to update it.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
internal struct WindowEntry
{
    /// <summary>Marks an entry slot that holds no key.</summary>
    public const byte FreeKind = 0xFF;

    /// <summary>Set on every observation, cleared by the CLOCK hand: "used since the hand last passed".</summary>
    public const byte Referenced = 1;

    /// <summary>A distinct key in sketch mode (payload is a sliding HyperLogLog, not an exact value table).</summary>
    public const byte Sketch = 2;

    /// <summary>The feature state the key belongs to (<see cref="FeatureDefinition.StateId"/>).</summary>
    public ulong StateId;

    /// <summary>The entity key (<see cref="Events.DecisionContext.GetEntityKey"/>).</summary>
    public ulong Entity;

    /// <summary>The newest bucket number this key has seen; the window is the buckets (Head − n, Head].</summary>
    public long Head;

    /// <summary>Next entry in the same hash chain, as entry id + 1 (0 ends the chain).</summary>
    public int Next;

    /// <summary>Slot of the payload in the slab for <see cref="Kind"/> (and, for distinct, tier or sketch).</summary>
    public int Payload;

    /// <summary>Store-clock second after which the key may be dropped as idle.</summary>
    public uint ExpiresAt;

    /// <summary>The <see cref="FeatureKind"/>, or <see cref="FreeKind"/>.</summary>
    public byte Kind;

    /// <summary><see cref="Referenced"/> and <see cref="Sketch"/> bits; bits 4–7 hold the exact-distinct tier.</summary>
    public byte Flags;

    /// <summary>Distinct, exact mode: how many (value hash, bucket) pairs the payload holds.</summary>
    public ushort Used;

    /// <summary>The exact-distinct tier (index into the tier capacities).</summary>
    public int Tier
    {
        readonly get => Flags >> 4;
        set => Flags = (byte)((Flags & 0x0F) | (value << 4));
    }
}
