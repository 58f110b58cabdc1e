namespace Jiangwanli.Engine.Rules.Syntax;

/// <summary>
/// One token of a condition. <see cref="Number"/> holds the value of number and duration literals (durations in
/// milliseconds); <see cref="Text"/> holds identifiers and the unescaped text of string literals.
/// </summary>
internal readonly record struct Token(TokenKind Kind, SourcePosition Position, double Number, string? Text)
{
    /// <summary>How the token reads in an error message.</summary>
    public string Describe() => Kind switch
    {
        TokenKind.EndOfInput => "end of condition",
        TokenKind.Number or TokenKind.Duration => "number literal",
        TokenKind.String => "string literal",
        TokenKind.Identifier => $"'{Text}'",
        _ => $"'{Spell(Kind)}'",
    };

    /// <summary>The source spelling of an operator or keyword token.</summary>
    public static string Spell(TokenKind kind) => kind switch
    {
        TokenKind.True => "true",
        TokenKind.False => "false",
        TokenKind.Null => "null",
        TokenKind.In => "in",
        TokenKind.Plus => "+",
        TokenKind.Minus => "-",
        TokenKind.Star => "*",
        TokenKind.Slash => "/",
        TokenKind.Percent => "%",
        TokenKind.Bang => "!",
        TokenKind.EqualEqual => "==",
        TokenKind.BangEqual => "!=",
        TokenKind.Less => "<",
        TokenKind.LessEqual => "<=",
        TokenKind.Greater => ">",
        TokenKind.GreaterEqual => ">=",
        TokenKind.AmpAmp => "&&",
        TokenKind.PipePipe => "||",
        TokenKind.Question => "?",
        TokenKind.Colon => ":",
        TokenKind.LeftParen => "(",
        TokenKind.RightParen => ")",
        TokenKind.LeftBracket => "[",
        TokenKind.RightBracket => "]",
        TokenKind.Comma => ",",
        TokenKind.Dot => ".",
        _ => kind.ToString(),
    };
}
