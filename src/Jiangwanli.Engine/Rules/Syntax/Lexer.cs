using System.Globalization;
using System.Text;

namespace Jiangwanli.Engine.Rules.Syntax;

/// <summary>
/// Splits a condition into tokens. Stops at the first lexical error (reported with its position) and ends the
/// token list with <see cref="TokenKind.EndOfInput"/> in every case, so the parser never runs off the end.
/// </summary>
/// <remarks>
/// Columns count UTF-16 code units from 1; a tab is one column. Line breaks are <c>\n</c>, <c>\r\n</c> or <c>\r</c>.
/// </remarks>
internal sealed class Lexer
{
    private readonly string _source;
    private readonly RuleErrors _errors;
    private readonly List<Token> _tokens = [];
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    private Lexer(string source, RuleErrors errors)
    {
        _source = source;
        _errors = errors;
    }

    /// <summary>Tokenizes <paramref name="source"/>; on error the list ends early (errors were added).</summary>
    public static List<Token> Tokenize(string source, RuleErrors errors)
    {
        var lexer = new Lexer(source, errors);
        lexer.Run();
        return lexer._tokens;
    }

    private SourcePosition Here => new(_line, _pos - _lineStart + 1);

    private char Peek(int ahead = 0) => _pos + ahead < _source.Length ? _source[_pos + ahead] : '\0';

    private void Run()
    {
        while (true)
        {
            SkipTrivia();
            if (_pos >= _source.Length)
            {
                _tokens.Add(new Token(TokenKind.EndOfInput, Here, 0, null));
                return;
            }

            if (!LexOne())
            {
                _tokens.Add(new Token(TokenKind.EndOfInput, Here, 0, null));
                return;
            }
        }
    }

    private void SkipTrivia()
    {
        while (_pos < _source.Length)
        {
            var c = _source[_pos];
            if (c == '\n' || c == '\r')
            {
                _pos++;
                if (c == '\r' && Peek() == '\n')
                {
                    _pos++;
                }

                _line++;
                _lineStart = _pos;
            }
            else if (c == ' ' || c == '\t' || c == '\f' || c == '\v')
            {
                _pos++;
            }
            else if (c == '/' && Peek(1) == '/')
            {
                // Line comment: up to (not including) the line break, which the loop then counts.
                while (_pos < _source.Length && _source[_pos] != '\n' && _source[_pos] != '\r')
                {
                    _pos++;
                }
            }
            else
            {
                return;
            }
        }
    }

    private bool LexOne()
    {
        var start = Here;
        var c = _source[_pos];
        if (IsDigit(c) || (c == '.' && IsDigit(Peek(1))))
        {
            return LexNumber(start);
        }

        if (c == '"' || c == '\'')
        {
            return LexString(start, raw: false);
        }

        if ((c == 'r' || c == 'R') && (Peek(1) == '"' || Peek(1) == '\''))
        {
            _pos++;
            return LexString(start, raw: true);
        }

        if (IsIdentStart(c))
        {
            var begin = _pos;
            while (_pos < _source.Length && IsIdentPart(_source[_pos]))
            {
                _pos++;
            }

            var text = _source[begin.._pos];
            var kind = text switch
            {
                "true" => TokenKind.True,
                "false" => TokenKind.False,
                "null" => TokenKind.Null,
                "in" => TokenKind.In,
                _ => TokenKind.Identifier,
            };
            _tokens.Add(new Token(kind, start, 0, text));
            return true;
        }

        var next = Peek(1);
        TokenKind op;
        var length = 1;
        switch (c)
        {
            case '+': op = TokenKind.Plus; break;
            case '-': op = TokenKind.Minus; break;
            case '*': op = TokenKind.Star; break;
            case '/': op = TokenKind.Slash; break;
            case '%': op = TokenKind.Percent; break;
            case '?': op = TokenKind.Question; break;
            case ':': op = TokenKind.Colon; break;
            case '(': op = TokenKind.LeftParen; break;
            case ')': op = TokenKind.RightParen; break;
            case '[': op = TokenKind.LeftBracket; break;
            case ']': op = TokenKind.RightBracket; break;
            case ',': op = TokenKind.Comma; break;
            case '.': op = TokenKind.Dot; break;
            case '!':
                (op, length) = next == '=' ? (TokenKind.BangEqual, 2) : (TokenKind.Bang, 1);
                break;
            case '<':
                (op, length) = next == '=' ? (TokenKind.LessEqual, 2) : (TokenKind.Less, 1);
                break;
            case '>':
                (op, length) = next == '=' ? (TokenKind.GreaterEqual, 2) : (TokenKind.Greater, 1);
                break;
            case '=':
                if (next != '=')
                {
                    _errors.Add(start, "unexpected '='; did you mean '=='?");
                    return false;
                }

                (op, length) = (TokenKind.EqualEqual, 2);
                break;
            case '&':
                if (next != '&')
                {
                    _errors.Add(start, "unexpected '&'; did you mean '&&'?");
                    return false;
                }

                (op, length) = (TokenKind.AmpAmp, 2);
                break;
            case '|':
                if (next != '|')
                {
                    _errors.Add(start, "unexpected '|'; did you mean '||'?");
                    return false;
                }

                (op, length) = (TokenKind.PipePipe, 2);
                break;
            default:
                _errors.Add(start, $"unexpected character {DescribeChar(c)}");
                return false;
        }

        _pos += length;
        _tokens.Add(new Token(op, start, 0, null));
        return true;
    }

