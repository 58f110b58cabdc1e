using System.Globalization;

namespace Jiangwanli.Cli.Bench;

/// <summary>Parses the durations the bench flags take: <c>10s</c>, <c>500ms</c>, <c>2m</c>, <c>1h</c>, <c>1.5s</c>; a bare number is seconds.</summary>
internal static class DurationText
{
    /// <summary>Parses <paramref name="text"/>; false (and a zero duration) when it is not a non-negative duration.</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        var unitStart = span.Length;
        while (unitStart > 0 && char.IsAsciiLetter(span[unitStart - 1]))
        {
            unitStart--;
        }

        var number = span[..unitStart].Trim();
        var unit = span[unitStart..];
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || double.IsNaN(value) || double.IsInfinity(value))
        {
            return false;
        }

        double seconds;
        if (unit.IsEmpty || unit.Equals("s", StringComparison.OrdinalIgnoreCase))
        {
            seconds = value;
        }
        else if (unit.Equals("ms", StringComparison.OrdinalIgnoreCase))
        {
            seconds = value / 1000;
        }
        else if (unit.Equals("m", StringComparison.OrdinalIgnoreCase) || unit.Equals("min", StringComparison.OrdinalIgnoreCase))
        {
            seconds = value * 60;
        }
        else if (unit.Equals("h", StringComparison.OrdinalIgnoreCase))
        {
            seconds = value * 3600;
        }
        else
        {
            return false;
        }

        // A day is far beyond any sane run; refusing it keeps TimeSpan arithmetic far from overflow.
        if (seconds > 86_400)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }

    /// <summary>Formats a duration the way <see cref="TryParse"/> reads it back (<c>10s</c>, <c>250ms</c>).</summary>
    public static string Format(TimeSpan duration) =>
        duration.TotalSeconds >= 1 && duration.Ticks % TimeSpan.TicksPerSecond == 0
            ? duration.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + "s"
            : duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms";
}
