using System.Net;
using System.Text.Json;
using Jiangwanli.EndToEnd.Infrastructure;

namespace Jiangwanli.EndToEnd;

/// <summary>A restart loses no velocity state: the feature windows are rebuilt from the audit log on start.</summary>
public sealed class FeatureRebuildTests
{
    [Fact]
    public async Task Serve_RestartedOnTheSameData_RebuildsTheWindowsFromTheLog()
    {
        using var data = new TempDirectory();
        var user = "rebuild-" + Guid.NewGuid().ToString("N")[..8];

        var first = await JwlServer.StartAsync(dataDirectory: data.Path, durability: "fsync");
        await using (first)
        {
            for (var i = 1; i <= 5; i++)
            {
                Assert.Equal(i, await UserTxn1hAsync(first, user, i));
            }

            var exit = await first.StopAsync();
            Assert.True(exit == 0, $"jwl serve exited with {exit}\n{first.Log}");
        }

        var second = await JwlServer.StartAsync(dataDirectory: data.Path, durability: "fsync");
        await using (second)
        {
            var count = await UserTxn1hAsync(second, user, 6);
            Assert.True(count == 6, $"after the restart user_txn_1h was {count}, expected 6 (5 before + this one)\n{second.Log}");
        }
    }

    private static async Task<double> UserTxn1hAsync(JwlServer server, string user, int n)
    {
        using var response = await server.DecideAsync($"{{\"id\":\"{user}-{n}\",\"user\":\"{user}\",\"amount\":25.0}}");
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw server.Failure($"event {n}: {(int)response.StatusCode} {body}");
        }

        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("features").GetProperty("user_txn_1h").GetDouble();
    }
}
