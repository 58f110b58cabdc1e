using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Jiangwanli.Audit;

// Producers hold a window of ValueTasks on purpose (requests in flight); each is awaited exactly once.
#pragma warning disable CA2012

namespace Jiangwanli.Benchmarks.Audit;

/// <summary>
/// Group-commit appends: 8 concurrent producers, each keeping 128 appends in flight (like 1024 concurrent requests),
/// ~400-byte payloads, on the disk under the temp directory. One operation = one record; records/s = 1e9 / (ns/op).
/// Allocated bytes per op show the append path allocates nothing per record (the few bytes are the 8 producer tasks
/// per invocation, spread over 200,000 records).
/// </summary>
[MemoryDiagnoser]
public class AuditAppendBenchmarks
{
    private const int Producers = 8;
    private const int Window = 128;
    private const int PerProducer = 25_000;

    private readonly byte[] _payload = AuditBenchmarkPayload.Create(400);
    private string _directory = "";
    private AuditLog? _log;

    [Params(AuditDurability.Fsync, AuditDurability.None)]
    public AuditDurability Durability { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "jwl-bench-audit", Guid.NewGuid().ToString("N"));
        _log = AuditLog.Open(new AuditLogOptions
        {
            Directory = _directory,
            Durability = Durability,
            RetentionMaxBytes = 1L << 30, // keep the benchmark's disk use bounded
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Producers * PerProducer)]
    public Task AppendEightProducers() => AuditLoad.RunProducersAsync(_log!, _payload, Producers, Window, PerProducer);
}

/// <summary>Producer loops shared by the benchmarks and the console measurements.</summary>
internal static class AuditLoad
{
    /// <summary>Runs <paramref name="producers"/> thread-pool producers, each with <paramref name="window"/> appends in flight.</summary>
    public static Task RunProducersAsync(AuditLog log, byte[] payload, int producers, int window, int perProducer)
    {
        var tasks = new Task[producers];
        for (var p = 0; p < producers; p++)
        {
            tasks[p] = Task.Run(() => ProduceAsync(log, payload, window, perProducer, null));
        }

        return Task.WhenAll(tasks);
    }

    /// <summary>One producer: keeps <paramref name="window"/> appends in flight; stops after <paramref name="count"/> or when <paramref name="stop"/> is set.</summary>
    public static async Task<long> ProduceAsync(AuditLog log, byte[] payload, int window, long count, StrongBox<bool>? stop)
    {
        var pending = new ValueTask<AuditAck>[window];
        var issued = 0L;
        for (; issued < count && !(stop is not null && Volatile.Read(ref stop.Value)); issued++)
        {
            var slot = (int)(issued % window);
            if (issued >= window)
            {
                Check(await pending[slot].ConfigureAwait(false));
            }

            pending[slot] = log.AppendAsync(payload);
        }

        for (var i = 0L; i < Math.Min(issued, window); i++)
        {
            Check(await pending[i].ConfigureAwait(false));
        }

        return issued;
    }

    private static void Check(AuditAck ack)
    {
        if (!ack.IsWritten)
        {
            throw new InvalidOperationException($"append failed: {ack}");
        }
    }
}

/// <summary>A decision-like JSON payload of a given size.</summary>
internal static class AuditBenchmarkPayload
{
    public static byte[] Create(int size)
    {
        var head = "{\"decision\":\"review\",\"score\":55,\"rules\":[\"burst\",\"new_device\"],\"pack\":\"2026.11.26-1\",\"pad\":\""u8;
        var payload = new byte[size];
        head.CopyTo(payload);
        payload.AsSpan(head.Length, size - head.Length - 2).Fill((byte)'x');
        payload[^2] = (byte)'"';
        payload[^1] = (byte)'}';
        return payload;
    }
}
