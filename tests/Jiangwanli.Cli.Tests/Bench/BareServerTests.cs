using System.Net.Http.Headers;
using System.Text.Json;
using Jiangwanli.Cli.Bench;

namespace Jiangwanli.Cli.Tests.Bench;

public sealed class BareServerTests
{
    [Theory]
    [InlineData(330)]
    [InlineData(1000)]
    public void ResponseBody_Size_IsExactAndDecisionShaped(int size)
    {
        var body = BareServer.ResponseBody(size);
        Assert.Equal(size, body.Length);
        using var document = JsonDocument.Parse(body);
        Assert.Equal("allow", document.RootElement.GetProperty("decision").GetString());
    }

    [Fact]
    public void ResponseBody_TooSmallToFit_IsTheSmallestValidBody()
    {
        var body = BareServer.ResponseBody(10);
        using var document = JsonDocument.Parse(body);
        Assert.Equal(string.Empty, document.RootElement.GetProperty("pad").GetString());
    }

    [Fact]
    public async Task Build_PostAndDebugGc_AnswerLikeTheServer()
    {
        await using var app = BareServer.Build(port: 0, bodyBytes: 330);
        await app.StartAsync();
        var url = new Uri(BareServer.BoundUrl(app)!);
        Assert.True(BenchTarget.IsLoopbackHost(url.Host));

        using var http = new HttpClient { BaseAddress = url };
        using var content = new StringContent("""{"id":"evt-1","user":"u1","amount":12.5}""");
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync("/v1/decisions", content);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(330, (await response.Content.ReadAsByteArrayAsync()).Length);
        Assert.False(response.Headers.Contains("Server"));

        var gc = RuntimeStatsText.ParseGcDocument(await http.GetByteArrayAsync("/debug/gc"));
        Assert.NotNull(gc);
        Assert.NotNull(gc.GcCount);
        Assert.NotNull(gc.GcPauseMs);
        await app.StopAsync();
    }
}
