using Jiangwanli.Server.Hosting;
using Jiangwanli.Server.Tests.Infrastructure;

namespace Jiangwanli.Server.Tests.Hosting;

/// <summary>The service refuses to start, saying why, rather than start unsafe or half-configured.</summary>
public sealed class StartupRefusalTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Refusal(Dictionary<string, string?> overrides)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Jiangwanli:Pack"] = TestPacks.DefaultPackPath,
            ["Jiangwanli:DataDirectory"] = _folder.Path,
            ["Jiangwanli:Urls"] = "http://127.0.0.1:18080",
            ["Jiangwanli:ManagementUrls"] = "http://127.0.0.1:19091",
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var errors = new StringWriter();
        var host = JiangwanliHost.Create(new ServerLaunch { Settings = settings, Environment = new Dictionary<string, string?>(), HandleSignals = false }, errors);
        Assert.Null(host);
        return errors.ToString();
    }

    [Theory]
    [InlineData("http://0.0.0.0:19091")]
    [InlineData("http://*:19091")]
    [InlineData("http://10.0.0.5:19091")]
    public void Create_ManagementNotLoopbackWithoutToken_Refuses(string url)
    {
        var message = Refusal(new() { ["Jiangwanli:ManagementUrls"] = url });
        Assert.Contains("not a loopback address", message, StringComparison.Ordinal);
        Assert.Contains("AdminToken", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ManagementSharesThePublicPort_Refuses()
        => Assert.Contains("also a public port", Refusal(new() { ["Jiangwanli:ManagementUrls"] = "http://127.0.0.1:18080" }), StringComparison.Ordinal);

    [Fact]
    public void Create_PackMissing_Refuses()
        => Assert.Contains("not found", Refusal(new() { ["Jiangwanli:Pack"] = _folder.Combine("missing.yaml") }), StringComparison.Ordinal);

    [Fact]
    public void Create_PackWithErrors_RefusesWithLocatedErrors()
    {
        var path = _folder.Combine("bad.yaml");
        File.WriteAllText(path, TestPacks.Small("bad").Replace("when: ip in blocked_ips", "when: ip in nowhere", StringComparison.Ordinal));

        var message = Refusal(new() { ["Jiangwanli:Pack"] = path });

        Assert.Contains("bad.yaml:", message, StringComparison.Ordinal);
        Assert.Contains("rule 'blocked_ip'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_UnknownDurability_Refuses()
        => Assert.Contains("Durability", Refusal(new() { ["Jiangwanli:Audit:Durability"] = "sometimes" }), StringComparison.Ordinal);

    [Fact]
    public void Create_RequestStartHeaderNotAHeaderName_Refuses()
        => Assert.Contains("RequestStartHeader 'X Start'", Refusal(new() { ["Jiangwanli:Admission:RequestStartHeader"] = "X Start" }), StringComparison.Ordinal);

    [Fact]
    public void Create_NegativeMaxConnections_Refuses()
        => Assert.Contains("MaxConnections", Refusal(new() { ["Jiangwanli:Limits:MaxConnections"] = "-1" }), StringComparison.Ordinal);

    [Fact]
    public void Create_HttpsUrl_Refuses()
        => Assert.Contains("must use http", Refusal(new() { ["Jiangwanli:Urls"] = "https://127.0.0.1:18443" }), StringComparison.Ordinal);

    [Fact]
    public void Create_ManyProblems_ReportsEveryOne()
    {
        var message = Refusal(new() { ["Jiangwanli:Urls"] = "ftp://x", ["Jiangwanli:Audit:Durability"] = "never", ["Jiangwanli:Limits:MaxEventBytes"] = "0" });
        Assert.Contains("Jiangwanli:Urls", message, StringComparison.Ordinal);
        Assert.Contains("Durability", message, StringComparison.Ordinal);
        Assert.Contains("Limits", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_EnvironmentVariables_MapJwlPrefixToTheSection()
    {
        var errors = new StringWriter();
        var host = JiangwanliHost.Create(
            new ServerLaunch
            {
                Settings = new Dictionary<string, string?> { ["Jiangwanli:Pack"] = TestPacks.DefaultPackPath, ["Jiangwanli:DataDirectory"] = _folder.Path, ["Jiangwanli:Audit:Enabled"] = "false" },
                Environment = new Dictionary<string, string?> { ["JWL__ADMINTOKEN"] = "from-env", ["JWL__LIMITS__MAXBATCHEVENTS"] = "7" },
                HandleSignals = false,
            },
            errors);

        Assert.True(host is not null, errors.ToString());
        Assert.Equal("from-env", host!.Options.AdminToken);
        Assert.Equal(7, host.Options.Limits.MaxBatchEvents);
        await host.DisposeAsync();
    }
}
