using Microsoft.Diagnostics.Tracing.Etlx;

namespace Jiangwanli.Runtime.Profiling;

/// <summary>
/// Turns TraceLog call stacks (leaf → caller chains resolved from method-load and rundown events)
/// into nodes of a <see cref="StackProfileBuilder"/>. TraceLog already shares stack prefixes, so
/// each <see cref="CallStackIndex"/> is resolved once and memoised. Runs of frames without a
/// managed method (native code, stubs) collapse into one <see cref="StackProfileBuilder.NativeFrameName"/> frame.
/// </summary>
internal sealed class TraceStackResolver
{
    // Managed frames a thread sits in while it is parked rather than running: a sample whose
    // innermost managed frame starts with one of these, taken while the thread was in native code,
    // is waiting time, not CPU time. Ordinal prefixes of TraceLog's full method names.
    private static readonly string[] s_waitFramePrefixes =
    [
        "System.Threading.WaitHandle.Wait",
        "System.Threading.WaitSubsystem.",
        "System.Threading.LowLevelLifoSemaphore.Wait",
        "System.Threading.LowLevelMonitor.Wait",
        "System.Threading.LowLevelLock.Wait",
        "System.Threading.Monitor.Wait",
        "System.Threading.Monitor.ObjWait",
        "System.Threading.Monitor.Enter_Slowpath",
        "System.Threading.Thread.Sleep",
        "System.Threading.Thread.Join",
        "System.Threading.ManualResetEventSlim.Wait",
        "System.Threading.SemaphoreSlim.Wait",
        "System.Net.Sockets.SocketAsyncEngine.EventLoop",
        "Interop+Sys.WaitForSocketEvents",
        "Interop+Sys.Poll",
    ];

    // Frames where an idle worker spins before it parks, waiting for work: real cycles, but idle
    // time, not work — Go's profiles likewise file scheduler spinning under runtime.findRunnable.
    private static readonly string[] s_idleFramePrefixes =
    [
        "System.Threading.LowLevelSpinWaiter.Wait",
    ];

    private readonly TraceCallStacks _callStacks;
    private readonly TraceCodeAddresses _codeAddresses;
    private readonly StackProfileBuilder _builder;
    private readonly Dictionary<int, int> _nodeByStack = [];
    private readonly Dictionary<int, int> _functionByAddress = [];
    private readonly Dictionary<int, ThreadActivity> _activityByStack = [];
    private readonly List<CallStackIndex> _pending = [];

    public TraceStackResolver(TraceLog log, StackProfileBuilder builder)
    {
        _callStacks = log.CallStacks;
        _codeAddresses = log.CodeAddresses;
        _builder = builder;
    }

    /// <summary>The builder node of a stack's leaf, or -1 for an empty stack.</summary>
    public int Resolve(CallStackIndex stack)
    {
        if (stack == CallStackIndex.Invalid)
        {
            return -1;
        }

        if (_nodeByStack.TryGetValue((int)stack, out var known))
        {
            return known;
        }

        _pending.Clear();
        var current = stack;
        var node = -1;
        while (current != CallStackIndex.Invalid)
        {
            if (_nodeByStack.TryGetValue((int)current, out node))
            {
                break;
            }

            _pending.Add(current);
            current = _callStacks.Caller(current);
            node = -1;
        }

        // _pending runs leaf → root; build root → leaf.
        for (var i = _pending.Count - 1; i >= 0; i--)
        {
            var function = FunctionOf(_pending[i]);
            if (!(function == _builder.NativeFunction && node >= 0 && _builder.NodeFunction(node) == function))
            {
                node = _builder.Child(node, function);
            }

            _nodeByStack[(int)_pending[i]] = node;
        }

        return node;
    }

    /// <summary>
    /// What a sampled thread was doing, judged by its innermost managed frame: parked in a known
    /// wait, spinning idle for work, or (anything else) running.
    /// </summary>
    public ThreadActivity Classify(CallStackIndex stack)
    {
        if (stack == CallStackIndex.Invalid)
        {
            return ThreadActivity.Parked;
        }

        if (_activityByStack.TryGetValue((int)stack, out var activity))
        {
            return activity;
        }

        // No managed frame at all (e.g. the finalizer thread waiting in the runtime): parked.
        activity = ThreadActivity.Parked;
        for (var current = stack; current != CallStackIndex.Invalid; current = _callStacks.Caller(current))
        {
            var method = _codeAddresses.MethodIndex(_callStacks.CodeAddressIndex(current));
            if (method == MethodIndex.Invalid)
            {
                continue;
            }

            var name = _codeAddresses.Methods.FullMethodName(method) ?? string.Empty;
            activity = StartsWithAny(name, s_idleFramePrefixes) ? ThreadActivity.IdleSpin
                : StartsWithAny(name, s_waitFramePrefixes) ? ThreadActivity.Parked
                : ThreadActivity.Running;
            break;
        }

        _activityByStack[(int)stack] = activity;
        return activity;
    }

    private static bool StartsWithAny(string name, string[] prefixes)
    {
        foreach (var prefix in prefixes)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private int FunctionOf(CallStackIndex stack)
    {
        var address = _callStacks.CodeAddressIndex(stack);
        if (_functionByAddress.TryGetValue((int)address, out var function))
        {
            return function;
        }

        var method = _codeAddresses.MethodIndex(address);
        var fullName = method == MethodIndex.Invalid ? null : _codeAddresses.Methods.FullMethodName(method);
        if (string.IsNullOrEmpty(fullName))
        {
            function = _builder.NativeFunction;
        }
        else
        {
            var module = _codeAddresses.ModuleFile(address)?.Name ?? string.Empty;
            function = _builder.Function(DisplayName(fullName), fullName, module);
        }

        _functionByAddress[(int)address] = function;
        return function;
    }

    /// <summary>The method name without its parameter list: <c>Ns.Type.Method(int32)</c> → <c>Ns.Type.Method</c>.</summary>
    internal static string DisplayName(string fullName)
    {
        var paren = fullName.IndexOf('(', StringComparison.Ordinal);
        return paren > 0 ? fullName[..paren] : fullName;
    }
}

/// <summary>What a sampled thread was doing.</summary>
internal enum ThreadActivity
{
    /// <summary>Running (or ready to run) code.</summary>
    Running,

    /// <summary>Parked in a wait: not using the CPU.</summary>
    Parked,

    /// <summary>An idle thread-pool worker spinning for work before it parks.</summary>
    IdleSpin,
}
