using System.Text.Json;
using Jiangwanli.Engine.Features;
using Jiangwanli.Engine.Lists;
using Jiangwanli.Engine.Rules.Evaluation;
using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Engine.Packs;

/// <summary>
/// A loaded, compiled, immutable rule pack: schema, features, lists, rules and decision thresholds.
/// Built by <see cref="RulePackLoader"/>; swapped into a <see cref="Decisions.DecisionEngine"/> atomically.
/// Lists are the one mutable part: each <see cref="NamedList"/> can be replaced atomically at run time.
/// </summary>
public sealed class RulePack
{
    internal RulePack(
        string version,
        EventSchema schema,
        FeatureDefinition[] features,
        IReadOnlyDictionary<string, NamedList> lists,
        CompiledRule[] rules,
        int reviewAt,
        int denyAt,
        string source)
    {
        Version = version;
        Schema = schema;
        FeatureArray = features;
        Lists = lists;
        RuleArray = rules;
        Conditions = new BoolNode[rules.Length];
        RuleScores = new int[rules.Length];
        RuleActions = new RuleAction[rules.Length];
        for (var i = 0; i < rules.Length; i++)
        {
            Conditions[i] = PredicateCall.Unwrap(rules[i].Predicate);
            RuleScores[i] = rules[i].Score;
            RuleActions[i] = rules[i].Action;
        }

        ReviewAt = reviewAt;
        DenyAt = denyAt;
        Source = source;
        JsonVersion = JsonEncodedText.Encode(version);
        FeatureJsonNames = new JsonEncodedText[features.Length];
        for (var i = 0; i < features.Length; i++)
        {
            FeatureJsonNames[i] = JsonEncodedText.Encode(features[i].Name);
        }
    }

    /// <summary>The pack's declared version; every decision records it.</summary>
    public string Version { get; }

    /// <summary>The event schema.</summary>
    public EventSchema Schema { get; }

    /// <summary>Features in declaration order (<see cref="FeatureDefinition.Index"/>).</summary>
    public IReadOnlyList<FeatureDefinition> Features => FeatureArray;

    /// <summary>Lists by name.</summary>
    public IReadOnlyDictionary<string, NamedList> Lists { get; }

    /// <summary>Rules in evaluation order.</summary>
    public IReadOnlyList<CompiledRule> Rules => RuleArray;

    /// <summary>Score at or above which the decision is at least review.</summary>
    public int ReviewAt { get; }

    /// <summary>Score at or above which the decision is deny.</summary>
    public int DenyAt { get; }

    /// <summary>The YAML the pack was loaded from.</summary>
    public string Source { get; }

    internal FeatureDefinition[] FeatureArray { get; }

    internal CompiledRule[] RuleArray { get; }

    /// <summary>
    /// Per rule, in order: its condition's node tree, score and action — the scoring loop reads these flat arrays
    /// instead of each <see cref="CompiledRule"/> and its delegate (two dependent loads fewer per rule).
    /// </summary>
    internal BoolNode[] Conditions { get; }

    /// <summary>Per rule: <see cref="CompiledRule.Score"/>.</summary>
    internal int[] RuleScores { get; }

    /// <summary>Per rule: <see cref="CompiledRule.Action"/>.</summary>
    internal RuleAction[] RuleActions { get; }

    internal JsonEncodedText JsonVersion { get; }

    internal JsonEncodedText[] FeatureJsonNames { get; }
}
