using System.Net;
using System.Text;
using Jiangwanli.Server.Admission;
using Jiangwanli.Server.Configuration;
using Jiangwanli.Server.Tests.Infrastructure;
using Microsoft.Extensions.Primitives;

namespace Jiangwanli.Server.Tests.Admission;

/// <summary>
/// The request-start stamp (<c>X-Request-Start</c>): parsed in every unit proxies use, a request older than
/// <c>QueueTimeout</c> by it shed before anything else, a malformed one refused by name.
/// </summary>
public sealed class RequestStartTests : IClassFixture<RequestStartTests.Server>
{
    private const long Micros = 1_700_000_000_123_456; // 2023-11-14T22:13:20.123456Z
    private const long StaleMicros = 60_000_000;

    private readonly InProcessServer _server;

    public RequestStartTests(Server fixture) => _server = fixture.Instance;

    [Theory]
    [InlineData("t=1700000000.123456", Micros)]
    [InlineData("1700000000.123456", Micros)]
    [InlineData("t=1700000000.1234569", Micros)] // digits below a microsecond are dropped
    [InlineData("t=1700000000.123", Micros - 456)] // nginx ${msec}
    [InlineData("1700000000", Micros - 123_456)] // seconds
    [InlineData("1700000000123", Micros - 456)] // Heroku: milliseconds
    [InlineData("t=1700000000123.456", Micros)] // milliseconds with a fraction
    [InlineData("t=1700000000123456", Micros)] // microseconds (jwl bench)
    [InlineData("1700000000123456789", Micros)] // nanoseconds
    [InlineData("  t=1700000000123456 ", Micros)]
    public void TryParseMicros_EveryUnit_GivesMicrosecondsSinceTheEpoch(string value, long expected)
    {
        Assert.True(RequestStart.TryParseMicros(value, out var micros));
        Assert.Equal(expected, micros);
    }

    [Theory]
    [InlineData("")]
    [InlineData("t=")]
    [InlineData("abc")]
    [InlineData("t=17000000x0")]
    [InlineData("1700000000.")]
    [InlineData("1700000000.12a")]
    [InlineData("1.2.3")]
    [InlineData("-1700000000")]
    [InlineData("t=0")] // a misconfigured proxy, not a time
    [InlineData("946684799")] // before 2000
    [InlineData("12345678901234567890")] // 20 digits
    [InlineData("T=1700000000")]
    public void TryParseMicros_NotATime_IsFalse(string value)
        => Assert.False(RequestStart.TryParseMicros(value, out _));

    [Fact]
    public void CheckAge_OlderThanTheQueueTimeout_ExpiresAndCounts()
    {
        var (admission, now) = Create(TimeSpan.FromMilliseconds(50));

        Assert.Equal(AdmissionOutcome.Expired, admission.CheckAge(Stamp(now - 50_001)));
        Assert.Equal(AdmissionOutcome.Admitted, admission.CheckAge(Stamp(now - 50_000)));
        Assert.Equal(AdmissionOutcome.Admitted, admission.CheckAge(Stamp(now - 1_000)));
        Assert.Equal(1, admission.ExpiredCount);
        Assert.Equal("queue_timeout", AdmissionControl.ProblemFor(AdmissionOutcome.Expired).Reason);
        Assert.Equal(503, AdmissionControl.ProblemFor(AdmissionOutcome.Expired).Status);
    }

    [Fact]
    public void CheckAge_StampFromTheFuture_IsAdmitted()
    {
        var (admission, now) = Create(TimeSpan.FromMilliseconds(50));

        Assert.Equal(AdmissionOutcome.Admitted, admission.CheckAge(Stamp(now + 10_000_000)));
        Assert.Equal(0, admission.ExpiredCount);
    }

    [Fact]
    public void CheckAge_Malformed_IsAnInvalidHeaderNamingIt()
    {
        var (admission, _) = Create(TimeSpan.FromMilliseconds(50));

        var outcome = admission.CheckAge(new StringValues("yesterday"));

        Assert.Equal(AdmissionOutcome.InvalidRequestStart, outcome);
        Assert.Equal(400, AdmissionControl.ProblemFor(outcome).Status);
        Assert.Equal("X-Request-Start", admission.FieldFor(outcome));
        Assert.Contains("X-Request-Start", admission.DetailFor(outcome), StringComparison.Ordinal);
    }

