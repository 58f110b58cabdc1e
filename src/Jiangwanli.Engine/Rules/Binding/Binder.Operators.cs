using Jiangwanli.Engine.Rules.Evaluation;
using Jiangwanli.Engine.Rules.Syntax;

namespace Jiangwanli.Engine.Rules.Binding;

/// <summary>Binary operators: arithmetic, comparisons and <c>in</c>.</summary>
internal sealed partial class Binder
{
    private Bound BindBinary(BinarySyntax binary)
    {
        if (binary.Operator == TokenKind.In)
        {
            return BindIn(binary);
        }

        var left = BindValue(binary.Left);
        var right = BindValue(binary.Right);
        if (left.Type == RuleType.Error || right.Type == RuleType.Error)
        {
            return Bound.Error(binary);
        }

        var op = Token.Spell(binary.Operator);
        return binary.Operator switch
        {
            TokenKind.Plus or TokenKind.Minus or TokenKind.Star or TokenKind.Slash or TokenKind.Percent
                => BindArithmetic(binary, op, left, right),
            _ => BindComparison(binary, op, left, right),
        };
    }

    private Bound BindArithmetic(BinarySyntax binary, string op, Bound left, Bound right)
    {
        var isPlus = binary.Operator == TokenKind.Plus;
        if (isPlus && left.Type == RuleType.String)
        {
            if (right.Type != RuleType.String)
            {
                return Mismatch(binary, binary.Right.Start, "a string on the right of '+' (the left is a string)", right);
            }

            var l = (StringNode)left.Node!;
            var r = (StringNode)right.Node!;
            if (l is AbsentString || r is AbsentString)
            {
                return Bound.Value(binary, AbsentString.Instance);
            }

            return Fold(binary, new Concat(l, r), left.IsConstant && right.IsConstant);
        }

        if (left.Type != RuleType.Number)
        {
            return Mismatch(binary, binary.Left.Start, isPlus ? "a number or a string on the left of '+'" : $"a number on the left of '{op}'", left);
        }

        if (right.Type != RuleType.Number)
        {
            return Mismatch(binary, binary.Right.Start, $"a number on the right of '{op}'", right);
        }

        var a = (NumberNode)left.Node!;
        var b = (NumberNode)right.Node!;
        if (a is AbsentNumber || b is AbsentNumber)
        {
            return Bound.Value(binary, AbsentNumber.Instance);
        }

        NumberNode node = binary.Operator switch
        {
            TokenKind.Plus => Arithmetic<Add>(a, b),
            TokenKind.Minus => Arithmetic<Subtract>(a, b),
            TokenKind.Star => Arithmetic<Multiply>(a, b),
            TokenKind.Slash => Arithmetic<Divide>(a, b),
            _ => Arithmetic<Remainder>(a, b),
        };
        return Fold(binary, node, left.IsConstant && right.IsConstant);
    }

    private static NumberNode Arithmetic<TOp>(NumberNode left, NumberNode right)
        where TOp : struct, IArithmetic
        => right is ConstantNumber constant
            ? new NumberBinaryConstant<TOp>(left, constant.Value)
            : new NumberBinary<TOp>(left, right);

    private Bound BindComparison(BinarySyntax binary, string op, Bound left, Bound right)
    {
        var isEquality = binary.Operator is TokenKind.EqualEqual or TokenKind.BangEqual;
        if (!isEquality && left.Type == RuleType.Bool)
        {
            return Mismatch(binary, binary.Left.Start, $"a number or a string on the left of '{op}' (bools are compared with == and != only)", left);
        }

        if (left.Type != right.Type)
        {
            return Mismatch(binary, binary.Right.Start, $"{Bound.Describe(left.Type)} on the right of '{op}' (the left is {Bound.Describe(left.Type)})", right);
        }

        if (IsAbsentConstant(left.Node!) || IsAbsentConstant(right.Node!))
        {
            // A comparison with an absent value is false.
            return Bound.Value(binary, ConstantBool.False);
        }

        var node = Compare(binary.Operator, left.Node!, right.Node!);
        return Fold(binary, node, left.IsConstant && right.IsConstant);
    }

    private static bool IsAbsentConstant(EvalNode node) => node is AbsentNumber or AbsentString or AbsentBool;

    /// <summary>Builds a comparison of two operands of the same (already checked) type.</summary>
    private static BoolNode Compare(TokenKind op, EvalNode left, EvalNode right)
    {
        switch (left)
        {
            case NumberNode a:
                var b = (NumberNode)right;
                if (a is ConstantNumber && b is not ConstantNumber)
                {
                    // Keep the literal on the right, where the fused nodes expect it: 5 < x is x > 5.
                    (a, b) = (b, a);
                    op = Mirror(op);
                }

                return op switch
                {
                    TokenKind.EqualEqual => CompareNumbers<EqualTo>(a, b),
                    TokenKind.BangEqual => CompareNumbers<NotEqualTo>(a, b),
                    TokenKind.Less => CompareNumbers<LessThan>(a, b),
                    TokenKind.LessEqual => CompareNumbers<LessOrEqual>(a, b),
                    TokenKind.Greater => CompareNumbers<GreaterThan>(a, b),
                    _ => CompareNumbers<GreaterOrEqual>(a, b),
                };
            case StringNode s:
                var t = (StringNode)right;
                if (op is TokenKind.EqualEqual or TokenKind.BangEqual)
                {
                    var negate = op == TokenKind.BangEqual;
                    if (s is ConstantString && t is not ConstantString)
                    {
                        (s, t) = (t, s);
                    }

                    return t is ConstantString literal
                        ? s is StringField field
                            ? new StringFieldEqualsConstant(field.Index, field.Slot, literal.Value, negate)
                            : new StringEqualsConstant(s, literal.Value, negate)
                        : new StringEquals(s, t, negate);
                }

                return op switch
                {
                    TokenKind.Less => new StringCompare<LessThan>(s, t),
                    TokenKind.LessEqual => new StringCompare<LessOrEqual>(s, t),
                    TokenKind.Greater => new StringCompare<GreaterThan>(s, t),
                    _ => new StringCompare<GreaterOrEqual>(s, t),
                };
            default:
                return new BoolEquals((BoolNode)left, (BoolNode)right, op == TokenKind.BangEqual);
        }
    }

