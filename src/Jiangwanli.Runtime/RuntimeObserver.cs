using Jiangwanli.Runtime.Alerts;
using Jiangwanli.Runtime.Memory;

namespace Jiangwanli.Runtime;

/// <summary>
/// The telemetry hook of the runtime library: the host overrides what it wants to log. The library
/// itself has no logging dependency. Callbacks run on timer or event-dispatch threads, must be quick,
/// and must not throw (exceptions are swallowed so a faulty observer cannot stop a monitor).
/// </summary>
public class RuntimeObserver
{
    /// <summary>An observer that ignores everything.</summary>
    public static RuntimeObserver None { get; } = new();

    /// <summary>An alert started firing or was resolved.</summary>
    public virtual void OnAlert(RuntimeAlert alert)
    {
    }

    /// <summary>The memory governor did something (changed the limit, the latency mode, the admission level) or failed to.</summary>
    public virtual void OnGovernorAction(GovernorAction action)
    {
    }

    /// <summary>A background component hit an unexpected error and carried on.</summary>
    /// <param name="component">Which component, e.g. <c>gc-monitor</c>, <c>alertmanager</c>.</param>
    /// <param name="exception">What went wrong.</param>
    public virtual void OnError(string component, Exception exception)
    {
    }
}

/// <summary>Calls an observer without letting its exceptions escape.</summary>
internal static class ObserverExtensions
{
    public static void SafeAlert(this RuntimeObserver observer, RuntimeAlert alert)
    {
        try
        {
            observer.OnAlert(alert);
        }
        catch (Exception)
        {
            // An observer must not break the monitor; nothing sensible to do with its failure.
        }
    }

    public static void SafeAction(this RuntimeObserver observer, GovernorAction action)
    {
        try
        {
            observer.OnGovernorAction(action);
        }
        catch (Exception)
        {
            // See SafeAlert.
        }
    }

    public static void SafeError(this RuntimeObserver observer, string component, Exception exception)
    {
        try
        {
            observer.OnError(component, exception);
        }
        catch (Exception)
        {
            // See SafeAlert.
        }
    }
}
