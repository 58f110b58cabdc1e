using System.Runtime.CompilerServices;

namespace Jiangwanli.Engine.Lists;

/// <summary>
/// Allocation-free parsing of IP addresses and CIDR ranges from UTF-8, into one 128-bit address space:
/// IPv6 addresses as they are, IPv4 addresses as IPv4-mapped IPv6 (<c>::ffff:a.b.c.d</c>), so an IPv4 list entry
/// also matches the mapped form of the same address and one sorted range table serves both families.
/// </summary>
/// <remarks>
/// Why not <see cref="System.Net.IPAddress.TryParse(ReadOnlySpan{char}, out System.Net.IPAddress?)"/>: it allocates an
/// <see cref="System.Net.IPAddress"/> per call, and it accepts legacy IPv4 forms (<c>10.1</c>, octal <c>010.0.0.1</c>,
/// hex) whose meaning differs between parsers — a classic way to slip past an allow/block list. This parser is strict,
/// like Go's <c>netip</c> and glibc's <c>inet_pton</c>: IPv4 is exactly four decimal parts of 0–255 without leading
/// zeros; IPv6 is RFC 4291 text (one <c>::</c>, optional dotted IPv4 tail, optional <c>%zone</c> which is ignored).
/// </remarks>
internal static class IpAddressText
{
    /// <summary>High bits of an IPv4-mapped IPv6 address (<c>::ffff:0:0/96</c>).</summary>
    private static readonly UInt128 s_mappedPrefix = (UInt128)0xFFFF << 32;

    /// <summary>The IPv4-mapped block (<c>::ffff:0.0.0.0/96</c>): how an IPv4 address is held as a 128-bit one.</summary>
    public static UInt128 MappedLow => s_mappedPrefix;

    /// <summary>The last address of <see cref="MappedLow"/>'s block (<c>::ffff:255.255.255.255</c>).</summary>
    public static UInt128 MappedHigh => s_mappedPrefix | uint.MaxValue;

    private static readonly System.Buffers.SearchValues<byte> s_zoneChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."u8);

    /// <summary>Parses an IPv4 or IPv6 address; IPv4 comes back mapped into IPv6.</summary>
    public static bool TryParseAddress(ReadOnlySpan<byte> utf8, out UInt128 address, out bool isV4)
    {
        if (utf8.IndexOf((byte)':') >= 0)
        {
            isV4 = false;
            return TryParseV6(utf8, out address);
        }

        isV4 = true;
        if (TryParseV4(utf8, out var v4))
        {
            address = s_mappedPrefix | v4;
            return true;
        }

        address = default;
        return false;
    }

    /// <summary>
    /// Parses a list entry: an address (a range of one) or <c>address/prefix</c>. Host bits below the prefix must be
    /// zero (<c>10.1.2.3/8</c> is refused: it is most likely a typo, and silently widening it would hide that).
    /// </summary>
    public static bool TryParseRange(ReadOnlySpan<byte> utf8, out UInt128 low, out UInt128 high, out string? error)
    {
        low = high = default;
        var slash = utf8.IndexOf((byte)'/');
        var addressPart = slash < 0 ? utf8 : utf8[..slash];
        if (!TryParseAddress(addressPart, out var address, out var isV4))
        {
            error = "not an IPv4 or IPv6 address";
            return false;
        }

        var bits = isV4 ? 32 : 128;
        var prefix = bits;
        if (slash >= 0)
        {
            if (addressPart.IndexOf((byte)'%') >= 0)
            {
                error = "a CIDR range cannot carry a zone";
                return false;
            }

            if (!TryParsePrefix(utf8[(slash + 1)..], bits, out prefix))
            {
                error = $"prefix length must be a number from 0 to {bits}";
                return false;
            }
        }

        var prefix128 = prefix + (128 - bits);
        var hostMask = prefix128 == 0 ? UInt128.MaxValue : (UInt128.One << (128 - prefix128)) - UInt128.One;
        if ((address & hostMask) != UInt128.Zero)
        {
            error = "host bits are set below the prefix length";
            return false;
        }

        low = address;
        high = address | hostMask;
        error = null;
        return true;
    }

