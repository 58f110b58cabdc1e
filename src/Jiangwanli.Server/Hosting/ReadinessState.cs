namespace Jiangwanli.Server.Hosting;

/// <summary>
/// Whether the service should receive traffic: ready once the pack is loaded and the listeners are up, not ready
/// again from the moment shutdown begins (so a load balancer drains it first).
/// </summary>
internal sealed class ReadinessState
{
    private volatile bool _ready;

    public bool IsReady => _ready;

    public void MarkReady() => _ready = true;

    public void MarkNotReady() => _ready = false;
}
