using System.Net;
using System.Text;
using CsCheck;
using Jiangwanli.Engine.Lists;

namespace Jiangwanli.Engine.Tests.Lists;

public sealed class IpListTests
{
    private static bool Contains(NamedList list, string value) => list.Contains(Encoding.UTF8.GetBytes(value));

    [Theory]
    [InlineData("10.0.0.0", true)]
    [InlineData("10.255.255.255", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("9.255.255.255", false)]
    [InlineData("11.0.0.0", false)]
    [InlineData("192.168.1.7", true)]
    [InlineData("192.168.1.6", false)]
    [InlineData("192.168.1.8", false)]
    [InlineData("172.16.0.0", true)]
    [InlineData("172.31.255.255", true)]
    [InlineData("172.32.0.0", false)]
    [InlineData("172.15.255.255", false)]
    [InlineData("::ffff:10.1.2.3", true)]
    [InlineData("::ffff:a01:203", true)]
    [InlineData("::ffff:11.1.2.3", false)]
    [InlineData("::10.1.2.3", false)]
    public void Contains_Ipv4Ranges_BoundariesExact(string address, bool expected)
    {
        var list = new NamedList("ips", ListKind.Ip, ["10.0.0.0/8", "192.168.1.7", "172.16.0.0/12"]);
        Assert.Equal(expected, Contains(list, address));
    }

    [Theory]
    [InlineData("2001:db8::", true)]
    [InlineData("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true)]
    [InlineData("2001:DB8::1", true)]
    [InlineData("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", false)]
    [InlineData("2001:db9::", false)]
    [InlineData("::1", true)]
    [InlineData("0:0:0:0:0:0:0:1", true)]
    [InlineData("::2", false)]
    [InlineData("fe80::1%eth0", true)]
    [InlineData("fe80::2", false)]
    [InlineData("2001:db8::10.0.0.1", true)]
    public void Contains_Ipv6Ranges_BoundariesExact(string address, bool expected)
    {
        var list = new NamedList("ips", ListKind.Ip, ["2001:db8::/32", "::1", "fe80::1"]);
        Assert.Equal(expected, Contains(list, address));
    }

    [Fact]
    public void Contains_WholeSpaceRanges_MatchEverythingOfTheirFamily()
    {
        var v4 = new NamedList("v4", ListKind.Ip, ["0.0.0.0/0"]);
        Assert.True(Contains(v4, "0.0.0.0"));
        Assert.True(Contains(v4, "255.255.255.255"));
        Assert.False(Contains(v4, "2001:db8::1"));
        var all = new NamedList("all", ListKind.Ip, ["::/0"]);
        Assert.True(Contains(all, "2001:db8::1"));
        Assert.True(Contains(all, "1.2.3.4"));
        Assert.True(Contains(all, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
    }

    [Fact]
    public void Contains_OverlappingAndAdjacentRanges_Merged()
    {
        var list = new NamedList("ips", ListKind.Ip, ["10.0.0.0/24", "10.0.1.0/24", "10.0.0.128/25", "10.0.3.0/24"]);
        Assert.True(Contains(list, "10.0.0.200"));
        Assert.True(Contains(list, "10.0.1.255"));
        Assert.False(Contains(list, "10.0.2.0"));
        Assert.True(Contains(list, "10.0.3.0"));
        Assert.Equal(4, list.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.5")]
    [InlineData("256.1.1.1")]
    [InlineData("01.2.3.4")]
    [InlineData("1.2.3.4 ")]
    [InlineData("1..2.3")]
    [InlineData("10.0.0.0/8")]
    [InlineData("1::2::3")]
    [InlineData(":1::2")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("1:2:3:4:5:6:7")]
    [InlineData("12345::")]
    [InlineData("1:")]
    [InlineData("::g")]
    [InlineData("fe80::1%")]
    [InlineData("hello")]
    public void Contains_MalformedAddress_FalseWithoutThrowing(string text)
    {
        var list = new NamedList("ips", ListKind.Ip, ["0.0.0.0/0", "::/0"]);
        Assert.False(Contains(list, text));
    }

    [Fact]
    public void Contains_RandomListsAndAddresses_SameAsRangeModelInBothSpellings()
    {
        // Entries and lookups from a small IPv4 neighbourhood, so ranges overlap and lookups land on edges; entries are
        // written as IPv4, as IPv4-mapped IPv6 (::ffff:a.b.c.d/96+n) or as wide IPv6 ranges that cover the mapped
        // block. The model checks every entry's [low, high]; a lookup must agree with it whether the address is
        // written a.b.c.d (the 32-bit path) or ::ffff:a.b.c.d (the 128-bit path).
        var mapped = (UInt128)0xFFFF << 32;
        var entry = Gen.Select(Gen.UInt[0, 0xFFFF], Gen.Int[14, 32], Gen.Int[0, 29]);
        Gen.Select(entry.Array[0, 12], Gen.UInt[0, 0xFFFF].Array[1, 40]).Sample((entries, lookups) =>
        {
            var texts = new List<string>();
            var model = new List<(UInt128 Low, UInt128 High)>();
            foreach (var (offset, prefix, form) in entries)
            {
                var hostMask = prefix == 32 ? 0u : uint.MaxValue >> prefix;
                var low = (0x0A00_0000u | offset) & ~hostMask;
                var dotted = new IPAddress(new[] { (byte)(low >> 24), (byte)(low >> 16), (byte)(low >> 8), (byte)low }).ToString();
                switch (form)
                {
                    case 0:
                        texts.Add("::/0");
                        model.Add((UInt128.Zero, UInt128.MaxValue));
                        break;
                    case 1:
                        texts.Add("::ffff:0:0/96");
                        model.Add((mapped, mapped | uint.MaxValue));
                        break;
                    case < 12:
                        texts.Add($"::ffff:{dotted}/{96 + prefix}");
                        model.Add((mapped | low, mapped | low | hostMask));
                        break;
                    default:
                        texts.Add(prefix == 32 ? dotted : $"{dotted}/{prefix}");
                        model.Add((mapped | low, mapped | low | hostMask));
                        break;
                }
            }

            var list = new NamedList("ips", ListKind.Ip, texts);
            foreach (var offset in lookups)
            {
                var value = 0x0A00_0000u | offset;
                var expected = model.Exists(r => r.Low <= (mapped | value) && (mapped | value) <= r.High);
                var dotted = new IPAddress(new[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value }).ToString();
                Assert.Equal(expected, Contains(list, dotted));
                Assert.Equal(expected, Contains(list, "::ffff:" + dotted));
            }
        }, iter: 2_000);
    }

    [Fact]
    public void Parser_AnyIpv4_AgreesWithIPAddress()
    {
        Gen.UInt.Sample(value =>
        {
            var text = new IPAddress(new[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value }).ToString();
            Assert.True(IpAddressText.TryParseV4(Encoding.UTF8.GetBytes(text), out var parsed));
            Assert.Equal(value, parsed);
        }, iter: 2_000);
    }

    [Fact]
    public void Parser_AnyIpv6_AgreesWithIPAddress()
    {
        // Includes runs of zero groups, so the "::" forms IPAddress prints are covered; sparse values make them common.
        var gen = Gen.Select(Gen.UInt128, Gen.UInt128, static (value, mask) => value & mask & (mask >> 17));
        gen.Sample(value =>
        {
            var bytes = new byte[16];
            for (var i = 0; i < 16; i++)
            {
                bytes[i] = (byte)(value >> (8 * (15 - i)));
            }

            var text = new IPAddress(bytes).ToString();
            Assert.True(IpAddressText.TryParseV6(Encoding.UTF8.GetBytes(text), out var parsed), text);
            Assert.Equal(value, parsed);
        }, iter: 2_000);
    }

    [Fact]
    public void Parser_RandomText_NeverThrowsAndOnlyAcceptsWhatIPAddressAccepts()
    {
        var chars = Gen.Char["0123456789abcdefABCDEF:.%/x "];
        chars.Array[0, 45].Select(a => new string(a)).Sample(text => { AssertAgreesWhenAccepted(text); }, iter: 20_000);
    }

    [Fact]
    public void Parser_MutatedValidAddresses_NeverThrowsAndOnlyAcceptsWhatIPAddressAccepts()
    {
        // Valid text with one character replaced, inserted or deleted: the near misses a parser gets wrong.
        string[] seeds = ["10.1.2.3", "255.255.255.255", "0.0.0.0", "2001:db8::1", "::", "::1", "fe80::1%eth0", "::ffff:10.1.2.3", "1:2:3:4:5:6:7:8", "1::8", "2001:db8:0:0:1::10.0.0.1"];
        var accepted = 0;
        Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Int[0, 40], Gen.Char["0123456789abfAF:.%x"], Gen.Int[0, 2]).Sample((seed, position, c, operation) =>
        {
            var text = seeds[seed];
            var at = position % (text.Length + 1);
            text = operation switch
            {
                0 when at < text.Length => text[..at] + c + text[(at + 1)..],
                1 => text[..at] + c + text[at..],
                _ when at < text.Length => text.Remove(at, 1),
                _ => text,
            };
            if (AssertAgreesWhenAccepted(text))
            {
                Interlocked.Increment(ref accepted);
            }
        }, iter: 20_000);
        Assert.True(accepted > 1_000, $"only {accepted} mutated inputs parsed");
    }

    private static bool AssertAgreesWhenAccepted(string text)
    {
        if (!IpAddressText.TryParseAddress(Encoding.UTF8.GetBytes(text), out var value, out var isV4))
        {
            return false;
        }

        Assert.True(IPAddress.TryParse(text, out var reference), text);
        var expected = reference.IsIPv4MappedToIPv6 || isV4 ? reference.MapToIPv6() : reference;
        UInt128 fromReference = 0;
        foreach (var b in expected.GetAddressBytes())
        {
            fromReference = (fromReference << 8) | b;
        }

        Assert.Equal(fromReference, value);
        return true;
    }
}
