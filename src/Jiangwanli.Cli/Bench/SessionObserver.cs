namespace Jiangwanli.Cli.Bench;

/// <summary>Ties a run's callbacks to the server probe (window start and end) and the live display.</summary>
internal sealed class SessionObserver : ILoadObserver
{
    private readonly ServerStatsProbe _probe;
    private readonly Action<IntervalReport> _progress;

    public SessionObserver(ServerStatsProbe probe, Action<IntervalReport> progress)
    {
        _probe = probe;
        _progress = progress;
    }

    public void OnInterval(IntervalReport report) => _progress(report);

    public void OnMeasureStart() => _probe.MarkStart();

    public void OnMeasureEnd() => _probe.MarkEnd();
}
