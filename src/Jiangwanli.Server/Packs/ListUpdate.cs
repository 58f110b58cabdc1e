using Jiangwanli.Engine.Lists;

namespace Jiangwanli.Server.Packs;

/// <summary>The outcome of replacing a list: replaced, no such list, or refused entries.</summary>
internal readonly record struct ListUpdate(ListUpdateStatus Status, NamedList? List, string? PersistedPath, string? Error)
{
    public static ListUpdate Replaced(NamedList list, string? path) => new(ListUpdateStatus.Replaced, list, path, null);

    public static ListUpdate NotFound(string name) => new(ListUpdateStatus.NotFound, null, null, $"the active pack has no list '{name}'");

    public static ListUpdate Invalid(string error) => new(ListUpdateStatus.Invalid, null, null, error);
}
