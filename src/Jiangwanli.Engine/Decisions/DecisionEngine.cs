using System.Diagnostics;
using System.Runtime.CompilerServices;
using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Features;
using Jiangwanli.Engine.Packs;

namespace Jiangwanli.Engine.Decisions;

/// <summary>
/// The per-request entry point: bytes of one event in, a decision out, in a pooled <see cref="DecisionContext"/>.
/// Thread-safe. The active pack is swapped atomically with <see cref="Swap"/>; a request keeps the pack it
/// started with (its context is bound to it), so no request ever sees half of two packs.
/// </summary>
/// <example>
/// <code>
/// var context = engine.Rent();
/// try
/// {
///     if (engine.Decide(body, context)) { /* context.Decision, context.Score, ... */ }
///     else { /* context.Error */ }
/// }
/// finally { engine.Return(context); }
/// </code>
/// </example>
public sealed class DecisionEngine
{
    private readonly IFeatureStore _features;
    private readonly TimeProvider _time;
    private readonly EventReaderOptions _readerOptions;
    private readonly SystemClock? _systemClock;
    private PackState _state;

    /// <summary>Creates an engine over a pack and a feature store (e.g. an InMemoryFeatureStore).</summary>
    /// <param name="pack">The first active pack.</param>
    /// <param name="features">Where the feature windows live.</param>
    /// <param name="time">Clock for events without a timestamp; the system clock when null.</param>
    /// <param name="readerOptions">Event size and depth limits.</param>
    public DecisionEngine(RulePack pack, IFeatureStore features, TimeProvider? time = null, EventReaderOptions? readerOptions = null)
    {
        ArgumentNullException.ThrowIfNull(pack);
        ArgumentNullException.ThrowIfNull(features);
        _time = time ?? TimeProvider.System;
        _systemClock = ReferenceEquals(_time, TimeProvider.System) ? SystemClock.TryCreate() : null;
        _features = features;
        _readerOptions = readerOptions ?? new EventReaderOptions();
        _state = new PackState(pack, _readerOptions);
    }

    /// <summary>The active pack.</summary>
    public RulePack Pack => Volatile.Read(ref _state).Pack;

    /// <summary>The feature store the engine updates.</summary>
    public IFeatureStore Features => _features;

    /// <summary>Replaces the active pack atomically. Requests already running finish on the old pack.</summary>
    public void Swap(RulePack pack)
    {
        ArgumentNullException.ThrowIfNull(pack);
        Volatile.Write(ref _state, new PackState(pack, _readerOptions));
    }

    /// <summary>Rents a context bound to the active pack.</summary>
    public DecisionContext Rent() => Volatile.Read(ref _state).Pool.Rent();

    /// <summary>Returns a context to its pool (dropped if its pack is no longer active).</summary>
    public void Return(DecisionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = Volatile.Read(ref _state);
        if (ReferenceEquals(context.Pack, state.Pack))
        {
            state.Pool.Return(context);
        }
    }

    /// <summary>
    /// Reads the event, updates and reads its features, evaluates the rules of the context's pack and scores.
    /// Returns false, with <see cref="DecisionContext.Error"/> set, when the event is refused.
    /// </summary>
    public bool Decide(ReadOnlySpan<byte> eventJson, DecisionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var start = Stopwatch.GetTimestamp();
        var pack = context.Pack;
        var now = _systemClock is { } clock ? clock.UnixMilliseconds(start) : _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (!context.Reader.TryRead(eventJson, context, now))
        {
            return false;
        }

        _features.Observe(pack.FeatureArray, context);
        Score(pack, context);
        context.EvaluationMicros = Stopwatch.GetElapsedTime(start).Ticks / (double)TimeSpan.TicksPerMicrosecond;
        return true;
    }

    /// <summary>Reads the event and adds it to the feature windows only, without evaluating rules (rebuilding state).</summary>
    public bool ObserveOnly(ReadOnlySpan<byte> eventJson, DecisionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var pack = context.Pack;
        if (!context.Reader.TryRead(eventJson, context, _time.GetUtcNow().ToUnixTimeMilliseconds()))
        {
            return false;
        }

        _features.Observe(pack.FeatureArray, context);
        return true;
    }

    /// <summary>Evaluates the rules on a context whose event and features are already in place (benchmarks, replay).</summary>
    internal static void EvaluateRules(DecisionContext context)
    {
        context.ScratchLength = 0; // string functions write here; the reader resets it on a normal decision
        Score(context.Pack, context);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Score(RulePack pack, DecisionContext context)
    {
        var conditions = pack.Conditions;
        var scores = pack.RuleScores;
        var actions = pack.RuleActions;
        var score = 0;
        var action = RuleAction.None;
        var matched = 0;
        var matchedIndexes = context.MatchedRules;
        for (var i = 0; i < conditions.Length; i++)
        {
            if (!conditions[i].Eval(context))
            {
                continue;
            }

            matchedIndexes[matched++] = i;
            score += scores[i];
            if (actions[i] > action)
            {
                action = actions[i];
            }
        }

        context.MatchedCount = matched;
        context.Score = score;
        context.Decision = action switch
        {
            RuleAction.Deny => Decision.Deny,
            RuleAction.Review => score >= pack.DenyAt ? Decision.Deny : Decision.Review,
            RuleAction.Allow => Decision.Allow,
            _ => score >= pack.DenyAt ? Decision.Deny : score >= pack.ReviewAt ? Decision.Review : Decision.Allow,
        };
    }

    /// <summary>A pack with the reader and context pool made for it; swapped as one reference.</summary>
    private sealed class PackState
    {
        public PackState(RulePack pack, EventReaderOptions readerOptions)
        {
            Pack = pack;
            var reader = new EventReader(pack.Schema, readerOptions);
            Pool = new DecisionContextPool(pack, reader);
        }

        public RulePack Pack { get; }

        public DecisionContextPool Pool { get; }
    }
}
