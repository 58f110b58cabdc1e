using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Jiangwanli.Server.Tests.Infrastructure;

namespace Jiangwanli.Server.Tests.Decisions;

/// <summary>The public API over real HTTP (Kestrel in-process) on a small pack. Each test uses its own user ids.</summary>
public sealed class DecisionApiTests : IClassFixture<SmallPackServer>
{
    private readonly InProcessServer _server;

    public DecisionApiTests(SmallPackServer fixture) => _server = fixture.Server;

    [Fact]
    public async Task Decide_ValidEvent_ReturnsDecisionWithAuditSequence()
    {
        using var response = await _server.DecideAsync("""{"id":"evt-1","user":"api-1","amount":10}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await Json.ReadAsync(response);
        Assert.Equal("evt-1", body.GetProperty("id").GetString());
        Assert.True(body.GetProperty("seq").GetInt64() > 0);
        Assert.Equal("allow", body.GetProperty("decision").GetString());
        Assert.Equal(0, body.GetProperty("score").GetInt32());
        Assert.Equal(0, body.GetProperty("reasons").GetArrayLength());
        Assert.Equal(1, body.GetProperty("features").GetProperty("user_txn_1h").GetDouble());
        Assert.Equal("test-1", body.GetProperty("pack").GetString());
        Assert.True(body.GetProperty("latency_us").GetDouble() >= 0);
    }

    [Fact]
    public async Task Decide_BlockedIp_DeniesWithTheRuleAsReason()
    {
        using var response = await _server.DecideAsync("""{"user":"api-2","ip":"203.0.113.9","amount":10}""");

        var body = await Json.ReadAsync(response);
        Assert.Equal("deny", body.GetProperty("decision").GetString());
        var reason = Assert.Single(body.GetProperty("reasons").EnumerateArray());
        Assert.Equal("blocked_ip", reason.GetProperty("rule").GetString());
        Assert.Equal("IP address is on the block list", reason.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Decide_FourthEventOfAUser_CountsTheWindowAndReviews()
    {
        string? decision = null;
        for (var i = 0; i < 4; i++)
        {
            using var response = await _server.DecideAsync("""{"user":"api-3","amount":10}""");
            decision = (await Json.ReadAsync(response)).GetProperty("decision").GetString();
        }

        Assert.Equal("review", decision);
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json;charset=UTF-8")]
    public async Task Decide_JsonWithUtf8Charset_IsAccepted(string contentType)
    {
        using var response = await _server.DecideAsync("""{"user":"api-4","amount":1}""", contentType);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task Decide_OtherContentType_Is415Problem(string contentType)
    {
        using var response = await _server.DecideAsync("""{"user":"api-5","amount":1}""", contentType);
        await Json.ProblemAsync(response, 415, "unsupported-media-type");
    }

    [Fact]
    public async Task Decide_NoContentType_Is415Problem()
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"user":"api-5","amount":1}"""));
        using var response = await _server.Public.PostAsync("/v1/decisions", content);
        await Json.ProblemAsync(response, 415, "unsupported-media-type");
    }

    [Fact]
    public async Task Decide_MalformedJson_Is400ProblemNamingTheBody()
    {
        using var response = await _server.DecideAsync("""{"user":"api-6","amount":""");
        var problem = await Json.ProblemAsync(response, 400, "malformed-json");
        Assert.Equal("$", problem.GetProperty("field").GetString());
        Assert.True(problem.TryGetProperty("detail", out _));
    }

    [Fact]
    public async Task Decide_WrongType_Is400ProblemNamingTheField()
    {
        using var response = await _server.DecideAsync("""{"user":"api-7","amount":"ten"}""");
        var problem = await Json.ProblemAsync(response, 400, "wrong-type");
        Assert.Equal("amount", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Decide_MissingRequiredField_Is400ProblemNamingTheField()
    {
        using var response = await _server.DecideAsync("""{"user":"api-8"}""");
        var problem = await Json.ProblemAsync(response, 400, "missing-field");
        Assert.Equal("amount", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Decide_BodyOverTheLimit_Is413Problem()
    {
        var big = """{"user":"api-9","amount":1,"pad":""" + "\"" + new string('x', 70_000) + "\"}";
        using var response = await _server.DecideAsync(big);
        await Json.ProblemAsync(response, 413, "body-too-large");
    }

    [Fact]
    public async Task Decide_ChunkedBodyOverTheLimit_Is413Problem()
    {
        using var content = new UnknownLengthContent(Encoding.UTF8.GetBytes("{\"pad\":\"" + new string('y', 200_000) + "\"}"));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _server.Public.PostAsync("/v1/decisions", content);
        await Json.ProblemAsync(response, 413, "body-too-large");
    }

    [Fact]
    public async Task Decide_ChunkedBodyUnderTheLimit_IsDecided()
    {
        using var content = new UnknownLengthContent(Encoding.UTF8.GetBytes("""{"user":"api-10","amount":1}"""));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _server.Public.PostAsync("/v1/decisions", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task DecideBatch_JsonArray_AnswersInOrderWithProblemsInPlace()
    {
        using var content = new StringContent(
            """[{"id":"b1","user":"api-11","amount":1},{"id":"b2","user":"api-11"},{"id":"b3","user":"api-11","ip":"203.0.113.9","amount":2}]""",
            Encoding.UTF8,
            "application/json");
        using var response = await _server.Public.PostAsync("/v1/decisions:batch", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await Json.ReadAsync(response)).EnumerateArray().ToArray();
        Assert.Equal(3, items.Length);
        Assert.Equal("b1", items[0].GetProperty("id").GetString());
        Assert.Equal("allow", items[0].GetProperty("decision").GetString());
        Assert.Equal(1, items[1].GetProperty("index").GetInt32());
        Assert.Equal("urn:jiangwanli:problem:missing-field", items[1].GetProperty("type").GetString());
        Assert.Equal("b3", items[2].GetProperty("id").GetString());
        Assert.Equal("deny", items[2].GetProperty("decision").GetString());
        Assert.Equal(2, items[2].GetProperty("features").GetProperty("user_txn_1h").GetDouble());
        Assert.True(items[2].GetProperty("seq").GetInt64() > items[0].GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task DecideBatch_NdJson_AnswersOneElementPerLine()
    {
        using var content = new StringContent("{\"id\":\"n1\",\"user\":\"api-12\",\"amount\":1}\n\n{\"id\":\"n2\",\"user\":\"api-12\",\"amount\":2}\r\n", Encoding.UTF8, "application/x-ndjson");
        using var response = await _server.Public.PostAsync("/v1/decisions:batch", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var ids = (await Json.ReadAsync(response)).EnumerateArray().Select(static e => e.GetProperty("id").GetString()).ToArray();
        Assert.Equal("n1,n2", string.Join(",", ids));
    }

    [Fact]
    public async Task DecideBatch_BrokenArray_Is400AndDecidesNothing()
    {
        using var content = new StringContent("""[{"user":"api-13","amount":1},""", Encoding.UTF8, "application/json");
        using var response = await _server.Public.PostAsync("/v1/decisions:batch", content);
        await Json.ProblemAsync(response, 400, "malformed-batch");

        // Had the first event been decided, this would be the second in the window.
        using var next = await _server.DecideAsync("""{"user":"api-13","amount":1}""");
        Assert.Equal(1, (await Json.ReadAsync(next)).GetProperty("features").GetProperty("user_txn_1h").GetDouble());
    }

    [Fact]
    public async Task DecideBatch_MoreEventsThanAllowed_Is413()
    {
        var body = "[" + string.Join(",", Enumerable.Repeat("{}", 1001)) + "]";
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _server.Public.PostAsync("/v1/decisions:batch", content);
        await Json.ProblemAsync(response, 413, "too-many-events");
    }

    [Fact]
    public async Task DecideBatch_TextPlain_Is415()
    {
        using var content = new StringContent("{}", Encoding.UTF8, "text/plain");
        using var response = await _server.Public.PostAsync("/v1/decisions:batch", content);
        await Json.ProblemAsync(response, 415, "unsupported-media-type");
    }

    [Fact]
    public async Task GetPack_ActivePack_DescribesVersionRulesFeaturesAndLists()
    {
        using var response = await _server.Public.GetAsync("/v1/pack");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var pack = await Json.ReadAsync(response);
        Assert.Equal("test-1", pack.GetProperty("version").GetString());
        Assert.Equal(["blocked_ip", "burst"], pack.GetProperty("rules").EnumerateArray().Select(static r => r.GetProperty("id").GetString()));
        var feature = Assert.Single(pack.GetProperty("features").EnumerateArray());
        Assert.Equal("count", feature.GetProperty("aggregate").GetString());
        Assert.Equal("1h", feature.GetProperty("window").GetString());
        var list = Assert.Single(pack.GetProperty("lists").EnumerateArray());
        Assert.Equal("blocked_ips", list.GetProperty("name").GetString());
        Assert.Equal("ip", list.GetProperty("type").GetString());
        Assert.Equal(1, list.GetProperty("count").GetInt32());
        Assert.Equal(80, pack.GetProperty("decision").GetProperty("deny_at").GetInt32());
    }

    [Fact]
    public async Task Decide_Get_IsNotAllowedButNotAServerError()
    {
        using var response = await _server.Public.GetAsync("/v1/decisions");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    /// <summary>Content without a known length, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
