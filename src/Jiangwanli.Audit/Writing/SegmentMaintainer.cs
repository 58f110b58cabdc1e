namespace Jiangwanli.Audit.Writing;

/// <summary>
/// The log's maintenance thread: keeps one zero-filled spare segment ready so the writer never waits for a
/// 64 MiB zero-fill when it starts a new segment, and applies retention after every new segment and every
/// <see cref="AuditLogOptions.RetentionCheckInterval"/>.
/// </summary>
internal sealed class SegmentMaintainer : IDisposable
{
    private readonly LogContext _context;
    private readonly SegmentCatalog _catalog;
    private readonly object _lock = new(); // a monitor: the thread waits on it
    private readonly Lock _retentionLock = new();
    private readonly Thread _thread;
    private readonly bool _retentionConfigured;
    private PreparedSegment? _spare;
    private bool _spareWanted = true;
    private bool _retentionWanted;
    private bool _stopping;
    private long _prepareNotBefore;
    private long _nextRetentionCheck;

    public SegmentMaintainer(LogContext context, SegmentCatalog catalog)
    {
        _context = context;
        _catalog = catalog;
        _retentionConfigured = context.Options.RetentionMaxAge is not null || context.Options.RetentionMaxBytes is not null;
        _nextRetentionCheck = Environment.TickCount64;
        _thread = new Thread(Run) { IsBackground = true, Name = "jwl-audit-maintenance" };
    }

    public void Start() => _thread.Start();

    /// <summary>The spare segment if one is ready (and asks for the next); null otherwise. Never blocks on I/O.</summary>
    public PreparedSegment? TakeSpare()
    {
        lock (_lock)
        {
            var spare = _spare;
            _spare = null;
            _spareWanted = true;
            Monitor.Pulse(_lock);
            return spare;
        }
    }

    /// <summary>Prepares a segment on the calling thread (when no spare is ready); throws on failure.</summary>
    public PreparedSegment PrepareNow() => SegmentPreparation.Prepare(_context);

    /// <summary>A new segment became active: prepare the next spare and apply retention.</summary>
    public void SegmentRolled()
    {
        lock (_lock)
        {
            _spareWanted = true;
            _retentionWanted = _retentionConfigured;
            Monitor.Pulse(_lock);
        }
    }

    /// <summary>Applies retention now, on the calling thread (serialized with the maintenance thread's runs).</summary>
    public void ApplyRetention()
    {
        var options = _context.Options;
        if (!_retentionConfigured)
        {
            return;
        }

        lock (_retentionLock)
        {
            ApplyRetentionLocked(options);
        }
    }

    private void ApplyRetentionLocked(AuditLogOptions options)
    {
        var victims = _catalog.SelectForRetention(options.RetentionMaxAge, options.RetentionMaxBytes, _context.NowUnixMs);
        if (victims.Count == 0)
        {
            return;
        }

        foreach (var segment in victims)
        {
            string? archived = null;
            if (options.ArchiveDirectory is { } archive)
            {
                Directory.CreateDirectory(archive);
                archived = Path.Combine(archive, segment.Name);
                _context.Storage.Move(segment.Path, archived);
            }
            else
            {
                _context.Storage.Delete(segment.Path);
            }

            _catalog.Remove(segment);
            _context.Observer.SegmentRetired(segment.ToInfo(), archived);
        }

        _context.Storage.FlushDirectory(_context.Directory);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _stopping = true;
            Monitor.Pulse(_lock);
        }

        if (_thread.IsAlive)
        {
            _thread.Join();
        }

        if (_spare is { } spare)
        {
            _spare = null;
            spare.File.Dispose();
            SegmentPreparation.TryDelete(_context, spare.TemporaryPath);
        }
    }

    private void Run()
    {
        var retryMs = (long)_context.Options.RetryInterval.TotalMilliseconds;
        var retentionMs = (long)_context.Options.RetentionCheckInterval.TotalMilliseconds;
        while (true)
        {
            bool prepare;
            bool retention;
            lock (_lock)
            {
                while (true)
                {
                    if (_stopping)
                    {
                        return;
                    }

                    var now = Environment.TickCount64;
                    if (_retentionConfigured && now >= _nextRetentionCheck)
                    {
                        _retentionWanted = true;
                        _nextRetentionCheck = now + retentionMs;
                    }

                    prepare = _spareWanted && _spare is null && now >= _prepareNotBefore;
                    retention = _retentionWanted;
                    if (prepare || retention)
                    {
                        break;
                    }

                    var wait = _retentionConfigured ? _nextRetentionCheck - now : Timeout.Infinite;
                    if (_spareWanted && _spare is null)
                    {
                        wait = wait < 0 ? _prepareNotBefore - now : Math.Min(wait, _prepareNotBefore - now);
                    }

                    Monitor.Wait(_lock, wait < 0 ? Timeout.Infinite : (int)Math.Clamp(wait, 1, int.MaxValue));
                }

                _retentionWanted = false;
            }

            if (prepare)
            {
                try
                {
                    var prepared = SegmentPreparation.Prepare(_context);
                    lock (_lock)
                    {
                        if (_stopping)
                        {
                            prepared.File.Dispose();
                            SegmentPreparation.TryDelete(_context, prepared.TemporaryPath);
                            return;
                        }

                        _spare = prepared;
                        _spareWanted = false;
                    }
                }
                catch (Exception ex)
                {
                    _prepareNotBefore = Environment.TickCount64 + retryMs;
                    _context.Observer.BackgroundError("prepare segment", ex);
                }
            }

            if (retention)
            {
                try
                {
                    ApplyRetention();
                }
                catch (Exception ex)
                {
                    _context.Observer.BackgroundError("retention", ex);
                }
            }
        }
    }
}
