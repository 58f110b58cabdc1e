using System.Text;
using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Rules.Evaluation;
using Jiangwanli.Engine.Rules.Syntax;
using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Engine.Rules.Binding;

/// <summary>
/// Type-checks a parsed condition against a <see cref="RuleEnvironment"/> and builds its evaluation tree in the same
/// walk, folding every sub-expression whose inputs are all literals. Reports each type error with a position and
/// what was expected, and keeps going (an erroneous sub-expression is typed <see cref="RuleType.Error"/>, which
/// silences follow-on errors) so that one compile shows all independent mistakes.
/// </summary>
internal sealed partial class Binder
{
    private readonly RuleEnvironment _env;
    private readonly RuleErrors _errors;
    private DecisionContext? _foldContext;

    public Binder(RuleEnvironment env, RuleErrors errors)
    {
        _env = env;
        _errors = errors;
    }

    /// <summary>Binds a whole condition, which must be bool; null after errors.</summary>
    public BoolNode? BindCondition(SyntaxNode root)
    {
        var bound = BindValue(root);
        if (bound.Type == RuleType.Error)
        {
            return null;
        }

        if (bound.Type != RuleType.Bool)
        {
            _errors.Add(root.Start, $"a condition must be a bool (true or false), found {bound.Describe()}");
            return null;
        }

        return (BoolNode)bound.Node!;
    }

    private Bound Bind(SyntaxNode node) => node switch
    {
        LiteralSyntax literal => BindLiteral(literal),
        NameSyntax name => BindName(name),
        UnarySyntax unary => BindUnary(unary),
        BinarySyntax binary => BindBinary(binary),
        LogicalSyntax logical => BindLogical(logical),
        ConditionalSyntax conditional => BindConditional(conditional),
        CallSyntax call => BindCall(call),
        ListSyntax list => BindList(list),
        _ => throw new InvalidOperationException($"unknown syntax node {node.GetType().Name}"),
    };

    /// <summary>Binds a sub-expression that must be a value (not a list).</summary>
    private Bound BindValue(SyntaxNode node)
    {
        var bound = Bind(node);
        switch (bound.Type)
        {
            case RuleType.NamedList:
                _errors.Add(node.Start, $"'{bound.ListName}' is a list; a list can only be used on the right of 'in' (e.g. ip in {bound.ListName})");
                return Bound.Error(node);
            case RuleType.LiteralList:
                _errors.Add(node.Start, "a literal list [..] can only be used on the right of 'in'");
                return Bound.Error(node);
            default:
                return bound;
        }
    }

    private static Bound BindLiteral(LiteralSyntax literal) => literal.Kind switch
    {
        LiteralKind.Number => Bound.Value(literal, new ConstantNumber(literal.Number)),
        LiteralKind.String => Bound.Value(literal, new ConstantString(Encoding.UTF8.GetBytes(literal.Text!))),
        _ => Bound.Value(literal, literal.Bool ? ConstantBool.True : ConstantBool.False),
    };

    private Bound BindName(NameSyntax name)
    {
        if (_env.Schema.TryGetField(name.Name, out var field))
        {
            EvalNode node = field.Type switch
            {
                FieldType.Number or FieldType.Timestamp => new NumberField(field.Index, field.Slot),
                FieldType.Bool => new BoolField(field.Index, field.Slot),
                _ => new StringField(field.Index, field.Slot),
            };
            return Bound.Value(name, node);
        }

        if (_env.Features.TryGetValue(name.Name, out var feature))
        {
            return Bound.Value(name, new FeatureValue(feature.Index));
        }

        if (_env.Lists.TryGetValue(name.Name, out var list))
        {
            return Bound.ForList(name, name.Name, list);
        }

        if (name.Name == EventTimeName)
        {
            // Reserved: the event's own time (its 'timestamp', or server time when it has none), Unix ms.
            return Bound.Value(name, EventTime.Instance);
        }

        ReportUnknownName(name);
        return Bound.Error(name);
    }

    private void ReportUnknownName(NameSyntax name)
    {
        var suggestion = NameSuggestions.Closest(name.Name, AllNames());
        _errors.Add(name.Start, suggestion is null
            ? $"unknown name '{name.Name}'; expected an event field, a feature or a list of this pack"
            : $"unknown name '{name.Name}'; did you mean '{suggestion}'?");
    }

