using System.Text;
using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Features;
using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Engine.Tests.Features;

/// <summary>One synthetic event: which user and device, when, and the optional amount and merchant.</summary>
internal readonly record struct FeatureEvent(int User, long TimestampMs, double? Amount, int? Merchant, bool HasUser = true);

/// <summary>A small payments-like schema and helpers to fill a <see cref="DecisionContext"/> directly (no JSON).</summary>
internal static class FeatureEvents
{
    public static readonly EventSchema Schema = new(
    [
        ("user", FieldType.String, true, null),
        ("device", FieldType.String, true, false),
        ("amount", FieldType.Number, false, null),
        ("merchant", FieldType.String, false, null),
    ]);

    public static SchemaField User => Field("user");

    public static SchemaField Amount => Field("amount");

    public static SchemaField Merchant => Field("merchant");

    public static SchemaField Field(string name) => Schema.TryGetField(name, out var field) ? field : throw new InvalidOperationException(name);

    /// <summary>A definition over this schema; <paramref name="index"/> is its feature slot.</summary>
    public static FeatureDefinition Define(int index, FeatureKind kind, long windowMs) => new(
        $"f{index}_{kind}_{windowMs}",
        index,
        kind,
        User,
        kind switch
        {
            FeatureKind.Count => null,
            FeatureKind.Distinct => Merchant,
            _ => Amount,
        },
        TimeSpan.FromMilliseconds(windowMs));

    public static DecisionContext NewContext(int featureCount) => new(Schema, featureCount, 0);

    /// <summary>The entity key tests use for user number <paramref name="user"/>.</summary>
    public static ulong UserKey(int user) => StableHash.Mix((ulong)user + 1);

    public static void Fill(DecisionContext context, in FeatureEvent e)
    {
        context.Reset();
        context.TimestampMs = e.TimestampMs;
        if (e.HasUser)
        {
            context.Present[User.Index] = true;
            context.EntityKeys[User.EntityIndex] = UserKey(e.User);
        }

        if (e.Amount is { } amount)
        {
            context.Present[Amount.Index] = true;
            context.Numbers[Amount.Slot] = amount;
        }

        if (e.Merchant is { } merchant)
        {
            Span<byte> text = stackalloc byte[16];
            var length = Encoding.UTF8.GetBytes($"m{merchant}", text);
            var offset = context.AppendText(text[..length]);
            context.Present[Merchant.Index] = true;
            context.StringOffsets[Merchant.Slot] = offset;
            context.StringLengths[Merchant.Slot] = length;
        }
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks = TimeSpan.TicksPerDay;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
