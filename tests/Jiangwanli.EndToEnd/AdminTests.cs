using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Jiangwanli.EndToEnd.Infrastructure;

namespace Jiangwanli.EndToEnd;

/// <summary>Hot reload against the real process: swaps under load, a refused pack, persisted lists across a restart.</summary>
public sealed class AdminTests
{
    [Fact]
    public async Task PutPack_UnderLoad_SwapsVersionsWithoutAFailedRequest()
    {
        await using var server = await JwlServer.StartAsync();
        using var stop = new CancellationTokenSource();
        var versions = new ConcurrentDictionary<string, int>();
        var failures = new ConcurrentQueue<string>();
        var sent = 0;

        async Task LoadAsync(int worker)
        {
            // Bounded: runs until the swaps are done (and the test's own timeout).
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                using var response = await server.DecideAsync($$"""{"user":"swap-{{worker}}-{{i % 50}}","amount":{{i % 900}}.5,"ip":"198.51.100.{{i % 200}}"}""");
                Interlocked.Increment(ref sent);
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Enqueue($"{(int)response.StatusCode}: {body}");
                    continue;
                }

                using var json = JsonDocument.Parse(body);
                versions.AddOrUpdate(json.RootElement.GetProperty("pack").GetString()!, 1, static (_, c) => c + 1);
            }
        }

        // Pacing, not synchronization: let at least 30 more decisions run (bounded: 5 s) before going on.
        async Task LetSomeDecisionsRunAsync()
        {
            var before = Volatile.Read(ref sent);
            for (var spin = 0; spin < 500 && Volatile.Read(ref sent) < before + 30; spin++)
            {
                await Task.Delay(10);
            }
        }

        var load = Enumerable.Range(0, 6).Select(w => Task.Run(() => LoadAsync(w))).ToArray();
        string[] swaps = ["swap-1", "swap-2", "swap-3", "swap-4", "swap-5", "swap-6", "swap-7", "swap-8"];
        await LetSomeDecisionsRunAsync();
        foreach (var version in swaps)
        {
            using var put = await server.Admin.PutAsync("/admin/pack", new StringContent(Packs.DefaultWithVersion(version), Encoding.UTF8, "application/yaml"));
            if (put.StatusCode != HttpStatusCode.OK)
            {
                throw server.Failure($"swap to {version}: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
            }

            await LetSomeDecisionsRunAsync();
        }

        await stop.CancelAsync();
        await Task.WhenAll(load);

        if (!failures.IsEmpty)
        {
            throw server.Failure($"{failures.Count} of {sent} requests failed during swaps; first: {failures.First()}");
        }

        Assert.True(versions.Count >= 3, "versions seen: " + string.Join(", ", versions.Keys));
        Assert.Contains("swap-8", versions.Keys);
        using var pack = await server.Public.GetAsync("/v1/pack");
        using var json = JsonDocument.Parse(await pack.Content.ReadAsStringAsync());
        Assert.Equal("swap-8", json.RootElement.GetProperty("version").GetString());
    }

    [Fact]
    public async Task PutPack_BadPack_IsRefusedWithLocatedErrorsAndTheOldPackKeepsServing()
    {
        await using var server = await JwlServer.StartAsync();
        using var before = await server.Public.GetAsync("/v1/pack");
        var version = JsonDocument.Parse(await before.Content.ReadAsStringAsync()).RootElement.GetProperty("version").GetString();

        using var put = await server.Admin.PutAsync("/admin/pack", new StringContent(Packs.Broken("broken-1"), Encoding.UTF8, "application/yaml"));

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal("application/problem+json", put.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await put.Content.ReadAsStringAsync());
        var error = problem.RootElement.GetProperty("errors")[0];
        Assert.Equal("user_burst_1m", error.GetProperty("rule").GetString());
        Assert.True(error.GetProperty("line").GetInt32() > 0 && error.GetProperty("column").GetInt32() > 0, error.GetRawText());

        using var decision = await server.DecideAsync("""{"user":"bad-pack","amount":1}""");
        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
        Assert.Equal(version, JsonDocument.Parse(await decision.Content.ReadAsStringAsync()).RootElement.GetProperty("pack").GetString());
    }

    [Fact]
    public async Task PutList_ThenRestart_TheReplacementIsStillThere()
    {
        using var data = new TempDirectory();
        await using (var first = await JwlServer.StartAsync(dataDirectory: data.Path))
        {
            using var put = await first.Admin.PutAsync("/admin/lists/trusted_users", new StringContent("u_restart_1\nu_restart_2\n", Encoding.UTF8, "text/plain"));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            Assert.Equal(0, await first.StopAsync());
        }

        await using var second = await JwlServer.StartAsync(dataDirectory: data.Path);
        using var list = await second.Admin.GetAsync("/admin/lists/trusted_users");
        using var json = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
        Assert.Equal(["u_restart_1", "u_restart_2"], json.RootElement.GetProperty("entries").EnumerateArray().Select(static e => e.GetString()!));
        Assert.True(json.RootElement.GetProperty("persisted").GetBoolean());
    }
}