    /// <summary>The reserved name of the event time; the schema may not declare a field with it.</summary>
    internal const string EventTimeName = "timestamp";

    private IEnumerable<string> AllNames()
    {
        yield return EventTimeName;

        foreach (var field in _env.Schema.Fields)
        {
            yield return field.Name;
        }

        foreach (var name in _env.Features.Keys)
        {
            yield return name;
        }

        foreach (var name in _env.Lists.Keys)
        {
            yield return name;
        }
    }

    private Bound BindUnary(UnarySyntax unary)
    {
        var operand = BindValue(unary.Operand);
        if (operand.Type == RuleType.Error)
        {
            return Bound.Error(unary);
        }

        if (unary.Operator == TokenKind.Bang)
        {
            if (operand.Type != RuleType.Bool)
            {
                return Mismatch(unary, unary.Operand.Start, "a bool after '!'", operand);
            }

            return Fold(unary, new Not((BoolNode)operand.Node!), operand.IsConstant);
        }

        if (operand.Type != RuleType.Number)
        {
            return Mismatch(unary, unary.Operand.Start, "a number after '-'", operand);
        }

        return Fold(unary, new Negate((NumberNode)operand.Node!), operand.IsConstant);
    }

    private Bound BindLogical(LogicalSyntax logical)
    {
        var operands = new List<BoolNode>();
        var failed = false;
        CollectLogical(logical, logical.IsAnd, operands, ref failed);
        if (failed)
        {
            return Bound.Error(logical);
        }

        // Drop operands that cannot change the result; a decisive constant decides the whole chain (operands have
        // no side effects, so skipping them is unobservable).
        var kept = new List<BoolNode>(operands.Count);
        foreach (var operand in operands)
        {
            if (operand.IsConstant)
            {
                if (operand.Eval(FoldContext) != logical.IsAnd)
                {
                    return Bound.Value(logical, logical.IsAnd ? ConstantBool.False : ConstantBool.True);
                }

                continue;
            }

            kept.Add(operand);
        }

        if (!logical.IsAnd)
        {
            FuseLowerAffixTests(kept);
        }

        BoolNode node = kept.Count switch
        {
            0 => logical.IsAnd ? ConstantBool.True : ConstantBool.False,
            // A chain's value is never absent: an absent-capable survivor (a bool field) is wrapped to count absent as false.
            1 => kept[0] is BoolField or BoolConditional ? new AsCondition(kept[0]) : kept[0],
            2 => logical.IsAnd ? new BothOf(kept[0], kept[1]) : new EitherOf(kept[0], kept[1]),
            _ => logical.IsAnd ? new AllOf([.. kept]) : new AnyOf([.. kept]),
        };
        return Bound.Value(logical, node);
    }

    /// <summary>
    /// In an <c>||</c> chain, replaces the <c>lower(f).endsWith(…)</c> tests of one string field (or its
    /// <c>startsWith</c> tests) by one <see cref="LowerAffixAnyTest"/> where the first of them stood. Reordering the
    /// operands of <c>||</c> is unobservable: they have no side effects and no run-time errors.
    /// </summary>
    private static void FuseLowerAffixTests(List<BoolNode> operands)
    {
        for (var i = 0; i < operands.Count; i++)
        {
            if (operands[i] is not LowerAffixTest { Text: StringField field } first)
            {
                continue;
            }

            var affixes = new List<byte[]> { first.Affix };
            for (var j = operands.Count - 1; j > i; j--)
            {
                if (operands[j] is LowerAffixTest { Text: StringField other } test && other.Slot == field.Slot && test.AtEnd == first.AtEnd)
                {
                    affixes.Insert(1, test.Affix);
                    operands.RemoveAt(j);
                }
            }

            if (affixes.Count > 1)
            {
                operands[i] = new LowerAffixAnyTest(field, [.. affixes], first.AtEnd);
            }
        }
    }

