using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Jiangwanli.Server.Tests.Infrastructure;

namespace Jiangwanli.Server.Tests.Management;

/// <summary>The management listener: health, metrics, admin authentication, and its separation from the public one.</summary>
public sealed class ManagementPortTests : IClassFixture<SmallPackServer>
{
    private readonly InProcessServer _server;

    public ManagementPortTests(SmallPackServer fixture) => _server = fixture.Server;

    [Theory]
    [InlineData("/healthz", "ok")]
    [InlineData("/readyz", "ready")]
    public async Task Health_OnManagementPort_Is200(string path, string text)
    {
        using var response = await _server.Management.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(text, (await response.Content.ReadAsStringAsync()).Trim());
    }

    [Fact]
    public async Task Metrics_AfterADecision_ExposesOurInstrumentsAndTheRuntimeAndAspNetCoreMeters()
    {
        using (await _server.DecideAsync("""{"user":"metrics-1","ip":"203.0.113.9","amount":1}""")) { }
        using (await _server.DecideAsync("""{"user":"metrics-1","amount":"bad"}""")) { }

        using var response = await _server.Management.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("jiangwanli_decisions_total{", text, StringComparison.Ordinal);
        Assert.Contains("outcome=\"deny\"", text, StringComparison.Ordinal);
        Assert.Contains("jiangwanli_rule_hits_total{", text, StringComparison.Ordinal);
        Assert.Contains("rule=\"blocked_ip\"", text, StringComparison.Ordinal);
        Assert.Contains("jiangwanli_events_rejected_total{", text, StringComparison.Ordinal);
        Assert.Contains("reason=\"wrong_type\"", text, StringComparison.Ordinal);
        Assert.Contains("jiangwanli_decision_duration_seconds_bucket{", text, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_", text, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal);

        // Kestrel's per-block memory-pool counters are dropped on purpose (their cost under load; JiangwanliHost).
        Assert.DoesNotContain("aspnetcore_memory_pool", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/metrics")]
    [InlineData("GET", "/healthz")]
    [InlineData("GET", "/readyz")]
    [InlineData("GET", "/admin/pack")]
    [InlineData("PUT", "/admin/pack")]
    [InlineData("POST", "/admin/pack")]
    [InlineData("GET", "/admin/lists")]
    [InlineData("PUT", "/admin/lists/blocked_ips")]
    [InlineData("GET", "/debug/pprof/profile")]
    [InlineData("GET", "/debug/gc")]
    public async Task ManagementPaths_OnPublicPort_AreNotFoundEvenWithTheToken(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", InProcessServer.Token);
        if (method != "GET")
        {
            request.Content = new StringContent("x", Encoding.UTF8, "text/plain");
        }

        using var response = await _server.Public.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("POST", "/v1/decisions")]
    [InlineData("POST", "/v1/decisions:batch")]
    [InlineData("GET", "/v1/pack")]
    public async Task PublicPaths_OnManagementPort_AreNotFound(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method != "GET")
        {
            request.Content = new StringContent("""{"user":"x","amount":1}""", Encoding.UTF8, "application/json");
        }

        using var response = await _server.Management.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Admin_WithoutToken_Is401WithBearerChallenge()
    {
        using var response = await _server.Management.GetAsync("/admin/lists");
        await Json.ProblemAsync(response, 401, "unauthorized");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Admin_WithWrongToken_Is403()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/lists");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", InProcessServer.Token + "x");
        using var response = await _server.Management.SendAsync(request);
        await Json.ProblemAsync(response, 403, "forbidden");
    }

    [Fact]
    public async Task Admin_WrongTokenOnPut_RefusesBeforeTouchingThePack()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/admin/pack") { Content = new StringContent(TestPacks.Small("evil"), Encoding.UTF8, "application/yaml") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "nope");
        using var response = await _server.Management.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var pack = await _server.Public.GetAsync("/v1/pack");
        Assert.Equal("test-1", (await Json.ReadAsync(pack)).GetProperty("version").GetString());
    }

    [Fact]
    public async Task Admin_WithToken_ListsTheLists()
    {
        using var response = await _server.Admin.GetAsync("/admin/lists");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var list = Assert.Single((await Json.ReadAsync(response)).EnumerateArray());
        Assert.Equal("blocked_ips", list.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Admin_GetPack_ReturnsTheActiveYaml()
    {
        using var response = await _server.Admin.GetAsync("/admin/pack");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("version: test-1", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
