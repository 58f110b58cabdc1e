using Jiangwanli.Engine.Events;

namespace Jiangwanli.Engine.Rules.Evaluation;

// Reads of event fields and features straight from the context's typed slots (no SchemaField indirection).

/// <summary>A number or timestamp field.</summary>
internal sealed class NumberField(int index, int slot) : NumberNode
{
    private readonly int _index = index;
    private readonly int _slot = slot;

    public int Index => _index;

    public int Slot => _slot;

    public override bool TryEval(DecisionContext context, out double value)
    {
        if (context.Present[_index])
        {
            value = context.Numbers[_slot];
            return true;
        }

        value = 0;
        return false;
    }
}

/// <summary>The event time (Unix ms): the event's <c>timestamp</c>, or server time when absent. Always present.</summary>
internal sealed class EventTime : NumberNode
{
    public static readonly EventTime Instance = new();

    public override bool TryEval(DecisionContext context, out double value)
    {
        value = context.TimestampMs;
        return true;
    }
}

/// <summary>A feature value; absent when the feature was not computed for this event.</summary>
internal sealed class FeatureValue(int index) : NumberNode
{
    private readonly int _index = index;

    public int Index => _index;

    public override bool TryEval(DecisionContext context, out double value)
    {
        if (context.FeaturePresent[_index])
        {
            value = context.FeatureValues[_index];
            return true;
        }

        value = 0;
        return false;
    }
}

internal sealed class StringField(int index, int slot) : StringNode
{
    private readonly int _index = index;
    private readonly int _slot = slot;

    public int Index => _index;

    public int Slot => _slot;

    public override bool TryEval(DecisionContext context, out ReadOnlySpan<byte> value)
    {
        if (context.Present[_index])
        {
            value = context.Text.AsSpan(context.StringOffsets[_slot], context.StringLengths[_slot]);
            return true;
        }

        value = default;
        return false;
    }
}

internal sealed class BoolField(int index, int slot) : BoolNode
{
    private readonly int _index = index;
    private readonly int _slot = slot;

    public override bool Eval(DecisionContext context) => context.Present[_index] && context.Bools[_slot];

    public override bool TryEval(DecisionContext context, out bool value)
    {
        if (context.Present[_index])
        {
            value = context.Bools[_slot];
            return true;
        }

        value = false;
        return false;
    }
}

/// <summary><c>has(field)</c>.</summary>
internal sealed class HasField(int index) : BoolNode
{
    private readonly int _index = index;

    public override bool Eval(DecisionContext context) => context.Present[_index];
}

/// <summary><c>has(feature)</c>.</summary>
internal sealed class HasFeature(int index) : BoolNode
{
    private readonly int _index = index;

    public override bool Eval(DecisionContext context) => context.FeaturePresent[_index];
}
