using System.Text;
using CsCheck;
using Jiangwanli.Engine.Lists;

namespace Jiangwanli.Engine.Tests.Lists;

public sealed class NamedListTests
{
    [Fact]
    public void Contains_StringList_ExactOrdinalMatch()
    {
        var list = new NamedList("blocked_emails", ListKind.String, ["a@x.com", "B@x.com", "", "日本"]);
        Assert.True(list.Contains("a@x.com"u8));
        Assert.True(list.Contains("B@x.com"u8));
        Assert.True(list.Contains(""u8));
        Assert.True(list.Contains(Encoding.UTF8.GetBytes("日本")));
        Assert.False(list.Contains("A@x.com"u8));
        Assert.False(list.Contains("a@x.com "u8));
        Assert.False(list.Contains("b@x.com"u8));
        Assert.True(list.Contains("日本"));
    }

    [Fact]
    public void Ctor_DuplicateEntries_KeptOnceInOrder()
    {
        var list = new NamedList("l", ListKind.String, ["b", "a", "b", "c", "a"]);
        Assert.Equal(3, list.Count);
        Assert.Equal(["b", "a", "c"], list.Entries);
        Assert.Equal("l", list.Name);
        Assert.Equal(ListKind.String, list.Kind);
    }

    [Fact]
    public void Contains_LargeStringList_FindsEveryEntryAndNoOther()
    {
        var entries = Enumerable.Range(0, 10_000).Select(i => $"user-{i}").ToArray();
        var list = new NamedList("users", ListKind.String, entries);
        foreach (var entry in entries)
        {
            Assert.True(list.Contains(Encoding.UTF8.GetBytes(entry)));
        }

        for (var i = 10_000; i < 12_000; i++)
        {
            Assert.False(list.Contains(Encoding.UTF8.GetBytes($"user-{i}")));
        }
    }

    [Fact]
    public void Contains_RandomLookalikeStrings_ExactlyTheEntries()
    {
        // Two letters and lengths around the hash's 4/8/16-byte cases: entries that share heads, tails and lengths.
        var text = Gen.Char["ab"].Array[0, 24].Select(c => new string(c));
        Gen.Select(text.HashSet[0, 40], text.Array[1, 40]).Sample((entries, probes) =>
        {
            var list = new NamedList("l", ListKind.String, entries);
            foreach (var entry in entries)
            {
                Assert.True(list.Contains(Encoding.UTF8.GetBytes(entry)), entry);
            }

            foreach (var probe in probes)
            {
                Assert.Equal(entries.Contains(probe), list.Contains(Encoding.UTF8.GetBytes(probe)));
            }
        }, iter: 500, threads: 1);
    }

    [Fact]
    public void Contains_EmptyList_MatchesNothing()
    {
        Assert.False(new NamedList("s", ListKind.String, []).Contains("x"u8));
        Assert.False(new NamedList("s", ListKind.String, []).Contains(""u8));
        Assert.False(new NamedList("i", ListKind.Ip, []).Contains("10.0.0.1"u8));
    }

    [Fact]
    public void Replace_NewEntries_OldGoneNewFound()
    {
        var list = new NamedList("l", ListKind.String, ["old"]);
        list.Replace(["new1", "new2"]);
        Assert.False(list.Contains("old"u8));
        Assert.True(list.Contains("new2"u8));
        Assert.Equal(2, list.Count);
        Assert.Equal(["new1", "new2"], list.Entries);
    }

    [Fact]
    public void Replace_InvalidEntry_ThrowsAndKeepsOldSnapshot()
    {
        var list = new NamedList("ips", ListKind.Ip, ["10.0.0.0/8"]);
        var error = Assert.Throws<ArgumentException>(() => list.Replace(["1.2.3.4", "10.0.0.0/33"]));
        Assert.Contains("'10.0.0.0/33'", error.Message, StringComparison.Ordinal);
        Assert.True(list.Contains("10.1.1.1"u8));
        Assert.False(list.Contains("1.2.3.4"u8));
    }