    private bool LexNumber(SourcePosition start)
    {
        double total = 0;
        var isDuration = false;
        while (true)
        {
            if (!ScanNumber(start, out var value, out var isHex))
            {
                return false;
            }

            if (!IsIdentStart(Peek()))
            {
                if (isDuration)
                {
                    // "1h30" : a compound duration must give every part a unit.
                    _errors.Add(Here, "expected a duration unit (ms, s, m, h or d) after the number");
                    return false;
                }

                _tokens.Add(new Token(TokenKind.Number, start, value, null));
                return true;
            }

            var unitStart = Here;
            var begin = _pos;
            while (_pos < _source.Length && IsIdentPart(_source[_pos]) && !IsDigit(_source[_pos]))
            {
                _pos++;
            }

            var unit = _source[begin.._pos];
            double scale = unit switch
            {
                "ms" => 1,
                "s" => 1_000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                _ => 0,
            };
            if (scale == 0 || isHex)
            {
                _errors.Add(unitStart, isHex
                    ? "a hexadecimal number cannot carry a duration unit"
                    : $"unknown duration unit '{unit}'; expected ms, s, m, h or d (e.g. 30m, 1h, 7d)");
                return false;
            }

            total += value * scale;
            isDuration = true;
            if (!IsDigit(Peek()))
            {
                if (IsIdentPart(Peek()))
                {
                    _errors.Add(Here, $"unexpected '{Peek()}' after duration");
                    return false;
                }

                _tokens.Add(new Token(TokenKind.Duration, start, total, null));
                return true;
            }
        }
    }

