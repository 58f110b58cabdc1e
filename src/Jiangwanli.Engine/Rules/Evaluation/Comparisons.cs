using Jiangwanli.Engine.Events;

namespace Jiangwanli.Engine.Rules.Evaluation;

/// <summary>A comparison operator, passed as a struct type argument so the JIT inlines it into each node.</summary>
internal interface IComparison
{
    static abstract bool Compare(double left, double right);
}

internal readonly struct EqualTo : IComparison
{
    public static bool Compare(double left, double right) => left == right;
}

internal readonly struct NotEqualTo : IComparison
{
    public static bool Compare(double left, double right) => left != right;
}

internal readonly struct LessThan : IComparison
{
    public static bool Compare(double left, double right) => left < right;
}

internal readonly struct LessOrEqual : IComparison
{
    public static bool Compare(double left, double right) => left <= right;
}

internal readonly struct GreaterThan : IComparison
{
    public static bool Compare(double left, double right) => left > right;
}

internal readonly struct GreaterOrEqual : IComparison
{
    public static bool Compare(double left, double right) => left >= right;
}

/// <summary>Number comparison: false when either side is absent.</summary>
internal sealed class NumberCompare<TOp>(NumberNode left, NumberNode right) : BoolNode
    where TOp : struct, IComparison
{
    private readonly NumberNode _left = left;
    private readonly NumberNode _right = right;

    public override bool Eval(DecisionContext context)
        => _left.TryEval(context, out var a) && _right.TryEval(context, out var b) && TOp.Compare(a, b);
}

/// <summary>Number compared with a literal (the literal is always on the right; the compiler mirrors the operator).</summary>
internal sealed class NumberCompareConstant<TOp>(NumberNode left, double right) : BoolNode
    where TOp : struct, IComparison
{
    private readonly NumberNode _left = left;
    private readonly double _right = right;

    public override bool Eval(DecisionContext context) => _left.TryEval(context, out var a) && TOp.Compare(a, _right);
}

/// <summary>The hot shape <c>amount &gt; 1000</c>: one node, no inner virtual call.</summary>
internal sealed class NumberFieldCompareConstant<TOp>(int index, int slot, double right) : BoolNode
    where TOp : struct, IComparison
{
    private readonly int _index = index;
    private readonly int _slot = slot;
    private readonly double _right = right;

    public override bool Eval(DecisionContext context) => context.Present[_index] && TOp.Compare(context.Numbers[_slot], _right);
}

/// <summary>The hot shape <c>user_txn_1h &gt; 10</c>.</summary>
internal sealed class FeatureCompareConstant<TOp>(int index, double right) : BoolNode
    where TOp : struct, IComparison
{
    private readonly int _index = index;
    private readonly double _right = right;

    public override bool Eval(DecisionContext context) => context.FeaturePresent[_index] && TOp.Compare(context.FeatureValues[_index], _right);
}

/// <summary>String ordering by UTF-8 bytes (the same as Unicode code point order).</summary>
internal sealed class StringCompare<TOp>(StringNode left, StringNode right) : BoolNode
    where TOp : struct, IComparison
{
    private readonly StringNode _left = left;
    private readonly StringNode _right = right;

    public override bool Eval(DecisionContext context)
        => _left.TryEval(context, out var a) && _right.TryEval(context, out var b) && TOp.Compare(a.SequenceCompareTo(b), 0);
}

/// <summary><c>a == b</c> (or <c>!=</c> when <c>negate</c>) on strings; false when either side is absent.</summary>
internal sealed class StringEquals(StringNode left, StringNode right, bool negate) : BoolNode
{
    private readonly StringNode _left = left;
    private readonly StringNode _right = right;
    private readonly bool _negate = negate;

    public override bool Eval(DecisionContext context)
        => _left.TryEval(context, out var a) && _right.TryEval(context, out var b) && a.SequenceEqual(b) != _negate;
}

/// <summary>String compared with a literal pre-encoded as UTF-8.</summary>
internal sealed class StringEqualsConstant(StringNode left, byte[] right, bool negate) : BoolNode
{
    private readonly StringNode _left = left;
    private readonly byte[] _right = right;
    private readonly bool _negate = negate;

    public override bool Eval(DecisionContext context)
        => _left.TryEval(context, out var a) && a.SequenceEqual(_right) != _negate;
}

/// <summary>The hot shape <c>country == "CN"</c>.</summary>
internal sealed class StringFieldEqualsConstant(int index, int slot, byte[] right, bool negate) : BoolNode
{
    private readonly int _index = index;
    private readonly int _slot = slot;
    private readonly byte[] _right = right;
    private readonly bool _negate = negate;

    public override bool Eval(DecisionContext context)
        => context.Present[_index]
           && context.Text.AsSpan(context.StringOffsets[_slot], context.StringLengths[_slot]).SequenceEqual(_right) != _negate;
}

/// <summary><c>a == b</c> or <c>a != b</c> on bools; false when either side is absent.</summary>
internal sealed class BoolEquals(BoolNode left, BoolNode right, bool negate) : BoolNode
{
    private readonly BoolNode _left = left;
    private readonly BoolNode _right = right;
    private readonly bool _negate = negate;

    public override bool Eval(DecisionContext context)
        => _left.TryEval(context, out var a) && _right.TryEval(context, out var b) && (a == b) != _negate;
}
