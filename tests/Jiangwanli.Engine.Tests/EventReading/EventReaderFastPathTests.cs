using System.Runtime.InteropServices;
using System.Text;
using CsCheck;
using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Schema;
using Jiangwanli.Engine.Workload;

namespace Jiangwanli.Engine.Tests.EventReading;

/// <summary>
/// The event reader's flat fast path against its general <see cref="System.Text.Json.Utf8JsonReader"/> path: for
/// valid and mutated events both give the same success flag, the same slots, presence, entity keys and text, and the
/// same error (code, field, message, position).
/// </summary>
public class EventReaderFastPathTests
{
    private const long Now = 1_764_200_000_000;

    private static readonly EventSchema s_schema = new(
    [
        ("user", FieldType.String, true, null),
        ("device", FieldType.String, true, false),
        ("amount", FieldType.Number, false, null),
        ("score", FieldType.Number, true, false),
        ("vip", FieldType.Bool, false, null),
        ("created", FieldType.Timestamp, false, null),
        ("created_key", FieldType.Timestamp, true, false),
        ("a_rather_long_field_name", FieldType.String, false, null),
        ("a_rather_long_field_nbme", FieldType.Number, false, null),
    ]);

    private static readonly EventReaderOptions s_options = new() { MaxDepth = 4, MaxStringBytes = 32, MaxEventBytes = 4096 };

    private static readonly string[] s_names =
    [
        "user", "user", "device", "amount", "amount", "score", "vip", "created", "created_key", "a_rather_long_field_name",
        "a_rather_long_field_nbme", "id", "timestamp", "extra", "usr", "user2", "us\\u0065r", "t\u00edmestamp", "", "a_rather_long_field_namf",
    ];

    private static readonly string[] s_stringPieces =
    [
        "a", "b", "Z", "0", " ", "u1", "card_tok_", "\u00e9", "\u4e2d", "\ud83d\ude00", "\\\"", "\\\\", "\\n", "\\u0041", "\\ud800",
        "\\ud83d\\ude00", "\t", "\u007f", "/", "2025-11-26T10:00:00Z", "2025-11-26T10:00:00+08:00",
    ];

    private static readonly string[] s_numbers =
    [
        "0", "-0", "0.0", "-0.0", "1e400", "-1e400", "1e-400", "01", "1.", "-", ".5", "1e", "1E+2", "1e-2", "123456789012345678901234567890",
        "9007199254740993", "9007199254740992", "0.1", "1e22", "1e23", "1e-22", "1e-23", "4.9e-324", "1764115200000", "253402300799999",
        "253402300800000", "1764203600000", "1764203600001", "-5", "+1", "NaN", "Infinity", "1.5e3", "00", "12.34", "-12.5e2",
        "0.000001", "99999999999999999999", "18446744073709551621", "1764115200000.0", "1764115200000e0", "17641152000000000000000",
    ];

    private static readonly string[] s_others =
    [
        "true", "false", "null", "tru", "nul", "falsey", "{}", "[]", "{\"a\":[1,2,{\"b\":null}]}", "[[[[[1]]]]]",
        "{\"x\":{\"y\":{\"z\":{}}}}", "\"2025-11-26T10:00:00Z\"", "\"yesterday\"",
    ];

    private static readonly string[] s_whitespace = ["", "", "", "", " ", "\n\t", "\r\n  ", "\u00a0", "\f"];

    private static readonly string[] s_snippets =
    [
        "\\", "\\n", "\\u00e9", "\"", ",", ":", "{", "}", "[", "]", " ", "\t", "\u0001", "\u00e9", "1e999", "-", "0", "null",
        ",\"user\":\"x\"", ",\"amount\":1e400", ",\"user\":{\"a\":1}", ",\"vip\":true", "/*c*/", "\ufeff",
    ];

    private static Gen<string> Pick(string[] items) => Gen.Int[0, items.Length - 1].Select(i => items[i]);

    private static readonly Gen<string> s_string =
        Pick(s_stringPieces).Array[0, 10].Select(pieces => "\"" + string.Concat(pieces) + "\"");