    /// <summary>Scans decimal (with optional fraction and exponent) or 0x-hexadecimal digits at the cursor.</summary>
    private bool ScanNumber(SourcePosition start, out double value, out bool isHex)
    {
        var begin = _pos;
        isHex = false;
        if (Peek() == '0' && (Peek(1) == 'x' || Peek(1) == 'X'))
        {
            isHex = true;
            _pos += 2;
            var digitsStart = _pos;
            while (_pos < _source.Length && char.IsAsciiHexDigit(_source[_pos]))
            {
                _pos++;
            }

            if (_pos == digitsStart || _pos - digitsStart > 16
                || !ulong.TryParse(_source.AsSpan(digitsStart, _pos - digitsStart), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
            {
                _errors.Add(start, "invalid hexadecimal number");
                value = 0;
                return false;
            }

            value = hex;
            return true;
        }

        while (IsDigit(Peek()))
        {
            _pos++;
        }

        if (Peek() == '.' && IsDigit(Peek(1)))
        {
            _pos++;
            while (IsDigit(Peek()))
            {
                _pos++;
            }
        }

        if ((Peek() == 'e' || Peek() == 'E')
            && (IsDigit(Peek(1)) || ((Peek(1) == '+' || Peek(1) == '-') && IsDigit(Peek(2)))))
        {
            _pos += 2;
            while (IsDigit(Peek()))
            {
                _pos++;
            }
        }

        if (!double.TryParse(_source.AsSpan(begin, _pos - begin), NumberStyles.Float, CultureInfo.InvariantCulture, out value)
            || !double.IsFinite(value))
        {
            _errors.Add(start, "invalid or out-of-range number");
            return false;
        }

        return true;
    }

    private bool LexString(SourcePosition start, bool raw)
    {
        var quote = _source[_pos];
        _pos++;
        var text = new StringBuilder();
        while (true)
        {
            if (_pos >= _source.Length || _source[_pos] == '\n' || _source[_pos] == '\r')
            {
                _errors.Add(start, $"unterminated string literal; expected a closing {quote}");
                return false;
            }

            var c = _source[_pos];
            if (c == quote)
            {
                _pos++;
                _tokens.Add(new Token(TokenKind.String, start, 0, text.ToString()));
                return true;
            }

            if (c != '\\' || raw)
            {
                text.Append(c);
                _pos++;
                continue;
            }

            if (!LexEscape(text))
            {
                return false;
            }
        }
    }

    private bool LexEscape(StringBuilder text)
    {
        var at = Here;
        _pos++; // the backslash
        var e = Peek();
        _pos++;
        switch (e)
        {
            case '\\': text.Append('\\'); return true;
            case '"': text.Append('"'); return true;
            case '\'': text.Append('\''); return true;
            case '`': text.Append('`'); return true;
            case '?': text.Append('?'); return true;
            case 'n': text.Append('\n'); return true;
            case 'r': text.Append('\r'); return true;
            case 't': text.Append('\t'); return true;
            case 'a': text.Append('\a'); return true;
            case 'b': text.Append('\b'); return true;
            case 'f': text.Append('\f'); return true;
            case 'v': text.Append('\v'); return true;
            case 'x' or 'X': return AppendCodePoint(text, at, ReadDigits(2, 16), "\\x needs 2 hex digits");
            case 'u': return AppendCodePoint(text, at, ReadDigits(4, 16), "\\u needs 4 hex digits");
            case 'U': return AppendCodePoint(text, at, ReadDigits(8, 16), "\\U needs 8 hex digits");
            case >= '0' and <= '3':
                _pos--;
                return AppendCodePoint(text, at, ReadDigits(3, 8), "an octal escape needs 3 digits (\\000 to \\377)");
            default:
                _errors.Add(at, e == '\0' && _pos > _source.Length
                    ? "unterminated escape sequence"
                    : $"invalid escape sequence '\\{e}'; expected one of \\\\ \\\" \\' \\n \\r \\t \\xHH \\uHHHH");
                return false;
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> digits in <paramref name="radix"/>; -1 when they are not there.</summary>
    private long ReadDigits(int count, int radix)
    {
        long value = 0;
        for (var i = 0; i < count; i++)
        {
            var c = Peek();
            int digit;
            if (IsDigit(c) && c - '0' < radix)
            {
                digit = c - '0';
            }
            else if (radix == 16 && char.IsAsciiHexDigit(c))
            {
                digit = (c | 0x20) - 'a' + 10;
            }
            else
            {
                return -1;
            }

            value = (value * radix) + digit;
            _pos++;
        }

        return value;
    }

    private bool AppendCodePoint(StringBuilder text, SourcePosition at, long codePoint, string malformed)
    {
        if (codePoint < 0)
        {
            _errors.Add(at, malformed);
            return false;
        }

        if (!Rune.IsValid(codePoint > int.MaxValue ? -1 : (int)codePoint))
        {
            _errors.Add(at, $"escape denotes an invalid Unicode code point U+{codePoint:X}");
            return false;
        }

        text.Append(new Rune((int)codePoint).ToString());
        return true;
    }

    private static bool IsDigit(char c) => c is >= '0' and <= '9';

    private static bool IsIdentStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsIdentPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static string DescribeChar(char c)
        => char.IsControl(c) || char.IsSurrogate(c) || char.IsWhiteSpace(c)
            ? $"U+{(int)c:X4}"
            : $"'{c}'";
}
