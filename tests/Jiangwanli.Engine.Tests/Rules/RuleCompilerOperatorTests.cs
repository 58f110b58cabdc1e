using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Rules;
using Jiangwanli.Engine.Rules.Evaluation;

namespace Jiangwanli.Engine.Tests.Rules;

public sealed class RuleCompilerOperatorTests
{
    private const double CreatedAt = 1_700_000_000_000;

    private readonly RuleFixture _fixture = new();

    /// <summary>A full event: every field present except <c>tries</c>; all features computed.</summary>
    private DecisionContext FullEvent()
    {
        var context = _fixture.NewContext();
        return context
            .Text(_fixture, "user", "alice")
            .Text(_fixture, "device", "d1")
            .Text(_fixture, "ip", "10.1.2.3")
            .Number(_fixture, "amount", 1500)
            .Text(_fixture, "country", "CN")
            .Text(_fixture, "email", "Alice@Example.COM")
            .Text(_fixture, "name", "Zoë ÅSA")
            .Flag(_fixture, "is_vip", true)
            .Number(_fixture, "created_at", CreatedAt)
            .Number(_fixture, "seen_at", CreatedAt + (2 * 3_600_000))
            .Feature(_fixture, "user_txn_1h", 12)
            .Feature(_fixture, "user_amount_24h", 5000)
            .Feature(_fixture, "device_users_24h", 3);
    }

