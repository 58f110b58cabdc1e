using Jiangwanli.Engine.Lists;
using Jiangwanli.Engine.Rules.Evaluation;
using Jiangwanli.Engine.Rules.Syntax;

namespace Jiangwanli.Engine.Rules.Binding;

/// <summary>The result of type-checking one sub-expression: its type and its compiled node (or list).</summary>
internal sealed class Bound
{
    private Bound(SyntaxNode syntax, RuleType type)
    {
        Syntax = syntax;
        Type = type;
    }

    public SyntaxNode Syntax { get; }

    public RuleType Type { get; }

    /// <summary>The compiled value for <see cref="RuleType.Bool"/>, <see cref="RuleType.Number"/> and <see cref="RuleType.String"/>.</summary>
    public EvalNode? Node { get; private init; }

    /// <summary>For <see cref="RuleType.NamedList"/>.</summary>
    public NamedList? List { get; private init; }

    public string? ListName { get; private init; }

    /// <summary>For <see cref="RuleType.LiteralList"/>: its elements (all of <see cref="ItemType"/>).</summary>
    public IReadOnlyList<Bound>? Items { get; private init; }

    /// <summary>For <see cref="RuleType.LiteralList"/>: the element type, or <see cref="RuleType.Error"/> when empty.</summary>
    public RuleType ItemType { get; private init; }

    public bool IsConstant => Node is { IsConstant: true };

    public static Bound Error(SyntaxNode syntax) => new(syntax, RuleType.Error);

    public static Bound Value(SyntaxNode syntax, EvalNode node) => new(syntax, TypeOf(node)) { Node = node };

    public static Bound ForList(SyntaxNode syntax, string name, NamedList list) => new(syntax, RuleType.NamedList) { List = list, ListName = name };

    public static Bound ForLiteralList(SyntaxNode syntax, IReadOnlyList<Bound> items, RuleType itemType)
        => new(syntax, RuleType.LiteralList) { Items = items, ItemType = itemType };

    public static RuleType TypeOf(EvalNode node) => node switch
    {
        BoolNode => RuleType.Bool,
        NumberNode => RuleType.Number,
        StringNode => RuleType.String,
        _ => RuleType.Error,
    };

    /// <summary>How the type reads in an error message.</summary>
    public string Describe() => Type switch
    {
        RuleType.NamedList => $"list '{ListName}'",
        _ => Describe(Type),
    };

    public static string Describe(RuleType type) => type switch
    {
        RuleType.Bool => "a bool",
        RuleType.Number => "a number",
        RuleType.String => "a string",
        RuleType.NamedList => "a list",
        RuleType.LiteralList => "a literal list",
        _ => "an invalid expression",
    };
}
