using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Jiangwanli.Engine.Decisions;
using Jiangwanli.Engine.Packs;
using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Engine.Events;

/// <summary>
/// Everything one decision needs, in typed slots: the event's field values, entity keys, feature values,
/// and, once decided, the outcome. Rented from a pool per request and returned after the response is written,
/// so the hot path allocates nothing. Not thread-safe: one request owns a context at a time.
/// </summary>
/// <remarks>
/// Values are addressed by the slot numbers of <see cref="SchemaField"/> and <see cref="Features.FeatureDefinition"/>.
/// Strings are UTF-8 copies (unescaped) in <see cref="Text"/>; no <see cref="string"/> is created per field.
/// </remarks>
public sealed class DecisionContext
{
    private const int InitialTextCapacity = 1024;

    internal double[] Numbers;
    internal bool[] Bools;
    internal int[] StringOffsets;
    internal int[] StringLengths;
    internal bool[] Present;
    internal ulong[] EntityKeys;
    internal double[] FeatureValues;
    internal bool[] FeaturePresent;
    internal int[] MatchedRules;
    internal byte[] Text;
    internal int TextLength;

    /// <summary>Scratch space for string functions such as <c>lower()</c>; reset per decision.</summary>
    internal byte[] Scratch;
    internal int ScratchLength;

    internal DecisionContext(RulePack pack, EventReader reader)
        : this(pack.Schema, pack.Features.Count, pack.Rules.Count)
    {
        Pack = pack;
        Reader = reader;
    }

    /// <summary>A context not bound to a pack (tests of single parts).</summary>
    internal DecisionContext(EventSchema schema, int featureCount, int ruleCount)
    {
        Schema = schema;
        Numbers = new double[schema.NumberSlotCount];
        Bools = new bool[schema.BoolSlotCount];
        StringOffsets = new int[schema.StringSlotCount];
        StringLengths = new int[schema.StringSlotCount];
        Present = new bool[schema.Fields.Count];
        EntityKeys = new ulong[schema.EntityCount];
        FeatureValues = new double[featureCount];
        FeaturePresent = new bool[featureCount];
        MatchedRules = new int[ruleCount];
        Text = new byte[InitialTextCapacity];
        Scratch = new byte[256];
    }

    /// <summary>The pack this context is bound to; decisions made in it use this pack.</summary>
    public RulePack Pack { get; } = null!;

    internal EventReader Reader { get; } = null!;

    /// <summary>Cached JSON writer, reset onto each response's output (see <see cref="DecisionJsonWriter"/>).</summary>
    internal Utf8JsonWriter? JsonWriter;

    /// <summary>
    /// This decision's <c>features</c> object as JSON, written by the first document that needs it (empty until then;
    /// emptied by <see cref="Reset"/>), and the writer that formats it (see <see cref="DecisionJsonWriter"/>).
    /// </summary>
    internal ArrayBufferWriter<byte>? FeatureJson;

    /// <summary>The writer of <see cref="FeatureJson"/>.</summary>
    internal Utf8JsonWriter? FeatureJsonWriter;

    /// <summary>The schema this context's slots were sized for.</summary>
    public EventSchema Schema { get; }

    /// <summary>Event time in Unix milliseconds: the event's <c>timestamp</c>, or server time when absent.</summary>
    public long TimestampMs { get; internal set; }

    /// <summary>True when the event carried its own <c>timestamp</c>.</summary>
    public bool HasEventTimestamp { get; internal set; }

    /// <summary>The outcome, valid after a successful decision.</summary>
    public Decision Decision { get; internal set; }

    /// <summary>Total score of the matched rules.</summary>
    public int Score { get; internal set; }

    /// <summary>How many rules matched; their pack indexes are in <see cref="MatchedRuleIndexes"/>.</summary>
    public int MatchedCount { get; internal set; }

    /// <summary>Pack indexes of the matched rules, in pack order.</summary>
    public ReadOnlySpan<int> MatchedRuleIndexes => MatchedRules.AsSpan(0, MatchedCount);

    /// <summary>Evaluation time of the last decision (read, features, rules), in microseconds.</summary>
    public double EvaluationMicros { get; internal set; }

    /// <summary>The error of the last read, when it failed.</summary>
    public EventError Error { get; internal set; }

    /// <summary>The event's <c>id</c> (idempotency key) as UTF-8, empty when absent.</summary>
    public ReadOnlySpan<byte> Id => Text.AsSpan(IdOffset, IdLength);

    internal int IdOffset;
    internal int IdLength;

    /// <summary>True when the field had a value in the event.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Has(SchemaField field) => Present[field.Index];

    /// <summary>The number (or timestamp, in Unix ms) in a slot; check presence first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double GetNumber(int slot) => Numbers[slot];

    /// <summary>The bool in a slot; check presence first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool GetBool(int slot) => Bools[slot];

    /// <summary>The UTF-8 bytes of the string in a slot; check presence first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> GetString(int slot) => Text.AsSpan(StringOffsets[slot], StringLengths[slot]);

    /// <summary>The 64-bit key of an entity field's value (see <see cref="SchemaField.EntityIndex"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong GetEntityKey(int entityIndex) => EntityKeys[entityIndex];

