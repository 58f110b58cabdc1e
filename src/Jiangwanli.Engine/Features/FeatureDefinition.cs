using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// One declared feature: an aggregate over a sliding time window, per value of an entity field.
/// Example (YAML): <c>user_amount_24h: { sum: amount, by: user, window: 24h }</c>.
/// </summary>
public sealed class FeatureDefinition
{
    /// <summary>Creates a definition.</summary>
    /// <param name="name">Feature name, as rules refer to it.</param>
    /// <param name="index">Position in the pack's feature list; indexes the context's feature values.</param>
    /// <param name="kind">The aggregate.</param>
    /// <param name="by">The entity field the windows are keyed by.</param>
    /// <param name="of">The field aggregated (null for <see cref="FeatureKind.Count"/>).</param>
    /// <param name="window">Window length.</param>
    public FeatureDefinition(string name, int index, FeatureKind kind, SchemaField by, SchemaField? of, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(by);
        Name = name;
        Index = index;
        Kind = kind;
        By = by;
        Of = of;
        Window = window;
        WindowMs = (long)window.TotalMilliseconds;
        StateId = ComputeStateId(kind, by.Name, of?.Name, WindowMs);
    }

    /// <summary>Feature name.</summary>
    public string Name { get; }

    /// <summary>Index into the context's feature values.</summary>
    public int Index { get; }

    /// <summary>The aggregate.</summary>
    public FeatureKind Kind { get; }

    /// <summary>Entity field the windows are keyed by.</summary>
    public SchemaField By { get; }

    /// <summary>Field aggregated; null for counts.</summary>
    public SchemaField? Of { get; }

    /// <summary>Window length.</summary>
    public TimeSpan Window { get; }

    /// <summary>Window length in milliseconds.</summary>
    public long WindowMs { get; }

    /// <summary>
    /// Identity of this feature's window state: the same for the same kind, fields and window in any pack, so a
    /// hot-reloaded pack keeps the velocity state of features it did not change (even if renamed or reordered).
    /// </summary>
    public ulong StateId { get; }

    private static ulong ComputeStateId(FeatureKind kind, string by, string? of, long windowMs)
    {
        var text = $"{kind}|{by}|{of}|{windowMs}";
        return StableHash.Hash64(System.Text.Encoding.UTF8.GetBytes(text));
    }
}
