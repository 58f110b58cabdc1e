using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Jiangwanli.Runtime.Memory;
using Jiangwanli.Server.Configuration;
using Jiangwanli.Server.Problems;
using Jiangwanli.Server.Telemetry;
using Microsoft.AspNetCore.Http;

namespace Jiangwanli.Server.Admission;

/// <summary>
/// Admission control in front of the decision endpoints: the <see cref="ConcurrencyLimiter"/>, the memory guard
/// (the memory governor's level: <c>Throttle</c> halves the limit, <c>Shed</c> refuses new requests) and, when
/// <see cref="AdmissionOptions.Adaptive"/>, a <see cref="GradientLimit"/> fed with the requests' CPU-stage latencies.
/// </summary>
/// <remarks>
/// A slot covers a request's CPU work only: the decision endpoints release it once the audit record is handed to the
/// log, before awaiting the disk (the log's bounded queue bounds what waits there). So the latency sampled on release is
/// the CPU stage (body, decision, hand-off), not the group commit's wait.
/// Latency sampling costs two interlocked adds per request; at most once per <see cref="UpdateInterval"/> one
/// request (the winner of a compare-exchange gate) turns the window's mean into a new limit. Gauges:
/// <c>jiangwanli.admission.limit</c>, <c>.in_flight</c>, <c>.queued</c>; counter <c>jiangwanli.admission.rejected</c>
/// by <c>reason</c> (<c>overloaded</c>, <c>queue_timeout</c>, <c>memory</c>, <c>backlog</c>, <c>expired</c>);
/// histogram <c>jiangwanli.admission.request_age</c> (requests that carry a request-start stamp).
/// <para>The request-start check comes first, so that a request which already waited too long elsewhere (a proxy's
/// queue, the socket buffers, the thread pool: waits this process cannot measure by itself) costs no rate-limit
/// token and no slot, and is refused as cheaply as a refusal can be.</para>
/// </remarks>
internal sealed class AdmissionControl : IDisposable
{
    /// <summary>The metric reason of a refusal by the dispatch-delay guard (its problem is <c>overloaded</c>).</summary>
    public const string BacklogReason = "backlog";

    /// <summary>The metric reason of a refusal for an expired request-start stamp (its problem is <c>queue-timeout</c>).</summary>
    public const string ExpiredReason = "expired";

    /// <summary>How often the adaptive limit is recomputed (at most).</summary>
    public static readonly TimeSpan UpdateInterval = TimeSpan.FromMilliseconds(50);

    private static readonly long s_updateTicks = (long)(UpdateInterval.TotalSeconds * Stopwatch.Frequency);

    private readonly ConcurrencyLimiter _limiter;
    private readonly Func<AdmissionLevel>? _memoryLevel;
    private readonly GradientLimit? _gradient;
    private readonly TokenBuckets? _buckets;
    private readonly DispatchDelayGuard? _dispatch;
    private readonly TimeProvider _time;
    private readonly string? _startHeader;
    private readonly long _maxAgeMicros;
    private readonly Histogram<double>? _requestAge;
    private readonly string _expiredDetail;
    private readonly string _invalidStartDetail;
    private long _expired;
    private int _baseLimit;
    private int _appliedLevel; // an AdmissionLevel
    private long _memoryRejected;
    private long _windowTicks;
    private long _windowCount;
    private long _lastUpdate;
    private int _updating;

