using System.Text;
using CsCheck;
using Jiangwanli.Engine.Rules;
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

    /// <summary>Text pieces that matter to lowering: ASCII of both cases, letters that lowercase to other lengths or to
    /// ASCII (the Kelvin sign), a 4-byte character, and bytes that are not UTF-8 at all.</summary>
    private static readonly byte[][] s_pieces =
    [
        "a"u8.ToArray(), "A"u8.ToArray(), "@"u8.ToArray(), "m"u8.ToArray(), "M"u8.ToArray(), "."u8.ToArray(),
        "com"u8.ToArray(), "COM"u8.ToArray(), "\u212A"u8.ToArray(), "È"u8.ToArray(), "Ⱥ"u8.ToArray(), "😀"u8.ToArray(),
        [0xC3], [0x80], [0xFF], [0xE2, 0x84],
    ];

    /// <summary>Texts of up to 12 of those pieces.</summary>
    private static readonly Gen<byte[]> s_text =
        Gen.Int[0, s_pieces.Length - 1].Array[0, 12].Select(ix => ix.SelectMany(i => s_pieces[i]).ToArray());

    /// <summary>Affixes: empty, one byte, e-mail domains, and one that is not lowercase ASCII (refused by the fused nodes).</summary>
    private static readonly string[] s_affixes =
        ["", "m", "@m", ".com", "m.com", "@mailinator.com", "@trashmail.com", "a", "aa", "k", "\u0080x"];

    [Fact]
    public void LowerAffixTest_AnyTextAndLowercaseAsciiAffix_SameAsLowerThenTest()
    {
        var context = _fixture.NewContext();
        var affix = Gen.Int[0, s_affixes.Length - 1].Select(i => s_affixes[i]);
        Gen.Select(s_text, affix, Gen.Bool).Sample((t, a, atEnd) =>
        {
            var part = Encoding.UTF8.GetBytes(a);
            if (!LowerAffixTest.Accepts(part))
            {
                Assert.Contains(part, b => b > 0x7F);
                return;
            }

            context.ScratchLength = 0;
            BoolNode unfused = atEnd
                ? new TextTestConstant<EndsWithTest>(new Lower(new ConstantString(t)), part)
                : new TextTestConstant<StartsWithTest>(new Lower(new ConstantString(t)), part);
            var expected = unfused.Eval(context);
            Assert.Equal(expected, new LowerAffixTest(new ConstantString(t), part, atEnd).Eval(context));
        }, iter: 5000, threads: 1);
    }

    [Fact]
    public void LowerAffixAnyTest_AnyTextAndAffixes_SameAsChainOfSingleTests()
    {
        var context = _fixture.NewContext();
        byte[][] affixes = [.. s_affixes.Select(Encoding.UTF8.GetBytes).Where(a => LowerAffixTest.Accepts(a))];
        var chosen = Gen.Int[0, affixes.Length - 1].Array[2, 4].Select(ix => ix.Select(i => affixes[i]).ToArray());
        Gen.Select(s_text, chosen, Gen.Bool).Sample((t, parts, atEnd) =>
        {
            context.ScratchLength = 0;
            var expected = parts.Any(part => new LowerAffixTest(new ConstantString(t), part, atEnd).Eval(context));
            Assert.Equal(expected, new LowerAffixAnyTest(new ConstantString(t), parts, atEnd).Eval(context));
        }, iter: 5000, threads: 1);
    }

    [Theory]
    [InlineData("lower(email).endsWith(\"@a.com\") || lower(email).endsWith(\"@b.com\")", "LowerAffixAnyTest")]
    [InlineData("lower(email).endsWith(\"@a.com\") || amount > 5 || lower(email).endsWith(\"@b.com\")", "EitherOf(LowerAffixAnyTest, NumberFieldCompareConstant`1)")]
    [InlineData("lower(email).endsWith(\"@a.com\") || lower(email).startsWith(\"b@\")", "EitherOf(LowerAffixTest, LowerAffixTest)")]
    [InlineData("lower(email).endsWith(\"@a.com\") && lower(email).endsWith(\".com\")", "BothOf(LowerAffixTest, LowerAffixTest)")]
    [InlineData("lower(email).endsWith(\"@a.com\") || lower(country).endsWith(\"n\")", "EitherOf(LowerAffixTest, LowerAffixTest)")]
    public void CompileTree_OrOfLowerAffixTestsOnOneField_FusesThem(string source, string shape)
    {
        var node = RuleCompiler.CompileTree(source, _fixture.Environment, new());
        Assert.NotNull(node);
        Assert.Equal(shape, Shape(node));
    }

    private static string Shape(object node) => node switch
    {
        EitherOf or BothOf => $"{node.GetType().Name}({string.Join(", ", node.GetType().GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance).Select(f => f.GetValue(node)!.GetType().Name))})",
        _ => node.GetType().Name,
    };

    [Theory]
    [InlineData("x@MailInator.com", true)]
    [InlineData("\u212A@mailinator.com", true)]
    [InlineData("x@mailinator.co", false)]
    [InlineData("@mailinator.com", true)]
    [InlineData("ailinator.com", false)]
    [InlineData("x@mailinator.\u212Aom", false)]
    public void LowerAffixTest_EndsWith_Examples(string text, bool expected)
    {
        var context = _fixture.NewContext();
        var node = new LowerAffixTest(new ConstantString(Encoding.UTF8.GetBytes(text)), "@mailinator.com"u8.ToArray(), atEnd: true);
        Assert.Equal(expected, node.Eval(context));
    }

    [Theory]
    [InlineData("lower(email).endsWith(\"@mailinator.com\")", true)]
    [InlineData("lower(email).startsWith(\"info@\")", true)]
    [InlineData("lower(email).endsWith(\"@Mailinator.com\")", false)]
    [InlineData("lower(email).contains(\"@mailinator\")", false)]
    public void CompileTree_LowerThenAffixOfLowercaseLiteral_UsesFusedNode(string source, bool fused)
    {
        var node = RuleCompiler.CompileTree(source, _fixture.Environment, new());
        Assert.NotNull(node);
        Assert.Equal(fused, node is LowerAffixTest);
    }

    [Theory]
    [InlineData("AB@MAILINATOR.COM", true)]
    [InlineData("ab@mailinator.co", false)]
    [InlineData("\u212A@TrashMail.com", false)]
    [InlineData("x@trashmail.com", false)]
    public void Compile_LowerEndsWithUppercaseMixedEmail_MatchesLikeUnfused(string email, bool expected)
    {
        var context = _fixture.NewContext().Text(_fixture, "email", email);
        Assert.Equal(expected, _fixture.Compile("lower(email).endsWith(\"@mailinator.com\")")(context));
    }
}
