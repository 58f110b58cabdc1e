namespace Jiangwanli.Engine.Packs;

/// <summary>What a matching rule does besides adding its score.</summary>
public enum RuleAction : byte
{
    /// <summary>Only the score counts.</summary>
    None = 0,

    /// <summary>Allow, overriding the score thresholds (unless another matching rule says review or deny).</summary>
    Allow = 1,

    /// <summary>Review at least.</summary>
    Review = 2,

    /// <summary>Deny.</summary>
    Deny = 3,
}