    /// <summary>Creates admission control from validated options.</summary>
    /// <param name="options">The <c>Jiangwanli:Admission</c> section.</param>
    /// <param name="memoryLevel">Reads the memory governor's level (lock-free), or null for no memory guard.</param>
    /// <param name="time">Clock and timers for the queue deadline.</param>
    /// <param name="meterFactory">Creates the <c>Jiangwanli</c> meter for the gauges, or null.</param>
    /// <param name="dispatch">The dispatch-delay guard to use (tests); null: one is started when the options enable it.</param>
    public AdmissionControl(AdmissionOptions options, Func<AdmissionLevel>? memoryLevel, TimeProvider time, IMeterFactory? meterFactory, DispatchDelayGuard? dispatch = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _time = time;
        _memoryLevel = memoryLevel;
        _startHeader = string.IsNullOrEmpty(options.RequestStartHeader) ? null : options.RequestStartHeader;
        _maxAgeMicros = options.QueueTimeout.Ticks / TimeSpan.TicksPerMicrosecond;
        _expiredDetail = string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"the request is older than Jiangwanli:Admission:QueueTimeout ({options.QueueTimeout.TotalMilliseconds} ms) by its {_startHeader} stamp: shed rather than served late; retry shortly");
        _invalidStartDetail = $"{_startHeader} must be a Unix time in s, ms, µs or ns after 2000, optionally after 't=' (e.g. t=1700000000.123)";
        _baseLimit = options.ResolvedMaxConcurrency;
        if (options.Adaptive)
        {
            _gradient = new GradientLimit(_baseLimit, options.MinConcurrency, options.ResolvedMaxConcurrencyLimit);
            _baseLimit = _gradient.Limit;
        }

        if (options.RateLimits.PerKeyPerSecond > 0)
        {
            _buckets = new TokenBuckets(options.RateLimits.PerKeyPerSecond, options.RateLimits.ResolvedBurst, time);
        }

        _dispatch = dispatch ?? (options.MaxDispatchDelay > TimeSpan.Zero ? new DispatchDelayGuard(options.MaxDispatchDelay) : null);

