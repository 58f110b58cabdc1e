using System.Text.Json;
using Jiangwanli.Engine.Rules;

namespace Jiangwanli.Engine.Packs;

/// <summary>One rule of a loaded pack, with its compiled condition.</summary>
public sealed class CompiledRule
{
    internal CompiledRule(int index, string id, string condition, RuleAction action, int score, string? reason, RulePredicate predicate, int line)
    {
        Index = index;
        Id = id;
        Condition = condition;
        Action = action;
        Score = score;
        Reason = reason;
        Predicate = predicate;
        Line = line;
        JsonId = JsonEncodedText.Encode(id);
        JsonReason = JsonEncodedText.Encode(reason ?? id);
    }

    /// <summary>Position in the pack (evaluation order).</summary>
    public int Index { get; }

    /// <summary>Rule id, unique in the pack.</summary>
    public string Id { get; }

    /// <summary>The condition as written.</summary>
    public string Condition { get; }

    /// <summary>The rule's action, if any.</summary>
    public RuleAction Action { get; }

    /// <summary>Score added when the rule matches.</summary>
    public int Score { get; }

    /// <summary>Human-readable reason; the id when none was given.</summary>
    public string? Reason { get; }

    /// <summary>Line of the rule in the pack file.</summary>
    public int Line { get; }

    /// <summary>The compiled condition.</summary>
    public RulePredicate Predicate { get; }

    /// <summary>Pre-encoded id for allocation-free JSON output.</summary>
    public JsonEncodedText JsonId { get; }

    /// <summary>Pre-encoded reason for allocation-free JSON output.</summary>
    public JsonEncodedText JsonReason { get; }
}
