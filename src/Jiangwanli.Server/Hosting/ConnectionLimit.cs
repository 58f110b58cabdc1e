using Microsoft.AspNetCore.Connections;

namespace Jiangwanli.Server.Hosting;

/// <summary>
/// A cap on concurrent connections to the public listeners (<c>Jiangwanli:Limits:MaxConnections</c>): past it a new
/// connection is closed at once, before a byte of it is read, so the requests in flight — and the memory and the queueing
/// that come with them — stay bounded however many clients connect. Counted in <c>jiangwanli.connections.rejected</c>;
/// open ones in <c>jiangwanli.connections.open</c>.
/// </summary>
/// <remarks>
/// Our own connection middleware rather than Kestrel's <c>Limits.MaxConcurrentConnections</c>: that limit counts every
/// listener, the management port included, and the management port (health, metrics, profiles) must stay reachable
/// when the public side is full. The check is what Kestrel's own limit does: one interlocked increment per connection.
/// </remarks>
internal sealed class ConnectionLimit
{
    private int _open;
    private long _rejected;

    /// <summary>A cap of <paramref name="max"/> connections; 0 means none (the middleware is not installed).</summary>
    public ConnectionLimit(int max) => Max = max;

    /// <summary>The cap; 0 for none.</summary>
    public int Max { get; }

    /// <summary>Public connections open now (counted only while a cap is set).</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Connections closed at once for being over the cap, since start.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>The connection middleware: admits a connection under the cap, closes it otherwise.</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next) => async connection =>
    {
        if (Interlocked.Increment(ref _open) > Max)
        {
            Interlocked.Decrement(ref _open);
            Interlocked.Increment(ref _rejected);
            await connection.DisposeAsync().ConfigureAwait(false);
            return;
        }

        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    };
}
