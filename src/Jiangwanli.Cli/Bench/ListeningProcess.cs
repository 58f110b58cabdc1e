using System.Globalization;

namespace Jiangwanli.Cli.Bench;

/// <summary>
/// Finds the process that listens on a local TCP port (Linux): the listening socket's inode from
/// <c>/proc/net/tcp</c> and <c>tcp6</c>, then the process holding <c>socket:[inode]</c> among its file descriptors.
/// This is how <c>jwl bench</c> reads the server's peak memory from <c>/proc/PID/status</c> without being told its PID.
/// </summary>
internal static class ListeningProcess
{
    private const string ListenState = "0A";

    /// <summary>The PID listening on <paramref name="port"/>, or null when it cannot be found (not Linux, no permission, no listener).</summary>
    public static int? Find(int port)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var inodes = new HashSet<long>();
            foreach (var table in (string[])["/proc/net/tcp", "/proc/net/tcp6"])
            {
                if (File.Exists(table))
                {
                    inodes.UnionWith(ListeningInodes(File.ReadAllText(table), port));
                }
            }

            return inodes.Count == 0 ? null : OwnerOf(inodes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Inodes of the sockets in LISTEN state on <paramref name="port"/> in a <c>/proc/net/tcp</c>-format table.</summary>
    public static IReadOnlyList<long> ListeningInodes(string table, int port)
    {
        ArgumentNullException.ThrowIfNull(table);
        var found = new List<long>();
        foreach (var line in table.Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10 || !fields[0].EndsWith(':') || fields[3] != ListenState)
            {
                continue;
            }

            var colon = fields[1].LastIndexOf(':');
            if (colon < 0
                || !int.TryParse(fields[1].AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var localPort)
                || localPort != port
                || !long.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
                || inode == 0)
            {
                continue;
            }

            found.Add(inode);
        }

        return found;
    }

    private static int? OwnerOf(HashSet<long> inodes)
    {
        var targets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var inode in inodes)
        {
            targets.Add($"socket:[{inode.ToString(CultureInfo.InvariantCulture)}]");
        }

        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(process, "fd")))
                {
                    if (new FileInfo(fd).LinkTarget is { } target && targets.Contains(target))
                    {
                        return pid;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process exited, or is not ours to look at.
            }
        }

        return null;
    }
}
