using System.Text;
using Jiangwanli.Server.Decisions;
using Jiangwanli.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Jiangwanli.Server.Tests.Decisions;

/// <summary>
/// With the audit log on (fsync), a request whose append must wait for the group commit completes asynchronously.
/// Then the one allocation is the <see cref="Task"/> Kestrel awaits — our async method's box, inherent to the
/// RequestDelegate contract. Measured process-wide (the continuation runs on the log's writer thread), so this is a
/// budget, not an exact zero: it fails if anything beyond that one object per request creeps in.
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class DecisionAllocationWithAuditTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Requests = 4000;

    /// <summary>Above one state-machine box (~230 bytes measured) and well below two.</summary>
    private const double BudgetBytesPerRequest = 400;

    private readonly TempDirectory _folder = new();
    private InProcessServer _server = null!;

    public async Task InitializeAsync()
    {
        var pack = _folder.Combine("pack.yaml");
        await File.WriteAllTextAsync(pack, TestPacks.Small("alloc"));
        _server = await InProcessServer.StartAsync(
            dataDirectory: _folder.Combine("data"),
            packPath: pack,
            settings: new Dictionary<string, string?> { ["Jiangwanli:Audit:Durability"] = "fsync" });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Decide_AuditAppendAwaited_AllocatesOnlyTheTaskKestrelAwaits()
    {
        var endpoint = _server.Host.Services.GetRequiredService<DecisionEndpoint>();
        var harness = new HandlerHarness(_server.Host.Services);
        var body = Encoding.UTF8.GetBytes("""{"user":"alloc-1","ip":"198.51.100.1","amount":12}""");
        for (var i = 0; i < 1000; i++)
        {
            harness.Prepare(body, "application/json");
            await endpoint.HandleAsync(harness.Context);
        }

        var asynchronous = 0;
        var ok = 0;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < Requests; i++)
        {
            harness.Prepare(body, "application/json");
            var task = endpoint.HandleAsync(harness.Context);
            if (!task.IsCompleted)
            {
                asynchronous++;
            }

            await task;
            if (harness.StatusCode == 200)
            {
                ok++;
            }
        }

        var perRequest = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)Requests;
        output.WriteLine($"fsync: {perRequest:F1} bytes per request (process-wide), {asynchronous} of {Requests} requests awaited the log");
        Assert.Equal(Requests, ok);
        Assert.True(asynchronous > 0, "no request awaited the log; the measurement would not cover the async path");
        Assert.True(perRequest <= BudgetBytesPerRequest, $"{perRequest:F1} bytes per request, budget {BudgetBytesPerRequest}");
    }
}
