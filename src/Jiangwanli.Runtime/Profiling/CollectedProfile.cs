using Jiangwanli.Runtime.Profiling.Formats;

namespace Jiangwanli.Runtime.Profiling;

/// <summary>What one value column of a profile measures, e.g. (<c>cpu</c>, <c>nanoseconds</c>).</summary>
/// <param name="Type">The quantity, e.g. <c>samples</c>, <c>cpu</c>, <c>alloc_objects</c>, <c>alloc_space</c>.</param>
/// <param name="Unit">Its unit, e.g. <c>count</c>, <c>nanoseconds</c>, <c>bytes</c>.</param>
public readonly record struct SampleType(string Type, string Unit);

/// <summary>One function's share of a profile.</summary>
/// <param name="Name">The function (namespace-qualified type and method).</param>
/// <param name="Flat">Value of samples whose leaf frame is this function.</param>
/// <param name="Cumulative">Value of samples with this function anywhere on the stack.</param>
public readonly record struct FunctionCost(string Name, long Flat, long Cumulative);

/// <summary>
/// A finished profile held in memory: functions, a call tree of stacks, and aggregated samples.
/// Write it in any <see cref="ProfileFormat"/> (any number of times) with <see cref="WriteAsync"/>.
/// Immutable and thread-safe to read.
/// </summary>
public sealed class CollectedProfile
{
    private readonly string[] _functionNames;
    private readonly string[] _functionSystemNames;
    private readonly string[] _functionModules;
    private readonly int[] _nodeParent;
    private readonly int[] _nodeFunction;
    private readonly int[] _sampleLeaf;
    private readonly long[] _sampleValues;

    internal CollectedProfile(
        ProfileKind kind,
        DateTimeOffset startedAt,
        TimeSpan duration,
        SampleType[] sampleTypes,
        int defaultSampleType,
        SampleType periodType,
        long period,
        long eventCount,
        string[] comments,
        string[] functionNames,
        string[] functionSystemNames,
        string[] functionModules,
        int[] nodeParent,
        int[] nodeFunction,
        int[] sampleLeaf,
        long[] sampleValues)
    {
        Kind = kind;
        StartedAt = startedAt;
        Duration = duration;
        SampleTypes = sampleTypes;
        DefaultSampleType = defaultSampleType;
        PeriodType = periodType;
        Period = period;
        EventCount = eventCount;
        Comments = comments;
        _functionNames = functionNames;
        _functionSystemNames = functionSystemNames;
        _functionModules = functionModules;
        _nodeParent = nodeParent;
        _nodeFunction = nodeFunction;
        _sampleLeaf = sampleLeaf;
        _sampleValues = sampleValues;
    }

    /// <summary>What the profile measures.</summary>
    public ProfileKind Kind { get; }

    /// <summary>When collection started.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>How long samples were collected.</summary>
    public TimeSpan Duration { get; }

    /// <summary>The value columns of every sample.</summary>
    public IReadOnlyList<SampleType> SampleTypes { get; }

    /// <summary>Index into <see cref="SampleTypes"/> of the column viewers show by default.</summary>
    public int DefaultSampleType { get; }

    /// <summary>What one sampling period counts (pprof <c>period_type</c>).</summary>
    public SampleType PeriodType { get; }

    /// <summary>The sampling period in <see cref="PeriodType"/> units (pprof <c>period</c>).</summary>
    public long Period { get; }

    /// <summary>Raw events (thread samples or allocation samples) that went into the profile.</summary>
    public long EventCount { get; }

    /// <summary>Free-form notes carried into the pprof <c>comment</c> field.</summary>
    public IReadOnlyList<string> Comments { get; }

    /// <summary>Distinct stacks (aggregated samples).</summary>
    public int StackCount => _sampleLeaf.Length;

    /// <summary>Distinct functions.</summary>
    public int FunctionCount => _functionNames.Length;

    /// <summary>The sum of one value column over all samples.</summary>
    public long Total(int sampleType = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleType);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(sampleType, SampleTypes.Count);
        long total = 0;
        for (var i = 0; i < _sampleLeaf.Length; i++)
        {
            total += SampleValue(i, sampleType);
        }

        return total;
    }

    /// <summary>
    /// The <paramref name="count"/> functions with the largest flat value in column
    /// <paramref name="sampleType"/> (ties by cumulative value), like <c>go tool pprof -top</c>.
    /// </summary>
    public IReadOnlyList<FunctionCost> Top(int count, int sampleType = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(sampleType);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(sampleType, SampleTypes.Count);
        var flat = new long[_functionNames.Length];
        var cumulative = new long[_functionNames.Length];
        var seenAt = new int[_functionNames.Length];
        Array.Fill(seenAt, -1);
        for (var s = 0; s < _sampleLeaf.Length; s++)
        {
            var value = SampleValue(s, sampleType);
            var node = _sampleLeaf[s];
            flat[_nodeFunction[node]] += value;
            for (; node >= 0; node = _nodeParent[node])
            {
                var function = _nodeFunction[node];
                if (seenAt[function] != s)
                {
                    // Recursion puts a function on a stack more than once; count it once per stack.
                    seenAt[function] = s;
                    cumulative[function] += value;
                }
            }
        }

        // Functions on no sample's stack (in this column) are not listed.
        var order = new List<int>(_functionNames.Length);
        for (var i = 0; i < _functionNames.Length; i++)
        {
            if (cumulative[i] != 0 || flat[i] != 0)
            {
                order.Add(i);
            }
        }

        order.Sort((a, b) =>
        {
            var byFlat = flat[b].CompareTo(flat[a]);
            return byFlat != 0 ? byFlat : cumulative[b].CompareTo(cumulative[a]);
        });
        var n = Math.Min(count, order.Count);
        var result = new FunctionCost[n];
        for (var i = 0; i < n; i++)
        {
            result[i] = new FunctionCost(_functionNames[order[i]], flat[order[i]], cumulative[order[i]]);
        }

        return result;
    }

    /// <summary>Writes the profile to <paramref name="destination"/> in <paramref name="format"/>. Uses only asynchronous writes on the stream.</summary>
    public Task WriteAsync(Stream destination, ProfileFormat format, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return format switch
        {
            ProfileFormat.Pprof => PprofWriter.WriteAsync(this, destination, cancellationToken),
            ProfileFormat.Speedscope => SpeedscopeWriter.WriteAsync(this, destination, cancellationToken),
            ProfileFormat.FlameGraphSvg => FlameGraphSvgWriter.WriteAsync(this, destination, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
    }

    // ---- read access for the format writers ----

    internal string FunctionName(int function) => _functionNames[function];

    internal string FunctionSystemName(int function) => _functionSystemNames[function];

    internal string FunctionModule(int function) => _functionModules[function];

    internal int NodeCount => _nodeParent.Length;

    internal int NodeParent(int node) => _nodeParent[node];

    internal int NodeFunction(int node) => _nodeFunction[node];

    internal int SampleLeaf(int sample) => _sampleLeaf[sample];

    internal long SampleValue(int sample, int sampleType) => _sampleValues[(sample * SampleTypes.Count) + sampleType];

    /// <summary>Appends the function ids of a sample's stack, leaf first.</summary>
    internal void StackLeafFirst(int sample, List<int> functions)
    {
        for (var node = _sampleLeaf[sample]; node >= 0; node = _nodeParent[node])
        {
            functions.Add(_nodeFunction[node]);
        }
    }
}
