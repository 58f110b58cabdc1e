using System.Diagnostics.Metrics;
using Jiangwanli.Engine.Decisions;
using Jiangwanli.Engine.Events;

namespace Jiangwanli.Server.Telemetry;

/// <summary>
/// The service's own instruments on the <c>Jiangwanli</c> meter, created through <see cref="IMeterFactory"/>.
/// The counts every request updates (decisions by outcome, refusals by reason, rule hits by rule id) are observable
/// instruments read from striped counters at collection time; the latency histogram lives in a field and every call
/// checks <c>Enabled</c> before it builds its tag (the KestrelMetrics pattern), so an unobserved instrument costs a
/// branch. Tag values are constants or rule ids held by the pack: recording allocates nothing.
/// </summary>
internal sealed class JiangwanliMetrics
{
    /// <summary>The meter name to enable in an exporter.</summary>
    public const string MeterName = "Jiangwanli";

    private static readonly string[] s_outcomes = ["allow", "review", "deny"];

    // Decision latency spans microseconds (in memory) to milliseconds (fsync): seconds, per OpenTelemetry convention.
    internal static readonly double[] LatencyBuckets =
    [
        0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
    ];

    private readonly StripedCounter[] _outcomeCounts = [new(), new(), new()]; // decisions by outcome (index: Decision)
    private readonly RuleHitCounters _ruleHits = new();
    // Refusals by reason: observable, like the decisions. Under overload most requests are refusals, and an
    // OpenTelemetry counter update with a reason tag (a tag-set lookup) was 5 % of the server's CPU in a run that
    // refused nearly everything (perf, docs/benchmarks.md). Reasons are the catalog's constant slugs: a handful of keys.
    private readonly TaggedCounters _rejected = new("reason", Environment.ProcessorCount);
    private readonly Histogram<double> _latency;

    public JiangwanliMetrics(IMeterFactory meterFactory, Hosting.ConnectionLimit? connections = null)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        if (connections is { Max: > 0 })
        {
            meter.CreateObservableGauge("jiangwanli.connections.open", () => connections.Open, "{connection}", "Public connections open (Jiangwanli:Limits:MaxConnections set).");
            meter.CreateObservableCounter("jiangwanli.connections.rejected", () => connections.Rejected, "{connection}", "Public connections closed at once for being over Jiangwanli:Limits:MaxConnections.");
        }

        // Observable: read from striped per-outcome counters at collection time instead of an OpenTelemetry update
        // per decision (that update, a tag-set lookup and an aggregator lock, was ~0.5 % of the server's CPU).
        meter.CreateObservableCounter("jiangwanli.decisions", ObserveDecisions, "{decision}", "Decisions made, by outcome.");
        // Observable for the same reason: a counter update per matched rule, each a tag-set lookup, was ≈ 0.9 µs of a
        // decision's server CPU (perf, docs/benchmarks.md, eighth session).
        meter.CreateObservableCounter("jiangwanli.rule.hits", _ruleHits.Observe, "{hit}", "Rules that matched, by rule id.");
        meter.CreateObservableCounter("jiangwanli.events.rejected", _rejected.Observe, "{event}", "Events refused before a decision, by reason.");
        _latency = meter.CreateHistogram(
            "jiangwanli.decision.duration",
            "s",
            "Time from the start of the request handler to a logged decision.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
    }

    /// <summary>Decisions made since start (the memory governor reads it as the request rate).</summary>
    public long DecisionCount()
    {
        long total = 0;
        foreach (var counter in _outcomeCounts)
        {
            total += counter.Read();
        }

        return total;
    }

    /// <summary>Counts a decision, its matched rules and its latency.</summary>
    public void Decided(DecisionContext context, double seconds)
    {
        _outcomeCounts[(int)context.Decision].Increment();
        var outcome = s_outcomes[(int)context.Decision];
        if (_latency.Enabled)
        {
            _latency.Record(seconds, new KeyValuePair<string, object?>("outcome", outcome));
        }

        if (context.MatchedCount > 0)
        {
            _ruleHits.Count(context.Pack, context.MatchedRuleIndexes);
        }
    }

    /// <summary>Counts an event or request refused before a decision.</summary>
    /// <param name="reason">A constant reason tag (see <c>ProblemType.Reason</c>).</param>
    public void Rejected(string reason)
    {
        _rejected.For(reason).Increment();
    }

    /// <summary>Refusals counted under <paramref name="reason"/> since start.</summary>
    public long RejectedCount(string reason) => _rejected.Read(reason);

    private IEnumerable<Measurement<long>> ObserveDecisions()
    {
        for (var i = 0; i < _outcomeCounts.Length; i++)
        {
            yield return new Measurement<long>(_outcomeCounts[i].Read(), new KeyValuePair<string, object?>("outcome", s_outcomes[i]));
        }
    }

    /// <summary>The outcome name of a decision.</summary>
    public static string OutcomeName(Decision decision) => s_outcomes[(int)decision];
}
