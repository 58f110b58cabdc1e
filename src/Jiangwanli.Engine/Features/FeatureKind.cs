namespace Jiangwanli.Engine.Features;

/// <summary>The aggregate a feature window computes.</summary>
public enum FeatureKind : byte
{
    /// <summary>Number of events.</summary>
    Count = 0,

    /// <summary>Sum of a number field.</summary>
    Sum = 1,

    /// <summary>Smallest value of a number field.</summary>
    Min = 2,

    /// <summary>Largest value of a number field.</summary>
    Max = 3,

    /// <summary>Mean of a number field.</summary>
    Avg = 4,

    /// <summary>Number of distinct values of a field.</summary>
    Distinct = 5,
}
