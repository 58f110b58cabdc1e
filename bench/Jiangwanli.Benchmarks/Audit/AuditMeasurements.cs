using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Jiangwanli.Audit;
using Microsoft.Win32.SafeHandles;

// The latency slots hold one append's awaiter until its completion callback consumes it, exactly once.
#pragma warning disable CA2012

namespace Jiangwanli.Benchmarks.Audit;

/// <summary>
/// Console measurements BenchmarkDotNet is awkward for:
/// <list type="bullet">
/// <item><c>--audit-throughput</c>: fsync group commit with 8 producers against a raw sequential write + fsync loop
/// that replays the exact batch sizes the log produced, in the same run, on the same disk, rounds interleaved.</item>
/// <item><c>--audit-latency</c>: append-to-durable latency percentiles at a fixed open-loop rate (default 50,000/s).</item>
/// </list>
/// Options: <c>--dir PATH</c> (default: temp), <c>--seconds N</c>, <c>--rounds N</c>, <c>--producers N</c>,
/// <c>--window N</c>, <c>--payload BYTES</c>, <c>--rate N</c>, <c>--reserve-only</c> (segments not zero-filled),
/// <c>--no-raw</c> (skip the raw baseline).
/// </summary>
public static class AuditMeasurements
{
    /// <summary>Runs a measurement if <paramref name="args"/> asks for one (call first thing from Main).</summary>
    public static bool TryRun(string[] args, out int exitCode)
    {
        exitCode = 0;
        if (args.Contains("--audit-throughput"))
        {
            Throughput(new Settings(args));
            return true;
        }

        if (args.Contains("--audit-latency"))
        {
            Latency(new Settings(args));
            return true;
        }

        return false;
    }

