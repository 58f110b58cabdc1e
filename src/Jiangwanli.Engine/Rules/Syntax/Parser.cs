namespace Jiangwanli.Engine.Rules.Syntax;

/// <summary>
/// Recursive-descent parser for the condition grammar (see docs/rule-language.md):
/// <code>
/// expr     = or [ "?" expr ":" expr ]
/// or       = and { "||" and }
/// and      = relation { "&amp;&amp;" relation }
/// relation = sum { ("==" | "!=" | "&lt;" | "&lt;=" | "&gt;" | "&gt;=" | "in") sum }
/// sum      = product { ("+" | "-") product }
/// product  = unary { ("*" | "/" | "%") unary }
/// unary    = ("!" | "-") unary | member
/// member   = primary { "." IDENT "(" [args] ")" }
/// primary  = NUMBER | DURATION | STRING | "true" | "false" | IDENT | IDENT "(" [args] ")" | "(" expr ")" | "[" [args] [","] "]"
/// </code>
/// Reports only the first syntax error: after it, the cursor jumps to the end so every loop unwinds at once.
/// </summary>
internal sealed class Parser
{
    /// <summary>Deepest nesting a condition may have; bounds the recursion of parsing, binding and evaluation.</summary>
    public const int MaxDepth = 100;

    private static readonly LiteralSyntax s_placeholder = new(new SourcePosition(1, 1), LiteralKind.Bool, 0, null, false);

    private readonly List<Token> _tokens;
    private readonly RuleErrors _errors;
    private int _pos;
    private int _nesting;
    private bool _failed;

    private Parser(List<Token> tokens, RuleErrors errors)
    {
        _tokens = tokens;
        _errors = errors;
    }

    /// <summary>Parses a whole condition; null when a syntax error was reported.</summary>
    public static SyntaxNode? Parse(List<Token> tokens, RuleErrors errors)
    {
        var parser = new Parser(tokens, errors);
        if (parser.Current.Kind == TokenKind.EndOfInput)
        {
            errors.Add(parser.Current.Position, "expected a condition, found an empty expression");
            return null;
        }

        var tree = parser.ParseExpression();
        if (!parser._failed && parser.Current.Kind != TokenKind.EndOfInput)
        {
            parser.Fail(parser.Current.Position, $"unexpected {parser.Current.Describe()}; expected an operator or the end of the condition");
        }

        return parser._failed ? null : tree;
    }

    private Token Current => _tokens[_pos];

    private Token Advance()
    {
        var token = _tokens[_pos];
        if (_pos < _tokens.Count - 1)
        {
            _pos++;
        }

        return token;
    }

    private LiteralSyntax Fail(SourcePosition at, string message)
    {
        if (!_failed)
        {
            _failed = true;
            _errors.Add(at, message);
            _pos = _tokens.Count - 1; // the end-of-input token: every loop below stops there
        }

        return s_placeholder;
    }

    private bool Expect(TokenKind kind, string what)
    {
        if (Current.Kind == kind)
        {
            Advance();
            return true;
        }

        if (!_failed)
        {
            Fail(Current.Position, $"expected {what}, found {Current.Describe()}");
        }

        return false;
    }

    private SyntaxNode Checked(SyntaxNode node)
        => node.Depth > MaxDepth
            ? Fail(node.Anchor, $"expression is nested too deeply (more than {MaxDepth} levels); split it into simpler parts")
            : node;

    private SyntaxNode ParseExpression()
    {
        if (++_nesting > MaxDepth)
        {
            return Fail(Current.Position, $"expression is nested too deeply (more than {MaxDepth} levels); split it into simpler parts");
        }

        try
        {
            var condition = ParseLogical(isAnd: false);
            if (Current.Kind != TokenKind.Question)
            {
                return condition;
            }

            // CEL allows only an or-expression between '?' and ':'; a nested conditional there is accepted too.
            var anchor = Advance().Position;
            var whenTrue = ParseExpression();
            if (!Expect(TokenKind.Colon, "':' of a conditional 'c ? a : b'"))
            {
                return s_placeholder;
            }

            var whenFalse = ParseExpression();
            return Checked(new ConditionalSyntax(anchor, condition, whenTrue, whenFalse));
        }
        finally
        {
            _nesting--;
        }
    }

    private SyntaxNode ParseLogical(bool isAnd)
    {
        var op = isAnd ? TokenKind.AmpAmp : TokenKind.PipePipe;
        var first = isAnd ? ParseRelation() : ParseLogical(isAnd: true);
        if (Current.Kind != op)
        {
            return first;
        }

        var operands = new List<SyntaxNode> { first };
        var operators = new List<SourcePosition>();
        var depth = first.Depth;
        while (Current.Kind == op)
        {
            operators.Add(Advance().Position);
            var operand = isAnd ? ParseRelation() : ParseLogical(isAnd: true);
            operands.Add(operand);
            depth = Math.Max(depth, operand.Depth);
        }

        return Checked(new LogicalSyntax(isAnd, operands, operators, depth + 1));
    }