    [Theory]
    [InlineData("10.0.0.0/33", "entry 1 '10.0.0.0/33': prefix length must be a number from 0 to 32")]
    [InlineData("10.1.0.0/8", "entry 1 '10.1.0.0/8': host bits are set below the prefix length")]
    [InlineData("2001:db8::/129", "entry 1 '2001:db8::/129': prefix length must be a number from 0 to 128")]
    [InlineData("10.0.0.0/", "entry 1 '10.0.0.0/': prefix length must be a number from 0 to 32")]
    [InlineData("10.0.0.0/08", "entry 1 '10.0.0.0/08': prefix length must be a number from 0 to 32")]
    [InlineData("example.com", "entry 1 'example.com': not an IPv4 or IPv6 address")]
    [InlineData("300.1.1.1", "entry 1 '300.1.1.1': not an IPv4 or IPv6 address")]
    [InlineData(" 10.0.0.1", "entry 1 ' 10.0.0.1': not an IPv4 or IPv6 address")]
    [InlineData("fe80::1%eth0/64", "entry 1 'fe80::1%eth0/64': a CIDR range cannot carry a zone")]
    public void TryValidate_BadIpEntry_NamesFirstBadEntry(string bad, string expected)
    {
        Assert.False(NamedList.TryValidate(ListKind.Ip, ["192.168.0.0/16", bad, "also bad"], out var error));
        Assert.Equal(expected, error);
        Assert.Throws<ArgumentException>(() => new NamedList("ips", ListKind.Ip, [bad]));
    }

    [Fact]
    public void TryValidate_GoodEntries_True()
    {
        Assert.True(NamedList.TryValidate(ListKind.Ip, ["10.0.0.0/8", "1.2.3.4", "::1", "2001:db8::/32", "0.0.0.0/0", "::/0", "fe80::1%eth0"], out var error));
        Assert.Null(error);
        Assert.True(NamedList.TryValidate(ListKind.String, ["anything", "", "10.0.0.0/33"], out error));
        Assert.Null(error);
        Assert.False(NamedList.TryValidate(ListKind.String, ["ok", null!], out error));
        Assert.Equal("entry 1 '': entry is null", error);
    }

    [Fact]
    public void Contains_AllocatesNothing()
    {
        var strings = new NamedList("s", ListKind.String, Enumerable.Range(0, 100).Select(i => $"v{i}"));
        var ips = new NamedList("i", ListKind.Ip, ["10.0.0.0/8", "192.168.1.7", "2001:db8::/32"]);
        var probes = new[] { "v42"u8.ToArray(), "nope"u8.ToArray(), "10.2.3.4"u8.ToArray(), "2001:db8::1"u8.ToArray(), "192.168.1.7"u8.ToArray() };
        foreach (var probe in probes)
        {
            strings.Contains(probe);
            ips.Contains(probe);
        }

        var hits = 0;
        Assert.Equal(0, SteadyStateAllocation.Measure(() =>
        {
            hits = 0;
            for (var i = 0; i < 1_000; i++)
            {
                foreach (var probe in probes)
                {
                    hits += strings.Contains(probe) ? 1 : 0;
                    hits += ips.Contains(probe) ? 1 : 0;
                }
            }
        }));
        Assert.Equal(4_000, hits);
    }

    [Fact]
    public void Replace_ConcurrentReaders_SeeOneWholeSnapshotOrTheOther()
    {
        // Snapshot X = {shared, x0..x99}, Y = {shared, y0..y49}. A reader holding one snapshot (Entries) must see exactly
        // X or Y; every single lookup of "shared" must hit, and "neither" must never hit.
        string[] x = ["shared", .. Enumerable.Range(0, 100).Select(i => $"x{i}")];
        string[] y = ["shared", .. Enumerable.Range(0, 50).Select(i => $"y{i}")];
        var list = new NamedList("flip", ListKind.String, x);
        var done = 0;
        var failures = 0;
        var readers = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            while (Volatile.Read(ref done) == 0)
            {
                var entries = list.Entries;
                var ok = (entries.Count == x.Length && entries.SequenceEqual(x)) || (entries.Count == y.Length && entries.SequenceEqual(y));
                ok &= list.Contains("shared"u8) && !list.Contains("neither"u8);
                var count = list.Count;
                ok &= count == x.Length || count == y.Length;
                if (!ok)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })).ToArray();
        foreach (var reader in readers)
        {
            reader.Start();
        }

        for (var i = 0; i < 2_000; i++)
        {
            list.Replace(i % 2 == 0 ? y : x);
        }

        Volatile.Write(ref done, 1);
        foreach (var reader in readers)
        {
            reader.Join();
        }

        Assert.Equal(0, failures);
        Assert.Equal(x, list.Entries);
    }
}
