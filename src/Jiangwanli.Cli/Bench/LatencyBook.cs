using HdrHistogram;

namespace Jiangwanli.Cli.Bench;

/// <summary>
/// The latencies of a run, kept twice: every response (whatever its status), and the 2xx responses alone. Under
/// overload most responses are refusals answered in microseconds; their latencies would hide what the admitted
/// requests see, so the "p99 of admitted requests" is read from the 2xx histogram. Thread-safe (recorders).
/// </summary>
internal sealed class LatencyBook
{
    private readonly Recorder _all = LatencySummary.NewRecorder();
    private readonly Recorder _success = LatencySummary.NewRecorder();
    private HistogramBase? _recycleAll;
    private HistogramBase? _recycleSuccess;

    /// <summary>Records one exchange that has a status (failures without one have no latency).</summary>
    public void Record(in ExchangeOutcome outcome, long micros)
    {
        if (outcome.Error != BenchError.None)
        {
            return;
        }

        _all.RecordValue(micros);
        if (outcome.IsSuccess)
        {
            _success.RecordValue(micros);
        }
    }

    /// <summary>Discards what was recorded so far.</summary>
    public void Reset()
    {
        _all.Reset();
        _success.Reset();
    }

    /// <summary>
    /// The latencies recorded since the last call (all responses, 2xx only). The histograms stay valid until the
    /// next call, which reuses them (one caller: the run's ticker).
    /// </summary>
    public (HistogramBase All, HistogramBase Success) TakeInterval()
    {
        var all = _all.GetIntervalHistogram(_recycleAll);
        var success = _success.GetIntervalHistogram(_recycleSuccess);
        _recycleAll = all;
        _recycleSuccess = success;
        return (all, success);
    }
}
