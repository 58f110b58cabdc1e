using Jiangwanli.Cli.Bench;

namespace Jiangwanli.Cli.Tests.Bench;

public sealed class BenchTargetTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://127.1.2.3:8080/v1/decisions")]
    [InlineData("http://localhost:8080")]
    [InlineData("http://[::1]:8080")]
    [InlineData("http://[::ffff:127.0.0.1]:8080")]
    public void TryCreate_LoopbackUrl_IsAccepted(string url)
    {
        Assert.True(BenchTarget.TryCreate("url", url, allowRemote: false, "/v1/decisions", out var target, out var error), error);
        Assert.True(target!.IsLoopback);
    }

    [Theory]
    [InlineData("http://10.0.0.1:8080")]
    [InlineData("http://example.com")]
    [InlineData("http://0.0.0.0:8080")]
    public void TryCreate_RemoteUrlWithoutAllowRemote_IsRefused(string url)
    {
        Assert.False(BenchTarget.TryCreate("url", url, allowRemote: false, "/v1/decisions", out var target, out var error));
        Assert.Null(target);
        Assert.Contains("--allow-remote", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCreate_RemoteUrlWithAllowRemote_IsAccepted()
    {
        Assert.True(BenchTarget.TryCreate("url", "http://10.0.0.1:8080", allowRemote: true, "/v1/decisions", out var target, out _));
        Assert.False(target!.IsLoopback);
    }

    [Theory]
    [InlineData("https://127.0.0.1:8443")]
    [InlineData("not a url")]
    [InlineData("/v1/decisions")]
    public void TryCreate_UnsupportedUrl_IsRefused(string url)
    {
        Assert.False(BenchTarget.TryCreate("url", url, allowRemote: true, "/v1/decisions", out _, out var error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void TryCreate_UrlWithoutPath_PostsToDefaultPathWithHostHeader()
    {
        Assert.True(BenchTarget.TryCreate("url", "http://127.0.0.1:8080", allowRemote: false, "/v1/decisions", out var target, out _));
        Assert.Equal("/v1/decisions", target!.PathAndQuery);
        Assert.Equal("127.0.0.1:8080", target.HostHeader);
        Assert.Equal("http://127.0.0.1:8080/v1/decisions", target.Url.ToString());
    }

    [Fact]
    public void TryCreate_UrlWithPath_KeepsIt()
    {
        Assert.True(BenchTarget.TryCreate("url", "http://localhost:9000/v1/decisions:batch?x=1", allowRemote: false, "/v1/decisions", out var target, out _));
        Assert.Equal("/v1/decisions:batch?x=1", target!.PathAndQuery);
        Assert.Equal("localhost:9000", target.HostHeader);
    }

    [Fact]
    public async Task ResolveAsync_Localhost_IsIpv4LoopbackWithoutLookup()
    {
        Assert.True(BenchTarget.TryCreate("url", "http://localhost:8080", allowRemote: false, "/", out var target, out _));
        var endpoint = await target!.ResolveAsync(CancellationToken.None);
        Assert.Equal(System.Net.IPAddress.Loopback, endpoint.Address);
        Assert.Equal(8080, endpoint.Port);
    }
}
