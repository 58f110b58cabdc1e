using System.Buffers;
using System.Text;
using System.Text.Json;
using CsCheck;
using Jiangwanli.Engine.Decisions;

namespace Jiangwanli.Engine.Tests.Decisions;

public sealed class DecisionJsonWriterTests
{
    private static readonly JsonEncodedText s_name = JsonEncodedText.Encode("f");

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-7.0)]
    [InlineData(12.5)]
    [InlineData(999_999_999_999_999.0)]
    [InlineData(1e15)]
    [InlineData(-1e15)]
    [InlineData(1e300)]
    [InlineData(double.Epsilon)]
    [InlineData(0.1)]
    public void WriteNumber_Examples_SameTextAsTheDoubleFormatter(double value) =>
        Assert.Equal(DoubleText(value), FastText(value));

    [Fact]
    public void WriteNumber_NegativeZero_KeepsItsSign() =>
        Assert.Equal(DoubleText(-0.0), FastText(-0.0));

    [Fact]
    public void WriteNumber_AnyDouble_SameTextAsTheDoubleFormatter()
    {
        // Whole numbers of every magnitude (the integer path) and arbitrary finite doubles (the double path).
        var whole = Gen.Long[-2_000_000_000_000_000, 2_000_000_000_000_000].Select(v => (double)v);
        var any = Gen.Double.Where(double.IsFinite);
        Gen.OneOf(whole, any, Gen.Int.Select(v => (double)v)).Sample(v => Assert.Equal(DoubleText(v), FastText(v)), iter: 20_000);
    }

    private static string FastText(double value) => Write(w => DecisionJsonWriter.WriteNumber(w, s_name, value));

    private static string DoubleText(double value) => Write(w => w.WriteNumber(s_name, value));

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            write(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