    [Fact]
    public void CheckAge_RepeatedHeader_JudgesTheFirstValue()
    {
        var (admission, now) = Create(TimeSpan.FromMilliseconds(50));

        Assert.Equal(AdmissionOutcome.Expired, admission.CheckAge(new StringValues([$"t={now - 60_000}", $"t={now}"])));
    }

    [Fact]
    public async Task Decide_StaleStamp_Is503QueueTimeoutWithRetryAfter()
    {
        using var response = await PostAsync("/v1/decisions", """{"user":"rs-1","amount":1}""", NowMicros() - StaleMicros);

        var problem = await Json.ProblemAsync(response, 503, "queue-timeout");
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Contains("X-Request-Start", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decide_FreshStamp_IsDecided()
    {
        using var response = await PostAsync("/v1/decisions", """{"user":"rs-2","amount":1}""", NowMicros());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Decide_MalformedStamp_Is400NamingTheHeader()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/decisions")
        {
            Content = new StringContent("""{"user":"rs-3","amount":1}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("X-Request-Start", "t=soon");

        using var response = await _server.Public.SendAsync(request);

        var problem = await Json.ProblemAsync(response, 400, "invalid-header");
        Assert.Equal("X-Request-Start", problem.GetProperty("field").GetString());
        Assert.Null(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task DecideBatch_StaleStamp_Is503QueueTimeout()
    {
        using var response = await PostAsync("/v1/decisions:batch", """[{"user":"rs-4","amount":1}]""", NowMicros() - StaleMicros);

        await Json.ProblemAsync(response, 503, "queue-timeout");
        Assert.NotNull(response.Headers.RetryAfter);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string json, long stampMicros)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("X-Request-Start", $"t={stampMicros}");
        return await _server.Public.SendAsync(request);
    }

    private static long NowMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;

    private static StringValues Stamp(long micros) => new($"t={micros}");

    private static (AdmissionControl Admission, long NowMicros) Create(TimeSpan queueTimeout)
    {
        var time = new ManualTimeProvider();
        var admission = new AdmissionControl(
            new AdmissionOptions { MaxConcurrency = 4, QueueTimeout = queueTimeout, MaxDispatchDelay = TimeSpan.Zero, RequestStartHeader = "X-Request-Start" },
            null,
            time,
            meterFactory: null);
        return (admission, (time.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond);
    }

    /// <summary>
    /// The service with a 30 s queueing deadline, which no loaded test machine comes near between stamping and
    /// admission (stale stamps are a minute old): the HTTP tests do not depend on how fast this machine serves.
    /// </summary>
    public sealed class Server : IAsyncLifetime
    {
        internal InProcessServer Instance { get; private set; } = null!;

        public async Task InitializeAsync()
            => Instance = await InProcessServer.StartAsync(settings: new Dictionary<string, string?>
            {
                ["Jiangwanli:Admission:QueueTimeout"] = "00:00:30",
                ["Jiangwanli:Admission:RequestStartHeader"] = "X-Request-Start",
            });

        public async Task DisposeAsync() => await Instance.DisposeAsync();
    }
}

/// <summary>Off by default: a proxy's stamp, stale or malformed, changes nothing until the operator names the header.</summary>
public sealed class RequestStartOffByDefaultTests : IClassFixture<SmallPackServer>
{
    private readonly InProcessServer _server;

    public RequestStartOffByDefaultTests(SmallPackServer fixture) => _server = fixture.Server;

    [Theory]
    [InlineData("t=946684800")] // 2000-01-01: decades old
    [InlineData("not a time")]
    public async Task Decide_AnyStampWithTheCheckOff_IsDecided(string stamp)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/decisions")
        {
            Content = new StringContent("""{"user":"rs-off","amount":1}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("X-Request-Start", stamp);

        using var response = await _server.Public.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
