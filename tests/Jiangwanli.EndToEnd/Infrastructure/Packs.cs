namespace Jiangwanli.EndToEnd.Infrastructure;

/// <summary>The default pack with another version (for swaps), and a broken one.</summary>
internal static class Packs
{
    private static string DefaultText => File.ReadAllText(Jwl.DefaultPack);

    public static string DefaultWithVersion(string version)
    {
        var text = DefaultText;
        var start = text.IndexOf("version:", StringComparison.Ordinal);
        var end = text.IndexOf('\n', start);
        return text[..start] + "version: " + version + text[end..];
    }

    /// <summary>A pack with a type error in rule <c>user_burst_1m</c>.</summary>
    public static string Broken(string version)
        => DefaultWithVersion(version).Replace("when: user_txn_1m > 5", "when: user_txn_1m > \"five\"", StringComparison.Ordinal);
}
