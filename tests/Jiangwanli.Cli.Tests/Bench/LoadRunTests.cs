using Jiangwanli.Cli.Bench;

namespace Jiangwanli.Cli.Tests.Bench;

/// <summary>Runs alone: a run measures real time, and parallel property tests on 2 cores could starve its short window.</summary>
[CollectionDefinition(nameof(LoadRunTests), DisableParallelization = true)]
public sealed class LoadRunCollection;

[Collection(nameof(LoadRunTests))]
public sealed class LoadRunTests
{
    /// <summary>A connection that answers after <paramref name="delay"/> with the status <paramref name="status"/> gives for the sequence.</summary>
    private sealed class FakeConnection(Func<long, int> status, TimeSpan delay, bool connects = true) : ILoadConnection
    {
        private TaskCompletionSource<ExchangeOutcome>? _hanging;

        public bool IsConnected { get; private set; }

        public bool Hang { get; init; }

        /// <summary>Each exchange's sequence, its request start as the run passed it and the wall clock when it was called (µs since 1970).</summary>
        public System.Collections.Concurrent.ConcurrentDictionary<long, (long Start, long Called)> Starts { get; } = new();

        public ValueTask<bool> ConnectAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            IsConnected = connects;
            return ValueTask.FromResult(connects);
        }

        public async ValueTask<ExchangeOutcome> ExchangeAsync(long sequence, long startMicros)
        {
            Starts[sequence] = (startMicros, (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond);
            if (Hang)
            {
                var hanging = new TaskCompletionSource<ExchangeOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref _hanging, hanging);
                return await hanging.Task;
            }

            await Task.Delay(delay);
            return ExchangeOutcome.Status(status(sequence));
        }

        public void Abort()
        {
            IsConnected = false;
            Volatile.Read(ref _hanging)?.TrySetResult(ExchangeOutcome.Failed(BenchError.Read));
        }

