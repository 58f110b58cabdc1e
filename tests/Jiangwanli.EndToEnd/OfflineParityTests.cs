using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Jiangwanli.EndToEnd.Infrastructure;

namespace Jiangwanli.EndToEnd;

/// <summary>
/// The service and <c>jwl decide</c> are the same engine: for the same events, every decision the server answers is
/// byte-identical to the offline line, once <c>seq</c> (the audit sequence) is removed and <c>latency_us</c> zeroed.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed partial class OfflineParityTests(SharedServer fixture) : IDisposable
{
    private readonly JwlServer _server = fixture.Server;
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [GeneratedRegex("\"seq\":[0-9]+,")]
    private static partial Regex Sequence();

    [GeneratedRegex("\"latency_us\":[-+0-9.eE]+")]
    private static partial Regex Latency();

    private static string Normalize(string line) => Latency().Replace(Sequence().Replace(line, string.Empty), "\"latency_us\":0");

    private async Task<string[]> OfflineAsync(IReadOnlyList<string> events, string name)
    {
        var file = _folder.Combine(name);
        await File.WriteAllLinesAsync(file, events);
        var (exit, output, error) = await Jwl.RunAsync(_folder.Path, TimeSpan.FromSeconds(60), "decide", file, "--pack", Jwl.DefaultPack, "--no-latency");
        Assert.True(exit is 0 or 1, $"jwl decide exited with {exit}: {error}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(events.Count == lines.Length, $"{lines.Length} output lines for {events.Count} events\n{error}");
        return lines;
    }

    [Fact]
    public async Task Decide_SameEventsOneByOne_MatchJwlDecideByteForByte()
    {
        var events = Events.Generate("parity-single", 400, seed: 7, blockedCard: "card_tok_stolen_0001");
        var offline = await OfflineAsync(events, "single.jsonl");

        for (var i = 0; i < events.Count; i++)
        {
            using var response = await _server.DecideAsync(events[i]);
            var online = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                Assert.Contains("\"seq\":", online, StringComparison.Ordinal);
            }

            if (Normalize(online) != offline[i])
            {
                throw _server.Failure($"event {i} differs\nevent:   {events[i]}\nserver:  {online}\noffline: {offline[i]}");
            }
        }
    }

    [Fact]
    public async Task DecideBatch_SameEventsAsNdJson_MatchJwlDecideElementForElement()
    {
        var events = Events.Generate("parity-batch", 300, seed: 11, blockedCard: "card_tok_stolen_0002");
        var offline = await OfflineAsync(events, "batch.jsonl");

        var online = new List<string>();
        foreach (var chunk in events.Chunk(120))
        {
            using var content = new StringContent(string.Join('\n', chunk), Encoding.UTF8, "application/x-ndjson");
            using var response = await _server.Public.PostAsync("/v1/decisions:batch", content);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var document = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            online.AddRange(document.RootElement.EnumerateArray().Select(static e => e.GetRawText()));
        }

        Assert.Equal(events.Count, online.Count);
        for (var i = 0; i < events.Count; i++)
        {
            // Batch problems carry their index within the request; the offline line is the single-event problem.
            var server = Regex.Replace(Normalize(online[i]), "^\\{\"index\":[0-9]+,", "{");
            if (server != offline[i])
            {
                throw _server.Failure($"event {i} differs\nevent:   {events[i]}\nserver:  {online[i]}\noffline: {offline[i]}");
            }
        }
    }
}
