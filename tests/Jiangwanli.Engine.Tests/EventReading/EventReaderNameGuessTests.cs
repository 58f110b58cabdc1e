using System.Text;
using CsCheck;
using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Engine.Tests.EventReading;

/// <summary>
/// The fast path guesses each property's name from the event read before it into the same context. A wrong guess must
/// never leak into the result: one context reused across events in changing property orders, with unknown and
/// duplicate names, and across readers of different schemas, reads exactly what a fresh context reads.
/// </summary>
public sealed class EventReaderNameGuessTests
{
    private const long Now = 1_764_200_000_000;

    private static readonly EventSchema s_schema = new(
    [
        ("user", FieldType.String, true, null),
        ("card", FieldType.String, true, false),
        ("amount", FieldType.Number, false, null),
        ("device", FieldType.String, true, false),
        ("is_3ds", FieldType.Bool, false, null),
        ("created", FieldType.Timestamp, false, null),
        ("a_rather_long_field_name", FieldType.String, false, null),
        ("a_rather_long_field_nbme", FieldType.Number, false, null),
    ]);

    /// <summary>The same fields in another order (so other slots and entity indexes, but arrays of the same sizes): a
    /// guess carried over from a reader of <see cref="s_schema"/> would put values in the wrong slots.</summary>
    private static readonly EventSchema s_permutedSchema = new(
    [
        ("a_rather_long_field_nbme", FieldType.Number, false, null),
        ("device", FieldType.String, true, false),
        ("is_3ds", FieldType.Bool, false, null),
        ("a_rather_long_field_name", FieldType.String, false, null),
        ("created", FieldType.Timestamp, false, null),
        ("card", FieldType.String, true, false),
        ("amount", FieldType.Number, false, null),
        ("user", FieldType.String, true, null),
    ]);

    private static readonly string[] s_properties =
    [
        "\"user\":\"u1\"", "\"user\":\"u2\"", "\"card\":\"c1\"", "\"amount\":12.5", "\"amount\":7", "\"device\":\"d1\"",
        "\"is_3ds\":true", "\"is_3ds\":false", "\"created\":1764115200000", "\"a_rather_long_field_name\":\"v\"",
        "\"a_rather_long_field_nbme\":3", "\"a_rather_long_field_namf\":4", "\"id\":\"e1\"", "\"timestamp\":1764115200001",
        "\"unknown\":\"x\"", "\"usr\":1", "\"amount\":null",
    ];

    private static readonly Gen<byte[]> s_event =
        Gen.Int[0, s_properties.Length - 1].Array[0, 40]
            .Select(picks => Encoding.UTF8.GetBytes("{\"user\":\"u0\"," + string.Join(",", picks.Select(p => s_properties[p])) + ",\"card\":\"c9\"}"));

    [Fact]
    public void TryRead_OneContextAcrossEventsInChangingOrders_SameAsFreshContext()
    {
        var reader = new EventReader(s_schema);
        var reused = new DecisionContext(s_schema, 0, 0);
        var guessedRight = 0;
        s_event.Array[2, 6].Sample(
            events =>
            {
                foreach (var json in events)
                {
                    var fresh = new DecisionContext(s_schema, 0, 0);
                    Assert.Equal(reader.TryRead(json, fresh, Now), reader.TryRead(json, reused, Now));
                    AssertSameFields(s_schema, fresh, reused, json);
                }

                // Reading the last event again in the same context takes every guess as right; still the same result.
                var last = events[^1];
                var again = new DecisionContext(s_schema, 0, 0);
                Assert.Equal(reader.TryRead(last, again, Now), reader.TryRead(last, reused, Now));
                AssertSameFields(s_schema, again, reused, last);
                guessedRight++;
            },
            iter: 2_000,
            threads: 1);
        Assert.Equal(2_000, guessedRight);
    }

    [Fact]
    public void TryRead_ContextAlternatingBetweenReadersOfTwoSchemas_EachReadsItsOwnSlots()
    {
        var readers = new[] { (new EventReader(s_schema), s_schema), (new EventReader(s_permutedSchema), s_permutedSchema) };
        var shared = new DecisionContext(s_schema, 0, 0);
        var json = """{"user":"u1","amount":12.5,"device":"d1","card":"c1","is_3ds":true,"created":1764115200000,"a_rather_long_field_name":"v","a_rather_long_field_nbme":3}"""u8.ToArray();
        for (var round = 0; round < 6; round++)
        {
            var (reader, schema) = readers[round % 2];
            var fresh = new DecisionContext(schema, 0, 0);
            Assert.True(reader.TryRead(json, fresh, Now));
            Assert.True(reader.TryRead(json, shared, Now));
            AssertSameFields(schema, fresh, shared, json);
        }
    }

    [Fact]
    public void TryRead_ReaderSwitchOnOneContext_DropsTheOtherReadersGuesses()
    {
        // Two readers of one schema: the guesses are per name table, so switching readers clears them and both read
        // the same values into the one context.
        var first = new EventReader(s_schema);
        var second = new EventReader(s_schema);
        var context = new DecisionContext(s_schema, 0, 0);
        var a = """{"user":"u1","amount":12.5,"is_3ds":true,"card":"c1"}"""u8.ToArray();
        var b = """{"card":"c2","is_3ds":false,"user":"u2","amount":3}"""u8.ToArray();
        foreach (var (reader, json) in new[] { (first, a), (second, b), (first, b), (second, a), (second, a) })
        {
            var fresh = new DecisionContext(s_schema, 0, 0);
            Assert.True(reader.TryRead(json, fresh, Now));
            Assert.True(reader.TryRead(json, context, Now));
            AssertSameFields(s_schema, fresh, context, json);
        }
    }

    private static void AssertSameFields(EventSchema schema, DecisionContext expected, DecisionContext actual, byte[] json)
    {
        var text = Encoding.UTF8.GetString(json);
        Assert.True(expected.Error == actual.Error, $"error differs for {text}: {expected.Error} / {actual.Error}");
        foreach (var field in schema.Fields)
        {
            Assert.True(expected.Has(field) == actual.Has(field), $"presence of {field.Name} differs for {text}");
            if (!expected.Has(field))
            {
                continue;
            }

            switch (field.Type)
            {
                case FieldType.String:
                    Assert.True(expected.GetString(field.Slot).SequenceEqual(actual.GetString(field.Slot)), $"{field.Name} differs for {text}");
                    break;
                case FieldType.Bool:
                    Assert.Equal(expected.GetBool(field.Slot), actual.GetBool(field.Slot));
                    break;
                default:
                    Assert.Equal(BitConverter.DoubleToInt64Bits(expected.GetNumber(field.Slot)), BitConverter.DoubleToInt64Bits(actual.GetNumber(field.Slot)));
                    break;
            }

            if (field.IsEntity)
            {
                Assert.Equal(expected.GetEntityKey(field.EntityIndex), actual.GetEntityKey(field.EntityIndex));
            }
        }

        Assert.True(expected.Id.SequenceEqual(actual.Id), $"id differs for {text}");
        Assert.Equal(expected.TimestampMs, actual.TimestampMs);
    }
}