    private SyntaxNode ParseRelation()
    {
        var left = ParseSum();
        while (Current.Kind is TokenKind.EqualEqual or TokenKind.BangEqual or TokenKind.Less or TokenKind.LessEqual
               or TokenKind.Greater or TokenKind.GreaterEqual or TokenKind.In)
        {
            var op = Advance();
            var right = ParseSum();
            left = Checked(new BinarySyntax(op.Position, op.Kind, left, right));
        }

        return left;
    }

    private SyntaxNode ParseSum()
    {
        var left = ParseProduct();
        while (Current.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            var op = Advance();
            var right = ParseProduct();
            left = Checked(new BinarySyntax(op.Position, op.Kind, left, right));
        }

        return left;
    }

    private SyntaxNode ParseProduct()
    {
        var left = ParseUnary();
        while (Current.Kind is TokenKind.Star or TokenKind.Slash or TokenKind.Percent)
        {
            var op = Advance();
            var right = ParseUnary();
            left = Checked(new BinarySyntax(op.Position, op.Kind, left, right));
        }

        return left;
    }

    private SyntaxNode ParseUnary()
    {
        if (Current.Kind is not (TokenKind.Bang or TokenKind.Minus))
        {
            return ParseMember();
        }

        if (++_nesting > MaxDepth)
        {
            return Fail(Current.Position, $"expression is nested too deeply (more than {MaxDepth} levels); split it into simpler parts");
        }

        try
        {
            var op = Advance();
            var operand = ParseUnary();
            return Checked(new UnarySyntax(op.Position, op.Kind, operand));
        }
        finally
        {
            _nesting--;
        }
    }

    private SyntaxNode ParseMember()
    {
        var node = ParsePrimary();
        while (!_failed)
        {
            if (Current.Kind == TokenKind.Dot)
            {
                Advance();
                if (Current.Kind != TokenKind.Identifier)
                {
                    return Fail(Current.Position, $"expected a method name after '.', found {Current.Describe()}");
                }

                var name = Advance();
                if (Current.Kind != TokenKind.LeftParen)
                {
                    return Fail(name.Position, $"field selection '.{name.Text}' is not supported; only a method call such as .startsWith(\"x\") may follow '.'");
                }

                var arguments = ParseArguments(out var depth);
                node = Checked(new CallSyntax(node.Start, name.Position, name.Text!, node, arguments, Math.Max(depth, node.Depth) + 1));
            }
            else if (Current.Kind == TokenKind.LeftBracket)
            {
                return Fail(Current.Position, "indexing with [..] is not supported");
            }
            else
            {
                break;
            }
        }

        return node;
    }

    /// <summary>Parses <c>( [expr {, expr}] )</c> with the cursor on the '('.</summary>
    private List<SyntaxNode> ParseArguments(out int depth)
    {
        Advance(); // (
        var arguments = new List<SyntaxNode>();
        depth = 0;
        if (Current.Kind == TokenKind.RightParen)
        {
            Advance();
            return arguments;
        }

        while (!_failed)
        {
            var argument = ParseExpression();
            arguments.Add(argument);
            depth = Math.Max(depth, argument.Depth);
            if (Current.Kind == TokenKind.Comma)
            {
                Advance();
                continue;
            }

            Expect(TokenKind.RightParen, "',' or ')' in the argument list");
            break;
        }

        return arguments;
    }

    private SyntaxNode ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Number or TokenKind.Duration:
                Advance();
                return new LiteralSyntax(token.Position, LiteralKind.Number, token.Number, null, false);
            case TokenKind.String:
                Advance();
                return new LiteralSyntax(token.Position, LiteralKind.String, 0, token.Text, false);
            case TokenKind.True or TokenKind.False:
                Advance();
                return new LiteralSyntax(token.Position, LiteralKind.Bool, 0, null, token.Kind == TokenKind.True);
            case TokenKind.Null:
                return Fail(token.Position, "null is not supported; use has(field) to test whether a field is present");
            case TokenKind.Identifier:
                Advance();
                if (Current.Kind != TokenKind.LeftParen)
                {
                    return new NameSyntax(token.Position, token.Text!);
                }

                var arguments = ParseArguments(out var depth);
                return Checked(new CallSyntax(token.Position, token.Position, token.Text!, null, arguments, depth + 1));
            case TokenKind.LeftParen:
                Advance();
                var inner = ParseExpression();
                Expect(TokenKind.RightParen, "')'");
                return inner;
            case TokenKind.LeftBracket:
                return ParseList();
            default:
                return Fail(token.Position, $"expected a value (a literal, a name, a function call or '('), found {token.Describe()}");
        }
    }

    private SyntaxNode ParseList()
    {
        var open = Advance();
        var items = new List<SyntaxNode>();
        var depth = 0;
        while (!_failed && Current.Kind != TokenKind.RightBracket)
        {
            var item = ParseExpression();
            items.Add(item);
            depth = Math.Max(depth, item.Depth);
            if (Current.Kind == TokenKind.Comma)
            {
                Advance();
                continue;
            }

            break;
        }

        Expect(TokenKind.RightBracket, "',' or ']' in the list");
        return Checked(new ListSyntax(open.Position, items, depth + 1));
    }
}
