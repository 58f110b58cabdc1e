using System.Text;
using System.Text.Json;
using Jiangwanli.Cli.Commands;

namespace Jiangwanli.Cli.Tests;

public sealed class DecideCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("jwl-cli-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private (int Exit, string[] Lines, string Error) Decide(string content, string? pack = null, bool noLatency = true)
    {
        var path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".jsonl");
        File.WriteAllText(path, content);
        using var output = new MemoryStream();
        var error = new StringWriter();
        var exit = DecideCommand.Run(path, pack, noLatency, output, error);
        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (exit, lines, error.ToString());
    }

    [Fact]
    public void Run_ValidEvents_OneDecisionLinePerEventInOrder()
    {
        var (exit, lines, error) = Decide(
            "{\"id\":\"a\",\"timestamp\":1764150000000,\"user\":\"u1\",\"amount\":10}\r\n" +
            "\n" +
            "{\"id\":\"b\",\"timestamp\":1764150001000,\"user\":\"u1\",\"ip\":\"203.0.113.4\",\"amount\":10}\n" +
            "{\"id\":\"c\",\"timestamp\":1764150002000,\"user\":\"u2\",\"card\":\"card_tok_stolen_0002\",\"amount\":3}");

        Assert.True(exit == 0, error);
        Assert.Equal(3, lines.Length);
        Assert.Equal(
            """{"id":"a","decision":"allow","score":0,"reasons":[],"features":{"user_txn_1m":1,"user_txn_1h":1,"user_amount_24h":10,"user_max_amount_24h":10,"card_txn_1h":null,"card_users_24h":null,"device_users_24h":null,"ip_txn_1m":null,"ip_users_1h":null},"pack":"2026.11.26-1","latency_us":0}""",
            lines[0]);
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("b", second.RootElement.GetProperty("id").GetString());
        Assert.Equal("deny", second.RootElement.GetProperty("decision").GetString());
        Assert.Equal(2, second.RootElement.GetProperty("features").GetProperty("user_txn_1h").GetDouble());
        Assert.Contains("blocked_card", lines[2], StringComparison.Ordinal);
        Assert.Contains("decided 3 events (allow 1, review 0, deny 2), refused 0", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_RefusedEvent_WritesTheServersProblemInItsPlaceAndExitsOne()
    {
        var (exit, lines, _) = Decide("{\"user\":\"u1\",\"amount\":\"ten\"}\n{\"user\":\"u1\",\"amount\":1}\n");

        Assert.Equal(1, exit);
        Assert.Equal(2, lines.Length);
        using var problem = JsonDocument.Parse(lines[0]);
        Assert.Equal("urn:jiangwanli:problem:wrong-type", problem.RootElement.GetProperty("type").GetString());
        Assert.Equal("amount", problem.RootElement.GetProperty("field").GetString());
        Assert.Contains("\"decision\":\"allow\"", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SameFileTwice_SameOutput()
    {
        var content = string.Join('\n', Enumerable.Range(0, 50).Select(i => $"{{\"id\":\"e{i}\",\"timestamp\":{1764150000000L + (i * 1000)},\"user\":\"u{i % 3}\",\"amount\":{i * 97}}}"));

        Assert.Equal(Decide(content).Lines, Decide(content).Lines);
    }

    [Fact]
    public void Run_WithLatency_ReportsEvaluationTime()
    {
        var (_, lines, _) = Decide("{\"user\":\"u1\",\"amount\":1}", noLatency: false);
        using var decision = JsonDocument.Parse(lines[0]);
        Assert.True(decision.RootElement.GetProperty("latency_us").GetDouble() > 0);
    }

    [Fact]
    public void Run_PackWithErrors_ExitsTwo()
    {
        var pack = Path.Combine(_folder, "bad.yaml");
        File.WriteAllText(pack, "version: 1\nschema: {}\n");

        var (exit, lines, error) = Decide("{}", pack);

        Assert.Equal(2, exit);
        Assert.Empty(lines);
        Assert.Contains("bad.yaml:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MissingInput_ExitsTwo()
    {
        using var output = new MemoryStream();
        var error = new StringWriter();

        Assert.Equal(2, DecideCommand.Run(Path.Combine(_folder, "missing.jsonl"), null, true, output, error));
        Assert.Contains("cannot read", error.ToString(), StringComparison.Ordinal);
    }
}
