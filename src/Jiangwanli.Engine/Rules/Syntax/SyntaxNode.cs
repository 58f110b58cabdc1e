namespace Jiangwanli.Engine.Rules.Syntax;

/// <summary>
/// A node of a parsed condition. <see cref="Start"/> is where the node's text begins; <see cref="Anchor"/> is
/// where errors about the node itself point (the operator of a binary node, the name of a call).
/// </summary>
internal abstract class SyntaxNode(SourcePosition start, SourcePosition anchor, int depth)
{
    public SourcePosition Start { get; } = start;

    public SourcePosition Anchor { get; } = anchor;

    /// <summary>Height of the tree under this node (a leaf is 1); bounded by the parser.</summary>
    public int Depth { get; } = depth;
}

internal enum LiteralKind : byte
{
    Number,
    String,
    Bool,
}

internal sealed class LiteralSyntax(SourcePosition start, LiteralKind kind, double number, string? text, bool boolean)
    : SyntaxNode(start, start, 1)
{
    public LiteralKind Kind { get; } = kind;

    public double Number { get; } = number;

    public string? Text { get; } = text;

    public bool Bool { get; } = boolean;
}

internal sealed class NameSyntax(SourcePosition start, string name) : SyntaxNode(start, start, 1)
{
    public string Name { get; } = name;
}

/// <summary><c>!x</c> or <c>-x</c>.</summary>
internal sealed class UnarySyntax(SourcePosition start, TokenKind op, SyntaxNode operand)
    : SyntaxNode(start, start, operand.Depth + 1)
{
    public TokenKind Operator { get; } = op;

    public SyntaxNode Operand { get; } = operand;
}

/// <summary>Arithmetic, comparison and <c>in</c>.</summary>
internal sealed class BinarySyntax(SourcePosition anchor, TokenKind op, SyntaxNode left, SyntaxNode right)
    : SyntaxNode(left.Start, anchor, Math.Max(left.Depth, right.Depth) + 1)
{
    public TokenKind Operator { get; } = op;

    public SyntaxNode Left { get; } = left;

    public SyntaxNode Right { get; } = right;
}

/// <summary>A chain <c>a &amp;&amp; b &amp;&amp; c</c> or <c>a || b || c</c>, kept flat so long chains stay shallow.</summary>
internal sealed class LogicalSyntax(bool isAnd, List<SyntaxNode> operands, List<SourcePosition> operators, int depth)
    : SyntaxNode(operands[0].Start, operators[0], depth)
{
    public bool IsAnd { get; } = isAnd;

    public List<SyntaxNode> Operands { get; } = operands;

    /// <summary>Position of the operator before operand i+1.</summary>
    public List<SourcePosition> Operators { get; } = operators;
}

internal sealed class ConditionalSyntax(SourcePosition anchor, SyntaxNode condition, SyntaxNode whenTrue, SyntaxNode whenFalse)
    : SyntaxNode(condition.Start, anchor, Math.Max(condition.Depth, Math.Max(whenTrue.Depth, whenFalse.Depth)) + 1)
{
    public SyntaxNode Condition { get; } = condition;

    public SyntaxNode WhenTrue { get; } = whenTrue;

    public SyntaxNode WhenFalse { get; } = whenFalse;
}

/// <summary><c>f(a, b)</c>, or the method form <c>a.f(b)</c> (then <see cref="Receiver"/> is <c>a</c>).</summary>
internal sealed class CallSyntax(SourcePosition start, SourcePosition nameAt, string name, SyntaxNode? receiver, List<SyntaxNode> arguments, int depth)
    : SyntaxNode(start, nameAt, depth)
{
    public string Name { get; } = name;

    public SyntaxNode? Receiver { get; } = receiver;

    public List<SyntaxNode> Arguments { get; } = arguments;
}

/// <summary>A literal list <c>[a, b, c]</c>.</summary>
internal sealed class ListSyntax(SourcePosition start, List<SyntaxNode> items, int depth) : SyntaxNode(start, start, depth)
{
    public List<SyntaxNode> Items { get; } = items;
}
