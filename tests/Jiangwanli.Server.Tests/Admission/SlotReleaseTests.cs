using System.Text;
using Jiangwanli.Audit;
using Jiangwanli.Server.Admission;
using Jiangwanli.Server.Configuration;
using Jiangwanli.Server.Decisions;
using Jiangwanli.Server.Packs;
using Jiangwanli.Server.Telemetry;
using Jiangwanli.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jiangwanli.Server.Tests.Admission;

/// <summary>
/// Admission counts CPU work, not the wait for the disk: a request whose audit record is waiting for the log holds no
/// admission slot. Deterministic: the log's writer role is parked inside <see cref="IAuditObserver.OnBatchWritten"/>
/// of a first (gate) batch — on the thread that wrote it, which in batch mode is the appending thread — so every later
/// append stays queued, uncompleted, until the test opens the gate.
/// </summary>
public sealed class SlotReleaseTests : IAsyncLifetime
{
    private static readonly byte[] s_event = Encoding.UTF8.GetBytes("""{"user":"slot-1","ip":"198.51.100.1","amount":12}""");
    private static readonly byte[] s_batch = Encoding.UTF8.GetBytes(
        """[{"user":"slot-2","ip":"198.51.100.2","amount":1},{"user":"slot-3","ip":"198.51.100.3","amount":2}]""");

    private static readonly byte[] s_malformed = Encoding.UTF8.GetBytes("{\"user\":\"#");

    private readonly TempDirectory _folder = new();
    private readonly GateObserver _gate = new();
    private InProcessServer _server = null!;
    private AuditLog _audit = null!;
    private Task<AuditAck>? _gateAppend;
    private AdmissionControl _admission = null!;
    private DecisionEndpoint _single = null!;
    private BatchDecisionEndpoint _batch = null!;

    public async Task InitializeAsync()
    {
        _server = await InProcessServer.StartAsync(dataDirectory: _folder.Combine("data"));
        var services = _server.Host.Services;
        _audit = AuditLog.Open(new AuditLogOptions { Directory = _folder.Combine("gated-audit"), Durability = AuditDurability.Batch }, _gate);
        var log = DecisionLog.Of(_audit, "batch");

        // One slot, no queue: a second request while the slot is held would be refused 503 at once.
        _admission = new AdmissionControl(new AdmissionOptions { MaxConcurrency = 1, MaxQueue = 0, MaxDispatchDelay = TimeSpan.Zero }, null, TimeProvider.System, null);
        var packs = services.GetRequiredService<PackHost>();
        var metrics = services.GetRequiredService<JiangwanliMetrics>();
        var buffers = services.GetRequiredService<RequestBuffersPool>();
        _single = new DecisionEndpoint(packs, log, metrics, buffers, NullLogger<DecisionEndpoint>.Instance, 64 << 10, _admission);
        _batch = new BatchDecisionEndpoint(packs, log, metrics, buffers, NullLogger<BatchDecisionEndpoint>.Instance, 1 << 20, 1000, 32, _admission);
    }

    public async Task DisposeAsync()
    {
        _gate.Open();
        if (_gateAppend is not null)
        {
            Assert.True((await _gateAppend).IsAccepted);
        }

        await _audit.DisposeAsync();
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task HandleAsync_RequestAwaitingTheLog_HoldsNoSlot()
    {
        await ParkTheWriterAsync();

        var first = new HandlerHarness(_server.Host.Services);
        first.Prepare(s_event, "application/json");
        var firstTask = _single.HandleAsync(first.Context);

        Assert.False(firstTask.IsCompleted, "the append must still be waiting for the parked writer");
        Assert.Equal(0, _admission.Limiter.InFlight);

        // With the old behaviour (slot held until the append completes) this one would be refused 503 overloaded.
        var second = new HandlerHarness(_server.Host.Services);
        second.Prepare(s_event, "application/json");
        var secondTask = _single.HandleAsync(second.Context);
        Assert.False(secondTask.IsCompleted);
        Assert.Equal(0, _admission.Limiter.InFlight);
        Assert.Equal(0, _admission.Limiter.OverloadedCount);

        _gate.Open();
        await Task.WhenAll(firstTask, secondTask);

        Assert.Equal(200, first.StatusCode);
        Assert.Equal(200, second.StatusCode);
        Assert.Equal(0, _admission.Limiter.InFlight);
    }

    [Fact]
    public async Task BatchHandleAsync_BatchAwaitingTheLog_HoldsNoSlot()
    {
        await ParkTheWriterAsync();

        var batch = new HandlerHarness(_server.Host.Services);
        batch.Prepare(s_batch, "application/json");
        var batchTask = _batch.HandleAsync(batch.Context);
        Assert.False(batchTask.IsCompleted);
        Assert.Equal(0, _admission.Limiter.InFlight);

        var single = new HandlerHarness(_server.Host.Services);
        single.Prepare(s_event, "application/json");
        var singleTask = _single.HandleAsync(single.Context);
        Assert.False(singleTask.IsCompleted);
        Assert.Equal(0, _admission.Limiter.OverloadedCount);

        _gate.Open();
        await Task.WhenAll(batchTask, singleTask);

        Assert.Equal(200, batch.StatusCode);
        Assert.Equal(200, single.StatusCode);
        Assert.Equal(0, _admission.Limiter.InFlight);
    }

    [Fact]
    public async Task HandleAsync_RefusedEvent_ReleasesItsSlotOnce()
    {
        var harness = new HandlerHarness(_server.Host.Services);
        for (var i = 0; i < 3; i++)
        {
            harness.Prepare(s_malformed, "application/json");
            await _single.HandleAsync(harness.Context);
            Assert.Equal(400, harness.StatusCode);
            Assert.Equal(0, _admission.Limiter.InFlight);
        }

        harness.Prepare(s_event, "application/json");
        await _single.HandleAsync(harness.Context);
        Assert.Equal(200, harness.StatusCode);
        Assert.Equal(0, _admission.Limiter.InFlight);
    }

    /// <summary>
    /// Appends a gate record from another thread and waits until whoever wrote it (that thread, holding the writer
    /// role, or the writer thread) is parked in the observer after writing it.
    /// </summary>
    private async Task ParkTheWriterAsync()
    {
        _gate.Arm();
        _gateAppend = Task.Run(async () => await _audit.AppendAsync("gate"u8));
        Assert.True(await Task.Run(() => _gate.Parked.Wait(TimeSpan.FromSeconds(30))), "the writer never reported its batch");
    }

    /// <summary>Once armed, parks the writer in its next batch report until <see cref="Open"/>.</summary>
    private sealed class GateObserver : IAuditObserver
    {
        private readonly ManualResetEventSlim _open = new(false);
        private int _armed;

        public ManualResetEventSlim Parked { get; } = new(false);

        public void Arm() => Volatile.Write(ref _armed, 1);

        public void Open() => _open.Set();

        public void OnBatchWritten(in AuditBatchInfo batch)
        {
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                Parked.Set();

                // Bounded: a test that never opens the gate fails by its asserts, not by hanging the run.
                _open.Wait(TimeSpan.FromSeconds(60));
            }
        }
    }
}