    private static readonly Gen<string> s_number = Gen.OneOf(
        Pick(s_numbers),
        Gen.Long[-2_000_000, 2_000_000].Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Select(Gen.Int[0, 99_999], Gen.Int[0, 99]).Select((a, b) => $"{a}.{b:D2}"),
        Gen.Long[Now - 4_000_000_000, Now + 4_000_000].Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "1"),
        Gen.Select(Gen.Int[1, 9_999_999], Gen.Int[-30, 30]).Select((m, e) => $"{m}e{e}"));

    private static readonly Gen<string> s_value = Gen.OneOf(s_string, s_string, s_number, s_number, Pick(s_others));

    private static readonly Gen<string> s_plainString = Gen.OneOf(
        Pick(["a", "b", "Z", "0", " ", "u1", "\u00e9", "\u4e2d", "\ud83d\ude00", "/", "\u007f"]).Array[0, 8].Select(pieces => "\"" + string.Concat(pieces) + "\""),
        Gen.Int[30, 34].Select(n => "\"" + new string('x', n) + "\"")); // around MaxStringBytes

    private static readonly Gen<string> s_plainNumber = Gen.OneOf(
        Gen.Long[-2_000_000, 2_000_000].Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Select(Gen.Int[0, 99_999], Gen.Int[0, 99]).Select((a, b) => $"{a}.{b:D2}"),
        Gen.Select(Gen.Int[1, 9_999_999], Gen.Int[-30, 30]).Select((m, e) => $"{m}e{e}"),
        Pick(s_numbers));

    private static readonly Gen<string> s_plainTime = Gen.OneOf(
        Gen.Long[Now - 4_000_000_000, Now + 3_000_000].Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Pick(["1764203600000", "1764203600001", "0", "253402300799999", "253402300800000", "-1", "1764115200000.0", "\"2025-11-26T10:00:00Z\""]));

    /// <summary>A property whose value mostly fits its field's type, so that many events are accepted.</summary>
    private static readonly Gen<string> s_typedProperty = Gen.OneOf(
        s_plainString.Select(v => "\"user\":" + v),
        s_plainString.Select(v => "\"device\":" + v),
        s_plainString.Select(v => "\"id\":" + v),
        s_plainString.Select(v => "\"a_rather_long_field_name\":" + v),
        s_plainString.Select(v => "\"unknown\":" + v),
        s_plainNumber.Select(v => "\"amount\":" + v),
        s_plainNumber.Select(v => "\"score\":" + v),
        s_plainNumber.Select(v => "\"a_rather_long_field_nbme\":" + v),
        s_plainTime.Select(v => "\"created\":" + v),
        s_plainTime.Select(v => "\"created_key\":" + v),
        s_plainTime.Select(v => "\"timestamp\":" + v),
        Pick(["true", "false", "null"]).Select(v => "\"vip\":" + v),
        Pick(["true", "false", "null", "{}", "[1]"]).Select(v => "\"other\":" + v));

    private static readonly Gen<string> s_property =
        Gen.Select(Pick(s_names), Pick(s_whitespace), Pick(s_whitespace), s_value)
            .Select((name, ws1, ws2, value) => ws1 + "\"" + name + "\"" + ws2 + ":" + ws1 + value + ws2);

    private static readonly Gen<string> s_event =
        Gen.Select(Gen.Int[0, 9], s_typedProperty.Array[0, 10], s_property.Array[0, 3], Pick(s_whitespace), Pick(s_whitespace))
            .Select((shape, typed, properties, before, after) =>
            {
                // Mostly typed properties with a user first; sometimes random ones mixed in.
                string[] all = shape switch
                {
                    < 5 => ["\"user\":\"u\"", .. typed],
                    < 8 => ["\"user\":\"u\"", .. typed, .. properties],
                    _ => [.. properties, .. typed],
                };
                return before + "{" + string.Join(",", all) + "}" + after;
            });

    /// <summary>An event plus one optional edit: truncation, a replaced byte, or an inserted snippet.</summary>
    private static readonly Gen<byte[]> s_mutated =
        Gen.Select(s_event, Gen.Int[0, 3], Gen.Double[0, 1], Pick(s_snippets), Gen.Byte)
            .Select((json, operation, where, snippet, b) =>
            {
                var bytes = Encoding.UTF8.GetBytes(json);
                var at = (int)(where * bytes.Length);
                return operation switch
                {
                    1 => bytes[..at],
                    2 when bytes.Length > 0 => [.. bytes[..at], b, .. bytes[Math.Min(at + 1, bytes.Length)..]],
                    3 => [.. bytes[..at], .. Encoding.UTF8.GetBytes(snippet), .. bytes[at..]],
                    _ => bytes,
                };
            });

    [Fact]
    public void TryRead_GeneratedAndMutatedEvents_FastPathMatchesGeneralPath()
    {
        var fast = new EventReader(s_schema, s_options);
        var general = new EventReader(s_schema, s_options) { ForceGeneralPath = true };
        var fastAccepted = 0;
        var accepted = 0;
        var warm = new DecisionContext(s_schema, 0, 0); // learns names from the events before each one
        s_mutated.Sample(
            json =>
            {
                var (ok, _) = AssertSameRead(fast, general, json, warm);
                accepted += ok ? 1 : 0;
                fastAccepted += fast.FastPathAccepts(json, new DecisionContext(s_schema, 0, 0), Now) ? 1 : 0;
            },
            iter: 30_000,
            threads: 1);

        // Both outcomes and both paths were exercised, or the comparison above proves little.
        Assert.InRange(accepted, 1_000, 29_000);
        Assert.InRange(fastAccepted, 500, accepted);
    }

    [Fact]
    public void TryRead_WorkloadEvents_TakeTheFastPathWithSameResults()
    {
        var schema = TestPacks.Default().Schema;
        var fast = new EventReader(schema);
        var general = new EventReader(schema) { ForceGeneralPath = true };
        using var generator = new EventGenerator(new EventGeneratorOptions { Seed = 7, StartMs = Now - 60_000 });
        var warm = new DecisionContext(schema, 0, 0);
        for (var i = 0; i < 2_000; i++)
        {
            var json = generator.Next().ToArray();
            var (ok, _) = AssertSameRead(fast, general, json, warm);
            Assert.True(ok);
            Assert.True(fast.FastPathAccepts(json, new DecisionContext(schema, 0, 0), Now), Encoding.UTF8.GetString(json));
        }
    }

    [Fact]
    public void TryRead_WorkloadEventsEveryTruncationAndByteFlip_SameAsGeneralPath()
    {
        var schema = TestPacks.Default().Schema;
        var fast = new EventReader(schema);
        var general = new EventReader(schema) { ForceGeneralPath = true };
        using var generator = new EventGenerator(new EventGeneratorOptions { Seed = 11, StartMs = Now - 60_000 });
        var json = generator.Next().ToArray();

        // The warm context has read the intact event just before each damaged one, so every name is guessed and
        // matched in place: damage to a name, its quotes or its colon must still be found.
        var warm = new DecisionContext(schema, 0, 0);
        for (var cut = 0; cut <= json.Length; cut++)
        {
            Assert.True(fast.TryRead(json, warm, Now));
            AssertSameRead(fast, general, json[..cut], warm);
        }

        var copy = new byte[json.Length];
        foreach (var b in "\0\"\\{}[],: 0-.eE+tfn\u007fa_"u8.ToArray().Append((byte)0xC3).Append((byte)0xFF))
        {
            for (var i = 0; i < json.Length; i++)
            {
                json.CopyTo(copy, 0);
                copy[i] = b;
                Assert.True(fast.TryRead(json, warm, Now));
                AssertSameRead(fast, general, copy, warm);
            }
        }
    }

    [Fact]
    public void TryRead_WorkloadEventOnFastPath_AllocatesNothing()
    {
        var schema = TestPacks.Default().Schema;
        var reader = new EventReader(schema);
        var context = new DecisionContext(schema, 0, 0);
        using var generator = new EventGenerator(new EventGeneratorOptions { StartMs = Now - 60_000 });
        var json = generator.Next().ToArray();
        Assert.True(reader.FastPathAccepts(json, context, Now));
        for (var i = 0; i < 100; i++)
        {
            Assert.True(reader.TryRead(json, context, Now));
        }

        Assert.Equal(0, SteadyStateAllocation.Measure(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                reader.TryRead(json, context, Now);
            }
        }));
    }

    [Theory]
    [InlineData("""{"user":"a","amount":12.34,"score":-0.5,"vip":true,"created":1764115200000,"created_key":0}""")]
    [InlineData(" \r\n\t{ \"user\" : \"a\" , \"amount\" : 1e22 , \"id\" : \"e1\" , \"timestamp\" : 1764115200000 } \n")]
    [InlineData("""{"user":"a","user":"b","amount":5,"amount":null,"id":"x","id":"y","timestamp":1764115200000,"timestamp":1764115200001}""")]
    [InlineData("{\"user\":\"\u00e9\u4e2d\ud83d\ude00\",\"a_rather_long_field_name\":\"v\",\"a_rather_long_field_nbme\":7,\"a_rather_long_field_namf\":1}")]
    [InlineData("""{"user":"a","extra":"x","other":-1.5e-7,"flag":false,"nothing":null,"t":true}""")]
    [InlineData("""{"user":"a","score":0,"amount":9007199254740992}""")]
    [InlineData("""{"user":"a","vip":false,"created":253402300799999}""")]
    public void TryRead_PlainFlatEvent_FastPathAcceptsIt(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var fast = new EventReader(s_schema, s_options);
        Assert.True(fast.FastPathAccepts(bytes, new DecisionContext(s_schema, 0, 0), Now));
        var (ok, _) = AssertSameRead(fast, new EventReader(s_schema, s_options) { ForceGeneralPath = true }, bytes);
        Assert.True(ok);
    }

    [Theory]
    [InlineData("""{"user":"a\nb"}""")]
    [InlineData("""{"us\u0065r":"a"}""")]
    [InlineData("""{"user":"a","extra":{}}""")]
    [InlineData("""{"user":"a","amount":-0}""")]
    [InlineData("""{"user":"a","amount":1e23}""")]
    [InlineData("""{"user":"a","created":"2025-11-26T10:00:00Z"}""")]
    [InlineData("""{"user":"a","timestamp":1764207200001}""")]
    [InlineData("""{"user":"a","amount":01}""")]
    [InlineData("""{"amount":18446744073709551621,"user":"a"}""")] // 2^64 + 5: 20 digits, a wrapped mantissa would be 5
    [InlineData("""{"amount":12345678901234567890.5,"user":"a"}""")]
    [InlineData("""{"amount":1}""")]
    [InlineData("""{"user":"a"} x""")]
    public void TryRead_OutsideTheFastShape_FallsBackWithSameOutcome(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var fast = new EventReader(s_schema, s_options);
        Assert.False(fast.FastPathAccepts(bytes, new DecisionContext(s_schema, 0, 0), Now));
        AssertSameRead(fast, new EventReader(s_schema, s_options) { ForceGeneralPath = true }, bytes);
    }

    /// <summary>
    /// The fast path validates UTF-8 only when it saw a byte outside ASCII: an invalid sequence anywhere a string can
    /// hold one — a value read 16 bytes at a time or byte by byte at the end, a skipped value, a property name — is
    /// refused exactly as the general path refuses it, and valid non-ASCII text is read.
    /// </summary>
    [Theory]
    [InlineData("{\"user\":\"ab\u00ffcdefghijklmnopqrstuvwxyz\",\"amount\":1}", "FF")]
    [InlineData("{\"amount\":1,\"user\":\"abc\u00ff\"}", "FF")]
    [InlineData("{\"user\":\"u\",\"unknown\":\"abcdefghijklmnopqrstuvwx\u00c3\"}", "C3")]
    [InlineData("{\"user\":\"u\",\"unkn\u00c3own\":1}", "C3")]
    [InlineData("{\"user\":\"abcdefghijklmnopqrstu\u00ed\"}", null)]
    [InlineData("{\"user\":\"\u4e2d\u4e2d\u4e2d\u4e2d\u4e2d\u4e2d\u4e2d\u4e2d\"}", null)]
    public void TryRead_NonAsciiBytes_ValidatedOnlyWhenSeen(string json, string? replaceWithLatin1Byte)
    {
        // Latin-1 here stands for a raw byte: "\u00ff" becomes the single byte FF, which is not UTF-8.
        var bytes = replaceWithLatin1Byte is null ? Encoding.UTF8.GetBytes(json) : Encoding.Latin1.GetBytes(json);
        var fast = new EventReader(s_schema, s_options);
        var general = new EventReader(s_schema, s_options) { ForceGeneralPath = true };
        var (ok, context) = AssertSameRead(fast, general, bytes);
        Assert.Equal(replaceWithLatin1Byte is null, ok);
        if (!ok)
        {
            Assert.Equal(EventErrorCode.MalformedJson, context.Error.Code);
            Assert.Contains("UTF-8", context.Error.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Reads with both readers into fresh contexts and asserts identical outcomes; with <paramref name="warm"/>, also
    /// reads with the fast reader into that context — one that has read earlier events, so its name guesses are set
    /// and the fast path matches names in place (<c>NameEntry.IsCompactPrefixOf</c>) — and asserts the same outcome.
    /// </summary>
    private static (bool Ok, DecisionContext Context) AssertSameRead(EventReader fast, EventReader general, byte[] json, DecisionContext? warm = null)
    {
        var schema = fast.Schema;
        var a = new DecisionContext(schema, 0, 0);
        var b = new DecisionContext(schema, 0, 0);
        var okA = fast.TryRead(json, a, Now);
        var okB = general.TryRead(json, b, Now);
        AssertSameContents(schema, json, okA, a, okB, b, warm: false);
        if (warm is not null)
        {
            AssertSameContents(schema, json, fast.TryRead(json, warm, Now), warm, okB, b, warm: true);
        }

        return (okA, a);
    }

    private static void AssertSameContents(EventSchema schema, byte[] json, bool okA, DecisionContext a, bool okB, DecisionContext b, bool warm)
    {
        var text = $"{Convert.ToHexString(json)} ({(warm ? "warm" : "fresh")} context)";
        Assert.True(okA == okB, $"success differs ({okA} vs {okB}) for {text}: {a.Error} / {b.Error}");
        Assert.True(a.Error == b.Error, $"error differs for {text}: {a.Error} / {b.Error}");
        if (okA)
        {
            Assert.True(a.Present.AsSpan().SequenceEqual(b.Present), $"presence differs for {text}");
            if (warm)
            {
                // A reused context keeps the values of fields this event lacks (presence says they are absent, and
                // nothing reads them), so only present fields are compared. Bit patterns, so that -0 and 0 differ.
                foreach (var field in schema.Fields.Where(a.Has))
                {
                    Assert.True(field.Type switch
                    {
                        FieldType.Bool => a.Bools[field.Slot] == b.Bools[field.Slot],
                        FieldType.String => true, // compared below
                        _ => BitConverter.DoubleToInt64Bits(a.Numbers[field.Slot]) == BitConverter.DoubleToInt64Bits(b.Numbers[field.Slot]),
                    }, $"{field.Name} differs for {text}");
                    Assert.True(!field.IsEntity || a.EntityKeys[field.EntityIndex] == b.EntityKeys[field.EntityIndex], $"{field.Name}'s key differs for {text}");
                }
            }
            else
            {
                // Bit patterns, so that -0 and 0 differ.
                Assert.True(MemoryMarshal.AsBytes(a.Numbers.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(b.Numbers.AsSpan())), $"numbers differ for {text}");
                Assert.True(a.Bools.AsSpan().SequenceEqual(b.Bools), $"bools differ for {text}");
                Assert.True(a.EntityKeys.AsSpan().SequenceEqual(b.EntityKeys), $"entity keys differ for {text}");
            }

            // The fast path addresses strings inside its copy of the whole event, the general path appends each one:
            // offsets differ by design, the values must not.
            foreach (var field in schema.Fields)
            {
                if (field.Type == FieldType.String && a.Has(field))
                {
                    Assert.True(a.GetString(field.Slot).SequenceEqual(b.GetString(field.Slot)), $"{field.Name} differs for {text}");
                }
            }

            Assert.True(a.Id.SequenceEqual(b.Id), $"id differs for {text}");
            Assert.Equal(b.TimestampMs, a.TimestampMs);
            Assert.Equal(b.HasEventTimestamp, a.HasEventTimestamp);
        }
    }
}
