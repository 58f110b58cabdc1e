using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Jiangwanli.EndToEnd.Infrastructure;

namespace Jiangwanli.EndToEnd;

/// <summary>
/// Hostile input over real HTTP: ≥ 10,000 mutated bodies (truncations, byte flips, wrong types, huge numbers, deep
/// nesting, giant strings, invalid UTF-8, wrong framing) from parallel clients. Not one answer may be a 5xx, and the
/// server must still decide afterwards.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class RobustnessTests(SharedServer fixture)
{
    private const int Bodies = 12_000;
    private const int Workers = 8;

    private readonly JwlServer _server = fixture.Server;

    [Fact]
    public async Task Decide_TwelveThousandMutatedBodies_NoServerErrorAndStillServing()
    {
        var valid = Events.Generate("robust", 40, seed: 3).Select(Encoding.UTF8.GetBytes).ToArray();
        var statuses = new ConcurrentDictionary<int, int>();
        var serverErrors = new ConcurrentQueue<string>();
        var next = -1;

        async Task WorkAsync()
        {
            // Bounded: each worker takes request numbers until Bodies are sent.
            int n;
            while ((n = Interlocked.Increment(ref next)) < Bodies)
            {
                var random = new Random(n);
                var (body, contentType, path) = Mutate(valid[n % valid.Length], n, random);
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
                using var response = await _server.Public.PostAsync(path, content);
                var status = (int)response.StatusCode;
                statuses.AddOrUpdate(status, 1, static (_, c) => c + 1);
                if (status >= 500)
                {
                    serverErrors.Enqueue($"{status} for {path} {contentType} body[{body.Length}]: {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(200, body.Length)))} -> {await response.Content.ReadAsStringAsync()}");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(WorkAsync)));

        var summary = string.Join(", ", statuses.OrderBy(static s => s.Key).Select(static s => $"{s.Key}: {s.Value}"));
        if (!serverErrors.IsEmpty)
        {
            throw _server.Failure($"{serverErrors.Count} responses >= 500 ({summary}); first: {serverErrors.First()}");
        }

        Assert.Equal(Bodies, statuses.Values.Sum());
        Assert.True(statuses.ContainsKey(200) && statuses.ContainsKey(400) && statuses.ContainsKey(413), summary);

        using var health = await _server.Management.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var decision = await _server.DecideAsync("""{"user":"robust-after","amount":10}""");
        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
        Assert.DoesNotContain("Unhandled exception", _server.Log, StringComparison.Ordinal);
    }

    private const string JsonType = "application/json";

    private static (byte[] Body, string ContentType, string Path) Mutate(byte[] valid, int n, Random random) => (n % 12) switch
    {
        0 => (valid[..random.Next(valid.Length)], JsonType, "/v1/decisions"),
        1 => (FlipBytes(valid, random), JsonType, "/v1/decisions"),
        2 => (WrongTypes(random), JsonType, "/v1/decisions"),
        3 => (HugeNumber(random), JsonType, "/v1/decisions"),
        4 => (DeepNesting(random), JsonType, "/v1/decisions"),
        5 => (GiantString(random), JsonType, "/v1/decisions"),
        6 => (RandomBytes(random), JsonType, "/v1/decisions"),
        7 => (InvalidUtf8(), JsonType, "/v1/decisions"),
        8 => (valid[..random.Next(valid.Length)], "application/x-ndjson", "/v1/decisions:batch"),
        9 => (TruncatedArray(valid, random), JsonType, "/v1/decisions:batch"),
        10 => (valid, WrongContentType(random), "/v1/decisions"),
        _ => (valid, JsonType, "/v1/decisions"),
    };

    private static byte[] FlipBytes(byte[] valid, Random random)
    {
        var copy = (byte[])valid.Clone();
        for (var flips = random.Next(1, 4); flips > 0; flips--)
        {
            copy[random.Next(copy.Length)] = (byte)random.Next(256);
        }

        return copy;
    }

    private static byte[] WrongTypes(Random random)
    {
        string[] wrong = ["\"12\"", "true", "[]", "{}", "null", "\"\"", "-0", "1e-400"];
        return Encoding.UTF8.GetBytes($"{{\"user\":{wrong[random.Next(wrong.Length)]},\"amount\":{wrong[random.Next(wrong.Length)]}}}");
    }

    private static byte[] HugeNumber(Random random)
    {
        string[] huge = ["1e400", "-1e400", "123456789012345678901234567890123456789", "1" + new string('0', 400), "0." + new string('9', 500)];
        return Encoding.UTF8.GetBytes($"{{\"user\":\"robust-h\",\"amount\":{huge[random.Next(huge.Length)]}}}");
    }

    private static byte[] DeepNesting(Random random)
    {
        var depth = random.Next(1, 20_000);
        var nest = random.Next(2) == 0
            ? new string('[', depth) + new string(']', depth)
            : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
        return Encoding.UTF8.GetBytes($"{{\"user\":\"robust-d\",\"amount\":1,\"x\":{nest}}}");
    }

    private static byte[] GiantString(Random random)
    {
        // Past the string limit (400), or past the body limit (413).
        var length = random.Next(2) == 0 ? random.Next(4_000, 60_000) : random.Next(65_000, 300_000);
        return Encoding.UTF8.GetBytes($"{{\"user\":\"{new string('u', length)}\",\"amount\":1}}");
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 256)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] InvalidUtf8() => [.. "{\"user\":\""u8, 0xC3, 0x28, 0xFF, 0xFE, .. "\",\"amount\":1}"u8];

    private static byte[] TruncatedArray(byte[] valid, Random random)
    {
        var batch = Encoding.UTF8.GetBytes("[" + Encoding.UTF8.GetString(valid) + "," + Encoding.UTF8.GetString(valid) + "]");
        return batch[..random.Next(batch.Length + 1)];
    }

    private static string WrongContentType(Random random)
    {
        string[] types = ["text/plain", "application/xml", "application/json; charset=utf-16", "multipart/form-data; boundary=x"];
        return types[random.Next(types.Length)];
    }
}
