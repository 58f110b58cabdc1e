using System.Text;
using CsCheck;
using Jiangwanli.Engine.Rules.Evaluation;

namespace Jiangwanli.Engine.Tests.Rules;

public sealed class TextFunctionTests
{
    private readonly RuleFixture _fixture = new();

    [Fact]
    public void LowerInto_AnyValidText_MatchesInvariantSimpleLowercasePerCodePoint()
    {
        var context = _fixture.NewContext();
        Gen.String.Sample(text =>
        {
            context.ScratchLength = 0;
            var expected = new StringBuilder();
            foreach (var rune in text.EnumerateRunes())
            {
                expected.Append(Rune.ToLowerInvariant(rune).ToString());
            }

            var lowered = Lower.LowerInto(context, Encoding.UTF8.GetBytes(text));
            Assert.Equal(expected.ToString(), Encoding.UTF8.GetString(lowered));
        }, iter: 2000, threads: 1);
    }

    [Theory]
    [InlineData("ABC xyz", "abc xyz")]
    [InlineData("ÀÉÎ", "àéî")]
    [InlineData("ΣΑΣ", "σασ")]
    [InlineData("ȺȾ", "ⱥⱦ")]
    [InlineData("\u212A", "k")]
    [InlineData("😀A", "😀a")]
    public void LowerInto_Examples_LowerEachCharacter(string input, string expected)
    {
        var context = _fixture.NewContext();
        Assert.Equal(expected, Encoding.UTF8.GetString(Lower.LowerInto(context, Encoding.UTF8.GetBytes(input))));
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("abc", 3)]
    [InlineData("Zoë", 3)]
    [InlineData("😀😀", 2)]
    [InlineData("€", 1)]
    public void CountCodePoints_CountsUnicodeCodePoints(string text, int expected)
        => Assert.Equal(expected, TextSize.CountCodePoints(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void Utf8LiteralSet_Large_ContainsExactlyItsEntries()
    {
        Gen.String[0, 12].HashSet[7, 300].Sample(entries =>
        {
            var set = new Utf8LiteralSet(entries.Select(Encoding.UTF8.GetBytes).ToList());
            foreach (var entry in entries)
            {
                Assert.True(set.Contains(Encoding.UTF8.GetBytes(entry)));
                var other = entry + "\u0001";
                Assert.Equal(entries.Contains(other), set.Contains(Encoding.UTF8.GetBytes(other)));
            }
        }, iter: 100, threads: 1);
    }
}
