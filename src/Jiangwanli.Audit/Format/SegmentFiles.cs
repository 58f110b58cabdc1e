using System.Globalization;

namespace Jiangwanli.Audit.Format;

/// <summary>Names of the files in an audit directory.</summary>
internal static class SegmentFiles
{
    /// <summary>Extension of segment files.</summary>
    public const string Extension = ".seg";

    /// <summary>Extension of segment files being prepared (zero-filled) before they get their name.</summary>
    public const string TemporaryExtension = ".tmp";

    /// <summary>Name of the file the writer holds an exclusive lock on while the log is open.</summary>
    public const string LockFileName = "audit.lock";

    private const int DigitCount = 20;

    /// <summary><c>00000000000000000001.seg</c> for first sequence 1.</summary>
    public static string NameFor(ulong firstSequence) =>
        firstSequence.ToString("D20", CultureInfo.InvariantCulture) + Extension;

    /// <summary>Parses a segment file name (no directory) into its first sequence number.</summary>
    public static bool TryParse(ReadOnlySpan<char> fileName, out ulong firstSequence)
    {
        firstSequence = 0;
        if (fileName.Length != DigitCount + Extension.Length || !fileName.EndsWith(Extension, StringComparison.Ordinal))
        {
            return false;
        }

        var digits = fileName[..DigitCount];
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out firstSequence);
    }

    /// <summary>The segment files of <paramref name="directory"/>, in log order.</summary>
    public static List<SegmentFile> List(string directory)
    {
        var result = new List<SegmentFile>();
        foreach (var path in Directory.EnumerateFiles(directory, "*" + Extension))
        {
            var name = Path.GetFileName(path);
            if (TryParse(name, out var first))
            {
                result.Add(new SegmentFile(name, path, first));
            }
        }

        result.Sort(static (a, b) => a.FirstSequence.CompareTo(b.FirstSequence));
        return result;
    }
}

/// <summary>A segment file found in a directory.</summary>
internal readonly record struct SegmentFile(string Name, string Path, ulong FirstSequence);
