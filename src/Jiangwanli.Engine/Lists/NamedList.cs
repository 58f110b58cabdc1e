namespace Jiangwanli.Engine.Lists;

// CONTRACT STUB: replaced by the lists implementation.
/// <summary>A named, atomically replaceable set of strings or IP ranges.</summary>
public sealed partial class NamedList
{
}
