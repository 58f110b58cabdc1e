using Jiangwanli.Engine.Events;

namespace Jiangwanli.Engine.Rules.Evaluation;

/// <summary>An arithmetic operator; returns false when the result is absent (division or remainder by zero).</summary>
internal interface IArithmetic
{
    static abstract bool Apply(double left, double right, out double result);
}

internal readonly struct Add : IArithmetic
{
    public static bool Apply(double left, double right, out double result)
    {
        result = left + right;
        return true;
    }
}

internal readonly struct Subtract : IArithmetic
{
    public static bool Apply(double left, double right, out double result)
    {
        result = left - right;
        return true;
    }
}

internal readonly struct Multiply : IArithmetic
{
    public static bool Apply(double left, double right, out double result)
    {
        result = left * right;
        return true;
    }
}

internal readonly struct Divide : IArithmetic
{
    public static bool Apply(double left, double right, out double result)
    {
        // x / 0 is absent rather than ±Infinity or NaN, so "amount / count > 5" is simply false when count is 0.
        result = right == 0 ? 0 : left / right;
        return right != 0;
    }
}

internal readonly struct Remainder : IArithmetic
{
    public static bool Apply(double left, double right, out double result)
    {
        // Truncated remainder (the sign of the dividend), like C's fmod; x % 0 is absent.
        result = right == 0 ? 0 : left % right;
        return right != 0;
    }
}

internal readonly struct Minimum : IArithmetic
{
    public static bool Apply(double left, double right, out double result)
    {
        result = Math.Min(left, right);
        return true;
    }
}

internal readonly struct Maximum : IArithmetic
{
    public static bool Apply(double left, double right, out double result)
    {
        result = Math.Max(left, right);
        return true;
    }
}

/// <summary>Binary arithmetic (and <c>min</c>/<c>max</c>); absent when either operand is absent.</summary>
internal sealed class NumberBinary<TOp>(NumberNode left, NumberNode right) : NumberNode
    where TOp : struct, IArithmetic
{
    private readonly NumberNode _left = left;
    private readonly NumberNode _right = right;

    public override bool TryEval(DecisionContext context, out double value)
    {
        if (_left.TryEval(context, out var a) && _right.TryEval(context, out var b))
        {
            return TOp.Apply(a, b, out value);
        }

        value = 0;
        return false;
    }
}

/// <summary>Arithmetic with a literal right operand, e.g. <c>created_at + 1h</c>.</summary>
internal sealed class NumberBinaryConstant<TOp>(NumberNode left, double right) : NumberNode
    where TOp : struct, IArithmetic
{
    private readonly NumberNode _left = left;
    private readonly double _right = right;

    public override bool TryEval(DecisionContext context, out double value)
    {
        if (_left.TryEval(context, out var a))
        {
            return TOp.Apply(a, _right, out value);
        }

        value = 0;
        return false;
    }
}

internal sealed class Negate(NumberNode operand) : NumberNode
{
    private readonly NumberNode _operand = operand;

    public override bool TryEval(DecisionContext context, out double value)
    {
        var present = _operand.TryEval(context, out value);
        value = -value;
        return present;
    }
}

internal sealed class Absolute(NumberNode operand) : NumberNode
{
    private readonly NumberNode _operand = operand;

    public override bool TryEval(DecisionContext context, out double value)
    {
        var present = _operand.TryEval(context, out value);
        value = Math.Abs(value);
        return present;
    }
}
