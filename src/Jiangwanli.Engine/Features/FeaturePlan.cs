using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// How one list of features (a pack's) is observed: its features grouped by entity field, each group bound to the
/// <see cref="FeatureTable"/> whose records hold its windows, and each window's input worked out once. Built on first
/// use of a feature list and cached by the store; the hot path only matches it by reference.
/// </summary>
internal sealed class FeaturePlan
{
    private readonly FeatureDefinition[] _features;

    public FeaturePlan(ReadOnlySpan<FeatureDefinition> features, PlanGroup[] groups)
    {
        _features = features.ToArray();
        Groups = groups;
        foreach (var group in groups)
        {
            group.FirstSlot = SlotCount;
            SlotCount += group.Inputs.Length;
        }
    }

    /// <summary>Windows over all groups (the size of the per-decision bucket scratch).</summary>
    public int SlotCount { get; }

    /// <summary>One group per entity field that features are keyed by, in order of first appearance.</summary>
    public PlanGroup[] Groups { get; }

    /// <summary>True when <paramref name="features"/> holds the same definitions (by reference) in the same order.</summary>
    public bool Matches(ReadOnlySpan<FeatureDefinition> features)
    {
        var mine = _features;
        if (features.Length != mine.Length)
        {
            return false;
        }

        for (var i = 0; i < mine.Length; i++)
        {
            if (!ReferenceEquals(features[i], mine[i]))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>The features of one plan keyed by one entity field, and the table their windows live in.</summary>
internal sealed class PlanGroup
{
    public PlanGroup(SchemaField by, FeatureTable table, PlanInput[] inputs)
    {
        By = by;
        EntityIndex = by.EntityIndex;
        Table = table;
        Inputs = inputs;
        HasDistinct = Array.Exists(inputs, i => i.Mode == InputMode.EntityKey);
    }

    /// <summary>True when a window of this group counts distinct values of an entity field (prefetched ahead).</summary>
    public bool HasDistinct { get; }

    /// <summary>The entity field.</summary>
    public SchemaField By { get; }

    /// <summary><see cref="SchemaField.EntityIndex"/> of <see cref="By"/>.</summary>
    public int EntityIndex { get; }

    /// <summary>Where the records are.</summary>
    public FeatureTable Table { get; }

    /// <summary>Index of this group's first window among the plan's (<see cref="FeaturePlan.SlotCount"/>).</summary>
    public int FirstSlot { get; set; }

    /// <summary>Per slot of <see cref="Table"/>: which context feature it writes and what it aggregates.</summary>
    public PlanInput[] Inputs { get; }
}

/// <summary>What a window adds per event.</summary>
internal enum InputMode : byte
{
    /// <summary>Nothing but the event (count).</summary>
    Event,

    /// <summary>A number or timestamp field (sum, min, max, avg).</summary>
    Number,

    /// <summary>The 64-bit hash of a field's value (distinct).</summary>
    ValueHash,

    /// <summary>
    /// Distinct over a string or number entity field: its entity key is already that hash, computed by the reader
    /// (see <see cref="Events.DecisionContext.HashValue"/>), so it is not hashed twice.
    /// </summary>
    EntityKey,

    /// <summary>A definition that can never be computed (an aggregate over a non-number); never written.</summary>
    Never,
}

/// <summary>One window's input: the context feature it writes and the field it reads.</summary>
/// <param name="FeatureIndex">Index of the feature value in the context.</param>
/// <param name="Mode">What is aggregated.</param>
/// <param name="Of">The aggregated field; null for counts.</param>
internal readonly record struct PlanInput(int FeatureIndex, InputMode Mode, SchemaField? Of)
{
    /// <summary>The input for a definition.</summary>
    public static PlanInput For(FeatureDefinition feature)
    {
        var of = feature.Of;
        var mode = feature.Kind switch
        {
            FeatureKind.Count => InputMode.Event,
            FeatureKind.Distinct when of is null => InputMode.Never,
            FeatureKind.Distinct when of.EntityIndex >= 0 && of.Type is FieldType.String or FieldType.Number => InputMode.EntityKey,
            FeatureKind.Distinct => InputMode.ValueHash,
            _ when of is null || of.Type is not (FieldType.Number or FieldType.Timestamp) => InputMode.Never,
            _ => InputMode.Number,
        };
        return new PlanInput(feature.Index, mode, of);
    }
}
