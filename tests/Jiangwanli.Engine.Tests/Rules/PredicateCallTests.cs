using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Rules;
using Jiangwanli.Engine.Rules.Evaluation;

namespace Jiangwanli.Engine.Tests.Rules;

/// <summary>
/// The scoring loop evaluates each rule through <see cref="PredicateCall.Unwrap"/>: a compiled condition is evaluated
/// as its own node tree, any other predicate through the delegate — with the same answer either way.
/// </summary>
public sealed class PredicateCallTests
{
    private readonly RuleFixture _fixture = new();

    [Theory]
    [InlineData("amount > 100.0", 150.0, true)]
    [InlineData("amount > 100.0", 50.0, false)]
    [InlineData("amount > 100.0 && user_txn_1h > 2", 150.0, true)]
    [InlineData("amount < 10.0 || user_txn_1h > 5", 150.0, false)]
    public void Unwrap_CompiledCondition_IsItsTreeAndAgreesWithThePredicate(string source, double amount, bool expected)
    {
        var predicate = _fixture.Compile(source);
        var node = PredicateCall.Unwrap(predicate);
        var context = _fixture.NewContext().Number(_fixture, "amount", amount).Feature(_fixture, "user_txn_1h", 3);

        Assert.Same(predicate.Target, node);
        Assert.IsNotType<PredicateCall>(node);
        Assert.Equal(expected, predicate(context));
        Assert.Equal(expected, node.Eval(context));
    }

    [Fact]
    public void Unwrap_ConstantOrForeignPredicate_IsCalledThroughTheDelegate()
    {
        var context = _fixture.NewContext();
        var calls = 0;
        RulePredicate foreign = c => ++calls > 0 && c.Has(_fixture.Field("amount"));
        var alwaysTrue = _fixture.Compile("1 < 2");

        var wrapped = PredicateCall.Unwrap(foreign);
        Assert.IsType<PredicateCall>(wrapped);
        Assert.False(wrapped.Eval(context));
        Assert.True(wrapped.Eval(context.Number(_fixture, "amount", 1)));
        Assert.Equal(2, calls);
        Assert.True(PredicateCall.Unwrap(alwaysTrue).Eval(new DecisionContext(_fixture.Schema, 3, 1)));
    }

    [Fact]
    public void Unwrap_NodeTargetButAnotherMethod_IsNotMistakenForTheTree()
    {
        // A delegate whose target is a node but whose method is not that node's Eval must not be replaced by the node.
        var twoFaced = new TwoFaced();
        var wrapped = PredicateCall.Unwrap(twoFaced.Never);
        var context = _fixture.NewContext();

        Assert.True(twoFaced.Eval(context));
        Assert.IsType<PredicateCall>(wrapped);
        Assert.False(wrapped.Eval(context));
        Assert.Same(twoFaced, PredicateCall.Unwrap(twoFaced.Eval));
    }

    private sealed class TwoFaced : BoolNode
    {
        public override bool Eval(DecisionContext context) => true;

        public bool Never(DecisionContext context) => context is null;
    }
}
