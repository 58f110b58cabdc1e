namespace Jiangwanli.Engine.Lists;

/// <summary>How a list's entries are matched.</summary>
public enum ListKind : byte
{
    /// <summary>Exact, case-sensitive UTF-8 string match.</summary>
    String = 0,

    /// <summary>IP addresses and CIDR ranges (IPv4 and IPv6); a value matches when it is inside any range.</summary>
    Ip = 1,
}
