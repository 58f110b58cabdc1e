using System.Text;
using Jiangwanli.Server.Decisions;
using Jiangwanli.Server.Hosting;
using Jiangwanli.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Jiangwanli.Server.Tests.Decisions;

/// <summary>
/// "No per-request allocation from our code": the decision handlers run in-process on a reusable HttpContext whose
/// pipes and headers are allocation-free doubles, so <see cref="GC.GetAllocatedBytesForCurrentThread"/> counts exactly
/// what the handler, the engine and our metrics allocate. Kestrel's own per-request work (parsing, its pooled
/// HttpContext, header strings) is outside this measurement by construction.
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class DecisionAllocationTests : IAsyncLifetime
{
    private const int Requests = 5000;

    private static readonly string[] s_events =
    [
        """{"id":"e1","timestamp":1764150000000,"user":"u1","device":"d1","ip":"198.51.100.20","card":"c1","amount":12.5,"currency":"EUR","country":"FR","card_country":"FR","email":"a@example.com","is_3ds":true}""",
        """{"id":"e2","timestamp":1764150001000,"user":"u2","ip":"203.0.113.7","amount":9000,"country":"DE","card_country":"US","is_3ds":false}""",
        """{"id":"e3","timestamp":1764150002000,"user":"u1","device":"d1","card":"card_tok_stolen_0001","amount":3.0,"email":"x@MAILINATOR.com"}""",
        """{"user":"u3","amount":1500,"account_created":"2025-11-26T00:00:00Z","timestamp":"2025-11-26T10:00:00Z"}""",
    ];

    private readonly TempDirectory _data = new();
    private JiangwanliHost _host = null!;

    public async Task InitializeAsync()
    {
        var (publicPort, managementPort) = FreePorts.Pair();
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Jiangwanli:Pack"] = TestPacks.DefaultPackPath,
            ["Jiangwanli:DataDirectory"] = _data.Path,
            ["Jiangwanli:Urls"] = $"http://127.0.0.1:{publicPort}",
            ["Jiangwanli:ManagementUrls"] = $"http://127.0.0.1:{managementPort}",
            ["Jiangwanli:Audit:Enabled"] = "false",
            ["Jiangwanli:Admission:MaxDispatchDelay"] = "00:00:00", // see InProcessServer: the pool is the test runner's
        };
        var errors = new StringWriter();
        _host = JiangwanliHost.Create(new ServerLaunch { Settings = settings, Environment = new Dictionary<string, string?>(), HandleSignals = false, ConfigureLogging = static _ => { } }, errors)
            ?? throw new InvalidOperationException(errors.ToString());

        // Started, so the OpenTelemetry meter provider listens and our instruments are enabled: their cost is counted.
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public void Decide_SteadyState_AllocatesNothingPerRequest()
    {
        var endpoint = _host.Services.GetRequiredService<DecisionEndpoint>();
        var harness = new HandlerHarness(_host.Services);
        var bodies = s_events.Select(static e => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(e)).ToArray();

        var (allocated, ok) = Measure(harness, bodies, "application/json", endpoint.HandleAsync);

        Assert.Equal(Requests, ok);
        Assert.True(allocated == 0, $"{allocated} bytes over {Requests} decisions ({allocated / (double)Requests:F1} per request)");
        Assert.Contains("\"decision\":", Encoding.UTF8.GetString(harness.ResponseBody), StringComparison.Ordinal);
        Assert.Equal(harness.ResponseBody.Length, harness.ResponseContentLength);
    }

    [Fact]
    public void Decide_RefusedEventOfWrongType_AllocatesNothingPerRequest()
    {
        var endpoint = _host.Services.GetRequiredService<DecisionEndpoint>();
        var harness = new HandlerHarness(_host.Services);
        ReadOnlyMemory<byte>[] bodies = [Encoding.UTF8.GetBytes("""{"user":"u1","amount":"12"}""")];

        var (allocated, _) = Measure(harness, bodies, "application/json", endpoint.HandleAsync);

        Assert.Equal(400, harness.StatusCode);
        Assert.True(allocated == 0, $"{allocated} bytes over {Requests} refusals");
    }

    [Fact]
    public void DecideBatch_SteadyState_AllocatesNothingPerRequest()
    {
        var endpoint = _host.Services.GetRequiredService<BatchDecisionEndpoint>();
        var harness = new HandlerHarness(_host.Services);
        ReadOnlyMemory<byte>[] bodies = [Encoding.UTF8.GetBytes("[" + string.Join(",", s_events) + "]")];

        var (allocated, ok) = Measure(harness, bodies, "application/json", endpoint.HandleAsync);

        Assert.Equal(Requests, ok);
        Assert.True(allocated == 0, $"{allocated} bytes over {Requests} batches of {s_events.Length}");
    }

    private static (long Allocated, int Ok) Measure(HandlerHarness harness, ReadOnlyMemory<byte>[] bodies, string contentType, Func<Microsoft.AspNetCore.Http.HttpContext, Task> handler)
    {
        // Warm-up: JIT, pools, feature keys, the OpenTelemetry aggregators' tag sets.
        for (var i = 0; i < 2000; i++)
        {
            harness.Prepare(bodies[i % bodies.Length], contentType);
            Assert.True(handler(harness.Context).IsCompletedSuccessfully);
        }

        // The least over several rounds (SteadyStateAllocation): a one-time allocation of the runtime's own in one round
        // must not fail the test, while one of ours would show in every round. "ok" counts the last round.
        var ok = 0;
        var allocated = SteadyStateAllocation.Measure(() =>
        {
            ok = 0;
            for (var i = 0; i < Requests; i++)
            {
                harness.Prepare(bodies[i % bodies.Length], contentType);
                var task = handler(harness.Context);
                if (task.IsCompletedSuccessfully && harness.StatusCode == 200)
                {
                    ok++;
                }
            }
        });
        return (allocated, ok);
    }
}

/// <summary>Allocation measurements run alone (other tests' threads do not disturb the per-thread counter, but keep the heap quiet).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "allocation";
}
