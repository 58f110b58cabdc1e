using System.Net;
using System.Text;
using Jiangwanli.Server.Tests.Infrastructure;

namespace Jiangwanli.Server.Tests.Management;

/// <summary>Admin operations that change the server: each test has its own server and data folder.</summary>
public sealed class AdminTests : IAsyncLifetime
{
    private readonly TempDirectory _folder = new();
    private InProcessServer _server = null!;

    private string PackPath => _folder.Combine("pack.yaml");

    private string DataPath => _folder.Combine("data");

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(PackPath, TestPacks.Small("test-1"));
        _server = await InProcessServer.StartAsync(dataDirectory: DataPath, packPath: PackPath);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task PutList_JsonArray_ReplacesAtomicallyAndPersists()
    {
        using var put = await _server.Admin.PutAsync("/admin/lists/blocked_ips", new StringContent("""["198.51.100.0/24","2001:db8::1"]""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(2, (await Json.ReadAsync(put)).GetProperty("count").GetInt32());
        using var denied = await _server.DecideAsync("""{"user":"l1","ip":"198.51.100.77","amount":1}""");
        Assert.Equal("deny", (await Json.ReadAsync(denied)).GetProperty("decision").GetString());
        using var formerlyBlocked = await _server.DecideAsync("""{"user":"l1","ip":"203.0.113.9","amount":1}""");
        Assert.Equal("allow", (await Json.ReadAsync(formerlyBlocked)).GetProperty("decision").GetString());
        Assert.True(File.Exists(Path.Combine(DataPath, "lists", "blocked_ips.json")));

        using var get = await _server.Admin.GetAsync("/admin/lists/blocked_ips");
        var list = await Json.ReadAsync(get);
        Assert.True(list.GetProperty("persisted").GetBoolean());
        Assert.Equal(["198.51.100.0/24", "2001:db8::1"], list.GetProperty("entries").EnumerateArray().Select(static e => e.GetString()));
    }

    [Fact]
    public async Task PutList_NewlineText_IsAccepted()
    {
        using var put = await _server.Admin.PutAsync("/admin/lists/blocked_ips", new StringContent("# ops\n10.0.0.0/8\n\n192.0.2.1\n", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        using var denied = await _server.DecideAsync("""{"user":"l2","ip":"10.20.30.40","amount":1}""");
        Assert.Equal("deny", (await Json.ReadAsync(denied)).GetProperty("decision").GetString());
    }

    [Fact]
    public async Task PutList_InvalidEntry_Is400AndLeavesTheListUnchanged()
    {
        using var put = await _server.Admin.PutAsync("/admin/lists/blocked_ips", new StringContent("""["10.0.0.1","not-an-ip"]""", Encoding.UTF8, "application/json"));

        var problem = await Json.ProblemAsync(put, 400, "invalid-list");
        Assert.Contains("not-an-ip", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var still = await _server.DecideAsync("""{"user":"l3","ip":"203.0.113.9","amount":1}""");
        Assert.Equal("deny", (await Json.ReadAsync(still)).GetProperty("decision").GetString());
        Assert.False(File.Exists(Path.Combine(DataPath, "lists", "blocked_ips.json")));
    }

    [Fact]
    public async Task PutList_UnknownList_Is404()
    {
        using var put = await _server.Admin.PutAsync("/admin/lists/nope", new StringContent("[]", Encoding.UTF8, "application/json"));
        await Json.ProblemAsync(put, 404, "list-not-found");
    }

    [Fact]
    public async Task PutList_ThenRestart_TheReplacementSurvives()
    {
        using (await _server.Admin.PutAsync("/admin/lists/blocked_ips", new StringContent("""["192.0.2.55"]""", Encoding.UTF8, "application/json"))) { }
        await _server.DisposeAsync();

        _server = await InProcessServer.StartAsync(dataDirectory: DataPath, packPath: PackPath);

        using var denied = await _server.DecideAsync("""{"user":"l4","ip":"192.0.2.55","amount":1}""");
        Assert.Equal("deny", (await Json.ReadAsync(denied)).GetProperty("decision").GetString());
        using var get = await _server.Admin.GetAsync("/admin/lists/blocked_ips");
        Assert.Equal(["192.0.2.55"], (await Json.ReadAsync(get)).GetProperty("entries").EnumerateArray().Select(static e => e.GetString()));
    }

    [Fact]
    public async Task PutPack_ValidPack_SwapsAndKeepsPersistedLists()
    {
        using (await _server.Admin.PutAsync("/admin/lists/blocked_ips", new StringContent("""["192.0.2.66"]""", Encoding.UTF8, "application/json"))) { }

        using var put = await _server.Admin.PutAsync("/admin/pack", new StringContent(TestPacks.Small("test-2"), Encoding.UTF8, "application/yaml"));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var swapped = await Json.ReadAsync(put);
        Assert.Equal("test-2", swapped.GetProperty("version").GetString());
        Assert.Equal("test-1", swapped.GetProperty("previous").GetString());
        using var decision = await _server.DecideAsync("""{"user":"p1","ip":"192.0.2.66","amount":1}""");
        var body = await Json.ReadAsync(decision);
        Assert.Equal("test-2", body.GetProperty("pack").GetString());
        Assert.Equal("deny", body.GetProperty("decision").GetString());
    }

    [Fact]
    public async Task PutPack_BadPack_IsRefusedWithLocatedErrorsAndTheOldPackKeepsServing()
    {
        var bad = TestPacks.Small("test-bad").Replace("when: user_txn_1h > 3", "when: user_txn_1h >> 3", StringComparison.Ordinal);

        using var put = await _server.Admin.PutAsync("/admin/pack", new StringContent(bad, Encoding.UTF8, "application/yaml"));

        var problem = await Json.ProblemAsync(put, 400, "invalid-pack");
        var error = problem.GetProperty("errors").EnumerateArray().First();
        Assert.Equal("burst", error.GetProperty("rule").GetString());
        Assert.True(error.GetProperty("line").GetInt32() > 1);
        Assert.True(error.GetProperty("column").GetInt32() > 1);
        using var decision = await _server.DecideAsync("""{"user":"p2","amount":1}""");
        Assert.Equal("test-1", (await Json.ReadAsync(decision)).GetProperty("pack").GetString());
    }

    [Fact]
    public async Task PutPack_NotUtf8_Is400()
    {
        using var put = await _server.Admin.PutAsync("/admin/pack", new ByteArrayContent([0xC3, 0x28, 0xFF]));
        await Json.ProblemAsync(put, 400, "bad-request");
    }
}
