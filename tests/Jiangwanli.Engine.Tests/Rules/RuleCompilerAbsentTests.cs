namespace Jiangwanli.Engine.Tests.Rules;

/// <summary>
/// The absent-value rules of docs/rule-language.md: an absent operand makes arithmetic and functions absent and
/// comparisons, <c>in</c> and string tests false; <c>!</c> negates that false; a bool field that is absent is false
/// as a condition but still absent (not equal to anything) in <c>==</c>/<c>!=</c>.
/// </summary>
public sealed class RuleCompilerAbsentTests
{
    private readonly RuleFixture _fixture = new();

    private bool OnEmptyEvent(string source) => _fixture.Compile(source)(_fixture.NewContext());

    [Theory]
    [InlineData("amount > 5", false)]
    [InlineData("amount <= 5", false)]
    [InlineData("amount == 0", false)]
    [InlineData("amount != 0", false)]
    [InlineData("0 < amount", false)]
    [InlineData("amount == amount", false)]
    [InlineData("seen_at - created_at < 1h", false)]
    [InlineData("user_txn_1h > 0", false)]
    [InlineData("user_txn_1h == 0", false)]
    [InlineData("user_txn_1h < user_amount_24h", false)]
    [InlineData("country == 'CN'", false)]
    [InlineData("country != 'CN'", false)]
    [InlineData("country < 'Z'", false)]
    [InlineData("country == country", false)]
    [InlineData("is_vip == false", false)]
    [InlineData("is_vip != true", false)]
    public void Compile_ComparisonWithAbsentValue_IsFalse(string source, bool expected) => Assert.Equal(expected, OnEmptyEvent(source));

    [Theory]
    [InlineData("!(amount > 5)", true)]
    [InlineData("!(amount == 0)", true)]
    [InlineData("!(country != 'CN')", true)]
    [InlineData("!(country in ['CN'])", true)]
    [InlineData("!is_vip", true)]
    [InlineData("!!is_vip", false)]
    [InlineData("!has(amount)", true)]
    public void Compile_NotOfAbsentComparison_IsTrue(string source, bool expected) => Assert.Equal(expected, OnEmptyEvent(source));

    [Theory]
    [InlineData("amount + 1 > 0", false)]
    [InlineData("-amount < 1", false)]
    [InlineData("abs(amount) >= 0", false)]
    [InlineData("min(amount, 1) <= 1", false)]
    [InlineData("max(1, amount) >= 1", false)]
    [InlineData("amount * 0 == 0", false)]
    [InlineData("size(country) >= 0", false)]
    [InlineData("lower(country) == ''", false)]
    [InlineData("country + 'x' == 'x'", false)]
    [InlineData("country.startsWith('')", false)]
    [InlineData("country.endsWith('')", false)]
    [InlineData("'abc'.contains(country)", false)]
    [InlineData("country in ['CN', 'US']", false)]
    [InlineData("ip in blocked_ips", false)]
    [InlineData("amount in [1, 2]", false)]
    [InlineData("is_vip in [true, false]", false)]
    public void Compile_AbsentPropagatesThroughArithmeticAndFunctions_ToFalse(string source, bool expected)
        => Assert.Equal(expected, OnEmptyEvent(source));

    [Theory]
    [InlineData("is_vip", false)]
    [InlineData("is_vip || true", true)]
    [InlineData("is_vip && true", false)]
    [InlineData("(is_vip && true) == false", true)]
    [InlineData("(is_vip || false) == false", true)]
    [InlineData("(true ? is_vip : true) == false", false)]
    [InlineData("(amount > 5 ? 1 : 2) == 2", true)]
    [InlineData("(is_vip ? 1 : 2) == 2", true)]
    [InlineData("(has(tries) ? 1 : amount) > 0", false)]
    [InlineData("has(amount)", false)]
    [InlineData("has(user_txn_1h)", false)]
    public void Compile_BoolOperatorsAndConditionals_TreatAbsentAsFalse(string source, bool expected)
        => Assert.Equal(expected, OnEmptyEvent(source));

    [Fact]
    public void Compile_OneOperandAbsent_OtherBranchStillDecides()
    {
        var predicate = _fixture.Compile("tries > 3 || amount > 1000");
        Assert.True(predicate(_fixture.NewContext().Number(_fixture, "amount", 2000)));
        Assert.False(predicate(_fixture.NewContext().Number(_fixture, "amount", 10)));
    }

    [Fact]
    public void Compile_FeatureNotComputed_IsAbsentUntilSet()
    {
        var predicate = _fixture.Compile("user_txn_1h >= 0");
        var context = _fixture.NewContext();
        Assert.False(predicate(context));
        context.Feature(_fixture, "user_txn_1h", 0);
        Assert.True(predicate(context));
    }

    [Fact]
    public void Compile_AfterReset_FieldsAreAbsentAgain()
    {
        var predicate = _fixture.Compile("has(amount) && amount > 1");
        var context = _fixture.NewContext().Number(_fixture, "amount", 5);
        Assert.True(predicate(context));
        context.Reset();
        Assert.False(predicate(context));
    }
}
