namespace Jiangwanli.Server.Admission;

/// <summary>
/// Reads the time a request entered the system from an <c>X-Request-Start</c>-style header, as load balancers and
/// proxies stamp it (nginx <c>proxy_set_header X-Request-Start "t=${msec}"</c>, Heroku's router, HAProxy) and as
/// <c>jwl bench --request-start</c> does: an optional <c>t=</c> prefix, then a Unix time with an optional fraction.
/// The unit is told by magnitude, as application monitors read this header: seconds (below 10¹¹), milliseconds
/// (below 10¹⁴), microseconds (below 10¹⁷), else nanoseconds.
/// </summary>
/// <remarks>
/// Written by hand rather than with <c>double.TryParse</c>: microseconds since 1970 have 16 digits, more than a
/// double's integer precision keeps exactly, and this runs on the request path (no allocation, no culture).
/// </remarks>
internal static class RequestStart
{
    /// <summary>Stamps before 2000-01-01 are refused: a zero or tiny value is a misconfigured proxy, not a time.</summary>
    internal const long EarliestMicros = 946_684_800_000_000;

    /// <summary>
    /// Parses <paramref name="value"/> into microseconds since the Unix epoch; false when it is not a time in one of
    /// the accepted forms (or is before 2000).
    /// </summary>
    public static bool TryParseMicros(ReadOnlySpan<char> value, out long unixMicros)
    {
        unixMicros = 0;
        value = value.Trim();
        if (value.StartsWith("t=", StringComparison.Ordinal))
        {
            value = value[2..];
        }

        var dot = value.IndexOf('.');
        var whole = dot < 0 ? value : value[..dot];
        var fraction = dot < 0 ? ReadOnlySpan<char>.Empty : value[(dot + 1)..];
        if (whole.IsEmpty || whole.Length > 19 || (dot >= 0 && fraction.IsEmpty))
        {
            return false;
        }

        ulong w = 0;
        foreach (var c in whole)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            w = (w * 10) + (ulong)(c - '0');
        }

        foreach (var c in fraction)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        // 19 digits fit a ulong (< 1.8e19); the magnitude picks the unit, the fraction fills the digits down to µs.
        ulong micros;
        if (w < 100_000_000_000UL)
        {
            micros = (w * 1_000_000) + FractionDigits(fraction, 6);
        }
        else if (w < 100_000_000_000_000UL)
        {
            micros = (w * 1_000) + FractionDigits(fraction, 3);
        }
        else if (w < 100_000_000_000_000_000UL)
        {
            micros = w;
        }
        else
        {
            micros = w / 1_000;
        }

        if (micros < EarliestMicros || micros > long.MaxValue)
        {
            return false;
        }

        unixMicros = (long)micros;
        return true;
    }

    /// <summary>The first <paramref name="digits"/> digits of a fraction as an integer (padded with zeros).</summary>
    private static ulong FractionDigits(ReadOnlySpan<char> fraction, int digits)
    {
        ulong v = 0;
        for (var i = 0; i < digits; i++)
        {
            v = (v * 10) + (i < fraction.Length ? (ulong)(fraction[i] - '0') : 0);
        }

        return v;
    }
}
