namespace Jiangwanli.Engine.Decisions;

/// <summary>The answer to one event, ordered by severity.</summary>
public enum Decision : byte
{
    /// <summary>Let it through.</summary>
    Allow = 0,

    /// <summary>Let a person look.</summary>
    Review = 1,

    /// <summary>Refuse it.</summary>
    Deny = 2,
}