        _limiter = new ConcurrencyLimiter(_baseLimit, options.MaxQueue, options.QueueTimeout, time);
        RetryAfter = options.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _lastUpdate = Stopwatch.GetTimestamp();
        if (meterFactory is not null)
        {
            var meter = meterFactory.Create(JiangwanliMetrics.MeterName);
            meter.CreateObservableGauge("jiangwanli.admission.limit", () => _limiter.Limit, "{request}", "Requests admission control serves at once (after the memory guard).");
            meter.CreateObservableGauge("jiangwanli.admission.in_flight", () => _limiter.InFlight, "{request}", "Admitted requests being served.");
            meter.CreateObservableGauge("jiangwanli.admission.queued", () => _limiter.Queued, "{request}", "Requests waiting for admission.");
            meter.CreateObservableCounter("jiangwanli.admission.rejected", ObserveRejections, "{request}", "Requests refused by admission control, by reason.");
            if (_startHeader is not null)
            {
                _requestAge = meter.CreateHistogram(
                    "jiangwanli.admission.request_age",
                    "s",
                    $"Time from a request's {_startHeader} stamp to its admission check (requests with the header only).",
                    tags: null,
                    advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = JiangwanliMetrics.LatencyBuckets });
            }
        }
    }

    /// <summary>The options.</summary>
    public AdmissionOptions Options { get; }

    /// <summary>The <c>Retry-After</c> value of an admission 503.</summary>
    public string RetryAfter { get; }

    /// <summary>The limiter (for gauges and tests).</summary>
    public ConcurrencyLimiter Limiter => _limiter;

    /// <summary>The limit before the memory guard (adaptive or configured).</summary>
    public int BaseLimit => Volatile.Read(ref _baseLimit);

    /// <summary>Requests refused by the memory guard since start.</summary>
    public long MemoryRejectedCount => Interlocked.Read(ref _memoryRejected);

    /// <summary>Requests refused because their request-start stamp was older than the queueing deadline, since start.</summary>
    public long ExpiredCount => Interlocked.Read(ref _expired);

    /// <summary>The problem answered for a refusal.</summary>
    public static ProblemType ProblemFor(AdmissionOutcome outcome) => outcome switch
    {
        AdmissionOutcome.QueueTimeout or AdmissionOutcome.Expired => ProblemCatalog.QueueTimeout,
        AdmissionOutcome.InvalidRequestStart => ProblemCatalog.InvalidHeader,
        AdmissionOutcome.Memory => ProblemCatalog.MemoryPressure,
        AdmissionOutcome.RateLimited => ProblemCatalog.RateLimited,
        _ => ProblemCatalog.Overloaded,
    };

    /// <summary>The problem detail for a refusal.</summary>
    public string DetailFor(AdmissionOutcome outcome) => outcome switch
    {
        AdmissionOutcome.Expired => _expiredDetail,
        AdmissionOutcome.InvalidRequestStart => _invalidStartDetail,
        AdmissionOutcome.QueueTimeout => "the request waited longer than Jiangwanli:Admission:QueueTimeout for a slot; retry shortly",
        AdmissionOutcome.Backlog => "the service is backlogged: queued work waits longer than Jiangwanli:Admission:MaxDispatchDelay to start; retry shortly",
        AdmissionOutcome.Memory => "the service is shedding load to stay within its memory limit; retry shortly",
        AdmissionOutcome.RateLimited => "this API key is over its request rate (Jiangwanli:Admission:RateLimits); retry later",
        _ => "the service is at its concurrency limit and its wait queue is full; retry shortly",
    };

    /// <summary>Whether per-key rate limits are on.</summary>
    public bool HasRateLimits => _buckets is not null;

    /// <summary>The field a refusal names (the request-start header for a malformed stamp), or null.</summary>
    public string? FieldFor(AdmissionOutcome outcome) => outcome == AdmissionOutcome.InvalidRequestStart ? _startHeader : null;

    /// <summary>
    /// Admits, queues or refuses one HTTP request: its request-start stamp first (when the header is configured and
    /// present), then the rest as <see cref="AcquireAsync"/>; its <c>X-Api-Key</c> header is read only when per-key
    /// limits are on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ValueTask<AdmissionOutcome> AcquireForAsync(HttpRequest request)
    {
        if (_startHeader is not null && request.Headers.TryGetValue(_startHeader, out var stamp))
        {
            var age = CheckAge(stamp);
            if (age != AdmissionOutcome.Admitted)
            {
                return new ValueTask<AdmissionOutcome>(age);
            }
        }

        return AcquireAsync(HasRateLimits && request.Headers.TryGetValue("X-Api-Key", out var key) ? key.ToString() : null);
    }

    /// <summary>
    /// The request-start check: <see cref="AdmissionOutcome.Expired"/> when the stamp is older than the queueing
    /// deadline, <see cref="AdmissionOutcome.InvalidRequestStart"/> when it is not a time, else admitted (so far).
    /// A stamp from the future (a proxy's clock ahead of ours) counts as age 0: clock skew never sheds.
    /// </summary>
    /// <param name="stamp">The header's values; a repeated header is judged by its first value (the outermost proxy's).</param>
    internal AdmissionOutcome CheckAge(Microsoft.Extensions.Primitives.StringValues stamp)
    {
        if (!RequestStart.TryParseMicros(stamp[0].AsSpan(), out var startMicros))
        {
            return AdmissionOutcome.InvalidRequestStart;
        }

        var ageMicros = Math.Max(0, ((_time.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond) - startMicros);
        _requestAge?.Record(ageMicros / 1e6);
        if (ageMicros > _maxAgeMicros)
        {
            Interlocked.Increment(ref _expired);
            return AdmissionOutcome.Expired;
        }

        return AdmissionOutcome.Admitted;
    }

    /// <summary>
    /// Admits, queues or refuses one request (synchronous and allocation-free unless it has to wait).
    /// <paramref name="apiKey"/> is the client's <c>X-Api-Key</c> (null or empty: no per-key limit).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ValueTask<AdmissionOutcome> AcquireAsync(string? apiKey = null)
    {
        if (_buckets is not null && !string.IsNullOrEmpty(apiKey) && !_buckets.TryTake(apiKey))
        {
            return new ValueTask<AdmissionOutcome>(AdmissionOutcome.RateLimited);
        }

        if (_memoryLevel is { } read)
        {
            var level = read();
            if ((int)level != Volatile.Read(ref _appliedLevel))
            {
                ApplyLevel(level);
            }

            if (level == AdmissionLevel.Shed)
            {
                Interlocked.Increment(ref _memoryRejected);
                return new ValueTask<AdmissionOutcome>(AdmissionOutcome.Memory);
            }
        }

        if (_dispatch is { IsShedding: true } dispatch)
        {
            dispatch.CountShed();
            return new ValueTask<AdmissionOutcome>(AdmissionOutcome.Backlog);
        }

        return _limiter.AcquireAsync();
    }

    /// <summary>Stops the dispatch-delay probe.</summary>
    public void Dispose() => _dispatch?.Dispose();

    /// <summary>Releases an admitted request and feeds its CPU-stage latency (start to now) to the adaptive limit.</summary>
    /// <param name="startTimestamp">The <see cref="Stopwatch.GetTimestamp"/> at which the handler started.</param>
    public void Release(long startTimestamp)
    {
        if (_gradient is not null)
        {
            var now = Stopwatch.GetTimestamp();
            Interlocked.Add(ref _windowTicks, now - startTimestamp);
            Interlocked.Increment(ref _windowCount);
            if (now - Volatile.Read(ref _lastUpdate) >= s_updateTicks && Interlocked.CompareExchange(ref _updating, 1, 0) == 0)
            {
                UpdateLimit(now);
            }
        }

        _limiter.Release();
    }

    /// <summary>Releases an admitted request without a latency sample (batches: their latency is not a request's).</summary>
    public void Release() => _limiter.Release();

    /// <summary>Sets the limit before the memory guard (what the adaptive algorithm does; tests use it too).</summary>
    internal void SetBaseLimit(int limit)
    {
        Volatile.Write(ref _baseLimit, Math.Max(1, limit));
        _limiter.Limit = Effective(limit, (AdmissionLevel)Volatile.Read(ref _appliedLevel));
    }

    private static int Effective(int limit, AdmissionLevel level)
        => level == AdmissionLevel.Throttle ? Math.Max(1, limit / 2) : limit;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ApplyLevel(AdmissionLevel level)
    {
        Volatile.Write(ref _appliedLevel, (int)level);
        _limiter.Limit = Effective(Volatile.Read(ref _baseLimit), level);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void UpdateLimit(long now)
    {
        try
        {
            if (now - Volatile.Read(ref _lastUpdate) < s_updateTicks)
            {
                return;
            }

            Volatile.Write(ref _lastUpdate, now);
            var ticks = Interlocked.Exchange(ref _windowTicks, 0);
            var count = Interlocked.Exchange(ref _windowCount, 0);
            if (count > 0)
            {
                var meanSeconds = ticks / (double)count / Stopwatch.Frequency;
                SetBaseLimit(_gradient!.Update(meanSeconds, _limiter.InFlight));
            }
        }
        finally
        {
            Volatile.Write(ref _updating, 0);
        }
    }

    private IEnumerable<Measurement<long>> ObserveRejections() =>
    [
        new(_limiter.OverloadedCount, new KeyValuePair<string, object?>("reason", ProblemCatalog.Overloaded.Reason)),
        new(_limiter.TimedOutCount, new KeyValuePair<string, object?>("reason", ProblemCatalog.QueueTimeout.Reason)),
        new(MemoryRejectedCount, new KeyValuePair<string, object?>("reason", ProblemCatalog.MemoryPressure.Reason)),
        new(_dispatch?.ShedCount ?? 0, new KeyValuePair<string, object?>("reason", BacklogReason)),
        new(ExpiredCount, new KeyValuePair<string, object?>("reason", ExpiredReason)),
    ];
}
