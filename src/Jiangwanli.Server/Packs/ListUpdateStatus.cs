namespace Jiangwanli.Server.Packs;

/// <summary>What happened to a list replacement.</summary>
internal enum ListUpdateStatus : byte
{
    /// <summary>Validated, persisted and swapped in.</summary>
    Replaced,

    /// <summary>The active pack declares no list of that name.</summary>
    NotFound,

    /// <summary>An entry is invalid for the list's type; nothing changed.</summary>
    Invalid,
}
