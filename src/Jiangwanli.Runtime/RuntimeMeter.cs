using System.Diagnostics.Metrics;

namespace Jiangwanli.Runtime;

/// <summary>
/// The <see cref="Meter"/> every Jiangwanli.Runtime component publishes on. Register it with the
/// metrics pipeline (<c>AddMeter(RuntimeMeter.Name)</c>) to export the instruments to <c>/metrics</c>.
/// </summary>
public static class RuntimeMeter
{
    /// <summary>The meter name, <c>Jiangwanli.Runtime</c>.</summary>
    public const string Name = "Jiangwanli.Runtime";

    /// <summary>
    /// Creates the meter through <paramref name="factory"/> when one is given (the factory owns and
    /// disposes it), else a standalone meter the caller owns; <paramref name="owned"/> says which.
    /// </summary>
    internal static Meter Create(IMeterFactory? factory, out bool owned)
    {
        if (factory is not null)
        {
            owned = false;
            return factory.Create(new MeterOptions(Name));
        }

        owned = true;
        return new Meter(Name);
    }

    /// <summary>Bucket boundaries (seconds) for pause and queue-delay histograms: 50 µs … 2 s.</summary>
    internal static readonly IReadOnlyList<double> LatencyBuckets =
    [
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2,
    ];
}
