using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Jiangwanli.EndToEnd.Infrastructure;

namespace Jiangwanli.EndToEnd;

/// <summary>Admin needs the token; management surfaces are not served on the public port.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class SecurityTests(SharedServer fixture)
{
    private readonly JwlServer _server = fixture.Server;

    [Theory]
    [InlineData("/admin/pack")]
    [InlineData("/admin/lists")]
    [InlineData("/admin/lists/blocked_ips")]
    public async Task Admin_WithoutToken_Is401(string path)
    {
        using var response = await _server.Management.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Admin_WithWrongToken_Is403AndChangesNothing()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/admin/lists/blocked_ips") { Content = new StringContent("[]", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token");
        using var response = await _server.Management.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var list = await _server.Admin.GetAsync("/admin/lists/blocked_ips");
        Assert.Contains("203.0.113.0/24", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/admin/pack")]
    [InlineData("PUT", "/admin/pack")]
    [InlineData("GET", "/admin/lists/blocked_ips")]
    [InlineData("GET", "/debug/pprof/profile")]
    [InlineData("GET", "/debug/gc")]
    [InlineData("GET", "/metrics")]
    [InlineData("GET", "/healthz")]
    public async Task ManagementPaths_OnPublicPort_AreNotServedEvenWithTheToken(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", JwlServer.Token);
        if (method == "PUT")
        {
            request.Content = new StringContent("version: x", Encoding.UTF8, "application/yaml");
        }

        using var response = await _server.Public.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_OnManagementPort_IsPrometheusText()
    {
        using (await _server.DecideAsync("""{"user":"sec-metrics","amount":1}""")) { }
        using var response = await _server.Management.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("# TYPE jiangwanli_decisions_total counter", text, StringComparison.Ordinal);
    }
}