    /// <summary>Binds the operands of a chain, splicing in directly nested chains of the same operator.</summary>
    private void CollectLogical(LogicalSyntax logical, bool isAnd, List<BoolNode> into, ref bool failed)
    {
        var op = isAnd ? "&&" : "||";
        for (var i = 0; i < logical.Operands.Count; i++)
        {
            var syntax = logical.Operands[i];
            if (syntax is LogicalSyntax nested && nested.IsAnd == isAnd)
            {
                CollectLogical(nested, isAnd, into, ref failed);
                continue;
            }

            var operand = BindValue(syntax);
            if (operand.Type == RuleType.Error)
            {
                failed = true;
            }
            else if (operand.Type != RuleType.Bool)
            {
                Mismatch(syntax, syntax.Start, $"a bool on the {(i == 0 ? "left" : "right")} of '{op}'", operand);
                failed = true;
            }
            else
            {
                into.Add((BoolNode)operand.Node!);
            }
        }
    }

    private Bound BindConditional(ConditionalSyntax conditional)
    {
        var condition = BindValue(conditional.Condition);
        var whenTrue = BindValue(conditional.WhenTrue);
        var whenFalse = BindValue(conditional.WhenFalse);
        var failed = condition.Type == RuleType.Error || whenTrue.Type == RuleType.Error || whenFalse.Type == RuleType.Error;
        if (condition.Type is not (RuleType.Bool or RuleType.Error))
        {
            Mismatch(conditional, conditional.Condition.Start, "a bool before '?'", condition);
            failed = true;
        }

        if (!failed && whenTrue.Type != whenFalse.Type)
        {
            Mismatch(conditional, conditional.WhenFalse.Start, $"{Bound.Describe(whenTrue.Type)} after ':' (the same type as after '?')", whenFalse);
            failed = true;
        }

        if (failed)
        {
            return Bound.Error(conditional);
        }

        var test = (BoolNode)condition.Node!;
        if (test.IsConstant)
        {
            return test.Eval(FoldContext) ? whenTrue : whenFalse;
        }

        EvalNode node = whenTrue.Type switch
        {
            RuleType.Bool => new BoolConditional(test, (BoolNode)whenTrue.Node!, (BoolNode)whenFalse.Node!),
            RuleType.Number => new NumberConditional(test, (NumberNode)whenTrue.Node!, (NumberNode)whenFalse.Node!),
            _ => new StringConditional(test, (StringNode)whenTrue.Node!, (StringNode)whenFalse.Node!),
        };
        return Bound.Value(conditional, node);
    }

    private Bound BindList(ListSyntax list)
    {
        var items = new List<Bound>(list.Items.Count);
        var itemType = RuleType.Error;
        var failed = false;
        foreach (var syntax in list.Items)
        {
            var item = BindValue(syntax);
            if (item.Type == RuleType.Error)
            {
                failed = true;
                continue;
            }

            if (itemType == RuleType.Error)
            {
                itemType = item.Type;
            }
            else if (item.Type != itemType)
            {
                Mismatch(syntax, syntax.Start, $"{Bound.Describe(itemType)} (all elements of a list have the same type)", item);
                failed = true;
                continue;
            }

            items.Add(item);
        }

        return failed ? Bound.Error(list) : Bound.ForLiteralList(list, items, itemType);
    }

    /// <summary>Reports "expected X, found Y" at <paramref name="at"/> and returns an error result.</summary>
    private Bound Mismatch(SyntaxNode node, SourcePosition at, string expected, Bound found)
    {
        _errors.Add(at, $"expected {expected}, found {found.Describe()}");
        return Bound.Error(node);
    }

    private DecisionContext FoldContext => _foldContext ??= new DecisionContext(new EventSchema([]), 0, 0);

    /// <summary>
    /// Wraps a freshly built node; when all its inputs were literals, evaluates it now and returns the literal
    /// result instead (nodes are pure, so this is exactly what evaluation would give at run time).
    /// </summary>
    private Bound Fold(SyntaxNode syntax, EvalNode node, bool inputsConstant)
    {
        if (!inputsConstant || node.IsConstant)
        {
            return Bound.Value(syntax, node);
        }

        var context = FoldContext;
        EvalNode folded;
        switch (node)
        {
            case BoolNode b:
                folded = b.TryEval(context, out var flag) ? (flag ? ConstantBool.True : ConstantBool.False) : AbsentBool.Instance;
                break;
            case NumberNode n:
                folded = n.TryEval(context, out var number) ? new ConstantNumber(number) : AbsentNumber.Instance;
                break;
            default:
                folded = ((StringNode)node).TryEval(context, out var text) ? new ConstantString(text.ToArray()) : AbsentString.Instance;
                break;
        }

        context.ScratchLength = 0;
        return Bound.Value(syntax, folded);
    }
}
