using Jiangwanli.Engine.Events;

namespace Jiangwanli.Engine.Rules.Evaluation;

/// <summary><c>a &amp;&amp; b &amp;&amp; ...</c>, flattened; stops at the first false (absent counts as false).</summary>
internal sealed class AllOf(BoolNode[] operands) : BoolNode
{
    private readonly BoolNode[] _operands = operands;

    public override bool Eval(DecisionContext context)
    {
        var operands = _operands;
        for (var i = 0; i < operands.Length; i++)
        {
            if (!operands[i].Eval(context))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary><c>a || b || ...</c>, flattened; stops at the first true.</summary>
internal sealed class AnyOf(BoolNode[] operands) : BoolNode
{
    private readonly BoolNode[] _operands = operands;

    public override bool Eval(DecisionContext context)
    {
        var operands = _operands;
        for (var i = 0; i < operands.Length; i++)
        {
            if (operands[i].Eval(context))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary><c>a &amp;&amp; b</c>: the common two-operand case without the loop.</summary>
internal sealed class BothOf(BoolNode left, BoolNode right) : BoolNode
{
    private readonly BoolNode _left = left;
    private readonly BoolNode _right = right;

    public override bool Eval(DecisionContext context) => _left.Eval(context) && _right.Eval(context);
}

/// <summary><c>a || b</c>: the common two-operand case without the loop.</summary>
internal sealed class EitherOf(BoolNode left, BoolNode right) : BoolNode
{
    private readonly BoolNode _left = left;
    private readonly BoolNode _right = right;

    public override bool Eval(DecisionContext context) => _left.Eval(context) || _right.Eval(context);
}

/// <summary><c>!a</c>: negates the condition value of <c>a</c>, in which absent already counts as false.</summary>
internal sealed class Not(BoolNode operand) : BoolNode
{
    private readonly BoolNode _operand = operand;

    public override bool Eval(DecisionContext context) => !_operand.Eval(context);
}

/// <summary>A bool used as a condition: absent becomes false (so, unlike a bool field, this value is never absent).</summary>
internal sealed class AsCondition(BoolNode operand) : BoolNode
{
    private readonly BoolNode _operand = operand;

    public override bool Eval(DecisionContext context) => _operand.Eval(context);
}

/// <summary><c>c ? a : b</c> over bools. The condition counts absent as false.</summary>
internal sealed class BoolConditional(BoolNode condition, BoolNode whenTrue, BoolNode whenFalse) : BoolNode
{
    private readonly BoolNode _condition = condition;
    private readonly BoolNode _whenTrue = whenTrue;
    private readonly BoolNode _whenFalse = whenFalse;

    public override bool Eval(DecisionContext context)
        => _condition.Eval(context) ? _whenTrue.Eval(context) : _whenFalse.Eval(context);

    public override bool TryEval(DecisionContext context, out bool value)
        => _condition.Eval(context) ? _whenTrue.TryEval(context, out value) : _whenFalse.TryEval(context, out value);
}

internal sealed class NumberConditional(BoolNode condition, NumberNode whenTrue, NumberNode whenFalse) : NumberNode
{
    private readonly BoolNode _condition = condition;
    private readonly NumberNode _whenTrue = whenTrue;
    private readonly NumberNode _whenFalse = whenFalse;

    public override bool TryEval(DecisionContext context, out double value)
        => _condition.Eval(context) ? _whenTrue.TryEval(context, out value) : _whenFalse.TryEval(context, out value);
}

internal sealed class StringConditional(BoolNode condition, StringNode whenTrue, StringNode whenFalse) : StringNode
{
    private readonly BoolNode _condition = condition;
    private readonly StringNode _whenTrue = whenTrue;
    private readonly StringNode _whenFalse = whenFalse;

    public override bool TryEval(DecisionContext context, out ReadOnlySpan<byte> value)
        => _condition.Eval(context) ? _whenTrue.TryEval(context, out value) : _whenFalse.TryEval(context, out value);
}

/// <summary>
/// A rule condition as a node: the compiled tree itself when the predicate is a tree's <see cref="BoolNode.Eval"/>
/// (what <see cref="RuleCompiler.Compile"/> returns), else a node that calls the delegate.
/// </summary>
internal sealed class PredicateCall(RulePredicate predicate) : BoolNode
{
    private readonly RulePredicate _predicate = predicate;

    public override bool Eval(DecisionContext context) => _predicate(context);

    /// <summary>The node behind <paramref name="predicate"/>, or a wrapper that calls it.</summary>
    public static BoolNode Unwrap(RulePredicate predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return predicate.Target is BoolNode node && predicate.Equals((RulePredicate)node.Eval) ? node : new PredicateCall(predicate);
    }
}
