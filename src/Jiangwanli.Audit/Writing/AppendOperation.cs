using System.Threading.Tasks.Sources;

namespace Jiangwanli.Audit.Writing;

/// <summary>
/// The pooled completion source behind the <see cref="ValueTask{TResult}"/> of one append, so an append allocates
/// nothing in steady state. Rented by the caller's thread, completed by the writer thread, returned to the pool by
/// <see cref="GetResult"/> (the await).
/// </summary>
internal sealed class AppendOperation : IValueTaskSource<AuditAck>
{
    private const int MaxPooled = 8192;

    [ThreadStatic]
    private static AppendOperation? t_cached;

    private static readonly Lock s_poolLock = new();
    private static readonly Stack<AppendOperation> s_pool = new();

    // Mutable struct! Don't make this readonly.
    private ManualResetValueTaskSourceCore<AuditAck> _core;

    private AppendOperation()
    {
        // Never run the caller's continuation on the writer thread: it would serialize every request behind the disk.
        _core.RunContinuationsAsynchronously = true;
    }

    /// <summary>Token of the current use.</summary>
    public short Version => _core.Version;

    /// <summary>Payload copy of an append that waits for room in a full queue (rented from the array pool).</summary>
    public byte[]? WaitingPayload { get; set; }

    /// <summary>Length of <see cref="WaitingPayload"/>'s content.</summary>
    public int WaitingLength { get; set; }

    /// <summary>Next operation in the queue's wait list.</summary>
    public AppendOperation? Next { get; set; }

    /// <summary>Takes an operation from the thread's cache, the shared pool, or creates one.</summary>
    public static AppendOperation Rent()
    {
        var op = t_cached;
        if (op is not null)
        {
            t_cached = null;
            return op;
        }

        lock (s_poolLock)
        {
            if (s_pool.TryPop(out op))
            {
                return op;
            }
        }

        return new AppendOperation();
    }

    /// <summary>Returns an operation that was rented but never handed out as a <see cref="ValueTask{TResult}"/>.</summary>
    public static void ReturnUnused(AppendOperation op) => Return(op);

    /// <summary>Completes the operation (writer thread). Touch nothing of it afterwards: the awaiter may reuse it.</summary>
    public void Complete(AuditAck ack) => _core.SetResult(ack);

    /// <inheritdoc />
    public AuditAck GetResult(short token)
    {
        // Throws on a wrong token before anything is reset, so misuse cannot return the operation to the pool twice.
        var result = _core.GetResult(token);
        _core.Reset();
        Return(this);
        return result;
    }

    /// <inheritdoc />
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc />
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private static void Return(AppendOperation op)
    {
        op.Next = null;
        if (t_cached is null)
        {
            t_cached = op;
            return;
        }

        lock (s_poolLock)
        {
            if (s_pool.Count < MaxPooled)
            {
                s_pool.Push(op);
            }
        }
    }
}
