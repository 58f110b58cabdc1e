using System.Diagnostics.CodeAnalysis;
using Jiangwanli.Engine.Rules;

namespace Jiangwanli.Engine.Packs;

/// <summary>The outcome of loading a pack: the pack, or located errors.</summary>
public sealed class RulePackLoadResult
{
    internal RulePackLoadResult(RulePack? pack, IReadOnlyList<RuleDiagnostic> errors)
    {
        Pack = pack;
        Errors = errors;
    }

    /// <summary>The pack, when there were no errors.</summary>
    public RulePack? Pack { get; }

    /// <summary>Located errors, in source order; empty on success.</summary>
    public IReadOnlyList<RuleDiagnostic> Errors { get; }

    /// <summary>True when the pack loaded.</summary>
    [MemberNotNullWhen(true, nameof(Pack))]
    public bool Success => Pack is not null;
}
