using System.Net;
using Jiangwanli.Server.Hosting;

namespace Jiangwanli.Server.Tests.Hosting;

public sealed class ListenUrlTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080", "127.0.0.1", 8080, true)]
    [InlineData("http://localhost:9091", null, 9091, true)]
    [InlineData("http://[::1]:9091", "::1", 9091, true)]
    [InlineData("http://0.0.0.0:8080", "0.0.0.0", 8080, false)]
    [InlineData("http://*:8080", "0.0.0.0", 8080, false)]
    [InlineData("http://+:8080", "0.0.0.0", 8080, false)]
    [InlineData("http://10.1.2.3:80", "10.1.2.3", 80, false)]
    [InlineData("http://127.0.0.1", "127.0.0.1", 80, true)]
    public void TryParse_ValidUrl_GivesAddressPortAndLoopback(string text, string? address, int port, bool loopback)
    {
        Assert.True(ListenUrl.TryParse(text, out var url, out var why), why);
        Assert.Equal(address is null ? null : IPAddress.Parse(address), url.Address);
        Assert.Equal(port, url.Port);
        Assert.Equal(loopback, url.IsLoopback);
    }

    [Theory]
    [InlineData("https://127.0.0.1:8443", "http")]
    [InlineData("http://example.com:80", "IP address")]
    [InlineData("http://127.0.0.1:80/api", "path")]
    [InlineData("127.0.0.1:80", "URL")]
    public void TryParse_UnsupportedUrl_SaysWhy(string text, string reason)
    {
        Assert.False(ListenUrl.TryParse(text, out _, out var why));
        Assert.Contains(reason, why, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParseList_SemicolonSeparated_GivesEach()
    {
        var urls = new List<ListenUrl>();
        Assert.True(ListenUrl.TryParseList("http://127.0.0.1:1; http://[::1]:2", "Jiangwanli:Urls", urls, out _));
        Assert.Equal([1, 2], urls.Select(static u => u.Port));
    }
}
