using Jiangwanli.Runtime.Alerts;
using Jiangwanli.Runtime.Memory;

namespace Jiangwanli.Runtime.Tests.Support;

public sealed class RecordingObserver : RuntimeObserver
{
    private readonly Lock _gate = new();
    private readonly List<RuntimeAlert> _alerts = [];
    private readonly List<GovernorAction> _actions = [];
    private readonly List<(string Component, Exception Error)> _errors = [];

    public IReadOnlyList<RuntimeAlert> Alerts
    {
        get
        {
            lock (_gate)
            {
                return [.. _alerts];
            }
        }
    }

    public IReadOnlyList<GovernorAction> Actions
    {
        get
        {
            lock (_gate)
            {
                return [.. _actions];
            }
        }
    }

    public IReadOnlyList<(string Component, Exception Error)> Errors
    {
        get
        {
            lock (_gate)
            {
                return [.. _errors];
            }
        }
    }

    public override void OnAlert(RuntimeAlert alert)
    {
        lock (_gate)
        {
            _alerts.Add(alert);
        }
    }

    public override void OnGovernorAction(GovernorAction action)
    {
        lock (_gate)
        {
            _actions.Add(action);
        }
    }

    public override void OnError(string component, Exception exception)
    {
        lock (_gate)
        {
            _errors.Add((component, exception));
        }
    }
}
