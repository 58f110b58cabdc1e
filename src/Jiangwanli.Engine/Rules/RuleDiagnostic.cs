namespace Jiangwanli.Engine.Rules;

/// <summary>
/// A located problem in a rule pack: which rule (or pack section), where in the pack file, and what was expected.
/// Line and column are 1-based positions in the pack source.
/// </summary>
public sealed record RuleDiagnostic(string? RuleId, int Line, int Column, string Message)
{
    /// <summary>Formats as <c>line:column: rule 'id': message</c>.</summary>
    public override string ToString()
        => RuleId is null ? $"{Line}:{Column}: {Message}" : $"{Line}:{Column}: rule '{RuleId}': {Message}";
}
