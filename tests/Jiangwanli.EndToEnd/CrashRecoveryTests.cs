using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Jiangwanli.Audit;
using Jiangwanli.EndToEnd.Infrastructure;
using Xunit.Abstractions;

namespace Jiangwanli.EndToEnd;

/// <summary>
/// Issue 4's crash test with real processes: the real server under load (durability fsync), killed with SIGKILL at
/// seeded random moments and restarted on the same data folder; every decision a client saw acknowledged must be in
/// the log, under the sequence number it was given, and the log must verify with no gaps.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    private const int Kills = 6;
    private const int Workers = 4;
    private const int Seed = 20261126;

    [Fact]
    public async Task Serve_KilledRepeatedlyUnderLoad_KeepsEveryAcknowledgedDecisionInAGaplessVerifiedLog()
    {
        using var data = new TempDirectory();
        var audit = Path.Combine(data.Path, "audit");
        var random = new Random(Seed);
        var acknowledged = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var logs = new StringBuilder();
        var clock = Stopwatch.StartNew();

        for (var round = 0; round < Kills; round++)
        {
            var loadFor = TimeSpan.FromMilliseconds(random.Next(300, 1501));
            var server = await JwlServer.StartAsync(dataDirectory: data.Path, durability: "fsync");
            await using (server)
            {
                using var stop = new CancellationTokenSource();
                var workers = new Task<int>[Workers];
                for (var w = 0; w < Workers; w++)
                {
                    workers[w] = LoadAsync(server, $"crash-{round}-{w}", acknowledged, stop.Token);
                }

                await Task.Delay(loadFor);
                using (var process = Process.GetProcessById(server.Pid))
                {
                    process.Kill(entireProcessTree: true); // SIGKILL
                    await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                }

                await stop.CancelAsync();
                var counts = await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));
                output.WriteLine($"round {round}: killed after {loadFor.TotalMilliseconds} ms, {counts.Sum()} acknowledged");
                logs.AppendLine(CultureInfo.InvariantCulture, $"--- round {round} ---").Append(server.Log);
            }
        }

        // A last clean start (recovers the tail of the last kill) and graceful stop.
        var last = await JwlServer.StartAsync(dataDirectory: data.Path, durability: "fsync");
        await using (last)
        {
            var exit = await last.StopAsync();
            Assert.True(exit == 0, $"final jwl serve exited with {exit}\n{last.Log}");
        }

        output.WriteLine($"{acknowledged.Count} acknowledged decisions over {Kills} kills in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(!acknowledged.IsEmpty, "no decision was acknowledged; the test exercised nothing\n" + logs);

        var verify = AuditVerifier.Verify(audit);
        Assert.True(verify.IsValid, $"audit verify failed after {Kills} kills: {verify.Failure?.Message}");

        var idsBySequence = new Dictionary<ulong, string?>();
        ulong expected = 1;
        using (var reader = AuditReader.Open(audit))
        {
            while (reader.TryRead(out var record))
            {
                Assert.True(record.Sequence == expected, $"sequence gap: expected {expected}, read {record.Sequence}");
                using var json = JsonDocument.Parse(record.Payload);
                idsBySequence[record.Sequence] = json.RootElement.TryGetProperty("id", out var id) ? id.GetString() : null;
                expected++;
            }
        }

        Assert.Equal(verify.LastSequence, expected - 1);
        var missing = acknowledged
            .Where(a => !idsBySequence.TryGetValue((ulong)a.Value, out var logged) || logged != a.Key)
            .Select(a => $"{a.Key} (seq {a.Value}, log has {(idsBySequence.TryGetValue((ulong)a.Value, out var l) ? l ?? "no id" : "nothing")})")
            .Take(20)
            .ToList();
        Assert.True(missing.Count == 0, $"acknowledged decisions missing from the log ({idsBySequence.Count} records):\n{string.Join("\n", missing)}");
    }

    /// <summary>Sends events with unique ids until stopped or the server dies; records every 200 as id → seq.</summary>
    private static async Task<int> LoadAsync(JwlServer server, string prefix, ConcurrentDictionary<string, long> acknowledged, CancellationToken stop)
    {
        var count = 0;

        // Bounded: stops at cancellation (right after the kill) or at the first transport failure.
        for (var n = 0; n < 1_000_000 && !stop.IsCancellationRequested; n++)
        {
            var id = $"{prefix}-{n}";
            var body = $"{{\"id\":\"{id}\",\"user\":\"{prefix}-u{n % 7}\",\"amount\":{(n % 90) + 10}.5,\"ip\":\"198.51.100.{n % 50}\"}}";
            try
            {
                using var response = await server.DecideAsync(body);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    continue;
                }

                using var decision = JsonDocument.Parse(await response.Content.ReadAsStringAsync(CancellationToken.None));
                var returnedId = decision.RootElement.GetProperty("id").GetString();
                if (returnedId != id)
                {
                    throw new Xunit.Sdk.XunitException($"sent id {id}, the decision came back with id {returnedId}");
                }

                acknowledged[id] = decision.RootElement.GetProperty("seq").GetInt64();
                count++;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                // The server was killed under this request: not acknowledged, so the log owes nothing.
                break;
            }
        }

        return count;
    }
}
