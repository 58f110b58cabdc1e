using Jiangwanli.Engine.Events;

namespace Jiangwanli.Engine.Rules;

/// <summary>A compiled rule condition: true when the rule matches the event in the context.</summary>
public delegate bool RulePredicate(DecisionContext context);
