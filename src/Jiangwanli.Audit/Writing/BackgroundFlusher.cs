using System.Runtime.ExceptionServices;
using Jiangwanli.Audit.Storage;

namespace Jiangwanli.Audit.Writing;

/// <summary>
/// A helper thread that runs flushes off the writer thread. In fsync mode it runs the group-commit flush so the
/// writer can hash the same batch meanwhile: the frames on disk do not contain chain values, so the SHA-256 work (the
/// writer's largest CPU cost) overlaps the fdatasync instead of adding to it. In batch mode it runs the periodic
/// flush, so appends keep being written while it waits for the device (on the writer thread the flush stalled every
/// append behind it: open-loop p99 28 ms with batch vs 11 ms with none, docs/benchmarks.md). One flush at a time;
/// <see cref="Start"/> and <see cref="Wait"/> alternate.
/// </summary>
internal sealed class BackgroundFlusher : IDisposable
{
    private readonly object _lock = new(); // a monitor: both threads wait on it
    private readonly Thread _thread;
    private ISegmentFile? _file;
    private Exception? _error;
    private bool _requested;
    private bool _done = true;
    private bool _stopping;

    public BackgroundFlusher()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "jwl-audit-flush" };
        _thread.Start();
    }

    /// <summary>Starts flushing <paramref name="file"/>'s data on the helper thread.</summary>
    public void Start(ISegmentFile file)
    {
        lock (_lock)
        {
            _file = file;
            _error = null;
            _done = false;
            _requested = true;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>True when the flush started last has finished (or none was started).</summary>
    public bool IsDone
    {
        get
        {
            lock (_lock)
            {
                return _done;
            }
        }
    }

    /// <summary>Waits for the flush started last; rethrows its exception.</summary>
    public void Wait()
    {
        Exception? error;
        lock (_lock)
        {
            while (!_done)
            {
                Monitor.Wait(_lock);
            }

            error = _error;
            _error = null;
        }

        if (error is not null)
        {
            ExceptionDispatchInfo.Throw(error);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _stopping = true;
            Monitor.PulseAll(_lock);
        }

        _thread.Join();
    }

    private void Run()
    {
        while (true)
        {
            ISegmentFile file;
            lock (_lock)
            {
                while (!_requested && !_stopping)
                {
                    Monitor.Wait(_lock);
                }

                if (!_requested)
                {
                    return;
                }

                _requested = false;
                file = _file!;
            }

            Exception? error = null;
            try
            {
                file.FlushData();
            }
            catch (Exception ex)
            {
                error = ex;
            }

            lock (_lock)
            {
                _file = null;
                _error = error;
                _done = true;
                Monitor.PulseAll(_lock);
            }
        }
    }
}
