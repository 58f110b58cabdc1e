using System.Buffers;
using System.Text;
using Jiangwanli.Engine.Events;

namespace Jiangwanli.Engine.Rules.Evaluation;

/// <summary>A test of a string against another (startsWith, endsWith, contains), on UTF-8 bytes.</summary>
/// <remarks>Byte-wise matching is exact for valid UTF-8: no character's encoding is a part of another's.</remarks>
internal interface ITextTest
{
    static abstract bool Test(ReadOnlySpan<byte> text, ReadOnlySpan<byte> part);
}

internal readonly struct StartsWithTest : ITextTest
{
    public static bool Test(ReadOnlySpan<byte> text, ReadOnlySpan<byte> part) => text.StartsWith(part);
}

internal readonly struct EndsWithTest : ITextTest
{
    public static bool Test(ReadOnlySpan<byte> text, ReadOnlySpan<byte> part) => text.EndsWith(part);
}

internal readonly struct ContainsTest : ITextTest
{
    public static bool Test(ReadOnlySpan<byte> text, ReadOnlySpan<byte> part) => text.IndexOf(part) >= 0;
}

/// <summary><c>s.startsWith(t)</c> and friends; false when either is absent.</summary>
internal sealed class TextTest<TOp>(StringNode text, StringNode part) : BoolNode
    where TOp : struct, ITextTest
{
    private readonly StringNode _text = text;
    private readonly StringNode _part = part;

    public override bool Eval(DecisionContext context)
        => _text.TryEval(context, out var s) && _part.TryEval(context, out var t) && TOp.Test(s, t);
}

/// <summary><c>s.startsWith("lit")</c> and friends with a literal pre-encoded as UTF-8.</summary>
internal sealed class TextTestConstant<TOp>(StringNode text, byte[] part) : BoolNode
    where TOp : struct, ITextTest
{
    private readonly StringNode _text = text;
    private readonly byte[] _part = part;

    public override bool Eval(DecisionContext context) => _text.TryEval(context, out var s) && TOp.Test(s, _part);
}

/// <summary>
/// <c>lower(s).startsWith("lit")</c> / <c>lower(s).endsWith("lit")</c> for a literal of lowercase ASCII (no letter
/// A–Z, no byte above 0x7F): the affix of <c>s</c> is compared ignoring ASCII case, without lowering <c>s</c> into
/// scratch space. Same result as the unfused nodes, by this argument: when the <c>lit.Length</c> bytes at that end of
/// <c>s</c> are all ASCII they are whole characters (an ASCII byte is never part of a longer UTF-8 sequence, nor of an
/// invalid one, which <c>lower</c> copies unchanged), <c>lower</c> maps each of them to one byte and the characters
/// beyond them do not reach that end; so that end of <c>lower(s)</c> is exactly those bytes lowered. Otherwise (a
/// non-ASCII byte there, or <c>s</c> shorter than the literal while not all ASCII, since lowering may lengthen text)
/// it lowers <c>s</c> like <see cref="Lower"/> and tests the result.
/// </summary>
internal sealed class LowerAffixTest(StringNode text, byte[] affix, bool atEnd) : BoolNode
{
    private readonly StringNode _text = text;
    private readonly byte[] _affix = affix;
    private readonly bool _atEnd = atEnd;

