using Jiangwanli.Engine.Events;

namespace Jiangwanli.Engine.Rules.Evaluation;

/// <summary>
/// A compiled, typed node of a condition. The tree is immutable and shared by all threads; all per-decision state
/// lives in the <see cref="DecisionContext"/>. Evaluating allocates nothing.
/// </summary>
/// <remarks>
/// Why a tree of sealed classes rather than expression trees: string values are <see cref="ReadOnlySpan{T}"/>s, which
/// expression trees cannot hold, and building a tree is far cheaper than <c>Expression.Compile</c> (a 1,000-rule
/// pack compiles in milliseconds). The virtual call per node costs about a nanosecond; hot shapes such as
/// <c>field &gt; 10</c> get fused nodes, and comparison and arithmetic operators are struct type arguments so the
/// JIT inlines them.
/// </remarks>
internal abstract class EvalNode
{
    /// <summary>True for literal values (including a constant absent value), which the compiler folds.</summary>
    public virtual bool IsConstant => false;
}

/// <summary>
/// A bool-typed node. <see cref="Eval"/> is its value as a condition: absent counts as false.
/// <see cref="TryEval"/> distinguishes absent (only a bool field, or a conditional choosing one, can be absent).
/// </summary>
internal abstract class BoolNode : EvalNode
{
    public abstract bool Eval(DecisionContext context);

    public virtual bool TryEval(DecisionContext context, out bool value)
    {
        value = Eval(context);
        return true;
    }
}

/// <summary>A number-typed node; returns false when the value is absent (then <c>value</c> is 0).</summary>
internal abstract class NumberNode : EvalNode
{
    public abstract bool TryEval(DecisionContext context, out double value);
}

/// <summary>A string-typed node; UTF-8 bytes, valid until the context is reset. Returns false when absent.</summary>
internal abstract class StringNode : EvalNode
{
    public abstract bool TryEval(DecisionContext context, out ReadOnlySpan<byte> value);
}
