using Jiangwanli.Engine.Events;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// Where feature windows live: in process (InMemoryFeatureStore) or shared between nodes
/// (a Redis-protocol store, as DESIGN.md plans; not built yet). Any implementation must give the same semantics.
/// </summary>
public interface IFeatureStore
{
    /// <summary>
    /// Adds the event in <paramref name="context"/> to the window of every feature and writes each aggregate,
    /// which includes this event, with <see cref="DecisionContext.SetFeature"/>. A feature whose entity (or
    /// aggregated field) is absent from the event is neither updated nor set. Thread-safe.
    /// </summary>
    void Observe(ReadOnlySpan<FeatureDefinition> features, DecisionContext context);
}