    private static void Throughput(Settings settings)
    {
        Console.WriteLine($"audit throughput: fsync, {(settings.ReserveOnly ? "reserved-only" : "zero-filled")} segments, {settings.Producers} producers x {settings.Window} in flight, {settings.Payload}-byte payloads, " +
            $"{settings.Seconds}s per round, {settings.Rounds} rounds, dir {settings.Directory}");
        Console.WriteLine($"{Environment.ProcessorCount} CPUs, {RuntimeInfo()}");
        var payload = AuditBenchmarkPayload.Create(settings.Payload);
        for (var round = 1; round <= settings.Rounds; round++)
        {
            var directory = Path.Combine(settings.Directory, $"round-{round}-{Guid.NewGuid():N}");
            var batches = new BatchRecorder();
            long records;
            long bytes;
            double seconds;
            double cpu;
            long batchCount;
            var log = AuditLog.Open(
                new AuditLogOptions { Directory = directory, RetentionMaxBytes = 2L << 30, ZeroFillSegments = !settings.ReserveOnly }, batches);
            try
            {
                var stop = new StrongBox<bool>();
                var producers = new Task<long>[settings.Producers];
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var started = Stopwatch.GetTimestamp();
                for (var p = 0; p < producers.Length; p++)
                {
                    producers[p] = Task.Run(() => AuditLoad.ProduceAsync(log, payload, settings.Window, long.MaxValue, stop));
                }

                Thread.Sleep(TimeSpan.FromSeconds(settings.Seconds));
                Volatile.Write(ref stop.Value, true);
                Task.WaitAll(producers);
                seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
                var stats = log.GetStatistics();
                records = stats.RecordsWritten;
                bytes = stats.BytesWritten;
                batchCount = stats.Batches;
            }
            finally
            {
                log.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            var sizes = batches.Sizes();
            var logBytesPerSecond = bytes / seconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: audit log  {records / seconds,12:N0} records/s  {logBytesPerSecond / 1e6,8:F1} MB/s  " +
                $"batches {batchCount:N0} (mean {(double)records / batchCount:F0} records, {Percentile(sizes, 0.5) / 1024.0:F0}/{Percentile(sizes, 0.99) / 1024.0:F0} KiB p50/p99)  " +
                $"CPU {cpu * 1e6 / records:F2} µs/record ({cpu / seconds:F2} cores)"));

            if (settings.SkipRaw)
            {
                Directory.Delete(directory, recursive: true);
                continue;
            }

            var appendRate = RawReplay(directory, sizes, preZeroed: false);
            var zeroedRate = RawReplay(directory, sizes, preZeroed: true);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: raw write+fsync, same batch sizes: append to new file {appendRate / 1e6,8:F1} MB/s (log = {logBytesPerSecond / appendRate:F2}x); " +
                $"overwrite pre-zeroed file + fdatasync {zeroedRate / 1e6,8:F1} MB/s (log = {logBytesPerSecond / zeroedRate:F2}x)"));
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Writes the recorded batch sizes one write + one flush each, sequentially; returns bytes/s.</summary>
    private static double RawReplay(string directory, long[] sizes, bool preZeroed)
    {
        var path = Path.Combine(directory, preZeroed ? "raw-zeroed.bin" : "raw-append.bin");
        var total = 0L;
        var largest = 1L;
        foreach (var size in sizes)
        {
            total += size;
            largest = Math.Max(largest, size);
        }

        var buffer = new byte[largest];
        new Random(7).NextBytes(buffer);
        using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
        if (preZeroed)
        {
            var zeros = new byte[1 << 20];
            for (var offset = 0L; offset < total; offset += zeros.Length)
            {
                RandomAccess.Write(handle, zeros.AsSpan(0, (int)Math.Min(zeros.Length, total - offset)), offset);
            }

            RandomAccess.FlushToDisk(handle);
        }

        var started = Stopwatch.GetTimestamp();
        var position = 0L;
        foreach (var size in sizes)
        {
            RandomAccess.Write(handle, buffer.AsSpan(0, (int)size), position);
            position += size;
            if (preZeroed)
            {
                FlushData(handle);
            }
            else
            {
                RandomAccess.FlushToDisk(handle);
            }
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        File.Delete(path);
        return total / seconds;
    }

    private static void FlushData(SafeFileHandle handle) => Jiangwanli.Audit.Storage.FileSync.FlushData(handle);

    private static void Latency(Settings settings)
    {
        var rate = settings.Rate;
        Console.WriteLine($"audit latency: fsync, {(settings.ReserveOnly ? "reserved-only" : "zero-filled")} segments, open loop at {rate:N0} appends/s, {settings.Payload}-byte payloads, {settings.Seconds}s after 1s warm-up, dir {settings.Directory}");
        Console.WriteLine($"{Environment.ProcessorCount} CPUs, {RuntimeInfo()}");
        var directory = Path.Combine(settings.Directory, $"latency-{Guid.NewGuid():N}");
        var payload = AuditBenchmarkPayload.Create(settings.Payload);
        var total = (int)(rate * (settings.Seconds + 1));
        var warmup = rate;
        var latencies = new long[total];
        var lag = new long[total];
        var batches = new BatchRecorder();
        var log = AuditLog.Open(new AuditLogOptions { Directory = directory, RetentionMaxBytes = 2L << 30, ZeroFillSegments = !settings.ReserveOnly }, batches);
        try
        {
            var slots = new LatencySlot[8192];
            for (var i = 0; i < slots.Length; i++)
            {
                slots[i] = new LatencySlot(latencies);
            }

            // The pacer issues every append whose scheduled time has come; it sleeps ~1 ms between rounds rather than
            // spinning, to leave the CPUs to the writer. Latency runs from the AppendAsync call to the completion
            // callback; how late the pacer issued (lag) is reported separately.
            var interval = (double)Stopwatch.Frequency / rate;
            var start = Stopwatch.GetTimestamp();
            var issued = 0;
            while (issued < total)
            {
                var now = Stopwatch.GetTimestamp();
                while (issued < total && start + (long)(issued * interval) <= now)
                {
                    var slot = slots[issued % slots.Length];
                    slot.WaitUntilFree();
                    lag[issued] = Stopwatch.GetTimestamp() - (start + (long)(issued * interval));
                    slot.Issue(log, payload, issued);
                    issued++;
                }

                Thread.Sleep(1);
            }

            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            foreach (var slot in slots)
            {
                slot.WaitUntilFree();
            }

            var stats = log.GetStatistics();
            var measured = latencies.AsSpan(warmup).ToArray();
            Array.Sort(measured);
            var lags = lag.AsSpan(warmup).ToArray();
            Array.Sort(lags);
            static string Ms(long ticks) => (ticks * 1000.0 / Stopwatch.Frequency).ToString("F3", CultureInfo.InvariantCulture);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"achieved {total / elapsed:N0} appends/s; {stats.Batches:N0} batches (mean {(double)stats.RecordsWritten / stats.Batches:F1} records)"));
            Console.WriteLine($"append-to-durable latency ms: p50 {Ms(Percentile(measured, 0.5))}  p90 {Ms(Percentile(measured, 0.9))}  " +
                $"p99 {Ms(Percentile(measured, 0.99))}  p99.9 {Ms(Percentile(measured, 0.999))}  max {Ms(measured[^1])}");
            Console.WriteLine($"pacer lag ms (issue time - schedule): p50 {Ms(Percentile(lags, 0.5))}  p99 {Ms(Percentile(lags, 0.99))}  max {Ms(lags[^1])}");
            var io = batches.IoMicroseconds();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"writer write+flush per batch ms: p50 {Percentile(io, 0.5) / 1000.0:F3}  p99 {Percentile(io, 0.99) / 1000.0:F3}  max {Percentile(io, 1) / 1000.0:F3}"));
        }
        finally
        {
            log.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static long Percentile(long[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return 0;
        }

        var copy = sorted;
        if (!IsSorted(copy))
        {
            copy = (long[])sorted.Clone();
            Array.Sort(copy);
        }

        return copy[Math.Min(copy.Length - 1, (int)(p * copy.Length))];
    }

    private static bool IsSorted(long[] values)
    {
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] < values[i - 1])
            {
                return false;
            }
        }

        return true;
    }

    private static string RuntimeInfo() =>
        $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";

    /// <summary>Records the size of every batch (bytes), on the writer thread.</summary>
    private sealed class BatchRecorder : IAuditObserver
    {
        private readonly List<long> _sizes = new(1 << 16);
        private readonly List<long> _io = new(1 << 16);
        private readonly Lock _lock = new();

        public void OnBatchWritten(in AuditBatchInfo batch)
        {
            lock (_lock)
            {
                _sizes.Add(batch.Bytes);
                _io.Add(batch.WriteMicroseconds + batch.FlushMicroseconds);
            }
        }

        public long[] IoMicroseconds()
        {
            lock (_lock)
            {
                return [.. _io];
            }
        }

        public long[] Sizes()
        {
            lock (_lock)
            {
                return [.. _sizes];
            }
        }
    }

    /// <summary>One in-flight append of the latency run; its completion callback is allocated once.</summary>
    private sealed class LatencySlot
    {
        private readonly long[] _latencies;
        private readonly Action _onCompleted;
        private ConfiguredValueTaskAwaitable<AuditAck>.ConfiguredValueTaskAwaiter _awaiter;
        private long _started;
        private int _index;
        private int _busy;

        public LatencySlot(long[] latencies)
        {
            _latencies = latencies;
            _onCompleted = OnCompleted;
        }

        public void WaitUntilFree()
        {
            var spin = default(SpinWait);
            while (Volatile.Read(ref _busy) != 0)
            {
                spin.SpinOnce();
            }
        }

        public void Issue(AuditLog log, byte[] payload, int index)
        {
            _index = index;
            _busy = 1;
            _started = Stopwatch.GetTimestamp();
            _awaiter = log.AppendAsync(payload).ConfigureAwait(false).GetAwaiter();
            if (_awaiter.IsCompleted)
            {
                OnCompleted();
            }
            else
            {
                _awaiter.UnsafeOnCompleted(_onCompleted);
            }
        }

        private void OnCompleted()
        {
            var ack = _awaiter.GetResult();
            _latencies[_index] = Stopwatch.GetTimestamp() - _started;
            if (ack.Status != AuditAppendStatus.Durable)
            {
                throw new InvalidOperationException($"append failed: {ack}");
            }

            Volatile.Write(ref _busy, 0);
        }
    }

    private sealed class Settings
    {
        public Settings(string[] args)
        {
            string? Get(string name)
            {
                var i = Array.IndexOf(args, name);
                return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
            }

            int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

            Directory = Get("--dir") ?? Path.Combine(Path.GetTempPath(), "jwl-bench-audit");
            Seconds = Int("--seconds", 5);
            Rounds = Int("--rounds", 3);
            Producers = Int("--producers", 8);
            Window = Int("--window", 128);
            Payload = Int("--payload", 400);
            Rate = Int("--rate", 50_000);
            SkipRaw = args.Contains("--no-raw");
            ReserveOnly = args.Contains("--reserve-only");
        }

        /// <summary>Segments only reserved (fallocate), not zero-filled: <see cref="AuditLogOptions.ZeroFillSegments"/> off.</summary>
        public bool ReserveOnly { get; }

        public bool SkipRaw { get; }

        public string Directory { get; }

        public int Seconds { get; }

        public int Rounds { get; }

        public int Producers { get; }

        public int Window { get; }

        public int Payload { get; }

        public int Rate { get; }
    }
}
