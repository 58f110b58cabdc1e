using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Jiangwanli.Audit;
using Jiangwanli.EndToEnd.Infrastructure;

namespace Jiangwanli.EndToEnd;

/// <summary>
/// Admission control on the real process with a tiny limit (1 in flight, 1 waiting): excess requests get 503 +
/// Retry-After + a problem body at once, admitted ones succeed, and every admitted decision is in the audit log.
/// </summary>
public sealed class OverloadTests
{
    private const int Burst = 96;

    [Fact]
    public async Task Burst_OverATinyLimit_ShedsWith503AndLosesNothingAdmitted()
    {
        using var data = new TempDirectory();
        var config = data.Combine("admission.json");
        await File.WriteAllTextAsync(config, """
            { "Jiangwanli": { "Admission": { "MaxConcurrency": 1, "MaxQueue": 1, "QueueTimeout": "00:00:00.020", "RetryAfterSeconds": 2 } } }
            """);
        var dataDirectory = Directory.CreateDirectory(data.Combine("data")).FullName;
        var server = await JwlServer.StartAsync(dataDirectory: dataDirectory, durability: "fsync", extraArgs: ["--config", config]);
        await using var _ = server;
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Burst };
        using var client = new HttpClient(handler) { BaseAddress = server.Public.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var admitted = new List<string>();

        // Deterministic part: a request whose body is half sent holds the only slot (admission comes before the body
        // is read). While it does, one more request may wait and is shed at its deadline; the rest are refused at once.
        using (var holder = new TcpClient())
        {
            var body = Encoding.UTF8.GetBytes("""{"id":"overload-held","user":"overload-u0","amount":10}""");
            await holder.ConnectAsync(IPAddress.Loopback, server.PublicPort);
            var stream = holder.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"POST /v1/decisions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n"));
            await stream.WriteAsync(body.AsMemory(0, 10));
            await stream.FlushAsync();
            await WaitInFlightAsync(server);

            var refused = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => PostAsync(client, $"overload-refused-{i}")));
            var reasons = new HashSet<string>();
            foreach (var (status, problemType, _) in refused)
            {
                Assert.True(status == 503, $"status {status} while the only slot is held\n{server.Log}");
                reasons.Add(problemType!);
            }

            Assert.Contains("urn:jiangwanli:problem:overloaded", reasons);
            Assert.Contains("urn:jiangwanli:problem:queue-timeout", reasons);

            await stream.WriteAsync(body.AsMemory(10));
            await stream.FlushAsync();
            var response = await RawHttp.ReadResponseAsync(stream);
            Assert.True(response.StartsWith("HTTP/1.1 200", StringComparison.Ordinal), response);
            admitted.Add("overload-held");
        }

        // A free-running burst: every answer is a 200 or an immediate 503 with Retry-After and a problem body.
        var results = await Task.WhenAll(Enumerable.Range(0, Burst).Select(i => PostAsync(client, $"overload-{i}")));
        var shed = 0;
        foreach (var (status, problemType, id) in results)
        {
            if (status == 200)
            {
                admitted.Add(id);
            }
            else
            {
                Assert.True(status == 503, $"unexpected status {status}\n{server.Log}");
                Assert.True(problemType is "urn:jiangwanli:problem:overloaded" or "urn:jiangwanli:problem:queue-timeout", problemType);
                shed++;
            }
        }

        Assert.True(admitted.Count > 1, $"no request of the burst was admitted\n{server.Log}");

        var metrics = await server.Management.GetStringAsync("/metrics");
        Assert.Contains("jiangwanli_admission_limit", metrics, StringComparison.Ordinal);
        Assert.Contains("reason=\"overloaded\"", metrics, StringComparison.Ordinal);

        // Nothing admitted is lost, and nothing refused was decided: the log holds exactly the admitted events.
        Assert.Equal(0, await server.StopAsync());
        var logged = new List<string>();
        using (var reader = AuditReader.Open(Path.Combine(server.DataDirectory, "audit")))
        {
            for (var i = 0; i < 10_000 && reader.TryRead(out var record); i++)
            {
                using var json = JsonDocument.Parse(record.Payload);
                logged.Add(FindId(json.RootElement) ?? "<no id>");
            }
        }

        Assert.Equal(admitted.Order(StringComparer.Ordinal), logged.Order(StringComparer.Ordinal));
        Assert.True(shed + admitted.Count - 1 == Burst, $"{shed} shed + {admitted.Count - 1} admitted != {Burst}");
    }

    [Fact]
    public async Task ApiKeyOverItsRate_Gets429WithRetryAfter_OtherKeysUnaffected()
    {
        using var data = new TempDirectory();
        var config = data.Combine("ratelimit.json");
        await File.WriteAllTextAsync(config, """
            { "Jiangwanli": { "Admission": { "RateLimits": { "PerKeyPerSecond": 0.01, "Burst": 2 } } } }
            """);
        var dataDirectory = Directory.CreateDirectory(data.Combine("data")).FullName;
        var server = await JwlServer.StartAsync(dataDirectory: dataDirectory, durability: "batch", extraArgs: ["--config", config]);
        await using var _ = server;

        async Task<HttpResponseMessage> SendAsync(string key, string id)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/decisions")
            {
                Content = new StringContent($$"""{"id":"{{id}}","user":"rl-u","amount":5}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Api-Key", key);
            return await server.Public.SendAsync(request);
        }

        using var first = await SendAsync("client-a", "rl-1");
        using var second = await SendAsync("client-a", "rl-2");
        using var third = await SendAsync("client-a", "rl-3");
        using var other = await SendAsync("client-b", "rl-4");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.NotNull(third.Headers.RetryAfter);
        Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
        Assert.Contains("urn:jiangwanli:problem:rate-limited", await third.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    private static async Task<(int Status, string? ProblemType, string Id)> PostAsync(HttpClient client, string id)
    {
        using var content = new StringContent($$"""{"id":"{{id}}","user":"{{id}}-u","amount":25,"country":"FR"}""", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/v1/decisions", content);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(text);
            Assert.Equal(503, problem.RootElement.GetProperty("status").GetInt32());
            return (503, problem.RootElement.GetProperty("type").GetString(), id);
        }

        if (response.StatusCode == HttpStatusCode.OK)
        {
            using var decision = JsonDocument.Parse(text);
            Assert.Equal(id, decision.RootElement.GetProperty("id").GetString());
        }

        return ((int)response.StatusCode, null, id);
    }

    /// <summary>The event id in an audit record (the record holds the event; look for an "id" string at any depth).</summary>
    private static string? FindId(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.NameEquals("id") && property.Value.ValueKind == JsonValueKind.String
                    && property.Value.GetString() is { } id && id.StartsWith("overload-", StringComparison.Ordinal))
                {
                    return id;
                }

                if (FindId(property.Value) is { } nested)
                {
                    return nested;
                }
            }
        }

        return null;
    }

    /// <summary>Waits (bounded) until the management metrics show one request in flight.</summary>
    private static async Task WaitInFlightAsync(JwlServer server)
    {
        for (var i = 0; i < 200; i++)
        {
            var metrics = await server.Management.GetStringAsync("/metrics");
            // e.g. jiangwanli_admission_in_flight{otel_scope_name="Jiangwanli"} 1 1764150000000
            if (metrics.Split('\n').Any(static l => l.StartsWith("jiangwanli_admission_in_flight", StringComparison.Ordinal)
                && l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, "1", ..]))
            {
                return;
            }

            await Task.Delay(50);
        }

        throw server.Failure("the held request never showed as in flight");
    }
}