    /// <summary>Parses dotted-decimal IPv4: four parts 0–255, no leading zeros, nothing else.</summary>
    public static bool TryParseV4(ReadOnlySpan<byte> s, out uint value)
    {
        value = 0;
        var parts = 0;
        var i = 0;
        while (true)
        {
            var start = i;
            uint part = 0;
            while (i < s.Length && (uint)(s[i] - '0') <= 9)
            {
                part = (part * 10) + (uint)(s[i] - '0');
                i++;
                if (i - start > 3)
                {
                    return false;
                }
            }

            var digits = i - start;
            if (digits == 0 || part > 255 || (digits > 1 && s[start] == '0'))
            {
                return false;
            }

            value = (value << 8) | part;
            parts++;
            if (parts == 4)
            {
                return i == s.Length;
            }

            if (i >= s.Length || s[i] != '.')
            {
                return false;
            }

            i++;
        }
    }

    /// <summary>Parses RFC 4291 IPv6 text; a <c>%zone</c> suffix is accepted and ignored.</summary>
    public static bool TryParseV6(ReadOnlySpan<byte> s, out UInt128 value)
    {
        value = default;
        var zone = s.IndexOf((byte)'%');
        if (zone >= 0)
        {
            // A scope zone (interface name or index): letters, digits, '-', '_', '.'; it does not change the address.
            var name = s[(zone + 1)..];
            if (name.IsEmpty || name.Length > 64 || name.ContainsAnyExcept(s_zoneChars))
            {
                return false;
            }

            s = s[..zone];
        }

        if (s.Length < 2)
        {
            return false;
        }

        Span<ushort> groups = stackalloc ushort[8];
        var count = 0;
        var gap = -1;
        var i = 0;
        if (s[0] == ':')
        {
            if (s[1] != ':')
            {
                return false;
            }

            gap = 0;
            i = 2;
        }

        while (i < s.Length)
        {
            if (count == 8)
            {
                return false;
            }

            var start = i;
            var group = 0;
            while (i < s.Length && i - start < 5 && TryHex(s[i], out var nibble))
            {
                group = (group << 4) | nibble;
                i++;
            }

            if (i < s.Length && s[i] == '.')
            {
                // Dotted IPv4 tail: the last 32 bits.
                if (count > 6 || !TryParseV4(s[start..], out var v4))
                {
                    return false;
                }

                groups[count++] = (ushort)(v4 >> 16);
                groups[count++] = (ushort)v4;
                i = s.Length;
                break;
            }

            var digits = i - start;
            if (digits is 0 or > 4)
            {
                return false;
            }

            groups[count++] = (ushort)group;
            if (i == s.Length)
            {
                break;
            }

            if (s[i] != ':')
            {
                return false;
            }

            i++;
            if (i < s.Length && s[i] == ':')
            {
                if (gap >= 0)
                {
                    return false;
                }

                gap = count;
                i++;
            }
            else if (i == s.Length)
            {
                return false;
            }
        }

        if (gap < 0 ? count != 8 : count > 7)
        {
            return false;
        }

        UInt128 result = 0;
        var zeros = 8 - count;
        for (var g = 0; g < count; g++)
        {
            if (g == gap)
            {
                result <<= 16 * zeros;
            }

            result = (result << 16) | groups[g];
        }

        if (gap == count)
        {
            result <<= 16 * zeros;
        }

        value = result;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryHex(byte c, out int nibble)
    {
        if ((uint)(c - '0') <= 9)
        {
            nibble = c - '0';
            return true;
        }

        var lower = c | 0x20;
        if ((uint)(lower - 'a') <= 5)
        {
            nibble = lower - 'a' + 10;
            return true;
        }

        nibble = 0;
        return false;
    }

    private static bool TryParsePrefix(ReadOnlySpan<byte> s, int max, out int prefix)
    {
        prefix = 0;
        if (s.IsEmpty || s.Length > 3 || (s.Length > 1 && s[0] == '0'))
        {
            return false;
        }

        foreach (var c in s)
        {
            if ((uint)(c - '0') > 9)
            {
                return false;
            }

            prefix = (prefix * 10) + (c - '0');
        }

        return prefix <= max;
    }
}