    /// <summary>True when <paramref name="literal"/> is ASCII without uppercase letters (the fused node's premise).</summary>
    public static bool Accepts(ReadOnlySpan<byte> literal)
    {
        foreach (var b in literal)
        {
            if (b > 0x7F || (uint)(b - 'A') <= 'Z' - 'A')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The text whose affix is tested.</summary>
    public StringNode Text => _text;

    /// <summary>The lowercase ASCII affix.</summary>
    public byte[] Affix => _affix;

    /// <summary>True for <c>endsWith</c>, false for <c>startsWith</c>.</summary>
    public bool AtEnd => _atEnd;

    public override bool Eval(DecisionContext context) => _text.TryEval(context, out var s) && Matches(context, s, _affix, _atEnd);

    /// <summary>The last (<paramref name="atEnd"/>) or first <paramref name="length"/> bytes of <paramref name="s"/>,
    /// where an affix of that length would lie; <paramref name="length"/> ≤ the length of <paramref name="s"/>.</summary>
    internal static ReadOnlySpan<byte> AffixRegion(ReadOnlySpan<byte> s, int length, bool atEnd) => atEnd ? s[^length..] : s[..length];

    /// <summary>Whether <c>lower(<paramref name="s"/>)</c> starts or ends with <paramref name="affix"/>.</summary>
    internal static bool Matches(DecisionContext context, ReadOnlySpan<byte> s, byte[] affix, bool atEnd)
    {
        if (s.Length >= affix.Length)
        {
            var end = AffixRegion(s, affix.Length, atEnd);
            if (Ascii.IsValid(end))
            {
                return Ascii.EqualsIgnoreCase(end, affix);
            }
        }
        else if (Ascii.IsValid(s))
        {
            return false; // lowering ASCII keeps the length: too short to hold the affix
        }

        var lowered = Lower.LowerInto(context, s);
        return atEnd ? lowered.EndsWith(affix) : lowered.StartsWith(affix);
    }
}

/// <summary>
/// <c>lower(s).endsWith("a") || lower(s).endsWith("b") || …</c> (or all <c>startsWith</c>) on one text, as one node
/// (the binder fuses such tests of one string field): the text is read once and the widest affix region checked for
/// ASCII once, then each affix is compared ignoring ASCII case — the same result as the chain of
/// <see cref="LowerAffixTest"/>s it replaces (by their argument: every affix region lies inside the widest one, so when
/// that is ASCII each comparison is exact; otherwise each affix takes <see cref="LowerAffixTest.Matches"/>).
/// </summary>
/// <remarks>Why: a deny-list of e-mail domains is written this way, and the chain paid a field read, an ASCII check
/// and a virtual call per affix (<c>--rule-costs</c>, docs/benchmarks.md, seventh session).</remarks>
internal sealed class LowerAffixAnyTest : BoolNode
{
    private readonly StringNode _text;
    private readonly byte[][] _affixes;
    private readonly bool _atEnd;
    private readonly int _widest;

    public LowerAffixAnyTest(StringNode text, byte[][] affixes, bool atEnd)
    {
        _text = text;
        _affixes = affixes;
        _atEnd = atEnd;
        _widest = affixes.Max(a => a.Length);
    }

    public override bool Eval(DecisionContext context)
    {
        if (!_text.TryEval(context, out var s))
        {
            return false;
        }

        var affixes = _affixes;
        var width = Math.Min(s.Length, _widest);
        if (Ascii.IsValid(LowerAffixTest.AffixRegion(s, width, _atEnd)))
        {
            // Every affix region is ASCII; an affix longer than s cannot match (then s is all ASCII, and lowering
            // ASCII keeps the length).
            foreach (var affix in affixes)
            {
                if (s.Length >= affix.Length && Ascii.EqualsIgnoreCase(LowerAffixTest.AffixRegion(s, affix.Length, _atEnd), affix))
                {
                    return true;
                }
            }

            return false;
        }

        foreach (var affix in affixes)
        {
            if (LowerAffixTest.Matches(context, s, affix, _atEnd))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary><c>size(s)</c>: the number of Unicode code points.</summary>
internal sealed class TextSize(StringNode operand) : NumberNode
{
    private readonly StringNode _operand = operand;

    public override bool TryEval(DecisionContext context, out double value)
    {
        if (_operand.TryEval(context, out var text))
        {
            value = CountCodePoints(text);
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>Counts the bytes that start a UTF-8 sequence (every byte but continuation bytes 10xxxxxx).</summary>
    internal static int CountCodePoints(ReadOnlySpan<byte> utf8)
    {
        if (Ascii.IsValid(utf8))
        {
            return utf8.Length;
        }

        var count = 0;
        foreach (var b in utf8)
        {
            if ((b & 0xC0) != 0x80)
            {
                count++;
            }
        }

        return count;
    }
}

/// <summary>
/// <c>lower(s)</c>: ASCII letters via a vectorized fast path; other characters by their culture-invariant simple
/// Unicode lowercase mapping (<see cref="Rune.ToLowerInvariant"/>), which may change the byte length (e.g. 'Ⱥ' 2 bytes
/// → 'ⱥ' 3 bytes). Invalid UTF-8 bytes are copied unchanged. The result lives in the context's scratch space.
/// </summary>
internal sealed class Lower(StringNode operand) : StringNode
{
    private readonly StringNode _operand = operand;

    /// <summary>The text being lowered (the binder fuses <c>lower(s).endsWith("lit")</c> on it).</summary>
    public StringNode Operand => _operand;

    public override bool TryEval(DecisionContext context, out ReadOnlySpan<byte> value)
    {
        if (!_operand.TryEval(context, out var text))
        {
            value = default;
            return false;
        }

        value = LowerInto(context, text);
        return true;
    }

    internal static ReadOnlySpan<byte> LowerInto(DecisionContext context, ReadOnlySpan<byte> text)
    {
        if (Ascii.IsValid(text))
        {
            var target = context.RentScratch(text.Length);
            Ascii.ToLower(text, target, out _);
            return target;
        }

        return LowerNonAscii(context, text);
    }

    private static Span<byte> LowerNonAscii(DecisionContext context, ReadOnlySpan<byte> text)
    {
        // Two passes over the (rare) non-ASCII text: measure, then write, so the scratch rented is exact.
        var length = 0;
        var rest = text;
        while (!rest.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(rest, out var rune, out var consumed);
            length += status == OperationStatus.Done ? Rune.ToLowerInvariant(rune).Utf8SequenceLength : consumed;
            rest = rest[consumed..];
        }

        var target = context.RentScratch(length);
        var written = 0;
        rest = text;
        while (!rest.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(rest, out var rune, out var consumed);
            if (status == OperationStatus.Done)
            {
                written += Rune.ToLowerInvariant(rune).EncodeToUtf8(target[written..]);
            }
            else
            {
                rest[..consumed].CopyTo(target[written..]);
                written += consumed;
            }

            rest = rest[consumed..];
        }

        return target;
    }
}

/// <summary><c>a + b</c> on strings: the concatenation, in the context's scratch space.</summary>
internal sealed class Concat(StringNode left, StringNode right) : StringNode
{
    private readonly StringNode _left = left;
    private readonly StringNode _right = right;

    public override bool TryEval(DecisionContext context, out ReadOnlySpan<byte> value)
    {
        if (_left.TryEval(context, out var a) && _right.TryEval(context, out var b))
        {
            // Renting may move scratch to a new array; a and b still point at valid memory (the old array lives on).
            var target = context.RentScratch(a.Length + b.Length);
            a.CopyTo(target);
            b.CopyTo(target[a.Length..]);
            value = target;
            return true;
        }

        value = default;
        return false;
    }
}
