using System.Text;
using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Engine.Tests.EventReading;

public class EventReaderTests
{
    private static readonly EventSchema s_schema = new(
    [
        ("user", FieldType.String, true, null),
        ("device", FieldType.String, true, false),
        ("amount", FieldType.Number, false, null),
        ("vip", FieldType.Bool, false, null),
        ("created", FieldType.Timestamp, false, null),
    ]);

    private readonly EventReader _reader = new(s_schema, new EventReaderOptions { MaxDepth = 4, MaxStringBytes = 32, MaxEventBytes = 4096 });
    private readonly DecisionContext _context = new(s_schema, 0, 0);

    private const long Now = 1_764_200_000_000; // 2025-11-26T23:33:20Z

    private bool Read(string json) => _reader.TryRead(Encoding.UTF8.GetBytes(json), _context, Now);

    private SchemaField Field(string name)
    {
        Assert.True(s_schema.TryGetField(name, out var f));
        return f!;
    }

    [Fact]
    public void TryRead_AllTypes_FillsSlots()
    {
        Assert.True(Read("""{"id":"e1","timestamp":1764115200000,"user":"alice","device":"d\u00e9v","amount":12.5,"vip":true,"created":"2025-11-26T00:00:00Z","extra":{"a":[1,2,{"b":null}]}}"""), _context.Error.ToString());

        Assert.Equal("e1", Encoding.UTF8.GetString(_context.Id));
        Assert.Equal(1764115200000, _context.TimestampMs);
        Assert.True(_context.HasEventTimestamp);
        Assert.Equal("alice", Encoding.UTF8.GetString(_context.GetString(Field("user").Slot)));
        Assert.Equal("d\u00e9v", Encoding.UTF8.GetString(_context.GetString(Field("device").Slot)));
        Assert.Equal(12.5, _context.GetNumber(Field("amount").Slot));
        Assert.True(_context.GetBool(Field("vip").Slot));
        Assert.Equal(1764115200000, _context.GetNumber(Field("created").Slot));
        Assert.Equal(StableHash.Hash64("alice"u8), _context.GetEntityKey(Field("user").EntityIndex));
    }

    [Fact]
    public void TryRead_EscapedValueAndName_AreUnescaped()
    {
        Assert.True(Read("""{"us\u0065r":"a\"b\\c\u4e2d"}"""));

        Assert.Equal("a\"b\\c\u4e2d", Encoding.UTF8.GetString(_context.GetString(Field("user").Slot)));
        Assert.Equal(StableHash.Hash64(Encoding.UTF8.GetBytes("a\"b\\c\u4e2d")), _context.GetEntityKey(0));
    }

    [Fact]
    public void TryRead_NoTimestamp_UsesServerTime()
    {
        Assert.True(Read("""{"user":"a"}"""));

        Assert.Equal(Now, _context.TimestampMs);
        Assert.False(_context.HasEventTimestamp);
        Assert.False(_context.Has(Field("amount")));
        Assert.True(_context.Id.IsEmpty);
    }

    [Fact]
    public void TryRead_NullValue_IsAbsent()
    {
        Assert.True(Read("""{"user":"a","amount":null}"""));
        Assert.False(_context.Has(Field("amount")));
    }

    [Fact]
    public void TryRead_Reused_ClearsPreviousEvent()
    {
        Assert.True(Read("""{"user":"a","amount":5,"id":"x"}"""));
        Assert.True(Read("""{"user":"b"}"""));

        Assert.False(_context.Has(Field("amount")));
        Assert.True(_context.Id.IsEmpty);
        Assert.Equal("b", Encoding.UTF8.GetString(_context.GetString(Field("user").Slot)));
    }

