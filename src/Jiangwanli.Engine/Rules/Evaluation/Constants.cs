using Jiangwanli.Engine.Events;

namespace Jiangwanli.Engine.Rules.Evaluation;

internal sealed class ConstantBool(bool value) : BoolNode
{
    public static readonly ConstantBool True = new(true);
    public static readonly ConstantBool False = new(false);

    public bool Value { get; } = value;

    public override bool IsConstant => true;

    public override bool Eval(DecisionContext context) => Value;
}

internal sealed class ConstantNumber(double value) : NumberNode
{
    public double Value { get; } = value;

    public override bool IsConstant => true;

    public override bool TryEval(DecisionContext context, out double value)
    {
        value = Value;
        return true;
    }
}

internal sealed class ConstantString(byte[] value) : StringNode
{
    public byte[] Value { get; } = value;

    public override bool IsConstant => true;

    public override bool TryEval(DecisionContext context, out ReadOnlySpan<byte> value)
    {
        value = Value;
        return true;
    }
}

/// <summary>A value known at compile time to be absent (e.g. <c>1 / 0</c>).</summary>
internal sealed class AbsentNumber : NumberNode
{
    public static readonly AbsentNumber Instance = new();

    public override bool IsConstant => true;

    public override bool TryEval(DecisionContext context, out double value)
    {
        value = 0;
        return false;
    }
}

internal sealed class AbsentString : StringNode
{
    public static readonly AbsentString Instance = new();

    public override bool IsConstant => true;

    public override bool TryEval(DecisionContext context, out ReadOnlySpan<byte> value)
    {
        value = default;
        return false;
    }
}

internal sealed class AbsentBool : BoolNode
{
    public static readonly AbsentBool Instance = new();

    public override bool IsConstant => true;

    public override bool Eval(DecisionContext context) => false;

    public override bool TryEval(DecisionContext context, out bool value)
    {
        value = false;
        return false;
    }
}
