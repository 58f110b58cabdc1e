using System.Collections.Frozen;
using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Lists;

namespace Jiangwanli.Engine.Rules.Evaluation;

/// <summary>
/// <c>s in listName</c>. Holds the <see cref="NamedList"/> itself and asks it at run time, so a list replaced at run
/// time is seen by rules compiled before. False when <c>s</c> is absent.
/// </summary>
internal sealed class InNamedList(StringNode operand, NamedList list) : BoolNode
{
    private readonly StringNode _operand = operand;
    private readonly NamedList _list = list;

    public override bool Eval(DecisionContext context) => _operand.TryEval(context, out var s) && _list.Contains(s);
}

/// <summary>The hot shape <c>ip in blocked_ips</c>: a field looked up in a named list, one node.</summary>
internal sealed class StringFieldInNamedList(int index, int slot, NamedList list) : BoolNode
{
    private readonly int _index = index;
    private readonly int _slot = slot;
    private readonly NamedList _list = list;

    public override bool Eval(DecisionContext context)
        => context.Present[_index] && _list.Contains(context.Text.AsSpan(context.StringOffsets[_slot], context.StringLengths[_slot]));
}

/// <summary>The hot shape <c>country in ["CN", "HK"]</c>: a field looked up in a literal set, one node.</summary>
internal sealed class StringFieldInSet(int index, int slot, Utf8LiteralSet set) : BoolNode
{
    private readonly int _index = index;
    private readonly int _slot = slot;
    private readonly Utf8LiteralSet _set = set;

    public override bool Eval(DecisionContext context)
        => context.Present[_index] && _set.Contains(context.Text.AsSpan(context.StringOffsets[_slot], context.StringLengths[_slot]));
}

/// <summary><c>s in ["a", "b", ...]</c> against literals pre-encoded as UTF-8.</summary>
internal sealed class StringInSet(StringNode operand, Utf8LiteralSet set) : BoolNode
{
    private readonly StringNode _operand = operand;
    private readonly Utf8LiteralSet _set = set;

    public override bool Eval(DecisionContext context) => _operand.TryEval(context, out var s) && _set.Contains(s);
}

/// <summary><c>n in [1, 2, ...]</c>: linear for a few literals, a frozen set for more.</summary>
internal sealed class NumberInSet : BoolNode
{
    private const int LinearLimit = 8;
    private readonly NumberNode _operand;
    private readonly double[] _values;
    private readonly FrozenSet<double>? _set;

    public NumberInSet(NumberNode operand, double[] values)
    {
        _operand = operand;
        _values = values;
        if (values.Length > LinearLimit)
        {
            // double's equality treats 0.0 and -0.0 as equal and hashes them alike, as == does.
            _set = values.ToFrozenSet();
        }
    }

    public override bool Eval(DecisionContext context)
    {
        if (!_operand.TryEval(context, out var n))
        {
            return false;
        }

        if (_set is not null)
        {
            return _set.Contains(n);
        }

        foreach (var value in _values)
        {
            if (value == n)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary><c>b in [true, ...]</c>.</summary>
internal sealed class BoolInSet(BoolNode operand, bool containsTrue, bool containsFalse) : BoolNode
{
    private readonly BoolNode _operand = operand;
    private readonly bool _containsTrue = containsTrue;
    private readonly bool _containsFalse = containsFalse;

    public override bool Eval(DecisionContext context)
        => _operand.TryEval(context, out var b) && (b ? _containsTrue : _containsFalse);
}
