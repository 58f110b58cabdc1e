using System.Diagnostics.Metrics;
using System.Text.Json;

namespace Jiangwanli.Runtime.Threading;

/// <summary>
/// The handbook's <c>runtime.Gosched</c> latency sampler (chapter 2.1), for the .NET thread pool:
/// every interval one work item is queued to the global queue and the delay from enqueue to start
/// is measured with <see cref="TimeProvider.GetTimestamp"/> (Stopwatch ticks). A growing delay
/// means the pool is saturated or starved (blocking calls, too few threads) — the same signal as a
/// long Go run queue. Also exposes thread count, queue length and completed items (the G/M/P
/// counts' analog). Delays go to the <c>jiangwanli.runtime.threadpool.queue_delay</c> histogram;
/// <see cref="WriteSnapshot"/> renders <c>/debug/threadpool</c>.
/// </summary>
/// <remarks>
/// The timer callback itself runs on the pool; when the pool is badly starved the probe is queued
/// late as well, so a probe that has not started by the next tick is not queued again (counted in
/// <c>probesSkipped</c>) and its eventual, long delay is still recorded.
/// </remarks>
public sealed class ThreadPoolProbe : IDisposable, IAsyncDisposable
{
    private readonly ThreadPoolProbeOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly RuntimeObserver _observer;
    private readonly RecurringWork _work;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<double> _delay;
    private readonly ProbeItem _item;
    private readonly Lock _gate = new();
    private readonly SampleRing _delays;
    private long _skipped;
    private int _inFlight;

    /// <summary>Creates a probe; <see cref="Start"/> begins probing.</summary>
    /// <param name="options">Interval and history; defaults when null.</param>
    /// <param name="observer">Receives errors.</param>
    /// <param name="timeProvider">Clock and timer; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="meterFactory">Source of the <see cref="RuntimeMeter"/>; a private meter when null.</param>
    public ThreadPoolProbe(
        ThreadPoolProbeOptions? options = null,
        RuntimeObserver? observer = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
    {
        _options = options ?? new ThreadPoolProbeOptions();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _observer = observer ?? RuntimeObserver.None;
        _delays = new SampleRing(Math.Max(16, _options.History));
        _item = new ProbeItem(this);
        _meter = RuntimeMeter.Create(meterFactory, out _ownsMeter);
        _delay = _meter.CreateHistogram<double>(
            "jiangwanli.runtime.threadpool.queue_delay", "s", "Delay from queuing a thread-pool work item to its start.", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = RuntimeMeter.LatencyBuckets });
        _meter.CreateObservableGauge("jiangwanli.runtime.threadpool.threads", () => ThreadPool.ThreadCount, "{thread}", "Thread-pool threads.");
        _meter.CreateObservableGauge(
            "jiangwanli.runtime.threadpool.queue_length", () => ThreadPool.PendingWorkItemCount, "{work_item}", "Work items queued, not yet started.");
        _meter.CreateObservableCounter(
            "jiangwanli.runtime.threadpool.completed_items", () => ThreadPool.CompletedWorkItemCount, "{work_item}", "Work items completed.");
        _work = new RecurringWork(_timeProvider, _options.Interval, Probe, ex => _observer.SafeError("threadpool-probe", ex));
    }

    /// <summary>Delays measured so far.</summary>
    public long Samples
    {
        get
        {
            lock (_gate)
            {
                return _delays.Total;
            }
        }
    }

    /// <summary>Starts probing every interval.</summary>
    public void Start() => _work.Start();

    /// <summary>Stops probing (a probe already queued still records its delay).</summary>
    public ValueTask StopAsync() => _work.StopAsync();

    /// <summary>Queues one probe now unless one is still waiting (what each tick does).</summary>
    internal void Probe()
    {
        if (Interlocked.CompareExchange(ref _inFlight, 1, 0) != 0)
        {
            Interlocked.Increment(ref _skipped);
            return;
        }

        _item.EnqueuedAt = _timeProvider.GetTimestamp();
        ThreadPool.UnsafeQueueUserWorkItem(_item, preferLocal: false);
    }

    private void Completed(long enqueuedAt)
    {
        var now = _timeProvider.GetTimestamp();
        var delay = _timeProvider.GetElapsedTime(enqueuedAt, now);
        lock (_gate)
        {
            _delays.Add(now, delay.TotalMilliseconds);
        }

        _delay.Record(delay.TotalSeconds);
        Volatile.Write(ref _inFlight, 0);
    }

    /// <summary>
    /// Writes the <c>/debug/threadpool</c> document: threads, queue length, completed items,
    /// min/max threads, and the queue-delay percentiles over the window.
    /// </summary>
    public void WriteSnapshot(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        double[] window;
        double last;
        long total;
        lock (_gate)
        {
            window = _delays.SortedSince(_timeProvider.GetTimestamp() - (long)(_options.Window.TotalSeconds * _timeProvider.TimestampFrequency));
            last = _delays.Last;
            total = _delays.Total;
        }

        ThreadPool.GetMinThreads(out var minWorkers, out var minIo);
        ThreadPool.GetMaxThreads(out var maxWorkers, out var maxIo);
        ThreadPool.GetAvailableThreads(out var availableWorkers, out var availableIo);
        writer.WriteStartObject();
        writer.WriteString("timestamp", _timeProvider.GetUtcNow());
        writer.WriteNumber("threadCount", ThreadPool.ThreadCount);
        writer.WriteNumber("pendingWorkItems", ThreadPool.PendingWorkItemCount);
        writer.WriteNumber("completedWorkItems", ThreadPool.CompletedWorkItemCount);
        writer.WriteNumber("processorCount", Environment.ProcessorCount);
        writer.WriteStartObject("workerThreads");
        writer.WriteNumber("min", minWorkers);
        writer.WriteNumber("max", maxWorkers);
        writer.WriteNumber("busy", maxWorkers - availableWorkers);
        writer.WriteEndObject();
        writer.WriteStartObject("ioThreads");
        writer.WriteNumber("min", minIo);
        writer.WriteNumber("max", maxIo);
        writer.WriteNumber("busy", maxIo - availableIo);
        writer.WriteEndObject();
        writer.WriteStartObject("queueDelay");
        writer.WriteNumber("intervalMs", _options.Interval.TotalMilliseconds);
        writer.WriteNumber("windowSeconds", _options.Window.TotalSeconds);
        writer.WriteNumber("samples", total);
        writer.WriteNumber("windowSamples", window.Length);
        writer.WriteNumber("lastMs", Math.Round(last, 4));
        writer.WriteNumber("p50Ms", Math.Round(Percentiles.NearestRank(window, 50), 4));
        writer.WriteNumber("p99Ms", Math.Round(Percentiles.NearestRank(window, 99), 4));
        writer.WriteNumber("maxMs", Math.Round(window.Length == 0 ? 0 : window[^1], 4));
        writer.WriteNumber("probesSkipped", Interlocked.Read(ref _skipped));
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Writes <see cref="WriteSnapshot"/> to <paramref name="destination"/> with asynchronous I/O.</summary>
    public Task WriteSnapshotAsync(Stream destination, CancellationToken cancellationToken = default)
        => JsonSnapshot.WriteAsync(destination, WriteSnapshot, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _work.StopAsync().ConfigureAwait(false);
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _work.Dispose();
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    /// <summary>The one reusable work item: no allocation per probe.</summary>
    private sealed class ProbeItem(ThreadPoolProbe owner) : IThreadPoolWorkItem
    {
        // Written before the item is queued, read when it runs: queuing is a full barrier.
        public long EnqueuedAt;

        public void Execute() => owner.Completed(EnqueuedAt);
    }
}