    /// <summary>The value of a feature (by <see cref="Features.FeatureDefinition.Index"/>), including this event.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double GetFeature(int index) => FeatureValues[index];

    /// <summary>False when the feature could not be computed (its entity was absent).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool HasFeature(int index) => FeaturePresent[index];

    /// <summary>Stable 64-bit hash of a field's value, used for distinct counts. Field must be present.</summary>
    public ulong HashValue(SchemaField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.Type switch
        {
            FieldType.String => StableHash.Hash64(GetString(field.Slot)),
            FieldType.Bool => Bools[field.Slot] ? 1UL : 2UL,
            _ => StableHash.Mix(BitConverter.DoubleToUInt64Bits(Numbers[field.Slot])),
        };
    }

    /// <summary>Writes a feature's value; used by feature stores.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetFeature(int index, double value)
    {
        FeatureValues[index] = value;
        FeaturePresent[index] = true;
    }

    /// <summary>
    /// Reserves <paramref name="length"/> bytes of per-decision scratch space (for string functions);
    /// valid until the context is reset.
    /// </summary>
    public Span<byte> RentScratch(int length)
    {
        if (ScratchLength + length > Scratch.Length)
        {
            GrowScratch(ScratchLength + length);
        }

        var span = Scratch.AsSpan(ScratchLength, length);
        ScratchLength += length;
        return span;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowScratch(int needed)
    {
        // Spans handed out earlier keep pointing at the old array, which stays alive while they are used.
        Scratch = new byte[Math.Max(needed, Scratch.Length * 2)];
        ScratchLength = 0;
    }

    /// <summary>Properties of an event whose names the reader's fast path guesses (see <see cref="NameGuessesFor"/>).</summary>
    internal const int GuessedProperties = 32;

    private readonly EventReader.NameEntry?[] _nameGuesses = new EventReader.NameEntry?[GuessedProperties];
    private object? _nameGuessOwner;

    /// <summary>
    /// Per position k, the name entry the k-th property of the last event read into this context had. Producers write
    /// their properties in a fixed order, so checking the guess first is one predictable compare where a table lookup
    /// mispredicts on which of several same-length names matched. Kept per context (one thread at a time) so the hot
    /// path writes no shared line; cleared when a different reader's table uses the context.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal EventReader.NameEntry?[] NameGuessesFor(object table)
    {
        if (!ReferenceEquals(_nameGuessOwner, table))
        {
            Array.Clear(_nameGuesses);
            _nameGuessOwner = table;
        }

        return _nameGuesses;
    }

    private long[] _featureBuckets = [];
    private ulong[] _featureHashes = [];
    private int[] _featureHeads = [];

    /// <summary>
    /// Scratch for a feature store's pass over one event: a bucket per window and a hash and a record id per entity
    /// group. Sized on first use (per pack, so once per pooled context); the contents are the caller's, per call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<long> FeatureScratch(int windows, int groups, out Span<ulong> hashes, out Span<int> heads)
    {
        if (_featureBuckets.Length < windows || _featureHashes.Length < groups)
        {
            GrowFeatureScratch(windows, groups);
        }

        hashes = _featureHashes.AsSpan(0, groups);
        heads = _featureHeads.AsSpan(0, groups);
        return _featureBuckets.AsSpan(0, windows);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowFeatureScratch(int windows, int groups)
    {
        _featureBuckets = new long[Math.Max(windows, _featureBuckets.Length)];
        _featureHashes = new ulong[Math.Max(groups, _featureHashes.Length)];
        _featureHeads = new int[Math.Max(groups, _featureHeads.Length)];
    }

    /// <summary>Clears per-event state so the context can read the next event.</summary>
    internal void Reset()
    {
        Array.Clear(Present);
        Array.Clear(FeaturePresent);
        TextLength = 0;
        ScratchLength = 0;
        IdOffset = 0;
        IdLength = 0;
        MatchedCount = 0;
        Score = 0;
        Decision = Decision.Allow;
        Error = default;
        HasEventTimestamp = false;
        FeatureJson?.ResetWrittenCount();
    }

    /// <summary>Copies UTF-8 bytes into <see cref="Text"/> and returns their offset.</summary>
    internal int AppendText(ReadOnlySpan<byte> bytes)
    {
        if (TextLength + bytes.Length > Text.Length)
        {
            GrowText(TextLength + bytes.Length);
        }

        var offset = TextLength;
        bytes.CopyTo(Text.AsSpan(offset));
        TextLength += bytes.Length;
        return offset;
    }

    /// <summary>Reserves room for <paramref name="length"/> bytes in <see cref="Text"/>; the caller fills them.</summary>
    internal Span<byte> ReserveText(int length, out int offset)
    {
        if (TextLength + length > Text.Length)
        {
            GrowText(TextLength + length);
        }

        offset = TextLength;
        TextLength += length;
        return Text.AsSpan(offset, length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowText(int needed)
    {
        var bigger = new byte[Math.Max(needed, Text.Length * 2)];
        Text.AsSpan(0, TextLength).CopyTo(bigger);
        Text = bigger;
    }

    internal void ShrinkText(int newLength) => TextLength = newLength;
}
