namespace Jiangwanli.Cli.Bench;

/// <summary>
/// Counts of responses by status code and of failed exchanges by <see cref="BenchError"/>, written by every connection
/// with one interlocked increment; read as <see cref="StatusSnapshot"/>s and subtracted to get a phase's counts.
/// </summary>
internal sealed class StatusTally
{
    /// <summary>Status codes 0..599 are counted exactly; anything else lands in slot 0 ("other").</summary>
    public const int CodeSlots = 600;

    private static readonly int s_errorKinds = Enum.GetValues<BenchError>().Length;

    private readonly long[] _codes = new long[CodeSlots];
    private readonly long[] _errors = new long[s_errorKinds];
    private long _missingRetryAfter;

    /// <summary>Counts a response with <paramref name="statusCode"/>.</summary>
    public void Status(int statusCode) => Interlocked.Increment(ref _codes[(uint)statusCode < CodeSlots ? statusCode : 0]);

    /// <summary>Counts a failed exchange.</summary>
    public void Error(BenchError error) => Interlocked.Increment(ref _errors[(int)error]);

    /// <summary>Counts an outcome.</summary>
    public void Add(ExchangeOutcome outcome)
    {
        if (outcome.Error == BenchError.None)
        {
            Status(outcome.StatusCode);
            if (outcome.IsRefusalWithoutRetryAfter)
            {
                Interlocked.Increment(ref _missingRetryAfter);
            }
        }
        else
        {
            Error(outcome.Error);
        }
    }

    /// <summary>Copies the counters (each read atomically; the set is not one instant, which a 1 s report can live with).</summary>
    public StatusSnapshot Snapshot()
    {
        var codes = new long[CodeSlots];
        var errors = new long[s_errorKinds];
        for (var i = 0; i < codes.Length; i++)
        {
            codes[i] = Volatile.Read(ref _codes[i]);
        }

        for (var i = 0; i < errors.Length; i++)
        {
            errors[i] = Volatile.Read(ref _errors[i]);
        }

        return new StatusSnapshot(codes, errors, Volatile.Read(ref _missingRetryAfter));
    }
}

/// <summary>Counts of responses by status code and of failures by kind, at one moment or over a phase.</summary>
internal sealed class StatusSnapshot
{
    private readonly long[] _codes;
    private readonly long[] _errors;

    /// <summary>Wraps the arrays (owned by the snapshot from now on).</summary>
    public StatusSnapshot(long[] codes, long[] errors, long missingRetryAfter = 0)
    {
        _codes = codes;
        _errors = errors;
        MissingRetryAfter = missingRetryAfter;
    }

    /// <summary>503 and 429 responses that came without a <c>Retry-After</c> header.</summary>
    public long MissingRetryAfter { get; }

    /// <summary>An empty snapshot.</summary>
    public static StatusSnapshot Empty { get; } = new(new long[StatusTally.CodeSlots], new long[Enum.GetValues<BenchError>().Length]);

    /// <summary>Responses with a 2xx status.</summary>
    public long Successes => SumCodes(200, 300);

    /// <summary>Responses of any status.</summary>
    public long Responses => SumCodes(0, _codes.Length);

    /// <summary>Failed exchanges (no status), all kinds.</summary>
    public long Errors
    {
        get
        {
            long sum = 0;
            for (var i = 1; i < _errors.Length; i++)
            {
                sum += _errors[i];
            }

            return sum;
        }
    }

    /// <summary>Responses with status code <paramref name="code"/> (0 is codes outside 0..599).</summary>
    public long Code(int code) => (uint)code < (uint)_codes.Length ? _codes[code] : 0;

    /// <summary>Failures of one kind.</summary>
    public long Error(BenchError error) => _errors[(int)error];

    /// <summary>Status codes seen, ascending, with their counts.</summary>
    public IReadOnlyList<KeyValuePair<int, long>> Codes()
    {
        var list = new List<KeyValuePair<int, long>>();
        for (var i = 0; i < _codes.Length; i++)
        {
            if (_codes[i] != 0)
            {
                list.Add(new KeyValuePair<int, long>(i, _codes[i]));
            }
        }

        return list;
    }

    /// <summary>This snapshot minus an earlier one: the counts of the phase between them.</summary>
    public StatusSnapshot Minus(StatusSnapshot earlier)
    {
        var codes = new long[_codes.Length];
        var errors = new long[_errors.Length];
        for (var i = 0; i < codes.Length; i++)
        {
            codes[i] = _codes[i] - earlier._codes[i];
        }

        for (var i = 0; i < errors.Length; i++)
        {
            errors[i] = _errors[i] - earlier._errors[i];
        }

        return new StatusSnapshot(codes, errors, MissingRetryAfter - earlier.MissingRetryAfter);
    }

    private long SumCodes(int from, int to)
    {
        long sum = 0;
        for (var i = from; i < to; i++)
        {
            sum += _codes[i];
        }

        return sum;
    }
}
