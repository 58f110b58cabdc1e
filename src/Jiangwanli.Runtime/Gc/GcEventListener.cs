using System.Diagnostics.Tracing;

namespace Jiangwanli.Runtime.Gc;

/// <summary>
/// An in-process <see cref="EventListener"/> on the runtime's GC events (provider
/// <c>Microsoft-Windows-DotNETRuntime</c>, GC keyword, Informational — allocation ticks are
/// Verbose and stay off) that pieces together one <see cref="GcRecord"/> per GC.
/// </summary>
/// <remarks>
/// Event order per GC, as the runtime fires them:
/// <code>
///  blocking:   SuspendEEBegin → SuspendEEEnd → GCStart(n) → GCEnd(n) → GCHeapStats → RestartEEEnd   emit at RestartEEEnd
///  background: SuspendEEBegin → GCStart(n, bgc) → RestartEEEnd    (pause 1)
///              … concurrent mark, maybe foreground GCs (n+1, …) with their own pauses …
///              SuspendEEBegin → RestartEEEnd                     (pause 2, credited to n)
///              GCEnd(n) → GCHeapStats                             emit at GCHeapStats
/// </code>
/// A pause belongs to the GC that started during it, else to the background GC in flight. Its first part,
/// SuspendEEBegin → SuspendEEEnd, is the time it took to stop every managed thread at a safe point
/// (<see cref="GcRecord.Suspension"/>): on a machine whose cores are all busy a thread the OS has descheduled cannot
/// reach one until it runs again, so a large share here points at the machine, not at the GC's own work.
/// Events arrive on the runtime's dispatch thread, one at a time, shortly after the fact; the
/// sizes are taken from <see cref="GC.GetGCMemoryInfo(GCKind)"/> when its index still matches.
/// </remarks>
internal sealed class GcEventListener : EventListener
{
    private const string RuntimeSourceName = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    private const int GCStart = 1;
    private const int GCEnd = 2;
    private const int GCRestartEEEnd = 3;
    private const int GCHeapStats = 4;
    private const int GCSuspendEEEnd = 8;
    private const int GCSuspendEEBegin = 9;

    private const uint SuspendForGC = 1;
    private const uint SuspendForGCPrep = 6;

    private Action<GcRecord>? _sink;
    private bool _suspended;
    private DateTime _suspendStart;
    private TimeSpan _suspension;
    private PendingGc? _startedDuringSuspend;
    private PendingGc? _background;
    private PendingGc? _lastEnded;

