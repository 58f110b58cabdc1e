namespace Jiangwanli.Server.Admission;

/// <summary>
/// An adaptive concurrency limit after Netflix concurrency-limits' <c>Gradient2Limit</c>: the limit follows the ratio
/// of the long-term RTT (an exponential average over ~600 samples) to the short-term RTT (the latest sample window),
/// plus a small queue-size allowance that lets it probe upward, smoothed so one noisy window moves it little.
/// </summary>
/// <remarks>
/// <code>
/// gradient = clamp(Tolerance × longRtt / shortRtt, 0.5, 1)
/// limit'   = (1 − Smoothing) × limit + Smoothing × (limit × gradient + QueueSize)
/// </code>
/// Latency rising above the long-term norm (× tolerance) gives a gradient below 1 and the limit shrinks; latency at or
/// below it gives 1 and the limit grows by the allowance. When the long-term RTT is more than twice the short one
/// (load has passed), it decays 5% per update so recovery does not wait for the slow average. When fewer than half
/// of the limit's slots are in use the limit is held (the service is not the bottleneck). Not thread-safe: one
/// updater at a time (see <see cref="AdmissionControl"/>).
/// </remarks>
internal sealed class GradientLimit
{
    /// <summary>How much latency increase is tolerated before the limit shrinks.</summary>
    public const double Tolerance = 1.5;

    /// <summary>Weight of a new estimate.</summary>
    public const double Smoothing = 0.2;

    /// <summary>The upward probe per update.</summary>
    public const double QueueSize = 4;

    private const int LongWindow = 600;
    private const int WarmupWindow = 10;

    private readonly int _min;
    private readonly int _max;
    private double _estimate;
    private double _longRtt;
    private int _samples;

    /// <summary>Creates a limit starting at <paramref name="initial"/>, kept within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public GradientLimit(int initial, int min, int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(min, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        _min = min;
        _max = max;
        _estimate = Math.Clamp(initial, min, max);
    }

    /// <summary>The current limit.</summary>
    public int Limit => (int)_estimate;

    /// <summary>The long-term RTT, in seconds.</summary>
    public double LongRtt => _longRtt;

    /// <summary>Feeds one window's mean latency and the in-flight count; returns the new limit.</summary>
    /// <param name="shortRtt">Mean handler latency of the window, in seconds.</param>
    /// <param name="inFlight">Requests in flight when the window closed.</param>
    public int Update(double shortRtt, int inFlight)
    {
        if (!(shortRtt > 0) || double.IsInfinity(shortRtt))
        {
            return Limit;
        }

        // Long-term RTT: a plain mean while warming up, then an exponential average.
        _samples++;
        if (_samples <= WarmupWindow)
        {
            _longRtt += (shortRtt - _longRtt) / _samples;
        }
        else
        {
            _longRtt += (shortRtt - _longRtt) * (2.0 / (LongWindow + 1));
        }

        if (_longRtt / shortRtt > 2)
        {
            _longRtt *= 0.95;
        }

        // The service is not the bottleneck: no evidence either way.
        if (inFlight < _estimate / 2)
        {
            return Limit;
        }

        var gradient = Math.Clamp(Tolerance * _longRtt / shortRtt, 0.5, 1.0);
        var next = (_estimate * gradient) + QueueSize;
        next = ((1 - Smoothing) * _estimate) + (Smoothing * next);
        _estimate = Math.Clamp(next, _min, _max);
        return Limit;
    }
}