    private static TokenKind Mirror(TokenKind op) => op switch
    {
        TokenKind.Less => TokenKind.Greater,
        TokenKind.LessEqual => TokenKind.GreaterEqual,
        TokenKind.Greater => TokenKind.Less,
        TokenKind.GreaterEqual => TokenKind.LessEqual,
        _ => op,
    };

    private static BoolNode CompareNumbers<TOp>(NumberNode left, NumberNode right)
        where TOp : struct, IComparison
    {
        if (right is not ConstantNumber constant)
        {
            return new NumberCompare<TOp>(left, right);
        }

        return left switch
        {
            NumberField field => new NumberFieldCompareConstant<TOp>(field.Index, field.Slot, constant.Value),
            FeatureValue feature => new FeatureCompareConstant<TOp>(feature.Index, constant.Value),
            _ => new NumberCompareConstant<TOp>(left, constant.Value),
        };
    }

    private Bound BindIn(BinarySyntax binary)
    {
        var left = BindValue(binary.Left);
        var right = Bind(binary.Right);
        if (right.Type is not (RuleType.NamedList or RuleType.LiteralList or RuleType.Error))
        {
            return Mismatch(binary, binary.Right.Start, "a list name or a literal list [..] on the right of 'in'", right);
        }

        if (left.Type == RuleType.Error || right.Type == RuleType.Error)
        {
            return Bound.Error(binary);
        }

        if (right.Type == RuleType.NamedList)
        {
            if (left.Type != RuleType.String)
            {
                return Mismatch(binary, binary.Left.Start, $"a string on the left of 'in' (list '{right.ListName}' holds strings)", left);
            }

            if (left.Node is AbsentString)
            {
                return Bound.Value(binary, ConstantBool.False);
            }

            return Bound.Value(binary, left.Node is StringField field
                ? new StringFieldInNamedList(field.Index, field.Slot, right.List!)
                : new InNamedList((StringNode)left.Node!, right.List!));
        }

        if (right.ItemType != RuleType.Error && left.Type != right.ItemType)
        {
            return Mismatch(binary, binary.Left.Start, $"{Bound.Describe(right.ItemType)} on the left of 'in' (the list holds {TypePlural(right.ItemType)})", left);
        }

        var operand = left.Node!;
        if (IsAbsentConstant(operand))
        {
            return Bound.Value(binary, ConstantBool.False);
        }

        var node = InLiteralList(operand, right.Items!, out var allConstant);
        return Fold(binary, node, allConstant && left.IsConstant);
    }

    private static string TypePlural(RuleType type) => type switch
    {
        RuleType.Bool => "bools",
        RuleType.Number => "numbers",
        _ => "strings",
    };

    /// <summary>
    /// <c>x in [..]</c>: literal elements go into one set lookup; any computed elements become equality tests,
    /// tried after the set.
    /// </summary>
    private static BoolNode InLiteralList(EvalNode operand, IReadOnlyList<Bound> items, out bool allConstant)
    {
        var strings = new List<byte[]>();
        var numbers = new List<double>();
        bool hasTrue = false, hasFalse = false;
        var parts = new List<BoolNode>();
        allConstant = true;
        foreach (var item in items)
        {
            switch (item.Node)
            {
                case ConstantString s:
                    strings.Add(s.Value);
                    break;
                case ConstantNumber n:
                    numbers.Add(n.Value);
                    break;
                case ConstantBool b:
                    hasTrue |= b.Value;
                    hasFalse |= !b.Value;
                    break;
                case AbsentNumber or AbsentString or AbsentBool:
                    break; // an absent element equals nothing
                default:
                    allConstant = false;
                    break;
            }
        }

        switch (operand)
        {
            case StringNode s when strings.Count > 0:
                var set = new Utf8LiteralSet(strings);
                parts.Add(s is StringField field ? new StringFieldInSet(field.Index, field.Slot, set) : new StringInSet(s, set));
                break;
            case NumberNode n when numbers.Count > 0:
                parts.Add(new NumberInSet(n, [.. numbers]));
                break;
            case BoolNode b when hasTrue || hasFalse:
                parts.Add(new BoolInSet(b, hasTrue, hasFalse));
                break;
        }

        foreach (var item in items)
        {
            if (!item.Node!.IsConstant)
            {
                parts.Add(Compare(TokenKind.EqualEqual, operand, item.Node));
            }
        }

        return parts.Count switch
        {
            0 => ConstantBool.False,
            1 => parts[0],
            _ => new AnyOf([.. parts]),
        };
    }
}
