using Jiangwanli.Engine.Rules;

namespace Jiangwanli.Engine.Tests.Rules;

public sealed class RuleCompilerErrorTests
{
    private readonly RuleFixture _fixture = new();

    [Theory]
    // Lexical
    [InlineData("amount = 1", 8, "unexpected '='; did you mean '=='?")]
    [InlineData("amount & 1", 8, "unexpected '&'; did you mean '&&'?")]
    [InlineData("amount | 1", 8, "unexpected '|'; did you mean '||'?")]
    [InlineData("amount > #", 10, "unexpected character '#'")]
    [InlineData("country == 'abc", 12, "unterminated string literal; expected a closing '")]
    [InlineData("country == \"a\\qb\"", 14, "invalid escape sequence '\\q'")]
    [InlineData("country == '\\uD800'", 13, "invalid Unicode code point U+D800")]
    [InlineData("country == '\\u12'", 13, "\\u needs 4 hex digits")]
    [InlineData("seen_at > 10x", 13, "unknown duration unit 'x'; expected ms, s, m, h or d")]
    [InlineData("seen_at > 1h30", 15, "expected a duration unit (ms, s, m, h or d) after the number")]
    [InlineData("amount > 0x", 10, "invalid hexadecimal number")]
    [InlineData("amount > 1e999", 10, "invalid or out-of-range number")]
    // Syntax
    [InlineData("", 1, "expected a condition, found an empty expression")]
    [InlineData("   // only a comment", 21, "expected a condition, found an empty expression")]
    [InlineData("amount > ", 10, "expected a value (a literal, a name, a function call or '('), found end of condition")]
    [InlineData("amount >> 1", 9, "expected a value (a literal, a name, a function call or '('), found '>'")]
    [InlineData("amount > 1 &&", 14, "found end of condition")]
    [InlineData("(amount > 1", 12, "expected ')', found end of condition")]
    [InlineData("amount > 1)", 11, "unexpected ')'; expected an operator or the end of the condition")]
    [InlineData("amount > 5 5", 12, "unexpected number literal; expected an operator or the end of the condition")]
    [InlineData("amount > 1 ? true", 18, "expected ':' of a conditional 'c ? a : b', found end of condition")]
    [InlineData("country in ['a' 'b']", 17, "expected ',' or ']' in the list, found string literal")]
    [InlineData("size(country", 13, "expected ',' or ')' in the argument list, found end of condition")]
    [InlineData("null == amount", 1, "null is not supported; use has(field)")]
    [InlineData("user.name == 'x'", 6, "field selection '.name' is not supported")]
    [InlineData("country.(1)", 9, "expected a method name after '.', found '('")]
    [InlineData("country[0] == 'C'", 8, "indexing with [..] is not supported")]
    // Types
    [InlineData("amount > \"x\"", 10, "expected a number on the right of '>' (the left is a number), found a string")]
    [InlineData("user + 1 == 2", 8, "expected a string on the right of '+' (the left is a string), found a number")]
    [InlineData("amount - 'x' == 2", 10, "expected a number on the right of '-', found a string")]
    [InlineData("is_vip + 1 == 2", 1, "expected a number or a string on the left of '+', found a bool")]
    [InlineData("country * 2 == 2", 1, "expected a number on the left of '*', found a string")]
    [InlineData("is_vip > false", 1, "expected a number or a string on the left of '>' (bools are compared with == and != only), found a bool")]
    [InlineData("country == 5", 12, "expected a string on the right of '==' (the left is a string), found a number")]
    [InlineData("blocked_ips == 'x'", 1, "'blocked_ips' is a list; a list can only be used on the right of 'in' (e.g. ip in blocked_ips)")]
    [InlineData("['a'] == 'x'", 1, "a literal list [..] can only be used on the right of 'in'")]
    [InlineData("amout > 5", 1, "unknown name 'amout'; did you mean 'amount'?")]
    [InlineData("user_txn_1 > 5", 1, "unknown name 'user_txn_1'; did you mean 'user_txn_1h'?")]
    [InlineData("Country == 'CN'", 1, "unknown name 'Country'; did you mean 'country'?")]
    [InlineData("ip in blocked_ip", 7, "unknown name 'blocked_ip'; did you mean 'blocked_ips'?")]
    [InlineData("zzzzzz > 1", 1, "unknown name 'zzzzzz'; expected an event field, a feature or a list of this pack")]
    [InlineData("amount", 1, "a condition must be a bool (true or false), found a number")]
    [InlineData("country + 'x'", 1, "a condition must be a bool (true or false), found a string")]
    [InlineData("!amount", 2, "expected a bool after '!', found a number")]
    [InlineData("-country == 'x'", 2, "expected a number after '-', found a string")]
    [InlineData("country == 'a' && amount", 19, "expected a bool on the right of '&&', found a number")]
    [InlineData("amount || true", 1, "expected a bool on the left of '||', found a number")]
    [InlineData("amount ? true : false", 1, "expected a bool before '?', found a number")]
    [InlineData("amount > 1 ? 'a' : 2", 20, "expected a string after ':' (the same type as after '?'), found a number")]
    [InlineData("country in amount", 12, "expected a list name or a literal list [..] on the right of 'in', found a number")]
    [InlineData("amount in vip_users", 1, "expected a string on the left of 'in' (list 'vip_users' holds strings), found a number")]
    [InlineData("amount in ['a']", 1, "expected a string on the left of 'in' (the list holds strings), found a number")]
    [InlineData("country in ['a', 1]", 18, "expected a string (all elements of a list have the same type), found a number")]
    [InlineData("size(amount) > 1", 6, "expected a string as argument 1 of 'size', found a number")]
    [InlineData("amount.startsWith('x')", 1, "expected a string before '.startsWith(', found a number")]
    [InlineData("email.endsWith(1)", 16, "expected a string as argument 1 of 'endsWith', found a number")]
    [InlineData("abs('x') > 1", 5, "expected a number as argument 1 of 'abs', found a string")]
    [InlineData("startsWith(email)", 1, "'startsWith' takes 2 arguments: startsWith(text, prefix) or text.startsWith(prefix); found 1")]
    [InlineData("min(amount) > 1", 1, "'min' takes at least 2 arguments: min(a, b, ...); found 1")]
    [InlineData("startswith(email, 'a')", 1, "unknown function 'startswith'; did you mean 'startsWith'?")]
    [InlineData("email.startswith('a')", 7, "unknown function 'startswith'; did you mean 'startsWith'?")]
    [InlineData("regex(email, 'a')", 1, "unknown function 'regex'; expected one of has, size, lower")]
    [InlineData("has(amount + 1)", 5, "has() takes one event field or feature name, e.g. has(amount)")]
    [InlineData("has(blocked_ips)", 5, "has() tests event fields and features; 'blocked_ips' is a list")]
    [InlineData("has(amout)", 5, "unknown name 'amout'; did you mean 'amount'?")]
    [InlineData("amount.has()", 8, "has() is not a method; write has(field)")]
    public void Compile_InvalidCondition_ReportsLocatedError(string source, int column, string message)
    {
        var diagnostics = _fixture.Errors(source, ruleId: "burst");
        var first = diagnostics[0];
        Assert.Equal("burst", first.RuleId);
        Assert.Equal(1, first.Line);
        Assert.Equal(column, first.Column);
        Assert.Contains(message, first.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_ErrorOnFirstLine_IsOffsetByBaseColumn()
    {
        var diagnostics = _fixture.Errors("amount > \"x\"", "big", baseLine: 12, baseColumn: 11);
        var error = Assert.Single(diagnostics);
        Assert.Equal(new RuleDiagnostic("big", 12, 20, error.Message), error);
        Assert.Equal($"12:20: rule 'big': {error.Message}", error.ToString());
    }

    [Theory]
    [InlineData("amount > 1 &&\n  country == 5", 8, 14)]
    [InlineData("amount > 1 &&\r\n  country == 5", 8, 14)]
    [InlineData("amount > 1 &&\r  country == 5", 8, 14)]
    [InlineData("amount > 1 // note\n&&\n\tcountry == 5", 9, 13)]
    public void Compile_ErrorOnLaterLine_UsesItsOwnColumn(string source, int line, int column)
    {
        var error = Assert.Single(_fixture.Errors(source, "r", baseLine: 7, baseColumn: 9));
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Contains("expected a string on the right of '=='", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_IndependentTypeErrors_AreAllReported()
    {
        var diagnostics = _fixture.Errors("amout > 1 && contry == 'x' || size(5) > 1");
        Assert.Equal(3, diagnostics.Count);
        Assert.Equal([1, 14, 36], diagnostics.Select(d => d.Column));
    }

    [Fact]
    public void Compile_TypeErrorInsideOperand_IsNotReportedAgainByTheEnclosingOperator()
    {
        var error = Assert.Single(_fixture.Errors("(amount + 'x') * 2 > 1 && true"));
        Assert.Equal(11, error.Column);
    }

    [Fact]
    public void Compile_ManyErrors_AreCapped()
    {
        var source = string.Join(" && ", Enumerable.Range(0, 50).Select(i => $"nope{i} > 1"));
        var diagnostics = _fixture.Errors(source);
        Assert.InRange(diagnostics.Count, 1, 10);
    }

    [Fact]
    public void Compile_DeepNesting_ReportsTooDeepInsteadOfOverflowingTheStack()
    {
        var deep = new string('(', 5000) + "true" + new string(')', 5000);
        Assert.Contains("nested too deeply", Assert.Single(_fixture.Errors(deep)).Message, StringComparison.Ordinal);

        var negations = new string('!', 5000) + "true";
        Assert.Contains("nested too deeply", Assert.Single(_fixture.Errors(negations)).Message, StringComparison.Ordinal);

        var sum = string.Join(" + ", Enumerable.Range(0, 5000).Select(_ => "amount")) + " > 1";
        Assert.Contains("nested too deeply", Assert.Single(_fixture.Errors(sum)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_LongFlatChains_AreNotTooDeep()
    {
        var chain = string.Join(" || ", Enumerable.Range(0, 2000).Select(i => $"amount == {i}"));
        var predicate = _fixture.Compile(chain);
        Assert.True(predicate(_fixture.NewContext().Number(_fixture, "amount", 1999)));
        Assert.False(predicate(_fixture.NewContext().Number(_fixture, "amount", 2000)));
    }
}