    private bool Run(string source) => _fixture.Compile(source)(FullEvent());

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("1 == 1.0", true)]
    [InlineData("0x10 == 16", true)]
    [InlineData("1e3 == 1000", true)]
    [InlineData(".5 == 0.5", true)]
    [InlineData("'a' == \"a\"", true)]
    [InlineData("\"tab\\there\" == 'tab\there'", true)]
    [InlineData("'\\u00e9' == 'é'", true)]
    [InlineData("'\\x41\\101' == 'AA'", true)]
    [InlineData("r'a\\n' == 'a\\\\n'", true)]
    [InlineData("size('\\U0001F600') == 1", true)]
    public void Compile_Literals_EvaluateToTheirValues(string source, bool expected) => Assert.Equal(expected, Run(source));

    [Theory]
    [InlineData("amount + 500 == 2000", true)]
    [InlineData("amount - 500 == 1000", true)]
    [InlineData("amount * 2 == 3000", true)]
    [InlineData("amount / 4 == 375", true)]
    [InlineData("amount % 400 == 300", true)]
    [InlineData("-amount == -1500", true)]
    [InlineData("--amount == 1500", true)]
    [InlineData("7 / 2 == 3.5", true)]
    [InlineData("-7 % 3 == -1", true)]
    [InlineData("2 + 3 * 4 == 14", true)]
    [InlineData("(2 + 3) * 4 == 20", true)]
    [InlineData("10 - 4 - 3 == 3", true)]
    [InlineData("user_amount_24h / user_txn_1h > 400", true)]
    [InlineData("amount / 0 > 0", false)]
    [InlineData("amount / 0 < 0", false)]
    [InlineData("amount % 0 == 0", false)]
    public void Compile_Arithmetic_FollowsPrecedenceAndDoubleSemantics(string source, bool expected) => Assert.Equal(expected, Run(source));

    [Theory]
    [InlineData("amount == 1500", true)]
    [InlineData("amount != 1500", false)]
    [InlineData("amount < 1500", false)]
    [InlineData("amount <= 1500", true)]
    [InlineData("amount > 1499.5", true)]
    [InlineData("amount >= 1501", false)]
    [InlineData("1000 < amount", true)]
    [InlineData("2000 <= amount", false)]
    [InlineData("1500 >= amount", true)]
    [InlineData("user_txn_1h > 10", true)]
    [InlineData("10 >= user_txn_1h", false)]
    [InlineData("user_txn_1h < user_amount_24h", true)]
    [InlineData("country == 'CN'", true)]
    [InlineData("'CN' == country", true)]
    [InlineData("country != 'CN'", false)]
    [InlineData("country == 'cn'", false)]
    [InlineData("country < 'DE'", true)]
    [InlineData("country >= 'CN'", true)]
    [InlineData("'b' > 'a'", true)]
    [InlineData("'é' > 'z'", true)]
    [InlineData("country == user", false)]
    [InlineData("user == lower('ALICE')", true)]
    [InlineData("is_vip == true", true)]
    [InlineData("is_vip != true", false)]
    [InlineData("(amount > 1) == is_vip", true)]
    public void Compile_Comparisons_CompareNumbersStringsAndBools(string source, bool expected) => Assert.Equal(expected, Run(source));

    [Theory]
    [InlineData("seen_at - created_at == 2h", true)]
    [InlineData("seen_at > created_at + 1h", true)]
    [InlineData("seen_at < created_at + 1h30m", false)]
    [InlineData("1h == 3600000", true)]
    [InlineData("30m == 1800000", true)]
    [InlineData("10s == 10000", true)]
    [InlineData("7d == 604800000", true)]
    [InlineData("250ms == 250", true)]
    [InlineData("1.5h == 90m", true)]
    [InlineData("1d12h == 36h", true)]
    public void Compile_Durations_AreMilliseconds(string source, bool expected) => Assert.Equal(expected, Run(source));

    [Theory]
    [InlineData("amount > 1000 && country == 'CN'", true)]
    [InlineData("amount > 1000 && country == 'US'", false)]
    [InlineData("amount > 5000 || country == 'CN'", true)]
    [InlineData("amount > 5000 || country == 'US'", false)]
    [InlineData("!(amount > 5000)", true)]
    [InlineData("!is_vip", false)]
    [InlineData("!!is_vip", true)]
    [InlineData("true && true && false", false)]
    [InlineData("false || false || true", true)]
    [InlineData("amount > 1 && (country == 'US' || country == 'CN') && is_vip", true)]
    [InlineData("false || amount > 1 && false", false)]
    [InlineData("is_vip && amount > 1", true)]
    [InlineData("is_vip || false", true)]
    public void Compile_LogicalOperators_CombineConditions(string source, bool expected) => Assert.Equal(expected, Run(source));

    [Theory]
    [InlineData("(amount > 1000 ? 'big' : 'small') == 'big'", true)]
    [InlineData("(amount > 5000 ? 10 : 20) == 20", true)]
    [InlineData("amount > 5000 ? false : is_vip", true)]
    [InlineData("(amount > 5000 ? 1 : amount > 1000 ? 2 : 3) == 2", true)]
    [InlineData("(amount > 1000 ? amount > 5000 ? 1 : 2 : 3) == 2", true)]
    [InlineData("(true ? 1 : 2) == 1", true)]
    public void Compile_Conditional_ChoosesABranch(string source, bool expected) => Assert.Equal(expected, Run(source));

    [Theory]
    [InlineData("country in ['CN', 'HK']", true)]
    [InlineData("country in ['US', 'DE']", false)]
    [InlineData("country in []", false)]
    [InlineData("amount in [1, 1500, 3]", true)]
    [InlineData("amount in [1, 2, 3]", false)]
    [InlineData("is_vip in [true]", true)]
    [InlineData("is_vip in [false]", false)]
    [InlineData("user in vip_users", true)]
    [InlineData("country in vip_users", false)]
    [InlineData("ip in blocked_ips", true)]
    [InlineData("device in blocked_ips", false)]
    [InlineData("lower(email) in ['alice@example.com']", true)]
    [InlineData("country in [user, 'XX', lower('CN').size() == 2 ? 'CN' : 'YY']", true)]
    [InlineData("amount in [user_txn_1h, 1500]", true)]
    [InlineData("'alice' in vip_users", true)]
    [InlineData("!(country in ['US'])", true)]
    public void Compile_In_TestsMembership(string source, bool expected) => Assert.Equal(expected, Run(source));

    [Fact]
    public void Compile_InLargeLiteralList_UsesHashedLookupAndFindsEveryEntry()
    {
        var codes = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            codes.Add($"'C{i}'");
        }

        codes.Add("'CN'");
        var predicate = _fixture.Compile($"country in [{string.Join(", ", codes)}]");
        Assert.True(predicate(FullEvent()));
        var other = _fixture.NewContext().Text(_fixture, "country", "C200x");
        Assert.False(predicate(other));
        for (var i = 0; i < 200; i += 17)
        {
            Assert.True(predicate(_fixture.NewContext().Text(_fixture, "country", $"C{i}")));
        }
    }

    [Fact]
    public void Compile_InLargeNumberList_FindsMembers()
    {
        var values = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            values.Add((i * 100).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var predicate = _fixture.Compile($"amount in [{string.Join(",", values)}]");
        Assert.True(predicate(FullEvent()));
        Assert.False(predicate(_fixture.NewContext().Number(_fixture, "amount", 1501)));
        Assert.True(predicate(_fixture.NewContext().Number(_fixture, "amount", -0.0)));
    }

    [Theory]
    [InlineData("size(country) == 2", true)]
    [InlineData("country.size() == 2", true)]
    [InlineData("size(name) == 7", true)]
    [InlineData("size('') == 0", true)]
    [InlineData("startsWith(email, 'Alice')", true)]
    [InlineData("email.startsWith('alice')", false)]
    [InlineData("email.endsWith('.COM')", true)]
    [InlineData("endsWith(email, 'com')", false)]
    [InlineData("email.contains('@')", true)]
    [InlineData("contains(email, '#')", false)]
    [InlineData("email.contains('')", true)]
    [InlineData("email.startsWith(user)", false)]
    [InlineData("lower(email).startsWith(user)", true)]
    [InlineData("lower(email) == 'alice@example.com'", true)]
    [InlineData("email.lower().endsWith('.com')", true)]
    [InlineData("lower(name) == 'zoë åsa'", true)]
    [InlineData("lower('İSTANBUL') == 'İstanbul'", true)]
    [InlineData("lower('ȺB') == 'ⱥb'", true)]
    [InlineData("abs(-amount) == 1500", true)]
    [InlineData("abs(3 - amount) == 1497", true)]
    [InlineData("min(amount, 10) == 10", true)]
    [InlineData("max(amount, 10) == 1500", true)]
    [InlineData("min(5, amount, 2, user_txn_1h) == 2", true)]
    [InlineData("max(1, 2, 3) == 3", true)]
    [InlineData("country + '-' + user == 'CN-alice'", true)]
    [InlineData("(country + ':' + 'x').size() == 4", true)]
    [InlineData("has(amount)", true)]
    [InlineData("has(tries)", false)]
    [InlineData("has(user_txn_1h)", true)]
    public void Compile_Functions_ComputeTheirResults(string source, bool expected) => Assert.Equal(expected, Run(source));

    [Fact]
    public void Compile_LowerOfInvalidUtf8_CopiesInvalidBytesUnchanged()
    {
        var predicate = _fixture.Compile("size(lower(name)) == 3");
        var context = _fixture.NewContext();
        var field = _fixture.Field("name");
        byte[] bytes = [(byte)'A', 0xFF, (byte)'B'];
        context.Present[field.Index] = true;
        context.StringOffsets[field.Slot] = context.AppendText(bytes);
        context.StringLengths[field.Slot] = bytes.Length;
        Assert.True(predicate(context));
        Assert.Equal([(byte)'a', 0xFF, (byte)'b'], Lower.LowerInto(context, bytes).ToArray());
    }

    [Fact]
    public void Compile_AndChain_ShortCircuitsOnFirstFalse()
    {
        // lower() rents scratch space, so evaluating it is observable.
        var predicate = _fixture.Compile("amount > 2000 && lower(email) == 'alice@example.com'");
        var context = FullEvent();
        Assert.False(predicate(context));
        Assert.Equal(0, context.ScratchLength);

        context.Numbers[_fixture.Field("amount").Slot] = 3000;
        Assert.True(predicate(context));
        Assert.NotEqual(0, context.ScratchLength);
    }

    [Fact]
    public void Compile_OrChain_ShortCircuitsOnFirstTrue()
    {
        var predicate = _fixture.Compile("amount > 1000 || lower(email) == 'x' || lower(name) == 'y'");
        var context = FullEvent();
        Assert.True(predicate(context));
        Assert.Equal(0, context.ScratchLength);

        context.Numbers[_fixture.Field("amount").Slot] = 1;
        Assert.False(predicate(context));
        Assert.Equal("Alice@Example.COM".Length + "Zoë ÅSA"u8.Length, context.ScratchLength);
    }

    [Fact]
    public void Compile_Conditional_EvaluatesOnlyTheChosenBranch()
    {
        var predicate = _fixture.Compile("(amount > 1000 ? country : lower(email)) == 'CN'");
        var context = FullEvent();
        Assert.True(predicate(context));
        Assert.Equal(0, context.ScratchLength);
    }

    [Fact]
    public void Compile_NamedList_SeesEntriesReplacedAfterCompilation()
    {
        var fixture = new RuleFixture();
        var predicate = fixture.Compile("user in vip_users");
        var context = fixture.NewContext().Text(fixture, "user", "carol");
        Assert.False(predicate(context));

        fixture.VipUsers.Replace(["carol"]);
        Assert.True(predicate(context));
    }

    [Theory]
    [InlineData("1 + 2 * 3 == 7", true)]
    [InlineData("size('abc') > 2 && lower('X') == 'x'", true)]
    [InlineData("'a' in ['b', 'c']", false)]
    [InlineData("1h > 30m ? true : false", true)]
    [InlineData("amount > 1 || true", true)]
    [InlineData("amount > 1 && false", false)]
    [InlineData("1 / 0 == 1 / 0", false)]
    [InlineData("!(1 / 0 > 0)", true)]
    public void CompileTree_LiteralSubexpressions_FoldToAConstant(string source, bool expected)
    {
        var node = RuleCompiler.CompileTree(source, _fixture.Environment, new());
        var constant = Assert.IsType<ConstantBool>(node);
        Assert.Equal(expected, constant.Value);
    }

    [Fact]
    public void CompileTree_FieldComparedWithLiteralExpression_UsesFusedNodeWithFoldedConstant()
    {
        var node = RuleCompiler.CompileTree("2 * 500 < amount", _fixture.Environment, new());
        Assert.IsType<NumberFieldCompareConstant<GreaterThan>>(node);
        node = RuleCompiler.CompileTree("user_txn_1h >= 10", _fixture.Environment, new());
        Assert.IsType<FeatureCompareConstant<GreaterOrEqual>>(node);
        node = RuleCompiler.CompileTree("'C' + 'N' == country", _fixture.Environment, new());
        Assert.IsType<StringFieldEqualsConstant>(node);
        node = RuleCompiler.CompileTree("ip in blocked_ips", _fixture.Environment, new());
        Assert.IsType<StringFieldInNamedList>(node);
        node = RuleCompiler.CompileTree("country in ['CN', 'HK']", _fixture.Environment, new());
        Assert.IsType<StringFieldInSet>(node);
        node = RuleCompiler.CompileTree("lower(country) in ['cn', 'hk']", _fixture.Environment, new());
        Assert.IsType<StringInSet>(node);
    }

    [Fact]
    public void CompileTree_NestedChains_AreFlattened()
    {
        var node = RuleCompiler.CompileTree("amount > 1 && (country == 'CN' && (is_vip && has(tries)))", _fixture.Environment, new());
        Assert.IsType<AllOf>(node);
    }

    [Fact]
    public void Compile_Comments_AndLineBreaks_AreIgnored()
    {
        var predicate = _fixture.Compile("amount > 1000 // big\r\n  && country == 'CN' // and local\n");
        Assert.True(predicate(FullEvent()));
    }
}
