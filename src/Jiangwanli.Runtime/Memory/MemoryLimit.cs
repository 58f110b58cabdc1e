using System.Globalization;

namespace Jiangwanli.Runtime.Memory;

/// <summary>
/// A memory limit: an absolute number of bytes, or a percentage of the memory the runtime saw
/// available when the governor started (the container limit, or physical memory) — GOMEMLIMIT.
/// </summary>
public readonly struct MemoryLimit : IEquatable<MemoryLimit>
{
    private MemoryLimit(long bytes, double percent)
    {
        Bytes = bytes;
        Percent = percent;
    }

    /// <summary>Whether the limit is a percentage.</summary>
    public bool IsPercent => Percent > 0;

    /// <summary>The absolute limit in bytes (0 for a percentage).</summary>
    public long Bytes { get; }

    /// <summary>The percentage in (0, 100] (0 for an absolute limit).</summary>
    public double Percent { get; }

    /// <summary>An absolute limit.</summary>
    public static MemoryLimit FromBytes(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bytes, 0);
        return new MemoryLimit(bytes, 0);
    }

    /// <summary>A percentage of the available memory, in (0, 100].</summary>
    public static MemoryLimit FromPercent(double percent)
    {
        if (!(percent > 0 && percent <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percent), "must be in (0, 100]");
        }

        return new MemoryLimit(0, percent);
    }

    /// <summary>The limit in bytes given the total available memory.</summary>
    public long Resolve(long totalAvailableBytes) =>
        IsPercent ? (long)(totalAvailableBytes * (Percent / 100.0)) : Bytes;

    /// <summary>
    /// Parses <c>75%</c>, a plain byte count (<c>1073741824</c>), or a number with a unit:
    /// binary <c>Ki Mi Gi Ti</c> / <c>KiB MiB GiB TiB</c> (as GOMEMLIMIT), decimal <c>K M G T</c> /
    /// <c>KB MB GB TB</c> (as Kubernetes), or <c>B</c>. Case-insensitive; fractions allowed (<c>1.5GiB</c>).
    /// </summary>
    public static bool TryParse(string? text, out MemoryLimit limit)
    {
        limit = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        if (s.EndsWith('%'))
        {
            if (double.TryParse(s.AsSpan(0, s.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var percent)
                && percent > 0 && percent <= 100)
            {
                limit = FromPercent(percent);
                return true;
            }

            return false;
        }

        if (long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var exact))
        {
            // A plain byte count: parsed as an integer, exact beyond double's 2^53.
            if (exact <= 0)
            {
                return false;
            }

            limit = FromBytes(exact);
            return true;
        }

        var split = s.Length;
        while (split > 0 && char.IsLetter(s[split - 1]))
        {
            split--;
        }

        if (!double.TryParse(s.AsSpan(0, split), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !(number > 0))
        {
            return false;
        }

        double? multiplier = s[split..].ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" => 1e3,
            "M" or "MB" => 1e6,
            "G" or "GB" => 1e9,
            "T" or "TB" => 1e12,
            "KI" or "KIB" => 1L << 10,
            "MI" or "MIB" => 1L << 20,
            "GI" or "GIB" => 1L << 30,
            "TI" or "TIB" => 1L << 40,
            _ => null,
        };
        if (multiplier is null)
        {
            return false;
        }

        var bytes = number * multiplier.Value;
        if (bytes < 1 || bytes >= long.MaxValue)
        {
            return false;
        }

        limit = FromBytes((long)bytes);
        return true;
    }

    /// <summary><c>75%</c> or the byte count.</summary>
    public override string ToString() =>
        IsPercent
            ? Percent.ToString("0.###", CultureInfo.InvariantCulture) + "%"
            : Bytes.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public bool Equals(MemoryLimit other) => Bytes == other.Bytes && Percent.Equals(other.Percent);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is MemoryLimit other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Bytes, Percent);

    /// <summary>Equality.</summary>
    public static bool operator ==(MemoryLimit left, MemoryLimit right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(MemoryLimit left, MemoryLimit right) => !left.Equals(right);
}