        public void Dispose()
        {
        }
    }

    private sealed class RecordingObserver(Action<IntervalReport>? onInterval = null) : ILoadObserver
    {
        public List<string> Events { get; } = [];

        public void OnInterval(IntervalReport report)
        {
            lock (Events)
            {
                Events.Add("interval:" + report.Phase);
            }

            onInterval?.Invoke(report);
        }

        public void OnMeasureStart()
        {
            lock (Events)
            {
                Events.Add("start");
            }
        }

        public void OnMeasureEnd()
        {
            lock (Events)
            {
                Events.Add("end");
            }
        }
    }

    [Fact]
    public async Task RunAsync_ClosedLoop_CountsEveryResponseOnceInTheWindow()
    {
        var observer = new RecordingObserver();
        // A long timeout: on a loaded machine a stall of a second or two must not turn into "timeouts" here.
        var settings = new LoadRunSettings { Connections = 4, Duration = TimeSpan.FromMilliseconds(400), Warmup = TimeSpan.FromMilliseconds(150), Timeout = TimeSpan.FromMinutes(1) };
        using var run = new LoadRun(settings, _ => new FakeConnection(s => s % 4 == 0 ? 503 : 200, TimeSpan.FromMilliseconds(1)), observer: observer);
        var m = await run.RunAsync(CancellationToken.None);

        Assert.Equal(4, m.Connected);
        Assert.False(m.Interrupted);
        Assert.Null(m.Scheduled);
        Assert.True(m.Counts.Successes > 0, $"successes {m.Counts.Successes}, responses {m.Counts.Responses}, 503 {m.Counts.Code(503)}, errors {m.Counts.Errors}, elapsed {m.Elapsed}, latencies {m.Latencies.TotalCount}, events {string.Join(",", observer.Events)}");
        Assert.True(m.Counts.Code(503) > 0);
        Assert.True(m.Counts.Successes > m.Counts.Code(503));
        Assert.Equal(m.Counts.Responses, m.Latencies.TotalCount);
        Assert.Equal(0, m.Counts.Errors);
        Assert.True(m.Elapsed > TimeSpan.Zero);
        Assert.Equal(m.Counts.Successes / m.Elapsed.TotalSeconds, m.Throughput, 6);

        // Warm-up intervals, then the window opens once and closes once.
        Assert.Equal("interval:Warmup", observer.Events[0]);
        Assert.Single(observer.Events, e => e == "start");
        Assert.Equal("end", observer.Events[^1]);
        Assert.True(observer.Events.IndexOf("start") < observer.Events.IndexOf("end"));
    }

    [Fact]
    public async Task RunAsync_OpenLoop_SendsNoMoreThanTheSchedule()
    {
        const double Rate = 400;
        var settings = new LoadRunSettings { Connections = 8, Rate = Rate, Duration = TimeSpan.FromMilliseconds(500), Warmup = TimeSpan.Zero };
        using var run = new LoadRun(settings, _ => new FakeConnection(_ => 200, TimeSpan.Zero));
        var m = await run.RunAsync(CancellationToken.None);

        Assert.NotNull(m.Scheduled);
        Assert.InRange(m.Scheduled!.Value, (long)(m.Elapsed.TotalSeconds * Rate) - 1, (long)(m.Elapsed.TotalSeconds * Rate) + 1);
        Assert.True(m.Counts.Responses > 0);
        Assert.True(m.Counts.Responses <= m.Scheduled + settings.Connections);
    }

    [Fact]
    public async Task RunAsync_OpenLoopFallingBehind_StampsEachRequestWithItsIntendedSendTime()
    {
        // One connection answering every 20 ms against a schedule of one request a millisecond: every request after the
        // first goes out late, and its stamp must still be its place in the schedule (what X-Request-Start carries).
        var before = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;
        var connection = new FakeConnection(_ => 200, TimeSpan.FromMilliseconds(20));
        var settings = new LoadRunSettings { Connections = 1, Rate = 1000, Duration = TimeSpan.FromMilliseconds(300), Warmup = TimeSpan.Zero, Timeout = TimeSpan.FromMinutes(1) };
        using var run = new LoadRun(settings, _ => connection);
        await run.RunAsync(CancellationToken.None);

        var starts = connection.Starts.OrderBy(static p => p.Key).ToList();
        Assert.True(starts.Count >= 3, $"only {starts.Count} exchanges");
        Assert.Equal(0, starts[0].Key);
        Assert.InRange(starts[0].Value.Start, before - 1_000_000, before + 60_000_000);
        foreach (var (sequence, (start, _)) in starts)
        {
            Assert.InRange(start - starts[0].Value.Start, (sequence * 1000) - 1, (sequence * 1000) + 1);
        }

        // Far behind the schedule (≥ 20 ms an exchange against 1 ms): the last request went out later than its stamp
        // says it was due, by at least 19 ms for each exchange before it.
        var last = starts[^1];
        Assert.True(last.Value.Called - last.Value.Start >= 19_000 * last.Key, $"sent {last.Value.Called - last.Value.Start} µs after its stamp");
    }

    /// <summary>A server at its connection cap: every connect succeeds, every first exchange finds the connection closed.</summary>
    private sealed class ClosedOnArrival : ILoadConnection
    {
        private int _connects;

        public int Connects => Volatile.Read(ref _connects);

        public bool IsConnected { get; private set; }

        public ValueTask<bool> ConnectAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _connects);
            IsConnected = true;
            return ValueTask.FromResult(true);
        }

        public ValueTask<ExchangeOutcome> ExchangeAsync(long sequence, long startMicros)
        {
            IsConnected = false;
            return ValueTask.FromResult(ExchangeOutcome.Failed(BenchError.Read));
        }

        public void Abort() => IsConnected = false;

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task RunAsync_ConnectionsClosedOnArrival_BacksOffInsteadOfReconnectingInALoop()
    {
        var connection = new ClosedOnArrival();
        var settings = new LoadRunSettings { Connections = 1, Duration = TimeSpan.FromMilliseconds(500), Warmup = TimeSpan.Zero, Timeout = TimeSpan.FromMinutes(1) };
        using var run = new LoadRun(settings, _ => connection);
        var m = await run.RunAsync(CancellationToken.None);

        // 100 ms between attempts: about 6 in half a second (the first connect is before the clock). Without the
        // back-off it would be as many as the loop could turn, thousands.
        Assert.InRange(connection.Connects, 2, 12);
        Assert.True(m.Counts.Error(BenchError.Read) >= 1);
        Assert.Equal(0, m.Counts.Successes);
    }

    [Fact]
    public async Task RunAsync_ServerNeverAnswers_CountsTimeoutsAndStillEnds()
    {
        var settings = new LoadRunSettings
        {
            Connections = 3,
            Duration = TimeSpan.FromMilliseconds(400),
            Warmup = TimeSpan.Zero,
            Timeout = TimeSpan.FromMilliseconds(60),
        };
        using var run = new LoadRun(settings, _ => new FakeConnection(_ => 200, TimeSpan.Zero) { Hang = true });
        var m = await run.RunAsync(CancellationToken.None);

        Assert.Equal(0, m.Counts.Responses);
        Assert.True(m.Counts.Error(BenchError.Timeout) > 0);
        Assert.Equal(m.Counts.Errors, m.Counts.Error(BenchError.Timeout));
        Assert.Equal(0, m.Latencies.TotalCount);
    }

    [Fact]
    public async Task RunAsync_NothingConnects_ReturnsAtOnceWithConnectErrors()
    {
        var settings = new LoadRunSettings { Connections = 5, Duration = TimeSpan.FromSeconds(30) };
        using var run = new LoadRun(settings, _ => new FakeConnection(_ => 200, TimeSpan.Zero, connects: false));
        var m = await run.RunAsync(CancellationToken.None);

        Assert.Equal(0, m.Connected);
        Assert.Equal(5, m.Counts.Error(BenchError.Connect));
        Assert.Equal(TimeSpan.Zero, m.Elapsed);
    }

    [Fact]
    public async Task RunAsync_Cancelled_EndsEarlyAndSaysSo()
    {
        using var cancel = new CancellationTokenSource();
        var observer = new RecordingObserver(report =>
        {
            if (report.Phase == BenchPhase.Measure)
            {
                cancel.Cancel();
            }
        });
        var settings = new LoadRunSettings { Connections = 2, Duration = TimeSpan.FromMinutes(5), Warmup = TimeSpan.Zero };
        using var run = new LoadRun(settings, _ => new FakeConnection(_ => 200, TimeSpan.FromMilliseconds(1)), observer: observer);
        var m = await run.RunAsync(cancel.Token);

        Assert.True(m.Interrupted);
        Assert.True(m.Elapsed < TimeSpan.FromMinutes(5));
        Assert.Equal("end", observer.Events[^1]);
    }
}
