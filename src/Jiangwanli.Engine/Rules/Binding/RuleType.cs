namespace Jiangwanli.Engine.Rules.Binding;

/// <summary>The static type of a sub-expression. Timestamps and durations are numbers (epoch / span milliseconds).</summary>
internal enum RuleType : byte
{
    /// <summary>Already reported; suppresses follow-on errors.</summary>
    Error,
    Bool,
    Number,
    String,

    /// <summary>A pack list name: only valid on the right of <c>in</c>.</summary>
    NamedList,

    /// <summary>A literal list <c>[..]</c>: only valid on the right of <c>in</c>.</summary>
    LiteralList,
}
