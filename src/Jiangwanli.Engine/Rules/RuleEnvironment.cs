using Jiangwanli.Engine.Features;
using Jiangwanli.Engine.Lists;
using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Engine.Rules;

/// <summary>The names a rule condition may use: event fields, features and lists of one pack.</summary>
public sealed class RuleEnvironment
{
    /// <summary>Creates an environment.</summary>
    public RuleEnvironment(EventSchema schema, IReadOnlyDictionary<string, FeatureDefinition> features, IReadOnlyDictionary<string, NamedList> lists)
    {
        Schema = schema;
        Features = features;
        Lists = lists;
    }

    /// <summary>Event fields.</summary>
    public EventSchema Schema { get; }

    /// <summary>Features by name; each is a number in rules.</summary>
    public IReadOnlyDictionary<string, FeatureDefinition> Features { get; }

    /// <summary>Lists by name; usable on the right of <c>in</c>.</summary>
    public IReadOnlyDictionary<string, NamedList> Lists { get; }
}
