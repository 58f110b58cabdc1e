namespace Jiangwanli.Server.Configuration;

/// <summary>
/// Admission control in front of the decision endpoints (section <c>Jiangwanli:Admission</c>): a concurrency limit
/// with a bounded FIFO wait queue and a queueing deadline; optionally an adaptive (gradient) limit. Documented in
/// docs/operations.md, "Admission control".
/// </summary>
public sealed class AdmissionOptions
{
    /// <summary>Whether admission control is on. Off: every request is served (unbounded).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Requests served at once (the initial limit when <see cref="Adaptive"/>). 0 means 4 × processor count.</summary>
    /// <remarks>
    /// Why 4 × cores: a slot is held only for the CPU stage of a request (body, decision, audit hand-off; not the wait
    /// for the disk), so the limit only has to cover the cores plus the requests between their awaits. Measured after
    /// that change (docs/benchmarks.md, "Sizing the fixed limit": 2 cores, closed loop, 64 connections, 15 s, batch
    /// durability): limits 4, 8 and 16 gave 8.8k–26.0k, 15.3k–17.3k and 21.7k decisions/s — one plateau within this
    /// shared machine's noise — while 32 fell to 15.9k (p99 14 ms) and 64 to 10.3k (p99 24 ms), and 2 to 12.9k. The
    /// default sits in the middle of the plateau, with room on either side.
    /// </remarks>
    public int MaxConcurrency { get; set; }

    /// <summary>Requests that may wait for a slot; beyond it a request is answered 503 at once.</summary>
    public int MaxQueue { get; set; } = 1024;

    /// <summary>
    /// How long a request may wait: in the admission queue, or since the time its <see cref="RequestStartHeader"/>
    /// says it entered the system. Past it the request is shed (503) rather than served late.
    /// </summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The header a proxy or client stamps with the time the request entered the system (<c>X-Request-Start</c>:
    /// <c>t=</c> and a Unix time in s, ms, µs or ns). A request whose stamp is older than <see cref="QueueTimeout"/>
    /// is refused before anything else (503 <c>queue-timeout</c>, metric reason <c>expired</c>): the wait in a
    /// proxy's queue, the socket buffers and the thread pool, which the server cannot see by itself. A malformed
    /// stamp is a 400 <c>invalid-header</c>. Requests without the header are not affected.
    /// </summary>
    /// <remarks>
    /// Off (empty) by default: the stamp comes from another machine's clock, and a proxy whose clock runs behind ours
    /// by more than <see cref="QueueTimeout"/> would make every request look old. Heroku's router and many nginx set
    /// this header whether or not anyone reads it, so honoring it by default could shed a whole deployment's traffic
    /// on clock skew alone; the operator who knows the clocks are synchronised turns it on.
    /// </remarks>
    public string RequestStartHeader { get; set; } = string.Empty;

    /// <summary>
    /// Longest standing delay for the thread pool to start queued work before new requests are refused (503
    /// <c>overloaded</c>, reason <c>backlog</c>): the backlog a concurrency limit cannot see, because requests wait there
    /// before admission runs. "Standing": every probe over ~80 ms, or one probe waiting four times this (see
    /// <c>DispatchDelayGuard</c>). <see cref="TimeSpan.Zero"/> turns the guard off. Default 10 ms.
    /// </summary>
    public TimeSpan MaxDispatchDelay { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Whether the limit adapts to measured latency (gradient, as Netflix concurrency-limits' Gradient2).</summary>
    public bool Adaptive { get; set; }

    /// <summary>Lower bound of the adaptive limit.</summary>
    public int MinConcurrency { get; set; } = 2;

    /// <summary>Upper bound of the adaptive limit. 0 means 64 × processor count.</summary>
    public int MaxConcurrencyLimit { get; set; }

    /// <summary>The <c>Retry-After</c> (seconds) of an admission 503.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Per-client token-bucket rate limits keyed by the <c>X-Api-Key</c> header (off unless <c>PerKeyPerSecond</c> &gt; 0).</summary>
    public RateLimitOptions RateLimits { get; set; } = new();

    /// <summary>The configured limit, with 0 resolved.</summary>
    internal int ResolvedMaxConcurrency => MaxConcurrency > 0 ? MaxConcurrency : 4 * Environment.ProcessorCount;

    /// <summary>The adaptive upper bound, with 0 resolved.</summary>
    internal int ResolvedMaxConcurrencyLimit => MaxConcurrencyLimit > 0 ? MaxConcurrencyLimit : Math.Max(64 * Environment.ProcessorCount, ResolvedMaxConcurrency);
}

/// <summary>Per-client rate limits (section <c>Jiangwanli:Admission:RateLimits</c>).</summary>
public sealed class RateLimitOptions
{
    /// <summary>Requests a second each API key may make on average; 0 turns per-key limits off.</summary>
    public double PerKeyPerSecond { get; set; }

    /// <summary>Requests a key may make at once after being idle (the bucket size). 0 means <c>PerKeyPerSecond</c> (at least 1).</summary>
    public double Burst { get; set; }

    /// <summary>The bucket size, with 0 resolved.</summary>
    internal double ResolvedBurst => Burst > 0 ? Burst : Math.Max(1, PerKeyPerSecond);
}
