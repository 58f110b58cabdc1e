namespace Jiangwanli.Runtime.Profiling;

/// <summary>
/// Accumulates samples into a call tree keyed by (parent node, function): identical stacks share
/// nodes, and samples with the same leaf node are summed. Values accumulate as doubles (allocation
/// samples are up-scaled by fractional weights) and are rounded once in <see cref="Build"/>.
/// </summary>
internal sealed class StackProfileBuilder
{
    /// <summary>The function that stands for runs of unresolved native frames.</summary>
    public const string NativeFrameName = "[native code]";

    private readonly int _valueCount;
    private readonly Dictionary<(string SystemName, string Module), int> _functionIds = [];
    private readonly List<string> _names = [];
    private readonly List<string> _systemNames = [];
    private readonly List<string> _modules = [];
    private readonly Dictionary<(int Parent, int Function), int> _nodeIds = [];
    private readonly List<int> _nodeParent = [];
    private readonly List<int> _nodeFunction = [];
    private readonly Dictionary<int, int> _sampleByLeaf = [];
    private readonly List<int> _sampleLeaf = [];
    private readonly List<double> _values = [];

    public StackProfileBuilder(int valueCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(valueCount, 1);
        _valueCount = valueCount;
        NativeFunction = Function(NativeFrameName, NativeFrameName, string.Empty);
    }

    /// <summary>The id of <see cref="NativeFrameName"/>.</summary>
    public int NativeFunction { get; }

    /// <summary>Events that went into samples.</summary>
    public long EventCount { get; private set; }

    /// <summary>Interns a function; <paramref name="systemName"/> and <paramref name="module"/> identify it.</summary>
    public int Function(string displayName, string systemName, string module)
    {
        if (_functionIds.TryGetValue((systemName, module), out var id))
        {
            return id;
        }

        id = _names.Count;
        _names.Add(displayName);
        _systemNames.Add(systemName);
        _modules.Add(module);
        _functionIds.Add((systemName, module), id);
        return id;
    }

    /// <summary>The node for <paramref name="function"/> called from <paramref name="parent"/> (-1: a root frame).</summary>
    public int Child(int parent, int function)
    {
        if (_nodeIds.TryGetValue((parent, function), out var node))
        {
            return node;
        }

        node = _nodeParent.Count;
        _nodeParent.Add(parent);
        _nodeFunction.Add(function);
        _nodeIds.Add((parent, function), node);
        return node;
    }

    /// <summary>The function of a node.</summary>
    public int NodeFunction(int node) => _nodeFunction[node];

    /// <summary>Adds one event's values to the sample whose stack ends at <paramref name="leaf"/>.</summary>
    public void Add(int leaf, ReadOnlySpan<double> values)
    {
        if (values.Length != _valueCount)
        {
            throw new ArgumentException("one value per sample type is required", nameof(values));
        }

        if (!_sampleByLeaf.TryGetValue(leaf, out var sample))
        {
            sample = _sampleLeaf.Count;
            _sampleLeaf.Add(leaf);
            for (var i = 0; i < _valueCount; i++)
            {
                _values.Add(0);
            }

            _sampleByLeaf.Add(leaf, sample);
        }

        var offset = sample * _valueCount;
        for (var i = 0; i < _valueCount; i++)
        {
            _values[offset + i] += values[i];
        }

        EventCount++;
    }

    /// <summary>Multiplies one value column of every sample by <paramref name="factor"/>.</summary>
    public void Scale(int column, double factor)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, _valueCount);
        for (var i = column; i < _values.Count; i += _valueCount)
        {
            _values[i] *= factor;
        }
    }

    public CollectedProfile Build(
        ProfileKind kind,
        DateTimeOffset startedAt,
        TimeSpan duration,
        SampleType[] sampleTypes,
        int defaultSampleType,
        SampleType periodType,
        long period,
        string[] comments)
    {
        if (sampleTypes.Length != _valueCount)
        {
            throw new ArgumentException("one sample type per value is required", nameof(sampleTypes));
        }

        var values = new long[_values.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (long)Math.Round(_values[i], MidpointRounding.AwayFromZero);
        }

        return new CollectedProfile(
            kind,
            startedAt,
            duration,
            sampleTypes,
            defaultSampleType,
            periodType,
            period,
            EventCount,
            comments,
            [.. _names],
            [.. _systemNames],
            [.. _modules],
            [.. _nodeParent],
            [.. _nodeFunction],
            [.. _sampleLeaf],
            values);
    }
}
