using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Jiangwanli.Audit.Format;

namespace Jiangwanli.Benchmarks.Audit;

/// <summary>
/// The per-record CPU work of the audit writer for a ~400-byte payload: CRC-32C of the frame and one step of the
/// SHA-256 hash chain, with the alternatives we rejected for comparison.
/// </summary>
[MemoryDiagnoser]
public class AuditFramingBenchmarks
{
    private readonly byte[] _frame = new byte[RecordFrame.HeaderSize + 400];
    private readonly byte[] _scratch = new byte[32 + RecordFrame.HeaderSize + 400];
    private readonly ChainHasher _hasher = new();
    private readonly ChainHasher _incremental = new(preferNative: false);
    private readonly byte[] _previous = new byte[32];
    private readonly byte[] _output = new byte[32];
    private ChainHash _hash;

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_frame);
        RecordFrame.WriteLength(_frame, _frame.Length);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _hasher.Dispose();
        _incremental.Dispose();
    }

    /// <summary>What the writer does: CRC-32C with SSE4.2 / ARMv8 CRC instructions.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("crc")]
    public uint Crc32CHardware() => Crc32C.Compute(_frame);

    /// <summary>The table fallback for CPUs without CRC instructions.</summary>
    [Benchmark]
    [BenchmarkCategory("crc")]
    public uint Crc32CSoftware() => Crc32C.AppendSoftware(0, _frame);

    /// <summary>System.IO.Hashing's CRC-32 (IEEE polynomial, vectorized with PCLMULQDQ) for comparison.</summary>
    [Benchmark]
    [BenchmarkCategory("crc")]
    public uint Crc32IeeeSystemIOHashing() => System.IO.Hashing.Crc32.HashToUInt32(_frame);

    /// <summary>What the writer does on Linux (ChainHasher): OpenSSL's SHA256_Init/Update/Update/Final called directly.</summary>
    [Benchmark]
    [BenchmarkCategory("chain")]
    public byte ChainStepNativeOpenSsl()
    {
        _hasher.Append(ref _hash, _frame);
        return _hash[0];
    }

    /// <summary>ChainHasher's fallback (and its Linux path until the eighth session): a reused IncrementalHash, two appends and a finish.</summary>
    [Benchmark]
    [BenchmarkCategory("chain")]
    public byte ChainStepIncrementalHash()
    {
        _incremental.Append(ref _hash, _frame);
        return _hash[0];
    }

    /// <summary>The rejected alternative: copy h ‖ frame into a reused buffer, one-shot SHA256.HashData.</summary>
    [Benchmark]
    [BenchmarkCategory("chain")]
    public byte ChainStepCopyAndHashData()
    {
        _previous.CopyTo(_scratch, 0);
        _frame.CopyTo(_scratch, 32);
        SHA256.HashData(_scratch, _previous);
        return _previous[0];
    }

    /// <summary>The hashing alone (no chain input, no copy): what is left after the interop overhead.</summary>
    [Benchmark]
    [BenchmarkCategory("chain")]
    public byte HashFrameOnly()
    {
        SHA256.HashData(_frame, _output);
        return _output[0];
    }
}
