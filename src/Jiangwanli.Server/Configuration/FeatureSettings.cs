namespace Jiangwanli.Server.Configuration;

/// <summary>Settings of the in-process feature store (see the engine's FeatureStoreOptions).</summary>
public sealed class FeatureSettings
{
    /// <summary>Most (feature, entity) keys held at once; least recently used keys are evicted past it.</summary>
    public int MaxTrackedKeys { get; set; } = 2_000_000;

    /// <summary>Buckets per window (a power of two, 1..1024).</summary>
    public int BucketsPerWindow { get; set; } = 32;
}