    [Theory]
    [InlineData("""{"user":"a","amount":"12"}""", EventErrorCode.WrongType, "amount")]
    [InlineData("""{"user":5}""", EventErrorCode.WrongType, "user")]
    [InlineData("""{"user":"a","vip":1}""", EventErrorCode.WrongType, "vip")]
    [InlineData("""{"user":"a","created":"yesterday"}""", EventErrorCode.InvalidValue, "created")]
    [InlineData("""{"user":"a","created":[1]}""", EventErrorCode.WrongType, "created")]
    [InlineData("""{"user":"a","amount":1e400}""", EventErrorCode.InvalidValue, "amount")]
    [InlineData("""{"amount":1}""", EventErrorCode.MissingField, "user")]
    [InlineData("""{"user":null}""", EventErrorCode.MissingField, "user")]
    [InlineData("""{"user":"a","timestamp":"soon"}""", EventErrorCode.InvalidValue, "timestamp")]
    [InlineData("""{"user":"a","timestamp":-5}""", EventErrorCode.InvalidValue, "timestamp")]
    [InlineData("""{"user":"a","id":7}""", EventErrorCode.WrongType, "id")]
    [InlineData("""{"user":"a","timestamp":1764207200001}""", EventErrorCode.InvalidValue, "timestamp")]
    [InlineData("""{"user":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}""", EventErrorCode.TooLarge, "user")]
    [InlineData("""{"user":"a","x":{"y":{"z":{"w":{}}}}}""", EventErrorCode.TooDeep, "$")]
    [InlineData("""{"user":"a",}""", EventErrorCode.MalformedJson, "$")]
    [InlineData("""{"user":"a"} {}""", EventErrorCode.MalformedJson, "$")]
    [InlineData("""[{"user":"a"}]""", EventErrorCode.MalformedJson, "$")]
    [InlineData("", EventErrorCode.MalformedJson, "$")]
    [InlineData("\"user\"", EventErrorCode.MalformedJson, "$")]
    public void TryRead_BadEvent_NamesField(string json, EventErrorCode code, string field)
    {
        Assert.False(Read(json));

        Assert.Equal(code, _context.Error.Code);
        Assert.Equal(field, _context.Error.Field);
        Assert.False(string.IsNullOrEmpty(_context.Error.Message));
    }

    [Fact]
    public void TryRead_TooLarge_IsRefusedBeforeParsing()
    {
        var json = "{\"user\":\"a\",\"pad\":\"" + new string('x', 5000) + "\"}";
        Assert.False(Read(json));
        Assert.Equal(EventErrorCode.TooLarge, _context.Error.Code);
    }

    [Fact]
    public void TryRead_EveryTruncationAndByteFlip_NeverThrows()
    {
        var valid = Encoding.UTF8.GetBytes("""{"id":"e\u00e91","timestamp":"2025-11-26T10:00:00+08:00","user":"alice","device":"d1","amount":-12.5e2,"vip":false,"created":1764115200000,"z":[true,null,{"q":"\ud83d\ude00"}]}""");
        Assert.True(_reader.TryRead(valid, _context, Now));
        for (var cut = 0; cut < valid.Length; cut++)
        {
            Assert.False(_reader.TryRead(valid.AsSpan(0, cut), _context, Now), $"truncation at {cut} was accepted");
            Assert.True(_context.Error.IsError);
        }

        var copy = new byte[valid.Length];
        for (var i = 0; i < valid.Length; i++)
        {
            foreach (var b in new byte[] { 0x00, 0x22, 0x5C, 0x7B, 0x7D, 0x30, 0xFF, 0xC3, (byte)(valid[i] ^ 0x20) })
            {
                valid.CopyTo(copy, 0);
                copy[i] = b;
                if (!_reader.TryRead(copy, _context, Now))
                {
                    Assert.NotEqual(EventErrorCode.None, _context.Error.Code);
                }
            }
        }
    }

    [Fact]
    public void TryRead_ValidEvent_AllocatesNothing()
    {
        var json = Encoding.UTF8.GetBytes("""{"id":"e1","timestamp":1764115200000,"user":"alice","device":"d\u00e9v","amount":12.5,"vip":true,"created":"2025-11-26T00:00:00Z","extra":{"a":[1,2]}}""");
        for (var i = 0; i < 100; i++)
        {
            Assert.True(_reader.TryRead(json, _context, Now));
        }

        Assert.Equal(0, SteadyStateAllocation.Measure(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                _reader.TryRead(json, _context, Now);
            }
        }));
    }
}