    public void Attach(Action<GcRecord> sink) => Volatile.Write(ref _sink, sink);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // Called from the base constructor for sources that already exist: touch no fields here.
        if (string.Equals(eventSource.Name, RuntimeSourceName, StringComparison.Ordinal))
        {
            EnableEvents(eventSource, EventLevel.Informational, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (Volatile.Read(ref _sink) is not { } sink)
        {
            return;
        }

        switch (eventData.EventId)
        {
            case GCSuspendEEBegin:
                var reason = UInt(eventData, "Reason");
                if (reason is SuspendForGC or SuspendForGCPrep)
                {
                    _suspended = true;
                    _suspendStart = eventData.TimeStamp;
                    _suspension = TimeSpan.Zero;
                    _startedDuringSuspend = null;
                }

                break;

            case GCSuspendEEEnd:
                if (_suspended)
                {
                    _suspension = eventData.TimeStamp - _suspendStart;
                }

                break;

            case GCStart:
                var started = new PendingGc
                {
                    Index = UInt(eventData, "Count"),
                    Generation = (int)UInt(eventData, "Depth"),
                    Reason = (GcReason)UInt(eventData, "Reason"),
                    Kind = (GcKind)UInt(eventData, "Type"),
                    StartedAt = eventData.TimeStamp,
                };
                if (_suspended)
                {
                    _startedDuringSuspend = started;
                }

                if (started.Kind == GcKind.Background)
                {
                    _background = started;
                }

                break;

            case GCEnd:
                var index = UInt(eventData, "Count");
                var ended = _startedDuringSuspend?.Index == index ? _startedDuringSuspend
                    : _background?.Index == index ? _background
                    : null;
                if (ended is not null)
                {
                    ended.Ended = true;
                }

                _lastEnded = ended;
                break;

            case GCHeapStats:
                if (_lastEnded is { } gc)
                {
                    gc.HeapAfter = (long)(ULong(eventData, "GenerationSize0") + ULong(eventData, "GenerationSize1")
                        + ULong(eventData, "GenerationSize2") + ULong(eventData, "GenerationSize3")
                        + ULong(eventData, "GenerationSize4"));
                    gc.HasHeapStats = true;
                    _lastEnded = null;

                    // A blocking GC still has threads suspended here: its pause closes at RestartEEEnd.
                    if (!_suspended || gc.Kind == GcKind.Background)
                    {
                        Complete(gc, sink);
                    }
                }

                break;

            case GCRestartEEEnd:
                if (_suspended)
                {
                    _suspended = false;
                    var owner = _startedDuringSuspend ?? _background;
                    if (owner is not null)
                    {
                        owner.Pause += eventData.TimeStamp - _suspendStart;
                        owner.Suspension += _suspension;
                        if (owner.HasHeapStats)
                        {
                            Complete(owner, sink);
                        }
                    }

                    _startedDuringSuspend = null;
                }

                break;
        }
    }

    private void Complete(PendingGc gc, Action<GcRecord> sink)
    {
        if (gc.Emitted)
        {
            return;
        }

        gc.Emitted = true;
        if (ReferenceEquals(gc, _background))
        {
            _background = null;
        }

        var record = new GcRecord
        {
            Index = gc.Index,
            Generation = gc.Generation,
            Reason = gc.Reason,
            Kind = gc.Kind,
            StartedAt = new DateTimeOffset(DateTime.SpecifyKind(gc.StartedAt, DateTimeKind.Utc)),
            Pause = gc.Pause,
            Suspension = gc.Suspension,
            HeapBeforeBytes = -1,
            HeapAfterBytes = gc.HeapAfter,
            PromotedBytes = -1,
            CommittedBytes = -1,
            FragmentedBytes = -1,
            LimitBytes = -1,
            PauseTimePercentage = -1,
        };
        sink(Enrich(record));
    }

    /// <summary>Fills sizes from the runtime's own record of this GC, if it still has it.</summary>
    internal static GcRecord Enrich(GcRecord record)
    {
        Span<GCKind> kinds = [GCKind.Any, GCKind.Ephemeral, GCKind.FullBlocking, GCKind.Background];
        foreach (var kind in kinds)
        {
            var info = GC.GetGCMemoryInfo(kind);
            if (info.Index != record.Index)
            {
                continue;
            }

            long before = 0;
            foreach (var generation in info.GenerationInfo)
            {
                before += generation.SizeBeforeBytes;
            }

            var pause = TimeSpan.Zero;
            foreach (var p in info.PauseDurations)
            {
                pause += p;
            }

            return record with
            {
                Generation = info.Generation,
                Compacted = info.Compacted,
                Pause = pause > TimeSpan.Zero ? pause : record.Pause,
                HeapBeforeBytes = before,
                HeapAfterBytes = info.HeapSizeBytes,
                PromotedBytes = info.PromotedBytes,
                CommittedBytes = info.TotalCommittedBytes,
                FragmentedBytes = info.FragmentedBytes,
                LimitBytes = info.TotalAvailableMemoryBytes,
                PauseTimePercentage = info.PauseTimePercentage,
            };
        }

        var latest = GC.GetGCMemoryInfo(GCKind.Any);
        return record with { LimitBytes = latest.TotalAvailableMemoryBytes };
    }

    private static uint UInt(EventWrittenEventArgs e, string name) =>
        Payload(e, name) switch
        {
            uint u => u,
            int i => (uint)i,
            ushort s => s,
            _ => 0,
        };

    private static ulong ULong(EventWrittenEventArgs e, string name) =>
        Payload(e, name) switch
        {
            ulong u => u,
            long l => (ulong)l,
            uint i => i,
            _ => 0,
        };

    private static object? Payload(EventWrittenEventArgs e, string name)
    {
        var names = e.PayloadNames;
        var values = e.Payload;
        if (names is null || values is null)
        {
            return null;
        }

        for (var i = 0; i < names.Count && i < values.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return values[i];
            }
        }

        return null;
    }

    private sealed class PendingGc
    {
        public long Index;
        public int Generation;
        public GcReason Reason;
        public GcKind Kind;
        public DateTime StartedAt;
        public TimeSpan Pause;
        public TimeSpan Suspension;
        public long HeapAfter;
        public bool HasHeapStats;
        public bool Ended;
        public bool Emitted;
    }
}
