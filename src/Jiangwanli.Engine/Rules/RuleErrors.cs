using Jiangwanli.Engine.Rules.Syntax;

namespace Jiangwanli.Engine.Rules;

/// <summary>
/// Errors found while compiling one condition, in expression coordinates; <see cref="RuleCompiler"/> maps them to
/// pack-file coordinates. Capped so that a badly broken condition cannot flood the pack's diagnostics.
/// </summary>
internal sealed class RuleErrors
{
    private const int MaxErrors = 10;
    private readonly List<(SourcePosition Position, string Message)> _items = [];

    /// <summary>How many errors were reported (including any beyond the cap).</summary>
    public int Count { get; private set; }

    /// <summary>The recorded errors, in the order found.</summary>
    public IReadOnlyList<(SourcePosition Position, string Message)> Items => _items;

    public void Add(SourcePosition position, string message)
    {
        Count++;
        if (_items.Count < MaxErrors)
        {
            _items.Add((position, message));
        }
    }
}
